//! Running a scenario's steps against a backend and reporting each one.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Map, Value};
use vss_model::backend::{
    Backend, BackupComponents, EnvError, Environment, INFINITE, LunState, VssAsync,
};
use vss_model::call::{self, Call, Invoked, Returned};
use vss_model::document::{SelectedComponent, WriterComponents};
use vss_model::methods::Method;
use vss_model::position::Position;
use vss_model::writer_metadata::{WriterMetadataDocument, component_path};
use vss_model::{
    Block, HResult, ObjectProp, SnapshotAttributes, SnapshotProp, VssId, WriterStatus,
};

use super::args::{ArgError, Bindings, Bound};
use super::needs::unmet;
use super::step::{
    Action, Checks, ComponentExpect, LunCheck, LunSubject, Read, ReadExpect, TypedStep, read_step,
    short_code,
};
use super::{InputError, Problem, ReadStep, Scenario};

/// The name of the reference backend, the simulator: every `expect` is what it returns, so it
/// must return exactly that, and a scenario it cannot run is bad input. Other backends may
/// return an `accept`ed alternative instead, and skip a scenario that needs what they lack.
pub const REFERENCE_BACKEND: &str = "sim";

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunEnd {
    /// Every expectation held.
    Passed,
    /// This many expectations did not hold (or steps could not run because of one).
    Failed(usize),
    /// The scenario is malformed; the run stopped at the step named.
    BadInput(InputError),
    /// The backend lacks a capability the scenario needs; no step ran. The text says which
    /// and why, as in ``needs LUN_MANAGEMENT: step 7 `env: mask` ``.
    Skipped(String),
}

impl RunEnd {
    /// The process exit code: 0 (passed, or skipped), 1 or 2.
    pub fn exit_code(&self) -> i32 {
        match self {
            RunEnd::Passed | RunEnd::Skipped(_) => 0,
            RunEnd::Failed(_) => 1,
            RunEnd::BadInput(_) => 2,
        }
    }
}

/// What a run printed and how it ended.
#[derive(Debug, Clone)]
pub struct Report {
    /// One line per step (and the trace, when asked for).
    pub output: String,
    /// How the run ended.
    pub outcome: RunEnd,
    /// Every requester and `IVssAsync` call made, with the HRESULT it produced, in order:
    /// what the coverage of documented return codes is measured on.
    pub calls: Vec<(Method, HResult)>,
}

/// A step the runner has just run, as an observer of the run sees it
/// ([`run_scenario_observed`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepDone<'a> {
    /// The step's number in the scenario (1-based).
    pub number: usize,
    /// The machine it ran on.
    pub machine: &'a str,
    /// The requester object of a call step (`IVssAsync` steps and `env: privileges`
    /// included); `None` for an environment step.
    pub object: Option<&'a str>,
    /// The step as its line shows it: the method and its arguments, or `env` and the action.
    pub label: &'a str,
    /// What came of it, in a few words: the HRESULT's name for a call, the environment's
    /// answer for an environment step (`done`, `released`, a block's content), or why a step
    /// was skipped.
    pub result: &'a str,
}

/// What a run's observer is handed after each step.
pub type Observer<'b> = Box<dyn FnMut(&StepDone<'_>) + 'b>;

/// Runs scenarios against one backend, keeping the requester objects and bound names.
pub struct Runner<'b, B: Backend> {
    backend: &'b B,
    /// Whether the backend is the reference, which must return exactly what `expect` says.
    reference: bool,
    file: String,
    objects: BTreeMap<(String, String), B::Components>,
    asyncs: Vec<<B::Components as BackupComponents>::Async>,
    bindings: Bindings,
    trace: Option<Box<dyn Fn() -> Vec<String> + 'b>>,
    observer: Option<Observer<'b>>,
    /// What the step being run came to, for the observer: whether it used a requester
    /// object, and its result in a few words.
    result: Option<(bool, String)>,
    /// Where the step being run is in its file.
    position: Option<Position>,
    out: String,
    failures: usize,
    calls: Vec<(Method, HResult)>,
}

/// Runs a parsed scenario. `trace`, when given, is asked after every step for what
/// happened underneath.
///
/// A scenario that needs a capability the backend lacks ([`Scenario::needs`]) is skipped
/// before its first step; on the reference backend ([`REFERENCE_BACKEND`]), which is built
/// from the scenario's own world, that is bad input instead.
pub fn run_scenario<B: Backend>(
    scenario: &Scenario,
    backend: &B,
    trace: Option<Box<dyn Fn() -> Vec<String> + '_>>,
) -> Report {
    run_scenario_observed(scenario, backend, trace, None)
}

