//! Running a scenario's steps against a backend and reporting each one.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Map, Value};
use vss_model::backend::{
    Backend, BackupComponents, BackupStateArgs, EnvError, INFINITE, Privileges, ProviderFault,
    VssAsync,
};
use vss_model::{
    Block, Context, HResult, HardwareOptions, ObjectProp, ObjectType, SnapshotAttributes,
    SnapshotProp, VssId, WriterEvent, WriterState,
};

use super::args::{ArgError, Bindings, Bound, StepArgs};
use super::{InputError, Scenario};

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every expectation held.
    Passed,
    /// This many expectations did not hold (or steps could not run because of one).
    Failed(usize),
    /// The scenario is malformed; the run stopped at the step named.
    BadInput(InputError),
}

impl Outcome {
    /// The process exit code: 0, 1 or 2.
    pub fn exit_code(&self) -> i32 {
        match self {
            Outcome::Passed => 0,
            Outcome::Failed(_) => 1,
            Outcome::BadInput(_) => 2,
        }
    }
}

/// An asynchronous requester call.
#[derive(Debug, Clone, Copy)]
enum AsyncCall {
    GatherWriterMetadata,
    GatherWriterStatus,
    PrepareForBackup,
    DoSnapshotSet,
    BackupComplete,
    ImportSnapshots,
    BreakSnapshotSetEx(VssId, HardwareOptions),
}

/// What a step does, with its arguments read.
#[derive(Debug, Clone)]
enum Action {
    Initialize(Option<String>),
    SetContext(Context),
    SetBackupState(BackupStateArgs),
    Async(AsyncCall),
    GetWriterStatus(Vec<(String, WriterState)>),
    StartSnapshotSet,
    AddToSnapshotSet(String, VssId),
    AbortBackup,
    GetSnapshotProperties(VssId, Option<Map<String, Value>>),
    Query {
        queried: VssId,
        queried_type: ObjectType,
        returned: ObjectType,
        expect_count: Option<u64>,
        includes: Vec<VssId>,
        excludes: Vec<VssId>,
    },
    DeleteSnapshots {
        id: VssId,
        kind: ObjectType,
        force: bool,
        expect_deleted: Option<u64>,
        expect_nondeleted: Option<VssId>,
    },
    SaveAsXml,
    BreakSnapshotSet(VssId),
    Expose(VssId, Option<String>, SnapshotAttributes, Option<String>),
    Unexpose(VssId),
    IsVolumeSupported(VssId, String, Option<bool>),
    Wait(usize, u32),
    QueryStatus(usize),
    Cancel(usize),
    Write(String, u64, String),
    Read(Read),
    Release,
    Reboot,
    FailProvider(ProviderFault),
    FailWriter(String, WriterEvent, HResult),
    FailService(String, HResult),
    Privileges(Privileges),
}

/// An environment read and what it expects.
#[derive(Debug, Clone)]
struct Read {
    target: String,
    block: u64,
    /// Whether the target may have gone away (a shadow copy device, an exposed name), so
    /// that its absence is an observation rather than a mistake in the scenario.
    may_vanish: bool,
    expect: ReadExpect,
}

#[derive(Debug, Clone)]
enum ReadExpect {
    Nothing,
    /// This content, zero-padded (`None`: all zeros).
    Content(Option<String>),
    /// The target no longer exists.
    Gone,
}

/// A step with its common keys.
struct Step {
    machine: String,
    object: String,
    bind: Option<String>,
    expect: Option<HResult>,
    hold: bool,
    label: String,
    action: Action,
}

/// What a run printed and how it ended.
#[derive(Debug, Clone)]
pub struct Report {
    /// One line per step (and the trace, when asked for).
    pub output: String,
    /// How the run ended.
    pub outcome: Outcome,
    /// Every requester call made, with the HRESULT it produced, in order: what the coverage
    /// of documented return codes is measured on.
    pub calls: Vec<(String, HResult)>,
}

/// Runs scenarios against one backend, keeping the requester objects and bound names.
pub struct Runner<'b, B: Backend> {
    backend: &'b B,
    file: String,
    objects: BTreeMap<(String, String), B::Components>,
    asyncs: Vec<<B::Components as BackupComponents>::Async>,
    bindings: Bindings,
    trace: Option<Box<dyn Fn() -> Vec<String> + 'b>>,
    out: String,
    failures: usize,
    calls: Vec<(String, HResult)>,
}