/// Runs a parsed scenario as [`run_scenario`] does, and hands `observer`, when given, each
/// step as soon as it has run (a step skipped for an unbound name too; not a step that turns
/// out to be bad input, nor the release of the objects left at the end). The observer only
/// watches: the run, its output and its outcome are the same with or without one.
pub fn run_scenario_observed<'b, B: Backend>(
    scenario: &Scenario,
    backend: &'b B,
    trace: Option<Box<dyn Fn() -> Vec<String> + 'b>>,
    observer: Option<Observer<'b>>,
) -> Report {
    let reference = backend.name() == REFERENCE_BACKEND;
    let ended = |output: String, outcome| Report {
        output,
        outcome,
        calls: Vec::new(),
    };
    let needs = scenario.needs(scenario.world_file());
    let missing = unmet(&needs, backend.capabilities());
    if let Some(first) = missing.first() {
        if reference {
            let problem = Problem::Invalid(format!(
                "the scenario needs {} ({}), which the simulator of its world lacks",
                super::capability_names(first.capability),
                first.what
            ));
            let mut error = InputError::new(&scenario.file, None, problem);
            if let Some(n) = first.step {
                error = error.in_step(n, scenario.steps[n - 1].position);
            }
            return ended(String::new(), RunEnd::BadInput(error));
        }
        let reason: Vec<String> = missing.iter().map(ToString::to_string).collect();
        let reason = reason.join("; ");
        return ended(format!("skipped: {reason}\n"), RunEnd::Skipped(reason));
    }
    let mut runner = Runner {
        backend,
        reference,
        file: scenario.file.clone(),
        objects: BTreeMap::new(),
        asyncs: Vec::new(),
        bindings: Bindings::new(),
        trace,
        observer,
        result: None,
        position: None,
        out: String::new(),
        failures: 0,
        calls: Vec::new(),
    };
    let outcome = runner.run(scenario);
    // The objects still alive are released, as when the requester's process ends; what that
    // does underneath is part of the run.
    if !runner.objects.is_empty() {
        let _ = writeln!(
            runner.out,
            "end  the requester objects still alive are released"
        );
        runner.objects.clear();
        runner.flush_trace();
    }
    if matches!(outcome, RunEnd::Passed | RunEnd::Failed(_)) {
        let _ = writeln!(
            runner.out,
            "{}, {}",
            plural(scenario.steps.len(), "step"),
            match runner.failures {
                0 => "every expectation held".to_string(),
                f => format!("{} failed", plural(f, "expectation")),
            }
        );
    }
    Report {
        output: runner.out,
        outcome,
        calls: runner.calls,
    }
}

/// `1 step`, `2 steps`.
fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// What a step's line shows of what a call returned.
fn describe(method: Method, returned: &Returned) -> String {
    match returned {
        Returned::Nothing => String::new(),
        Returned::Id(id) => id.to_string(),
        Returned::Properties(p) => {
            format!("{} {}", p.snapshot_device_object, p.snapshot_attributes)
        }
        Returned::Objects(found) => plural(found.len(), "object"),
        Returned::Deleted {
            deleted,
            nondeleted,
        } => format!("deleted {deleted}, not deleted {nondeleted}"),
        Returned::Text(text) if method == Method::SaveAsXml => format!("{} bytes", text.len()),
        Returned::Text(name) => format!("exposed as {name}"),
        Returned::Supported(true) => "supported".into(),
        Returned::Supported(false) => "not supported".into(),
        Returned::Metadata(writers) => {
            let components = writers.iter().map(|w| w.components.len()).sum();
            format!(
                "{}, {}",
                plural(writers.len(), "writer"),
                plural(components, "component")
            )
        }
        Returned::Components(writers) => {
            let components = writers.iter().flat_map(|w| &w.components);
            let (count, succeeded) = components.fold((0, 0), |(n, ok), c| {
                (n + 1, ok + usize::from(c.backup_succeeded))
            });
            format!(
                "{}, {}, {succeeded} backed up",
                plural(writers.len(), "writer"),
                plural(count, "component")
            )
        }
        Returned::Writers(status) => {
            let failed: Vec<String> = status
                .iter()
                .filter(|s| s.failure.is_failure())
                .map(|s| format!("{} {} {}", s.writer_name, s.state, s.failure))
                .collect();
            match failed.is_empty() {
                true => plural(status.len(), "writer"),
                false => format!(
                    "{}; failed: {}",
                    plural(status.len(), "writer"),
                    failed.join(", ")
                ),
            }
        }
    }
}