/// Runs a parsed scenario. `trace`, when given, is asked after every step for what
/// happened underneath.
pub fn run_scenario<B: Backend>(
    scenario: &Scenario,
    backend: &B,
    trace: Option<Box<dyn Fn() -> Vec<String> + '_>>,
) -> Report {
    let mut runner = Runner {
        backend,
        file: scenario.file.clone(),
        objects: BTreeMap::new(),
        asyncs: Vec::new(),
        bindings: Bindings::new(),
        trace,
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
    if matches!(outcome, Outcome::Passed | Outcome::Failed(_)) {
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

/// An HRESULT's name, or its value when it has none.
fn short_code(hr: HResult) -> String {
    hr.name().map_or_else(|| hr.to_string(), str::to_string)
}

impl<'b, B: Backend> Runner<'b, B> {
    fn run(&mut self, scenario: &Scenario) -> Outcome {
        for (i, map) in scenario.steps.iter().enumerate() {
            let n = i + 1;
            let step = match self.read_step(map) {
                Ok(step) => step,
                Err(ArgError::Input(message)) => return self.bad_input(n, message),
                Err(ArgError::Unbound { name, step }) => {
                    let _ = writeln!(
                        self.out,
                        "{n:>3}  skipped: `${name}` was not bound, because step {step} failed"
                    );
                    self.failures += 1;
                    continue;
                }
            };
            if let Err(message) = self.execute(n, step) {
                return self.bad_input(n, message);
            }
            self.flush_trace();
        }
        if self.failures == 0 {
            Outcome::Passed
        } else {
            Outcome::Failed(self.failures)
        }
    }

    fn bad_input(&mut self, step: usize, message: String) -> Outcome {
        self.flush_trace();
        Outcome::BadInput(InputError {
            file: self.file.clone(),
            step: Some(step),
            position: None,
            message,
        })
    }

    fn flush_trace(&mut self) {
        if let Some(trace) = &self.trace {
            for line in trace() {
                let _ = writeln!(self.out, "       · {line}");
            }
        }
    }

    fn default_machine(&self) -> String {
        self.backend
            .machines()
            .into_iter()
            .next()
            .unwrap_or_default()
    }

    fn read_step(&self, map: &Map<String, Value>) -> Result<Step, ArgError> {
        let mut a = StepArgs::new(map, &self.bindings);
        a.allow(&["comment"]);
        let machine = a.text("on")?.unwrap_or_else(|| self.default_machine());
        if !self
            .backend
            .machines()
            .iter()
            .any(|m| m.eq_ignore_ascii_case(&machine))
        {
            return Err(ArgError::Input(format!(
                "no machine named `{machine}` in the world"
            )));
        }
        let object = a.text("as")?.unwrap_or_else(|| "r1".to_string());
        let bind = a.text("bind")?;
        let read = Self::read_action(&mut a);
        // A misspelt key explains a missing argument better than the missing argument does.
        let (action, label, expect, hold) = match read {
            Err(ArgError::Input(m)) if m.ends_with(" is required") && a.unknown_key().is_some() => {
                return Err(a.unknown_key().expect("checked"));
            }
            other => other?,
        };
        a.finish()?;
        let binds = matches!(
            action,
            Action::StartSnapshotSet
                | Action::AddToSnapshotSet(..)
                | Action::GetSnapshotProperties(..)
                | Action::SaveAsXml
                | Action::Expose(..)
                | Action::Async(_)
        );
        if bind.is_some() && !binds {
            return Err(ArgError::Input(format!(
                "`bind`: {label} returns nothing to bind"
            )));
        }
        Ok(Step {
            machine,
            object,
            bind,
            expect,
            hold,
            label,
            action,
        })
    }

    /// Reads what the step does: a call or an environment step.
    fn read_action(
        a: &mut StepArgs<'_>,
    ) -> Result<(Action, String, Option<HResult>, bool), ArgError> {
        Ok(match (a.text("call")?, a.text("env")?) {
            (Some(call), None) => {
                let expect = a.hresult("expect")?;
                let hold = a.boolean("hold")?.unwrap_or(false);
                let (action, label) = read_call(&call, a)?;
                if hold && !matches!(action, Action::Async(_)) {
                    return Err(ArgError::Input(format!(
                        "`hold` applies to asynchronous calls only, not {call}"
                    )));
                }
                (action, label, expect, hold)
            }
            (None, Some(env)) => {
                let (action, label) = read_env(&env, a)?;
                (action, format!("env {label}"), None, false)
            }
            (Some(_), Some(_)) => {
                return Err(ArgError::Input(
                    "a step has `call` or `env`, not both".into(),
                ));
            }
            (None, None) => {
                return Err(ArgError::Input(
                    "a step needs `call` (a requester method) or `env` (an environment step)"
                        .into(),
                ));
            }
        })
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

    fn env(
        &self,
    ) -> Result<&'b dyn vss_model::backend::Environment<Components = B::Components>, String> {
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

    /// Prints a step's line and checks its expectation.
    fn report(&mut self, n: usize, step: &Step, result: HResult, detail: &str) {
        let method = step.label.split(' ').next().unwrap_or_default().to_string();
        self.calls.push((method, result));
        let who = match &step.action {
            Action::Write(..)
            | Action::Read(..)
            | Action::Reboot
            | Action::FailProvider(_)
            | Action::FailWriter(..)
            | Action::FailService(..) => format!("{:<6}", step.machine),
            _ => format!("{:<6}{:<4}", step.machine, step.object),
        };
        let mut line = format!("{n:>3}  {who:<10} {:<44} {result}", step.label);
        if !detail.is_empty() {
            let _ = write!(line, "  {detail}");
        }
        if let Some(expected) = step.expect {
            if expected == result {
                line.push_str("  [as expected]");
            } else {
                let _ = write!(line, "  [EXPECTED {expected}]");
                self.failures += 1;
            }
        }
        let _ = writeln!(self.out, "{line}");
    }

    /// Reports a call that returns something to bind: the value and what to print of it, or
    /// the failure (the name is then bound to the failure, for later steps to explain).
    fn report_bound(&mut self, n: usize, step: &Step, result: Result<(Bound, String), HResult>) {
        match result {
            Ok((value, detail)) => {
                self.bind(&step.bind, value);
                self.report(n, step, HResult::S_OK, &detail);
            }
            Err(hr) => {
                self.bind(&step.bind, Bound::Failed(n));
                self.report(n, step, hr, "");
            }
        }
    }

    /// Prints an environment step's line.
    fn report_env(&mut self, n: usize, step: &Step, text: &str) {
        let _ = writeln!(
            self.out,
            "{n:>3}  {:<10} {:<44} {text}",
            step.machine, step.label
        );
    }

    fn fail_check(&mut self, n: usize, what: String) {
        self.failures += 1;
        let _ = writeln!(self.out, "     step {n}: EXPECTED {what}");
    }

    fn execute(&mut self, n: usize, step: Step) -> Result<(), String> {
        let (machine, object) = (step.machine.clone(), step.object.clone());
        match step.action.clone() {
            Action::Initialize(xml) => {
                let r = self
                    .object(&machine, &object)?
                    .initialize_for_backup(xml.as_deref());
                self.report(n, &step, r.err().unwrap_or(HResult::S_OK), "");
            }
            Action::SetContext(c) => {
                let r = self.object(&machine, &object)?.set_context(c);
                self.report(n, &step, r.err().unwrap_or(HResult::S_OK), "");
            }
            Action::SetBackupState(s) => {
                let r = self.object(&machine, &object)?.set_backup_state(s);
                self.report(n, &step, r.err().unwrap_or(HResult::S_OK), "");
            }
            Action::Async(call) => self.run_async(n, &step, call)?,
            Action::GetWriterStatus(expected) => {
                match self.object(&machine, &object)?.writer_status() {
                    Ok(status) => {
                        let failed: Vec<String> = status
                            .iter()
                            .filter(|s| s.failure.is_failure())
                            .map(|s| format!("{} {} {}", s.writer_name, s.state, s.failure))
                            .collect();
                        let detail = format!(
                            "{}{}",
                            plural(status.len(), "writer"),
                            if failed.is_empty() {
                                String::new()
                            } else {
                                format!("; failed: {}", failed.join(", "))
                            }
                        );
                        self.report(n, &step, HResult::S_OK, &detail);
                        for (writer, state) in expected {
                            match status
                                .iter()
                                .find(|s| s.writer_name.eq_ignore_ascii_case(&writer))
                            {
                                Some(s) if s.state == state => {}
                                Some(s) => self
                                    .fail_check(n, format!("{writer} in {state}, got {}", s.state)),
                                None => self.fail_check(
                                    n,
                                    format!("{writer} in {state}, but it is not listed"),
                                ),
                            }
                        }
                    }
                    Err(hr) => self.report(n, &step, hr, ""),
                }
            }
            Action::StartSnapshotSet => {
                let r = self.object(&machine, &object)?.start_snapshot_set();
                self.report_bound(n, &step, r.map(|id| (Bound::Id(id), id.to_string())));
            }
            Action::AddToSnapshotSet(volume, provider) => {
                let r = self
                    .object(&machine, &object)?
                    .add_to_snapshot_set(&volume, provider);
                self.report_bound(n, &step, r.map(|id| (Bound::Id(id), id.to_string())));
            }
            Action::AbortBackup => {
                let r = self.object(&machine, &object)?.abort_backup();
                self.report(n, &step, r.err().unwrap_or(HResult::S_OK), "");
            }
            Action::GetSnapshotProperties(id, expected) => {
                match self.object(&machine, &object)?.get_snapshot_properties(id) {
                    Ok(prop) => {
                        let detail = format!(
                            "{} {}",
                            prop.snapshot_device_object, prop.snapshot_attributes
                        );
                        self.report(n, &step, HResult::S_OK, &detail);
                        if let Some(expected) = expected {
                            for problem in self.check_props(&machine, &prop, &expected)? {
                                self.fail_check(n, problem);
                            }
                        }
                        self.bind(&step.bind, Bound::Props(Box::new(prop)));
                    }
                    Err(hr) => {
                        self.bind(&step.bind, Bound::Failed(n));
                        self.report(n, &step, hr, "");
                    }
                }
            }
            Action::Query {
                queried,
                queried_type,
                returned,
                expect_count,
                includes,
                excludes,
            } => match self
                .object(&machine, &object)?
                .query(queried, queried_type, returned)
            {
                Ok(found) => {
                    let ids: Vec<VssId> = found
                        .iter()
                        .map(|o| match o {
                            ObjectProp::Snapshot(s) => s.snapshot_id,
                            ObjectProp::Provider(p) => p.provider_id,
                        })
                        .collect();
                    self.report(n, &step, HResult::S_OK, &plural(found.len(), "object"));
                    if let Some(count) = expect_count {
                        if count != found.len() as u64 {
                            let wanted = plural(count as usize, "object");
                            self.fail_check(n, format!("{wanted}, got {}", found.len()));
                        }
                    }
                    for id in includes.iter().filter(|id| !ids.contains(id)) {
                        self.fail_check(n, format!("{id} listed, but it is not"));
                    }
                    for id in excludes.iter().filter(|id| ids.contains(id)) {
                        self.fail_check(n, format!("{id} not listed, but it is"));
                    }
                }
                Err(hr) => self.report(n, &step, hr, ""),
            },
            Action::DeleteSnapshots {
                id,
                kind,
                force,
                expect_deleted,
                expect_nondeleted,
            } => {
                let r = self
                    .object(&machine, &object)?
                    .delete_snapshots(id, kind, force);
                let (hr, deleted, nondeleted) = match r {
                    Ok(d) => (HResult::S_OK, d.deleted, d.nondeleted),
                    Err(f) => (f.hr, f.deleted, f.nondeleted),
                };
                self.report(
                    n,
                    &step,
                    hr,
                    &format!("deleted {deleted}, not deleted {}", nondeleted),
                );
                if let Some(count) = expect_deleted {
                    if count != deleted as u64 {
                        self.fail_check(n, format!("{count} deleted, got {deleted}"));
                    }
                }
                if let Some(expected) = expect_nondeleted {
                    if expected != nondeleted {
                        self.fail_check(n, format!("{expected} not deleted, got {nondeleted}"));
                    }
                }
            }
            Action::SaveAsXml => {
                let r = self.object(&machine, &object)?.save_as_xml();
                let r = r.map(|xml| {
                    let detail = format!("{} bytes", xml.len());
                    (Bound::Text(xml), detail)
                });
                self.report_bound(n, &step, r);
            }
            Action::BreakSnapshotSet(set) => {
                let r = self.object(&machine, &object)?.break_snapshot_set(set);
                self.report(n, &step, r.err().unwrap_or(HResult::S_OK), "");
            }
            Action::Expose(id, path, attributes, expose) => {
                let r = self.object(&machine, &object)?.expose_snapshot(
                    id,
                    path.as_deref(),
                    attributes,
                    expose.as_deref(),
                );
                let r = r.map(|name| {
                    let detail = format!("exposed as {name}");
                    (Bound::Text(name), detail)
                });
                self.report_bound(n, &step, r);
            }
            Action::Unexpose(id) => {
                let r = self.object(&machine, &object)?.unexpose_snapshot(id);
                self.report(n, &step, r.err().unwrap_or(HResult::S_OK), "");
            }
            Action::IsVolumeSupported(provider, volume, expected) => {
                match self
                    .object(&machine, &object)?
                    .is_volume_supported(provider, &volume)
                {
                    Ok(supported) => {
                        self.report(
                            n,
                            &step,
                            HResult::S_OK,
                            if supported {
                                "supported"
                            } else {
                                "not supported"
                            },
                        );
                        if expected.is_some_and(|e| e != supported) {
                            self.fail_check(
                                n,
                                format!("supported = {}, got {supported}", !supported),
                            );
                        }
                    }
                    Err(hr) => self.report(n, &step, hr, ""),
                }
            }
            Action::Wait(i, timeout) => {
                let hr = self.asyncs[i].wait(timeout);
                self.report(n, &step, hr, "");
            }
            Action::QueryStatus(i) => match self.asyncs[i].query_status() {
                // The step shows and checks hrResult; the call itself returned S_OK.
                Ok(status) => {
                    self.report(n, &step, status, "(hrResult; the call returned S_OK)");
                    self.calls.pop();
                    self.calls.push(("QueryStatus".into(), HResult::S_OK));
                }
                Err(hr) => self.report(n, &step, hr, "(the call failed)"),
            },
            Action::Cancel(i) => {
                let hr = self.asyncs[i].cancel();
                self.report(n, &step, hr, "");
            }
            Action::Write(target, block, data) => {
                self.env()?
                    .write_block(&machine, &target, block, data.as_bytes())
                    .map_err(|e| e.to_string())?;
                self.report_env(n, &step, "done");
            }
            Action::Read(read) => {
                let content = match self.env()?.read_block(&machine, &read.target, read.block) {
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
                self.report_env(n, &step, &text);
            }
            Action::Release => {
                let key = (machine.to_ascii_uppercase(), object.clone());
                if self.objects.remove(&key).is_none() {
                    return Err(format!(
                        "there is no requester object `{object}` on {machine} to release"
                    ));
                }
                self.report_env(n, &step, "released");
            }
            Action::Reboot => {
                self.env()?.reboot(&machine).map_err(|e| e.to_string())?;
                let upper = machine.to_ascii_uppercase();
                self.objects.retain(|(m, _), _| *m != upper);
                self.report_env(n, &step, "restarted; its requester objects are gone");
            }
            Action::FailProvider(fault) => {
                self.env()?
                    .fail_provider_method(&machine, fault)
                    .map_err(|e| e.to_string())?;
                self.report_env(n, &step, "armed");
            }
            Action::FailWriter(writer, event, hr) => {
                self.env()?
                    .fail_writer_event(&machine, &writer, event, hr)
                    .map_err(|e| e.to_string())?;
                self.report_env(n, &step, "armed");
            }
            Action::FailService(method, hr) => {
                self.env()?
                    .fail_service_call(&machine, &method, hr)
                    .map_err(|e| e.to_string())?;
                self.report_env(n, &step, "armed");
            }
            Action::Privileges(p) => {
                let env = self.env()?;
                let components = self.object(&machine, &object)?;
                env.set_privileges(components, p)
                    .map_err(|e| e.to_string())?;
                self.report_env(n, &step, &format!("{object} now runs as {p}"));
            }
        }
        Ok(())
    }

    fn run_async(&mut self, n: usize, step: &Step, call: AsyncCall) -> Result<(), String> {
        if step.hold {
            let env = self.env()?;
            let components = self.object(&step.machine, &step.object)?;
            env.hold_next_async(components, true)
                .map_err(|e| e.to_string())?;
        }
        let o = self.object(&step.machine, &step.object)?;
        let started = match call {
            AsyncCall::GatherWriterMetadata => o.gather_writer_metadata(),
            AsyncCall::GatherWriterStatus => o.gather_writer_status(),
            AsyncCall::PrepareForBackup => o.prepare_for_backup(),
            AsyncCall::DoSnapshotSet => o.do_snapshot_set(),
            AsyncCall::BackupComplete => o.backup_complete(),
            AsyncCall::ImportSnapshots => o.import_snapshots(),
            AsyncCall::BreakSnapshotSetEx(set, flags) => o.break_snapshot_set_ex(set, flags),
        };
        let mut op = match started {
            Ok(op) => op,
            Err(hr) => {
                if step.hold {
                    // Nothing started, so nothing is held: the hold was for this call only.
                    let env = self.env()?;
                    let components = self.object(&step.machine, &step.object)?;
                    env.hold_next_async(components, false)
                        .map_err(|e| e.to_string())?;
                }
                self.bind(&step.bind, Bound::Failed(n));
                self.report(n, step, hr, "(direct)");
                return Ok(());
            }
        };
        if step.hold {
            // The step shows the operation's status, which takes a QueryStatus call.
            let queried = op.query_status();
            self.asyncs.push(op);
            self.bind(&step.bind, Bound::Async(self.asyncs.len() - 1));
            let status = queried.unwrap_or_else(|hr| hr);
            self.report(n, step, status, "(held; not waited on)");
            let method = self.calls.pop().map(|(m, _)| m).unwrap_or_default();
            self.calls.push((method, HResult::S_OK));
            self.calls
                .push(("QueryStatus".into(), queried.err().unwrap_or(HResult::S_OK)));
            return Ok(());
        }
        // The runner waits as a requester would: Wait, then QueryStatus. Both are calls of
        // their own, which an injected failure or a rights check can hit.
        let waited = op.wait(INFINITE);
        self.calls.push(("Wait".into(), waited));
        let queried = op.query_status();
        self.calls
            .push(("QueryStatus".into(), queried.err().unwrap_or(HResult::S_OK)));
        self.asyncs.push(op);
        self.bind(&step.bind, Bound::Async(self.asyncs.len() - 1));
        match queried {
            Ok(status) => {
                let status = match status {
                    HResult::VSS_S_ASYNC_FINISHED => HResult::S_OK,
                    other => other,
                };
                let detail = if waited.is_failure() {
                    format!("(Wait returned {waited})")
                } else {
                    String::new()
                };
                self.report(n, step, status, &detail);
            }
            Err(hr) => {
                // The operation started; its outcome is unknown because QueryStatus failed.
                self.report(n, step, hr, "(QueryStatus failed; the outcome is unknown)");
                let method = self.calls.pop().map(|(m, _)| m).unwrap_or_default();
                self.calls.push((method, HResult::S_OK));
            }
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
        let mut problems = Vec::new();
        for (key, want) in expected {
            match key.as_str() {
                "attributes_include" | "attributes_exclude" => {
                    let mut a = Map::new();
                    a.insert("x".into(), want.clone());
                    let bindings = Bindings::new();
                    let mut args = StepArgs::new(&a, &bindings);
                    let wanted = args
                        .attributes("x")
                        .map_err(|e| format!("{key}: {e}"))?
                        .unwrap_or_default();
                    let has = prop.snapshot_attributes;
                    if key == "attributes_include" && !has.contains(wanted) {
                        problems.push(format!("attributes to include {}, got {has}", wanted - has));
                    }
                    if key == "attributes_exclude" && has.intersects(wanted) {
                        problems.push(format!("attributes to exclude {}, got {has}", wanted & has));
                    }
                }
                "snapshot_attributes" => {
                    let mut a = Map::new();
                    a.insert("x".into(), want.clone());
                    let bindings = Bindings::new();
                    let wanted = StepArgs::new(&a, &bindings)
                        .attributes("x")
                        .map_err(|e| format!("{key}: {e}"))?
                        .unwrap_or_default();
                    if wanted != prop.snapshot_attributes {
                        problems.push(format!(
                            "attributes {wanted}, got {}",
                            prop.snapshot_attributes
                        ));
                    }
                }
                "original_volume_name" => {
                    let want = want.as_str().ok_or("original_volume_name must be text")?;
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

/// Equal JSON values, comparing text case-insensitively (names, GUIDs, machines).
fn same_value(got: &Value, want: &Value) -> bool {
    match (got, want) {
        (Value::String(a), Value::String(b)) => a.eq_ignore_ascii_case(b),
        _ => got == want,
    }
}

fn ids(a: &mut StepArgs<'_>, key: &str) -> Result<Vec<VssId>, ArgError> {
    match a.get(key)? {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) => s.parse().map_err(|e: vss_model::guid::GuidParseError| {
                    ArgError::Input(format!("`{key}`: {e}"))
                }),
                other => Err(ArgError::Input(format!("`{key}` holds GUIDs, not {other}"))),
            })
            .collect(),
        Some(other) => Err(ArgError::Input(format!(
            "`{key}` must be a list of GUIDs, not {other}"
        ))),
    }
}

/// Reads a call step's arguments; returns the action and its printed label.
fn read_call(call: &str, a: &mut StepArgs<'_>) -> Result<(Action, String), ArgError> {
    let action = match call {
        "InitializeForBackup" => Action::Initialize(a.text("xml")?),
        "SetContext" => Action::SetContext(
            a.context("context")?
                .ok_or_else(|| ArgError::Input("`context` is required".into()))?,
        ),
        "SetBackupState" => Action::SetBackupState(BackupStateArgs {
            select_components: a.boolean("select_components")?.unwrap_or(false),
            bootable_system_state: a.boolean("bootable_system_state")?.unwrap_or(false),
            backup_type: a
                .backup_type("backup_type")?
                .unwrap_or(vss_model::BackupType::VSS_BT_FULL),
            partial_file_support: a.boolean("partial_file_support")?.unwrap_or(false),
        }),
        "GatherWriterMetadata" => Action::Async(AsyncCall::GatherWriterMetadata),
        "GatherWriterStatus" => Action::Async(AsyncCall::GatherWriterStatus),
        "PrepareForBackup" => Action::Async(AsyncCall::PrepareForBackup),
        "DoSnapshotSet" => Action::Async(AsyncCall::DoSnapshotSet),
        "BackupComplete" => Action::Async(AsyncCall::BackupComplete),
        "ImportSnapshots" => Action::Async(AsyncCall::ImportSnapshots),
        "BreakSnapshotSetEx" => Action::Async(AsyncCall::BreakSnapshotSetEx(
            a.required_id("set")?,
            a.break_flags("flags")?.unwrap_or_default(),
        )),
        "GetWriterStatus" => {
            let mut expected = Vec::new();
            for (writer, state) in a.object("expect_states")?.unwrap_or_default() {
                let state = state.as_str().and_then(|s| s.parse().ok()).ok_or_else(|| {
                    ArgError::Input(format!(
                        "expect_states: `{state}` is not a VSS_WRITER_STATE name"
                    ))
                })?;
                expected.push((writer, state));
            }
            Action::GetWriterStatus(expected)
        }
        "StartSnapshotSet" => Action::StartSnapshotSet,
        "AddToSnapshotSet" => Action::AddToSnapshotSet(
            a.required_text("volume")?,
            a.id("provider")?.unwrap_or(VssId::NULL),
        ),
        "AbortBackup" => Action::AbortBackup,
        "GetSnapshotProperties" => {
            Action::GetSnapshotProperties(a.required_id("snapshot")?, a.object("expect_props")?)
        }
        "Query" => Action::Query {
            queried: a.id("queried_object")?.unwrap_or(VssId::NULL),
            queried_type: a
                .object_type("queried_type")?
                .unwrap_or(ObjectType::VSS_OBJECT_NONE),
            returned: a
                .object_type("type")?
                .unwrap_or(ObjectType::VSS_OBJECT_SNAPSHOT),
            expect_count: a.number("expect_count")?,
            includes: ids(a, "expect_includes")?,
            excludes: ids(a, "expect_excludes")?,
        },
        "DeleteSnapshots" => {
            let (id, default_kind) = match (a.id("snapshot")?, a.id("set")?, a.id("id")?) {
                (Some(s), None, None) => (s, ObjectType::VSS_OBJECT_SNAPSHOT),
                (None, Some(s), None) => (s, ObjectType::VSS_OBJECT_SNAPSHOT_SET),
                (None, None, Some(s)) => (s, ObjectType::VSS_OBJECT_SNAPSHOT),
                _ => {
                    return Err(ArgError::Input(
                        "DeleteSnapshots takes one of `snapshot`, `set` or `id`".into(),
                    ));
                }
            };
            Action::DeleteSnapshots {
                id,
                kind: a.object_type("type")?.unwrap_or(default_kind),
                force: a.boolean("force")?.unwrap_or(false),
                expect_deleted: a.number("expect_deleted")?,
                expect_nondeleted: a.id("expect_nondeleted")?,
            }
        }
        "SaveAsXML" => Action::SaveAsXml,
        "BreakSnapshotSet" => Action::BreakSnapshotSet(a.required_id("set")?),
        "ExposeSnapshot" => Action::Expose(
            a.required_id("snapshot")?,
            a.text("path_from_root")?,
            a.attributes("attributes")?
                .unwrap_or(SnapshotAttributes::VSS_VOLSNAP_ATTR_EXPOSED_LOCALLY),
            a.text("expose")?,
        ),
        "UnexposeSnapshot" => Action::Unexpose(a.required_id("snapshot")?),
        "IsVolumeSupported" => Action::IsVolumeSupported(
            a.id("provider")?.unwrap_or(VssId::NULL),
            a.required_text("volume")?,
            a.boolean("expect_supported")?,
        ),
        "Wait" => Action::Wait(
            a.async_handle("async")?,
            a.number("timeout")?
                .map_or(INFINITE, |t| t.min(u64::from(INFINITE)) as u32),
        ),
        "QueryStatus" => Action::QueryStatus(a.async_handle("async")?),
        "Cancel" => Action::Cancel(a.async_handle("async")?),
        other => {
            let hint = vss_model::methods::method(other)
                .filter(|m| m.interface.is_requester())
                .map(|m| format!(" (names are case-sensitive: `{}`)", m.name))
                .unwrap_or_default();
            return Err(ArgError::Input(format!(
                "`{other}` is not a requester method{hint}"
            )));
        }
    };
    let label = match &action {
        Action::SetContext(c) => format!("{call} {c}"),
        Action::AddToSnapshotSet(v, p) if p.is_null() => format!("{call} {v}"),
        Action::AddToSnapshotSet(v, p) => format!("{call} {v} {p}"),
        Action::Async(AsyncCall::BreakSnapshotSetEx(_, flags)) => format!("{call} {flags}"),
        Action::Query { returned, .. } => format!("{call} {returned}"),
        Action::DeleteSnapshots { kind, .. } => format!("{call} {kind}"),
        Action::Expose(_, _, attributes, expose) => format!(
            "{call} {} {attributes}",
            expose.as_deref().unwrap_or("(null)")
        ),
        _ => call.to_string(),
    };
    Ok((action, label))
}

/// Reads an environment step's arguments.
fn read_env(env: &str, a: &mut StepArgs<'_>) -> Result<(Action, String), ArgError> {
    // The target and whether it was named as a volume.
    let target = |a: &mut StepArgs<'_>| -> Result<(String, bool), ArgError> {
        let keys = ["volume", "device", "snapshot", "target"];
        let mut found = Vec::new();
        for k in keys {
            if let Some(v) = a.text(k)? {
                found.push((v, k == "volume"));
            }
        }
        match found.len() {
            1 => Ok(found.remove(0)),
            _ => Err(ArgError::Input(
                "name exactly one of `volume`, `device`, `snapshot` or `target`".into(),
            )),
        }
    };
    let block = |a: &mut StepArgs<'_>| a.number("block").map(|b| b.unwrap_or(0));
    Ok(match env {
        "write" => {
            let (t, _) = target(a)?;
            let b = block(a)?;
            let data = a.required_text("data")?;
            let label = format!("write {t} block {b} {data:?}");
            (Action::Write(t, b, data), label)
        }
        "read" => {
            let (t, volume) = target(a)?;
            let b = block(a)?;
            // `expect: null` expects zeros; no `expect` checks nothing.
            let expect = match (a.has("expect"), a.boolean("expect_gone")?) {
                (true, None | Some(false)) => ReadExpect::Content(a.text("expect")?),
                (false, Some(true)) => ReadExpect::Gone,
                (false, None | Some(false)) => ReadExpect::Nothing,
                (true, Some(true)) => {
                    return Err(ArgError::Input(
                        "`expect` and `expect_gone` exclude each other".into(),
                    ));
                }
            };
            let label = format!("read {t} block {b}");
            let read = Read {
                target: t,
                block: b,
                may_vanish: !volume,
                expect,
            };
            (Action::Read(read), label)
        }
        "release" => (Action::Release, "release".into()),
        "reboot" => (Action::Reboot, "reboot".into()),
        "fail_provider" => {
            let method = a.required_text("method")?;
            let hr = a
                .hresult("hresult")?
                .ok_or_else(|| ArgError::Input("`hresult` is required".into()))?;
            let fault = ProviderFault {
                provider_id: a.id("provider")?,
                method: method.clone(),
                hr,
                after: a.number("after")?.unwrap_or(0) as u32,
                times: a.number("times")?.unwrap_or(1) as u32,
            };
            (
                Action::FailProvider(fault),
                format!("fail_provider {method} {}", short_code(hr)),
            )
        }
        "fail_writer" => {
            let writer = a.required_text("writer")?;
            let event = a.writer_event("event")?;
            let hr = a
                .hresult("hresult")?
                .ok_or_else(|| ArgError::Input("`hresult` is required".into()))?;
            let label = format!("fail_writer \"{writer}\" {event}");
            (Action::FailWriter(writer, event, hr), label)
        }
        "fail_service" => {
            let method = a.required_text("method")?;
            let hr = a
                .hresult("hresult")?
                .ok_or_else(|| ArgError::Input("`hresult` is required".into()))?;
            let label = format!("fail_service {method} {}", short_code(hr));
            (Action::FailService(method, hr), label)
        }
        "privileges" => {
            let p = match a.required_text("privileges")?.to_ascii_lowercase().as_str() {
                "administrator" => Privileges::Administrator,
                "backup_operator" => Privileges::BackupOperator,
                "user" => Privileges::User,
                other => {
                    return Err(ArgError::Input(format!(
                        "`{other}` is not one of administrator, backup_operator, user"
                    )));
                }
            };
            (Action::Privileges(p), format!("privileges {p}"))
        }
        other => {
            return Err(ArgError::Input(format!(
                "`{other}` is not an environment step (write, read, release, reboot, fail_provider, fail_writer, fail_service, privileges)"
            )));
        }
    })
}