impl<'b, B: Backend> Runner<'b, B> {
    fn run(&mut self, scenario: &Scenario) -> RunEnd {
        let default_machine = self
            .backend
            .machines()
            .into_iter()
            .next()
            .unwrap_or_default();
        for (i, scenario_step) in scenario.steps.iter().enumerate() {
            let n = i + 1;
            self.position = scenario_step.position;
            let map = &scenario_step.source;
            let read = match &scenario_step.read {
                ReadStep::Ready(step) => Ok(Cow::Borrowed(&**step)),
                ReadStep::Bound => read_step(map, &self.bindings, &default_machine).map(Cow::Owned),
            };
            let step = match read {
                Ok(step) => step,
                Err(e @ (ArgError::Input(_) | ArgError::UnknownKey { .. })) => {
                    return self.bad_input(n, e.to_string());
                }
                Err(unbound @ ArgError::Unbound { .. }) => {
                    let _ = writeln!(self.out, "{n:>3}  skipped: {unbound}");
                    self.failures += 1;
                    // What the skipped step was to bind is missing too, for the same reason.
                    if let Some(Value::String(name)) = map.get("bind") {
                        self.bindings.insert(name.clone(), Bound::Failed(n));
                    }
                    let label = map
                        .get("call")
                        .or_else(|| map.get("env"))
                        .and_then(Value::as_str)
                        .unwrap_or("step");
                    let result = format!("skipped: {unbound}");
                    self.observe(n, &default_machine, None, label, &result);
                    continue;
                }
            };
            if !self
                .backend
                .machines()
                .iter()
                .any(|m| m.eq_ignore_ascii_case(&step.machine))
            {
                return self.bad_input(
                    n,
                    format!("no machine named `{}` in the world", step.machine),
                );
            }
            if let Err(message) = self.execute(n, &step) {
                return self.bad_input(n, message);
            }
            self.flush_trace();
            if let Some((on_object, result)) = self.result.take() {
                let object = on_object.then_some(step.object.as_str());
                self.observe(n, &step.machine, object, &step.label, &result);
            }
        }
        if self.failures == 0 {
            RunEnd::Passed
        } else {
            RunEnd::Failed(self.failures)
        }
    }

    /// Hands a step that has run to the observer, if there is one.
    fn observe(
        &mut self,
        number: usize,
        machine: &str,
        object: Option<&str>,
        label: &str,
        result: &str,
    ) {
        if let Some(observer) = &mut self.observer {
            observer(&StepDone {
                number,
                machine,
                object,
                label,
                result,
            });
        }
    }

    /// Bad input found while running step `step`: something only the run can tell, such as
    /// a volume that does not exist at that point.
    fn bad_input(&mut self, step: usize, message: String) -> RunEnd {
        self.flush_trace();
        let error = InputError::new(&self.file, None, Problem::Invalid(message));
        RunEnd::BadInput(error.in_step(step, self.position))
    }

    fn flush_trace(&mut self) {
        if let Some(trace) = &self.trace {
            for line in trace() {
                let _ = writeln!(self.out, "       · {line}");
            }
        }
    }

    fn object(&mut self, machine: &str, name: &str) -> Result<&mut B::Components, String> {
        let key = (machine.to_ascii_uppercase(), name.to_string());
        if !self.objects.contains_key(&key) {
            let object = self
                .backend
                .create_backup_components(machine)
                .map_err(|hr| format!("CreateVssBackupComponents on {machine} failed with {hr}"))?;
            self.objects.insert(key.clone(), object);
        }
        Ok(self.objects.get_mut(&key).expect("inserted above"))
    }

    fn env(&self) -> Result<&'b dyn Environment<Components = B::Components>, String> {
        self.backend.environment().ok_or_else(|| {
            format!(
                "the {} backend offers no environment control",
                self.backend.name()
            )
        })
    }

    fn bind(&mut self, name: &Option<String>, value: Bound) {
        if let Some(name) = name {
            self.bindings.insert(name.clone(), value);
        }
    }

    /// Prints a call step's line, records the call and checks its expectation.
    fn report(
        &mut self,
        n: usize,
        step: &TypedStep,
        method: Method,
        result: HResult,
        detail: &str,
    ) {
        self.calls.push((method, result));
        self.result = Some((true, short_code(result)));
        let who = format!("{} {}", step.machine, step.object);
        let mut line = format!("{n:>3}  {who:<12} {:<44} {result}", step.label);
        if !detail.is_empty() {
            let _ = write!(line, "  {detail}");
        }
        if let Some(expected) = step.expect {
            let basis = step.basis.map_or("", |b| b.label());
            if expected == result {
                line.push_str("  [as expected]");
            } else if !self.reference && step.accept.contains(&result) {
                // The reference's choice is recorded in docs/assumptions.md; another backend
                // may make one of the recorded alternatives.
                let _ = write!(
                    line,
                    "  [soft: accepted alternative {} ({basis})]",
                    short_code(result)
                );
            } else if self.reference || step.accept.is_empty() {
                let _ = write!(line, "  [EXPECTED {expected}]");
                self.failures += 1;
            } else {
                let others: Vec<String> = step.accept.iter().map(|hr| short_code(*hr)).collect();
                let _ = write!(
                    line,
                    "  [EXPECTED {expected}, or an accepted {basis} alternative: {}]",
                    others.join(", ")
                );
                self.failures += 1;
            }
        }
        let _ = writeln!(self.out, "{line}");
    }

    /// Prints an environment step's line.
    fn report_env(&mut self, n: usize, step: &TypedStep, text: &str) {
        // `env: privileges` acts on a requester object; the other environment steps do not.
        let on_object = matches!(step.action, Action::Privileges(_));
        self.result = Some((on_object, text.to_string()));
        let _ = writeln!(
            self.out,
            "{n:>3}  {:<12} {:<44} {text}",
            step.machine, step.label
        );
    }

    fn fail_check(&mut self, n: usize, what: String) {
        self.failures += 1;
        let _ = writeln!(self.out, "     step {n}: EXPECTED {what}");
    }

    fn execute(&mut self, n: usize, step: &TypedStep) -> Result<(), String> {
        let machine = step.machine.clone();
        match &step.action {
            Action::Call(call, checks) => self.run_call(n, step, call, checks)?,
            Action::Wait(i, timeout) => {
                let hr = self.asyncs[*i].wait(*timeout);
                self.report(n, step, Method::Wait, hr, "");
            }
            Action::QueryStatus(i) => match self.asyncs[*i].query_status() {
                // The step shows and checks hrResult; the call itself returned S_OK.
                Ok(status) => {
                    self.report(
                        n,
                        step,
                        Method::QueryStatus,
                        status,
                        "(hrResult; the call returned S_OK)",
                    );
                    self.calls.pop();
                    self.calls.push((Method::QueryStatus, HResult::S_OK));
                }
                Err(hr) => self.report(n, step, Method::QueryStatus, hr, "(the call failed)"),
            },
            Action::Cancel(i) => {
                let hr = self.asyncs[*i].cancel();
                self.report(n, step, Method::Cancel, hr, "");
            }
            Action::Write(target, block, data, refusal_expected) => {
                let written = self
                    .env()?
                    .write_block(&machine, target, *block, data.as_bytes());
                let text = match (written, refusal_expected) {
                    (Ok(()), false) => "done".to_string(),
                    (Err(EnvError::ReadOnly(_)), true) => {
                        "refused: read-only  [as expected]".to_string()
                    }
                    (Ok(()), true) => {
                        self.failures += 1;
                        "done  [EXPECTED it to be refused]".to_string()
                    }
                    (Err(EnvError::ReadOnly(_)), false) => {
                        self.failures += 1;
                        "refused: read-only  [EXPECTED it to be written]".to_string()
                    }
                    (Err(e), _) => return Err(e.to_string()),
                };
                self.report_env(n, step, &text);
            }
            Action::LunVisible(lun, visible) => {
                self.env()?
                    .set_lun_visible(&machine, lun, *visible)
                    .map_err(|e| e.to_string())?;
                self.report_env(n, step, "done");
            }
            Action::ReadOnly(target, read_only) => {
                self.env()?
                    .set_volume_read_only(&machine, target, *read_only)
                    .map_err(|e| e.to_string())?;
                self.report_env(n, step, "done");
            }
            Action::Assign(target, mount) => {
                self.env()?
                    .assign_mount(&machine, target, mount.as_deref())
                    .map_err(|e| e.to_string())?;
                self.report_env(n, step, "done");
            }
            Action::Read(read) => self.run_read(n, step, read)?,
            Action::Luns(check) => self.run_luns(n, step, check)?,
            Action::Release => {
                let key = (machine.to_ascii_uppercase(), step.object.clone());
                if self.objects.remove(&key).is_none() {
                    return Err(format!(
                        "there is no requester object `{}` on {machine} to release",
                        step.object
                    ));
                }
                self.report_env(n, step, "released");
            }
            Action::Reboot => {
                self.env()?.reboot(&machine).map_err(|e| e.to_string())?;
                let upper = machine.to_ascii_uppercase();
                self.objects.retain(|(m, _), _| *m != upper);
                self.report_env(n, step, "restarted; its requester objects are gone");
            }
            Action::FailProvider(fault) => {
                self.env()?
                    .fail_provider_method(&machine, fault.clone())
                    .map_err(|e| e.to_string())?;
                self.report_env(n, step, "armed");
            }
            Action::FailWriter(writer, event, hr) => {
                self.env()?
                    .fail_writer_event(&machine, writer, *event, *hr)
                    .map_err(|e| e.to_string())?;
                self.report_env(n, step, "armed");
            }
            Action::FailService(method, hr) => {
                self.env()?
                    .fail_service_call(&machine, *method, *hr)
                    .map_err(|e| e.to_string())?;
                self.report_env(n, step, "armed");
            }
            Action::ShouldBlockRevert(volume, expect) => {
                let block = self
                    .backend
                    .should_block_revert(&machine, volume)
                    .map_err(|e| e.to_string())?;
                let said = |block: bool| if block { "blocks" } else { "does not block" };
                let text = match expect {
                    None => said(block).to_string(),
                    Some(e) if *e == block => format!("{}  [as expected]", said(block)),
                    Some(e) => {
                        self.failures += 1;
                        format!("{}  [EXPECTED {}]", said(block), said(*e))
                    }
                };
                self.report_env(n, step, &text);
            }
            Action::Privileges(p) => {
                let env = self.env()?;
                let components = self.object(&machine, &step.object)?;
                env.set_privileges(components, *p)
                    .map_err(|e| e.to_string())?;
                self.report_env(n, step, &format!("{} now runs as {p}", step.object));
            }
        }
        Ok(())
    }

    /// Makes a requester call; an asynchronous one is held, or waited on as a requester
    /// would: `Wait`, then `QueryStatus`.
    fn run_call(
        &mut self,
        n: usize,
        step: &TypedStep,
        call: &Call,
        checks: &Checks,
    ) -> Result<(), String> {
        let method = call.method();
        if step.hold {
            let env = self.env()?;
            let components = self.object(&step.machine, &step.object)?;
            env.hold_next_async(components, true)
                .map_err(|e| e.to_string())?;
        }
        let invoked = call::invoke(self.object(&step.machine, &step.object)?, call);
        let mut op = match invoked {
            Invoked::Finished(outcome) => {
                if step.hold {
                    // Nothing started, so nothing is held: the hold was for this call only.
                    let env = self.env()?;
                    let components = self.object(&step.machine, &step.object)?;
                    env.hold_next_async(components, false)
                        .map_err(|e| e.to_string())?;
                }
                let direct = call.is_async() && outcome.hr.is_failure();
                return self.finish_call(n, step, method, outcome, checks, direct);
            }
            Invoked::Started(op) => op,
        };
        // The step shows the operation's outcome; both Wait and QueryStatus are calls of
        // their own, which an injected failure or a rights check can hit.
        let waited = (!step.hold).then(|| op.wait(INFINITE));
        let queried = op.query_status();
        self.asyncs.push(op);
        self.bind(&step.bind, Bound::Async(self.asyncs.len() - 1));
        let (status, mut detail) = match queried {
            Ok(HResult::VSS_S_ASYNC_FINISHED) if !step.hold => (HResult::S_OK, String::new()),
            Ok(status) => (status, String::new()),
            Err(hr) => (
                hr,
                "(QueryStatus failed; the outcome is unknown)".to_string(),
            ),
        };
        if step.hold {
            detail = "(held; not waited on)".to_string();
        } else if let Some(w) = waited.filter(|w| w.is_failure() && detail.is_empty()) {
            detail = format!("(Wait returned {w})");
        }
        self.report(n, step, method, status, &detail);
        if queried.is_err() || step.hold {
            // The operation started; what the line shows is not its outcome.
            self.calls.pop();
            self.calls.push((method, HResult::S_OK));
        }
        if let Some(w) = waited {
            self.calls.push((Method::Wait, w));
        }
        self.calls
            .push((Method::QueryStatus, queried.err().unwrap_or(HResult::S_OK)));
        Ok(())
    }

    /// Reports a finished call, binds what it returned and checks it.
    fn finish_call(
        &mut self,
        n: usize,
        step: &TypedStep,
        method: Method,
        outcome: call::CallOutcome,
        checks: &Checks,
        direct: bool,
    ) -> Result<(), String> {
        let (hr, returned) = (outcome.hr, outcome.returned);
        let value = match &returned {
            _ if hr.is_failure() => Bound::Failed(n),
            Returned::Id(id) => Bound::Id(*id),
            Returned::Properties(p) => Bound::Props(p.clone()),
            Returned::Text(t) if method == Method::SaveAsXml => Bound::Document(t.clone()),
            Returned::Text(t) => Bound::Text(t.clone()),
            Returned::Metadata(writers) => Bound::Writers(Some(
                writers
                    .iter()
                    .map(|w| (w.writer_name.clone(), w.instance_id))
                    .collect(),
            )),
            _ => Bound::Failed(n),
        };
        self.bind(&step.bind, value);
        let detail = if direct {
            "(refused directly; no operation started)".to_string()
        } else {
            describe(method, &returned)
        };
        self.report(n, step, method, hr, &detail);
        for problem in self.check(&step.machine, &returned, checks)? {
            self.fail_check(n, problem);
        }
        Ok(())
    }

    /// What differs between a call's result and the step's checks.
    fn check(
        &self,
        machine: &str,
        returned: &Returned,
        checks: &Checks,
    ) -> Result<Vec<String>, String> {
        let mut problems = Vec::new();
        match returned {
            Returned::Properties(prop) => {
                if let Some(expected) = &checks.props {
                    problems.extend(self.check_props(machine, prop, expected)?);
                }
            }
            Returned::Objects(found) => {
                let ids: Vec<_> = found
                    .iter()
                    .map(|o| match o {
                        ObjectProp::Snapshot(s) => s.snapshot_id,
                        ObjectProp::Provider(p) => p.provider_id,
                    })
                    .collect();
                if let Some(count) = checks.count.filter(|c| *c != ids.len() as u64) {
                    problems.push(format!(
                        "{}, got {}",
                        plural(count as usize, "object"),
                        ids.len()
                    ));
                }
                for id in checks.includes.iter().filter(|id| !ids.contains(id)) {
                    problems.push(format!("{id} listed, but it is not"));
                }
                for id in checks.excludes.iter().filter(|id| ids.contains(id)) {
                    problems.push(format!("{id} not listed, but it is"));
                }
            }
            Returned::Deleted {
                deleted,
                nondeleted,
            } => {
                if let Some(count) = checks.deleted.filter(|c| *c != *deleted as u64) {
                    problems.push(format!("{count} deleted, got {deleted}"));
                }
                if let Some(expected) = checks.nondeleted.filter(|e| e != nondeleted) {
                    problems.push(format!("{expected} not deleted, got {nondeleted}"));
                }
            }
            Returned::Supported(supported) => {
                if checks.supported.is_some_and(|e| e != *supported) {
                    problems.push(format!("supported = {}, got {supported}", !supported));
                }
            }
            Returned::Writers(status) => problems.extend(check_states(status, checks)),
            Returned::Metadata(writers) => problems.extend(check_metadata(writers, checks)),
            Returned::Components(writers) => {
                if let Some(expected) = &checks.components {
                    problems.extend(check_components(writers, expected));
                }
            }
            Returned::Nothing | Returned::Id(_) | Returned::Text(_) => {}
        }
        Ok(problems)
    }

    fn run_read(&mut self, n: usize, step: &TypedStep, read: &Read) -> Result<(), String> {
        let content = match self
            .env()?
            .read_block(&step.machine, &read.target, read.block)
        {
            Ok(content) => Some(content),
            Err(EnvError::UnknownTarget { .. }) if read.may_vanish => None,
            Err(e) => return Err(e.to_string()),
        };
        let shown = content
            .as_ref()
            .map_or_else(|| "does not exist".to_string(), ToString::to_string);
        let verdict = match (&read.expect, &content) {
            (ReadExpect::Nothing, _) => None,
            (ReadExpect::Gone, None) => Some(Ok(())),
            (ReadExpect::Gone, Some(_)) => Some(Err("it not to exist".to_string())),
            (ReadExpect::Content(_), None) => Some(Err("it to exist".to_string())),
            (ReadExpect::Content(text), Some(content)) => {
                let want = Block::new(text.as_deref().unwrap_or("").as_bytes())
                    .map_err(|e| e.to_string())?;
                Some(if want == *content {
                    Ok(())
                } else {
                    Err(want.to_string())
                })
            }
        };
        let text = match verdict {
            None => shown,
            Some(Ok(())) => format!("{shown}  [as expected]"),
            Some(Err(wanted)) => {
                self.failures += 1;
                format!("{shown}  [EXPECTED {wanted}]")
            }
        };
        self.report_env(n, step, &text);
        Ok(())
    }

    /// Shows LUNs, one line each, and checks them against the step's expectations.
    fn run_luns(&mut self, n: usize, step: &TypedStep, check: &LunCheck) -> Result<(), String> {
        let env = self.env()?;
        let all = env.luns();
        let names: Vec<String> = match &check.subject {
            LunSubject::All => all.iter().map(|l| l.name.clone()).collect(),
            LunSubject::Lun(name) => vec![name.clone()],
            LunSubject::Volume(target) => {
                let luns = env
                    .volume_luns(&step.machine, target)
                    .map_err(|e| e.to_string())?;
                if luns.is_empty() {
                    return Err(format!("`{target}` is on the local disk, not on LUNs"));
                }
                luns
            }
        };
        let checks_something = check.gone || !check.expect.is_empty();
        let mut lines = Vec::new();
        let mut problems = Vec::new();
        for name in &names {
            let lun = all
                .iter()
                .find(|l| l.name.eq_ignore_ascii_case(name))
                .ok_or_else(|| format!("the array has no LUN named `{name}`"))?;
            if lun.deleted {
                let mut line = format!("{}: deleted (its provider reclaimed it)", lun.name);
                if check.gone {
                    line.push_str("  [as expected]");
                } else if checks_something {
                    problems.push(format!("{} to be on the array", lun.name));
                }
                lines.push(line);
                continue;
            }
            let wrong = if check.gone {
                vec!["not to be on the array".to_string()]
            } else {
                lun_problems(lun, check, &step.machine, &all)
            };
            let mut line = describe_lun(lun);
            if wrong.is_empty() && checks_something {
                line.push_str("  [as expected]");
            }
            problems.extend(wrong.into_iter().map(|w| format!("{}: {w}", lun.name)));
            lines.push(line);
        }
        // One LUN fits on the step's line; more go on lines of their own below it.
        if lines.len() == 1 {
            self.report_env(n, step, &lines.remove(0));
        } else {
            self.report_env(n, step, &format!("{} LUNs", lines.len()));
            for line in lines {
                let _ = writeln!(self.out, "       {line}");
            }
        }
        for problem in problems {
            self.fail_check(n, problem);
        }
        Ok(())
    }

    /// Compares properties with `expect_props`; returns what differs.
    fn check_props(
        &self,
        machine: &str,
        prop: &SnapshotProp,
        expected: &Map<String, Value>,
    ) -> Result<Vec<String>, String> {
        let actual = serde_json::to_value(prop).map_err(|e| e.to_string())?;
        let attributes = |key: &str, want: &Value| -> Result<SnapshotAttributes, String> {
            serde_json::from_value(want.clone()).map_err(|e| format!("expect_props: `{key}`: {e}"))
        };
        let mut problems = Vec::new();
        for (key, want) in expected {
            let has = prop.snapshot_attributes;
            match key.as_str() {
                "attributes_include" => {
                    let wanted = attributes(key, want)?;
                    if !has.contains(wanted) {
                        problems.push(format!("attributes to include {}, got {has}", wanted - has));
                    }
                }
                "attributes_exclude" => {
                    let wanted = attributes(key, want)?;
                    if has.intersects(wanted) {
                        problems.push(format!("attributes to exclude {}, got {has}", wanted & has));
                    }
                }
                "snapshot_attributes" => {
                    let wanted = attributes(key, want)?;
                    if wanted != has {
                        problems.push(format!("attributes {wanted}, got {has}"));
                    }
                }
                "original_volume_name" => {
                    let want = want
                        .as_str()
                        .ok_or("expect_props: `original_volume_name` must be text")?;
                    let want = if want.starts_with(r"\\?\Volume") {
                        want.to_string()
                    } else {
                        self.backend
                            .volume_name_for_mount_point(machine, want)
                            .map_err(|e| e.to_string())?
                    };
                    if !want.eq_ignore_ascii_case(&prop.original_volume_name) {
                        problems.push(format!(
                            "original_volume_name {want}, got {}",
                            prop.original_volume_name
                        ));
                    }
                }
                "creation_timestamp" => {
                    // As text (`2026-01-01 00:00:01`) or as the FILETIME number.
                    let got = prop.creation_timestamp;
                    let same = match want {
                        Value::String(text) => *text == got.to_string(),
                        other => other.as_i64() == Some(got.0),
                    };
                    if !same {
                        problems.push(format!("creation_timestamp {want}, got {got}"));
                    }
                }
                _ => match actual.get(key) {
                    None => {
                        return Err(format!("expect_props: `{key}` is not a snapshot property"));
                    }
                    Some(got) if same_value(got, want) => {}
                    Some(got) => problems.push(format!("{key} {want}, got {got}")),
                },
            }
        }
        Ok(problems)
    }
}

/// Compares writer states with `expect_states`.
fn check_states(status: &[WriterStatus], checks: &Checks) -> Vec<String> {
    let mut problems = Vec::new();
    for (writer, state) in &checks.states {
        match status
            .iter()
            .find(|s| s.writer_name.eq_ignore_ascii_case(writer))
        {
            Some(s) if s.state == *state => {}
            Some(s) => problems.push(format!("{writer} in {state}, got {}", s.state)),
            None => problems.push(format!("{writer} in {state}, but it is not listed")),
        }
    }
    problems
}

/// Compares the writers' metadata with `expect_metadata`: each writer named is listed,
/// with every component path given.
fn check_metadata(writers: &[WriterMetadataDocument], checks: &Checks) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, paths) in &checks.metadata {
        let Some(writer) = writers
            .iter()
            .find(|w| w.writer_name.eq_ignore_ascii_case(name))
        else {
            problems.push(format!("{name} listed, but it is not"));
            continue;
        };
        for path in paths {
            if !writer.components.iter().any(|c| c.full_path() == *path) {
                problems.push(format!("{name} with component `{path}`, but it has none"));
            }
        }
    }
    problems
}

/// Compares the document's components with `expect_components`: exactly those, each
/// marked backed up or not as expected.
fn check_components(writers: &[WriterComponents], expected: &[ComponentExpect]) -> Vec<String> {
    let held: Vec<(VssId, &SelectedComponent)> = writers
        .iter()
        .flat_map(|w| w.components.iter().map(move |c| (w.writer_id, c)))
        .collect();
    let same = |(writer, c): &(VssId, &SelectedComponent), e: &ComponentExpect| {
        *writer == e.writer && c.logical_path == e.logical_path && c.component_name == e.component
    };
    let mut problems = Vec::new();
    for e in expected {
        let path = component_path(&e.logical_path, &e.component);
        match held.iter().find(|h| same(h, e)) {
            None => problems.push(format!("{} `{path}` listed, but it is not", e.writer)),
            Some((_, c)) => {
                if let Some(want) = e.succeeded.filter(|w| *w != c.backup_succeeded) {
                    problems.push(format!(
                        "{} `{path}` backed up = {want}, got {}",
                        e.writer, c.backup_succeeded
                    ));
                }
            }
        }
    }
    for h in &held {
        if !expected.iter().any(|e| same(h, e)) {
            let path = component_path(&h.1.logical_path, &h.1.component_name);
            problems.push(format!(
                "only the components given, but {} `{path}` is listed too",
                h.0
            ));
        }
    }
    problems
}

/// Equal JSON values, comparing text case-insensitively (names, GUIDs, machines).
fn same_value(got: &Value, want: &Value) -> bool {
    match (got, want) {
        (Value::String(a), Value::String(b)) => a.eq_ignore_ascii_case(b),
        _ => got == want,
    }
}

/// One line about a LUN: identity, where it is unmasked, its flags and its origin.
fn describe_lun(lun: &LunState) -> String {
    let mut line = format!("{}: {}", lun.name, lun.identity);
    if lun.visible_to.is_empty() {
        line.push_str(", masked from every machine");
    } else {
        let _ = write!(line, ", visible to {}", lun.visible_to.join(" "));
    }
    line.push_str(if lun.read_only {
        ", read-only"
    } else {
        ", read-write"
    });
    if lun.hidden {
        line.push_str(", hidden");
    }
    if let Some(source) = &lun.clone_of {
        let _ = write!(
            line,
            ", {} clone of {source}",
            lun.clone_kind.unwrap_or("a")
        );
    }
    line
}

/// What differs between a LUN and what the step expects of it.
fn lun_problems(lun: &LunState, check: &LunCheck, machine: &str, all: &[LunState]) -> Vec<String> {
    let e = &check.expect;
    let mut wrong = Vec::new();
    let visible = lun
        .visible_to
        .iter()
        .any(|m| m.eq_ignore_ascii_case(machine));
    if let Some(want) = e.visible.filter(|w| *w != visible) {
        let state = if want { "visible to" } else { "masked from" };
        wrong.push(format!("to be {state} {machine}"));
    }
    if let Some(want) = &e.visible_to {
        let mut want: Vec<String> = want.iter().map(|m| m.to_ascii_uppercase()).collect();
        want.sort();
        let mut has: Vec<String> = lun
            .visible_to
            .iter()
            .map(|m| m.to_ascii_uppercase())
            .collect();
        has.sort();
        if want != has {
            wrong.push(format!("to be visible to [{}]", want.join(", ")));
        }
    }
    if let Some(want) = e.read_only.filter(|w| *w != lun.read_only) {
        wrong.push(
            if want {
                "to be read-only"
            } else {
                "to be read-write"
            }
            .into(),
        );
    }
    if let Some(want) = e.hidden.filter(|w| *w != lun.hidden) {
        wrong.push(
            if want {
                "to be hidden"
            } else {
                "not to be hidden"
            }
            .into(),
        );
    }
    if let Some(want) = &e.clone_of
        && !lun
            .clone_of
            .as_ref()
            .is_some_and(|s| s.eq_ignore_ascii_case(want))
    {
        wrong.push(format!("to be a clone of {want}"));
    }
    if let Some(want) = e.clone_kind.as_deref()
        && lun.clone_kind != Some(want)
    {
        wrong.push(format!("to be a {want} clone"));
    }
    if let Some(want) = &e.identity {
        let source = lun.clone_of.as_ref().and_then(|s| {
            all.iter()
                .find(|l| !l.deleted && l.name.eq_ignore_ascii_case(s))
        });
        match (want.as_str(), source) {
            ("original" | "new", None) => {
                wrong.push(format!(
                    "to be a clone of a LUN still on the array (identity {want})"
                ));
            }
            ("original", Some(src)) if src.identity != lun.identity => {
                wrong.push(format!("the identity of {} ({})", src.name, src.identity));
            }
            ("new", Some(src)) if src.identity == lun.identity => {
                wrong.push(format!("an identity other than {}'s", src.name));
            }
            ("original" | "new", Some(_)) => {}
            (literal, _) if !literal.eq_ignore_ascii_case(&lun.identity) => {
                wrong.push(format!("the identity {literal}"));
            }
            _ => {}
        }
    }
    wrong
}
