//! Recording a run as a scenario file that the simulator replays.
//!
//! A [`Recorder`] wraps any [`Backend`] and is one itself: every requester call made through
//! it is passed on unchanged and written down, in order, as a step of a scenario
//! (`docs/recordings-and-state-files.md` §1): the call in its data form ([`Call`]), the
//! machine (`on`) and requester object (`as`) it was made on, the HRESULT it produced as
//! `expect` (for an asynchronous call, the operation's outcome as the waited form of
//! `docs/scenario-format.md` §5.1 reports it), and `bind` for what it handed out. A later
//! argument equal to something handed out earlier is written as a `$name` reference to it,
//! so that the recording replays on a backend that hands out other ids. The checks that
//! should agree between real VSS and the simulator are recorded too; nothing
//! machine-specific (GUIDs, device names, machine names, timestamps) is recorded as an
//! expectation.
//!
//! When the wrapped backend controls its world ([`Backend::environment`]), the recorder
//! wraps that as well and records the environment steps (writes, reads, restarts, faults,
//! LUN masking, rights, held operations). Real Windows has no such control, so a recording
//! made there holds requester calls only.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::rc::Rc;

use serde_json::{Map, Value};
use vss_model::backend::{
    Backend, BackupComponents, BackupStateArgs, Capabilities, ComponentRef, Deleted, EnvError,
    Environment, LunState, Privileges, ProviderFault, VssAsync, VssResult,
};
use vss_model::call::{self, Call, CallOutcome, Invoked, Returned};
use vss_model::document::WriterComponents;
use vss_model::methods::Method;
use vss_model::provider::DeleteFailure;
use vss_model::writer_metadata::WriterMetadataDocument;
use vss_model::{
    Block, Context, HResult, HardwareOptions, ObjectProp, ObjectType, SnapshotAttributes,
    SnapshotProp, VssId, WriterEvent, WriterStatus,
};

use crate::world_file::{self, WorldFile};

/// A backend whose requester calls (and environment steps, when it has an environment) are
/// written down as a scenario; see the [module documentation](self).
pub struct Recorder<B: Backend> {
    backend: Rc<B>,
    log: Rc<RefCell<Log>>,
}

/// A requester object of a [`Recorder`]: the wrapped backend's object, whose calls are
/// recorded. Dropping it is `Release`, recorded as an `env: release` step.
pub struct Recorded<B: Backend> {
    inner: B::Components,
    backend: Rc<B>,
    log: Rc<RefCell<Log>>,
    object: usize,
}

/// The `IVssAsync` of a [`Recorded`] object. The `Wait` and `QueryStatus` a requester makes
/// right after starting an operation are folded into the call's step, as the runner's
/// waited and held forms make them (scenario-format.md §5); any other call on it is a step
/// of its own.
pub struct RecordedAsync<A> {
    inner: A,
    log: Rc<RefCell<Log>>,
    step: usize,
    phase: Phase,
}

/// Where an operation is in the calls that make up its step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Started without a hold: the requester's `Wait` comes next.
    AwaitWait,
    /// Waited on (or held): the requester's `QueryStatus` gives the step's `expect`.
    AwaitStatus {
        /// Whether the operation was held, so that its pending status is what is expected.
        held: bool,
    },
    /// The step is complete; every further call is a step of its own.
    Explicit,
}

/// One step as it will be written.
struct Entry {
    /// `on`, `as`, `call` or `env`, the arguments and `hold`, in the order written.
    head: Vec<(String, Value)>,
    /// The name later steps refer to what it returned by, given when one first does.
    bind: Option<String>,
    /// What that name starts with: `set`, `snap`, `p`, `doc`, `x` or `op`.
    kind: &'static str,
    /// `expect` and the checks.
    tail: Vec<(String, Value)>,
    /// The requester object it was made on, if any.
    object: Option<usize>,
}

impl Entry {
    /// The step's keys and values in the order they are written: `on`, `as`, `call` or
    /// `env` and the arguments, `bind`, then `expect` and the checks.
    fn fields(&self) -> Vec<(String, Value)> {
        let mut fields = self.head.clone();
        if let Some(name) = &self.bind {
            fields.push(("bind".into(), Value::String(name.clone())));
        }
        fields.extend(self.tail.iter().cloned());
        fields
    }
}

/// Where a value handed out earlier came from: a step, and the field of its properties (or
/// the writer of its metadata whose instance id it is).
#[derive(Debug, Clone)]
struct Source {
    step: usize,
    field: Option<String>,
}

/// A requester object: its machine, its name in the recording, and what is known of it.
struct Object {
    machine: String,
    name: String,
    /// False once its machine restarted: it died there, and its `Release` is nothing.
    alive: bool,
    /// Whether a step names it; an object no step named has nothing to release in a replay.
    used: bool,
    /// The hold its next asynchronous call starts with (`hold_next_async`).
    hold_next: bool,
}

/// The recording so far, shared by the recorder, its objects and their operations.
struct Log {
    backend: String,
    machines: Vec<String>,
    entries: Vec<Entry>,
    objects: Vec<Object>,
    /// How many objects each machine has had, for their names.
    created: BTreeMap<String, usize>,
    /// How many names of each kind have been given.
    named: BTreeMap<&'static str, usize>,
    /// Values handed out (ids in their braced lower-case form, texts as they are), and
    /// where, for `$name` references.
    sources: BTreeMap<String, Source>,
    /// The shadow copy ids the recording can name, in the order met.
    snapshots: Vec<VssId>,
    /// The volume each shadow copy was added as (`AddToSnapshotSet`'s literal argument).
    volumes: BTreeMap<VssId, String>,
    /// What the recording could not hold.
    gaps: Vec<String>,
}

impl<B: Backend> Recorder<B> {
    /// Starts recording what is done through `backend`.
    pub fn new(backend: B) -> Recorder<B> {
        let log = Log {
            backend: backend.name().to_string(),
            machines: backend.machines(),
            entries: Vec::new(),
            objects: Vec::new(),
            created: BTreeMap::new(),
            named: BTreeMap::new(),
            sources: BTreeMap::new(),
            snapshots: Vec::new(),
            volumes: BTreeMap::new(),
            gaps: Vec::new(),
        };
        Recorder {
            backend: Rc::new(backend),
            log: Rc::new(RefCell::new(log)),
        }
    }

    /// The wrapped backend.
    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// What the recording could not hold, one sentence each (an argument starting with `$`,
    /// which the format reads as a reference; data that is not text). Empty when the
    /// recording holds everything it was meant to.
    pub fn gaps(&self) -> Vec<String> {
        self.log.borrow().gaps.clone()
    }

    /// The recording so far as a scenario file (JSON, which YAML readers read too), in the
    /// world `world` (written as `default` when it is the embedded default world, inline
    /// otherwise), with the capabilities `requires` lists; `source` names what was run in
    /// the description. The same calls and results give the same text.
    pub fn scenario_text(&self, world: &WorldFile, requires: Capabilities, source: &str) -> String {
        let log = self.log.borrow();
        let mut description = format!(
            "Recorded on the `{}` backend from {source}: each step expects what that backend answered.",
            log.backend
        );
        if !log.gaps.is_empty() {
            let _ = write!(
                description,
                " It does not hold all of the run: {}",
                log.gaps.join(" ")
            );
        }
        let mut out = String::from("{\n");
        let _ = writeln!(out, "  \"description\": {},", Value::String(description));
        let world = if world_file::default_world() == world {
            Value::String("default".into())
        } else {
            serde_json::to_value(world).expect("a world file is plain data")
        };
        let _ = writeln!(
            out,
            "  \"world\": {},",
            format!("{world:#}").replace('\n', "\n  ")
        );
        if !requires.is_empty() {
            let names: Vec<Value> = requires
                .iter_names()
                .map(|(name, _)| Value::String(name.to_string()))
                .collect();
            let _ = writeln!(out, "  \"requires\": {},", inline(&Value::Array(names)));
        }
        if log.entries.is_empty() {
            out.push_str("  \"steps\": []\n}\n");
            return out;
        }
        out.push_str("  \"steps\": [\n");
        for (i, entry) in log.entries.iter().enumerate() {
            let fields: Vec<String> = entry.fields().iter().map(|(k, v)| pair(k, v)).collect();
            let comma = if i + 1 < log.entries.len() { "," } else { "" };
            let _ = writeln!(out, "    {{{}}}{comma}", fields.join(", "));
        }
        out.push_str("  ]\n}\n");
        out
    }

    /// The steps recorded so far, each the object a scenario's `steps` list holds: the
    /// steps [`scenario_text`](Self::scenario_text) writes, as data, for a caller that keeps
    /// them to replay later (as a state file does). Take them once the run's
    /// requester objects are dropped, so that their `env: release` steps are among them.
    pub fn steps(&self) -> Vec<Map<String, Value>> {
        let log = self.log.borrow();
        log.entries
            .iter()
            .map(|entry| entry.fields().into_iter().collect())
            .collect()
    }

    /// How many steps are recorded so far.
    pub fn step_count(&self) -> usize {
        self.log.borrow().entries.len()
    }

    /// The steps recorded from the `first` on (counted from 0), as [`steps`](Self::steps)
    /// gives them: what was done since a caller last looked.
    pub fn steps_from(&self, first: usize) -> Vec<Map<String, Value>> {
        let log = self.log.borrow();
        log.entries
            .iter()
            .skip(first)
            .map(|entry| entry.fields().into_iter().collect())
            .collect()
    }

    /// The wrapped backend's environment, or why there is none.
    fn env(&self) -> Result<&dyn Environment<Components = B::Components>, EnvError> {
        self.backend
            .environment()
            .ok_or(EnvError::Unsupported("control its environment"))
    }

    /// Records an environment step of a machine, with its arguments. The volume, device or
    /// exposed name it acts on (`target`) is written as a reference when it was handed out
    /// earlier; the other arguments are the step's own.
    fn env_step(&self, machine: &str, env: &str, args: Vec<(&str, Value)>) {
        let mut log = self.log.borrow_mut();
        let mut head = log.machine_head(machine);
        head.push(("env".into(), Value::String(env.into())));
        for (key, value) in args {
            let value = match key {
                "target" => log.argument(value),
                _ => log.literal(value),
            };
            head.push((key.to_string(), value));
        }
        log.push(head, Vec::new(), None);
    }
}

/// `"key": value`, as the recording writes it.
fn pair(key: &str, value: &Value) -> String {
    format!("{}: {}", Value::String(key.to_string()), inline(value))
}

/// A value on one line, with a space after each comma and colon as the step itself has.
fn inline(value: &Value) -> String {
    match value {
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(inline).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(map) => {
            let fields: Vec<String> = map.iter().map(|(k, v)| pair(k, v)).collect();
            format!("{{{}}}", fields.join(", "))
        }
        scalar => scalar.to_string(),
    }
}

/// An HRESULT as `expect` writes it: its name, or its value in hexadecimal.
fn code(hr: HResult) -> Value {
    serde_json::to_value(hr).expect("an HRESULT is a name or a number")
}

impl Log {
    /// The machine's name as the backend spells it.
    fn machine(&self, machine: &str) -> String {
        self.machines
            .iter()
            .find(|m| m.eq_ignore_ascii_case(machine))
            .cloned()
            .unwrap_or_else(|| machine.to_string())
    }

    /// `on`, unless the machine is the default one.
    fn machine_head(&self, machine: &str) -> Vec<(String, Value)> {
        let machine = self.machine(machine);
        match self.machines.first() {
            Some(first) if *first == machine => Vec::new(),
            _ => vec![("on".into(), Value::String(machine))],
        }
    }

    /// `on` and `as` of a requester object, each unless it is the default (`r1`), and the
    /// object counted as named by a step.
    fn object_head(&mut self, object: usize) -> Vec<(String, Value)> {
        self.objects[object].used = true;
        let o = &self.objects[object];
        let mut head = self.machine_head(&o.machine);
        if o.name != "r1" {
            head.push(("as".into(), Value::String(o.name.clone())));
        }
        head
    }

    fn push(
        &mut self,
        head: Vec<(String, Value)>,
        tail: Vec<(String, Value)>,
        object: Option<usize>,
    ) -> usize {
        self.entries.push(Entry {
            head,
            bind: None,
            kind: "",
            tail,
            object,
        });
        self.entries.len() - 1
    }

    /// The name of what a step returned, given now if no step referred to it before.
    fn bind_name(&mut self, step: usize) -> String {
        let entry = &mut self.entries[step];
        if let Some(name) = &entry.bind {
            return name.clone();
        }
        let n = self.named.entry(entry.kind).or_insert(0);
        *n += 1;
        let name = format!("{}{n}", entry.kind);
        entry.bind = Some(name.clone());
        name
    }

    /// A reference to a value handed out earlier, if it was.
    fn reference(&mut self, text: &str) -> Option<String> {
        let source = self.sources.get(&canonical(text))?.clone();
        let name = self.bind_name(source.step);
        Some(match source.field {
            None => format!("${name}"),
            Some(field) => format!("${name}.{field}"),
        })
    }

    /// An argument as written: a reference when its text was handed out earlier, else the
    /// text itself.
    fn argument(&mut self, value: Value) -> Value {
        let reference = value.as_str().and_then(|text| self.reference(text));
        match reference {
            Some(reference) => Value::String(reference),
            None => self.literal(value),
        }
    }

    /// An argument written as it is. The format reads a text starting with `$` as a
    /// reference, and has no way to write it literally: that is a gap.
    fn literal(&mut self, value: Value) -> Value {
        if let Some(text) = value.as_str().filter(|t| t.starts_with('$')) {
            let step = self.entries.len() + 1;
            self.gaps.push(format!(
                "step {step} gives the text `{text}`, which a replay reads as a reference."
            ));
        }
        value
    }

    /// Remembers a value a step handed out. A value returned directly (an id, a document,
    /// an exposed name) is referred to in preference to a field of properties holding it.
    fn hand_out(&mut self, text: String, step: usize, field: Option<String>) {
        let key = canonical(&text);
        let keep = field.is_some()
            && self
                .sources
                .get(&key)
                .is_some_and(|earlier| earlier.field.is_none());
        if !keep {
            self.sources.insert(key, Source { step, field });
        }
    }

    /// Remembers a shadow copy id the recording can name.
    fn know_snapshot(&mut self, id: VssId) {
        if !self.snapshots.contains(&id) {
            self.snapshots.push(id);
        }
    }
}

/// The form a value is looked up by: a GUID in its braced lower-case form, any other text
/// as it is.
fn canonical(text: &str) -> String {
    text.parse::<VssId>()
        .map_or_else(|_| text.to_string(), |id| id.to_string())
}

impl<B: Backend> Backend for Recorder<B> {
    type Components = Recorded<B>;

    fn name(&self) -> &str {
        self.backend.name()
    }

    fn capabilities(&self) -> Capabilities {
        self.backend.capabilities()
    }

    fn machines(&self) -> Vec<String> {
        self.backend.machines()
    }

    fn create_backup_components(&self, machine: &str) -> VssResult<Recorded<B>> {
        let inner = self.backend.create_backup_components(machine)?;
        let mut log = self.log.borrow_mut();
        let machine = log.machine(machine);
        let n = log.created.entry(machine.clone()).or_insert(0);
        *n += 1;
        let name = format!("r{n}");
        log.objects.push(Object {
            machine,
            name,
            alive: true,
            used: false,
            hold_next: false,
        });
        Ok(Recorded {
            inner,
            backend: Rc::clone(&self.backend),
            log: Rc::clone(&self.log),
            object: log.objects.len() - 1,
        })
    }

    fn volume_name_for_mount_point(
        &self,
        machine: &str,
        mount_point: &str,
    ) -> Result<String, EnvError> {
        self.backend
            .volume_name_for_mount_point(machine, mount_point)
    }

    fn volume_path_names_for_volume_name(
        &self,
        machine: &str,
        volume_name: &str,
    ) -> Result<Vec<String>, EnvError> {
        self.backend
            .volume_path_names_for_volume_name(machine, volume_name)
    }

    /// Recorded as the step that asks it, expecting the answer given.
    fn should_block_revert(&self, machine: &str, volume_name: &str) -> Result<bool, EnvError> {
        let block = self.backend.should_block_revert(machine, volume_name)?;
        let args = vec![
            ("volume", Value::String(volume_name.to_string())),
            ("expect", Value::Bool(block)),
        ];
        self.env_step(machine, "should_block_revert", args);
        Ok(block)
    }

    fn environment(&self) -> Option<&dyn Environment<Components = Recorded<B>>> {
        self.backend
            .environment()
            .map(|_| self as &dyn Environment<Components = Recorded<B>>)
    }
}

/// The recorder is its own environment: each step is passed on to the wrapped backend's
/// environment and recorded. Without one, every step fails with [`EnvError::Unsupported`]
/// (and [`Backend::environment`] says there is none).
impl<B: Backend> Environment for Recorder<B> {
    type Components = Recorded<B>;

    fn write_block(
        &self,
        machine: &str,
        target: &str,
        block: u64,
        data: &[u8],
    ) -> Result<(), EnvError> {
        let written = self.env()?.write_block(machine, target, block, data);
        let refused = match &written {
            Ok(()) => false,
            Err(EnvError::ReadOnly(_)) => true,
            Err(_) => return written,
        };
        let Ok(text) = std::str::from_utf8(data) else {
            let mut log = self.log.borrow_mut();
            let step = log.entries.len() + 1;
            log.gaps.push(format!(
                "a write of block {block} of `{target}` before step {step} is left out: its data is not text."
            ));
            return written;
        };
        let mut args = vec![
            ("target", Value::String(target.to_string())),
            ("block", Value::from(block)),
            ("data", Value::String(text.to_string())),
        ];
        if refused {
            args.push(("expect_refused", Value::Bool(true)));
        }
        self.env_step(machine, "write", args);
        written
    }

    fn read_block(&self, machine: &str, target: &str, block: u64) -> Result<Block, EnvError> {
        let read = self.env()?.read_block(machine, target, block);
        let expect = match &read {
            // A block that is not text is shown, not checked.
            Ok(content) => std::str::from_utf8(content.content()).ok().map(|text| {
                let expect = match text {
                    "" => Value::Null,
                    text => Value::String(text.to_string()),
                };
                ("expect", expect)
            }),
            Err(EnvError::UnknownTarget { .. }) => Some(("expect_gone", Value::Bool(true))),
            Err(_) => return read,
        };
        let mut args = vec![
            ("target", Value::String(target.to_string())),
            ("block", Value::from(block)),
        ];
        args.extend(expect);
        self.env_step(machine, "read", args);
        read
    }

    fn reboot(&self, machine: &str) -> Result<(), EnvError> {
        self.env()?.reboot(machine)?;
        self.env_step(machine, "reboot", Vec::new());
        let mut log = self.log.borrow_mut();
        let machine = log.machine(machine);
        for object in log.objects.iter_mut().filter(|o| o.machine == machine) {
            object.alive = false;
        }
        Ok(())
    }

    fn fail_provider_method(&self, machine: &str, fault: ProviderFault) -> Result<(), EnvError> {
        self.env()?.fail_provider_method(machine, fault.clone())?;
        let mut args = vec![
            ("method", Value::String(fault.method.name().into())),
            ("hresult", code(fault.hr)),
        ];
        if let Some(provider) = fault.provider_id {
            args.push(("provider", Value::String(provider.to_string())));
        }
        if fault.after != 0 {
            args.push(("after", Value::from(fault.after)));
        }
        if fault.times != 1 {
            args.push(("times", Value::from(fault.times)));
        }
        self.env_step(machine, "fail_provider", args);
        Ok(())
    }

    fn fail_writer_event(
        &self,
        machine: &str,
        writer: &str,
        event: WriterEvent,
        hr: HResult,
    ) -> Result<(), EnvError> {
        self.env()?.fail_writer_event(machine, writer, event, hr)?;
        let args = vec![
            ("writer", Value::String(writer.to_string())),
            ("event", Value::String(event.to_string())),
            ("hresult", code(hr)),
        ];
        self.env_step(machine, "fail_writer", args);
        Ok(())
    }

    fn fail_service_call(
        &self,
        machine: &str,
        method: Method,
        hr: HResult,
    ) -> Result<(), EnvError> {
        self.env()?.fail_service_call(machine, method, hr)?;
        let args = vec![
            ("method", Value::String(method.name().into())),
            ("hresult", code(hr)),
        ];
        self.env_step(machine, "fail_service", args);
        Ok(())
    }

    fn set_lun_visible(&self, machine: &str, lun: &str, visible: bool) -> Result<(), EnvError> {
        self.env()?.set_lun_visible(machine, lun, visible)?;
        let env = if visible { "unmask" } else { "mask" };
        self.env_step(machine, env, vec![("lun", Value::String(lun.to_string()))]);
        Ok(())
    }

    fn set_volume_read_only(
        &self,
        machine: &str,
        target: &str,
        read_only: bool,
    ) -> Result<(), EnvError> {
        self.env()?
            .set_volume_read_only(machine, target, read_only)?;
        let env = if read_only {
            "make_read_only"
        } else {
            "make_read_write"
        };
        self.env_step(
            machine,
            env,
            vec![("target", Value::String(target.to_string()))],
        );
        Ok(())
    }

    fn assign_mount(
        &self,
        machine: &str,
        target: &str,
        mount: Option<&str>,
    ) -> Result<(), EnvError> {
        self.env()?.assign_mount(machine, target, mount)?;
        let mut args = vec![("target", Value::String(target.to_string()))];
        if let Some(mount) = mount {
            args.push(("mount", Value::String(mount.to_string())));
        }
        self.env_step(machine, "assign", args);
        Ok(())
    }

    /// Passed on, not recorded: looking at the LUNs changes nothing, and what a LUN is
    /// called and which identity it has belong to the array, not to VSS.
    fn luns(&self) -> Vec<LunState> {
        self.env().map(|env| env.luns()).unwrap_or_default()
    }

    /// Passed on, not recorded, as [`luns`](Self::luns).
    fn volume_luns(&self, machine: &str, target: &str) -> Result<Vec<String>, EnvError> {
        self.env()?.volume_luns(machine, target)
    }

    fn set_privileges(
        &self,
        components: &Recorded<B>,
        privileges: Privileges,
    ) -> Result<(), EnvError> {
        self.env()?.set_privileges(&components.inner, privileges)?;
        let name = match privileges {
            Privileges::Administrator => "administrator",
            Privileges::BackupOperator => "backup_operator",
            Privileges::User => "user",
        };
        let mut log = self.log.borrow_mut();
        let mut head = log.object_head(components.object);
        head.push(("env".into(), Value::String("privileges".into())));
        head.push(("privileges".into(), Value::String(name.into())));
        log.push(head, Vec::new(), Some(components.object));
        Ok(())
    }

    /// Not a step of its own: the object's next asynchronous call is recorded with
    /// `hold: true` (scenario-format.md §5.2).
    fn hold_next_async(&self, components: &Recorded<B>, hold: bool) -> Result<(), EnvError> {
        self.env()?.hold_next_async(&components.inner, hold)?;
        self.log.borrow_mut().objects[components.object].hold_next = hold;
        Ok(())
    }
}

impl<B: Backend> Recorded<B> {
    /// Makes a call on the wrapped object and records it.
    fn record(
        &mut self,
        call: Call,
    ) -> Invoked<RecordedAsync<<B::Components as BackupComponents>::Async>> {
        let invoked = call::invoke(&mut self.inner, &call);
        let mut log = self.log.borrow_mut();
        let mut head = log.object_head(self.object);
        let held = call.can_hold() && log.objects[self.object].hold_next;
        let args = serde_json::to_value(&call).expect("a call serializes");
        let Value::Object(args) = args else {
            unreachable!("a call serializes as an object tagged by `call`")
        };
        head.push(("call".into(), Value::String(call.method().name().into())));
        for (key, value) in args {
            // What the caller names an exposure is its choice, not something handed out.
            let value = match key.as_str() {
                "call" => continue,
                "expose" | "path_from_root" => log.literal(value),
                _ => log.argument(value),
            };
            head.push((key, value));
        }
        if held {
            head.push(("hold".into(), Value::Bool(true)));
        }
        let step = log.push(head, Vec::new(), Some(self.object));
        log.entries[step].kind = match call {
            Call::StartSnapshotSet => "set",
            Call::AddToSnapshotSet { .. } => "snap",
            Call::GetSnapshotProperties { .. } => "p",
            Call::SaveAsXml => "doc",
            Call::ExposeSnapshot { .. } => "x",
            Call::GetWriterMetadata => "wm",
            _ => "op",
        };
        match invoked {
            Invoked::Finished(outcome) => {
                if held {
                    // The hold was for the revert this call started, or for nothing.
                    log.objects[self.object].hold_next = false;
                }
                let tail = self.results(&mut log, step, &call, &outcome);
                log.entries[step].tail = tail;
                Invoked::Finished(outcome)
            }
            Invoked::Started(op) => {
                // The object's hold was for the operation it started.
                log.objects[self.object].hold_next = false;
                Invoked::Started(RecordedAsync {
                    inner: op,
                    log: Rc::clone(&self.log),
                    step,
                    phase: if held {
                        Phase::AwaitStatus { held: true }
                    } else {
                        Phase::AwaitWait
                    },
                })
            }
        }
    }

    /// `expect` and the checks of a finished call; what it handed out is remembered for
    /// later references.
    fn results(
        &self,
        log: &mut Log,
        step: usize,
        call: &Call,
        outcome: &CallOutcome,
    ) -> Vec<(String, Value)> {
        let mut tail = vec![("expect".to_string(), code(outcome.hr))];
        if outcome.hr.is_failure() {
            if let Returned::Deleted {
                deleted,
                nondeleted,
            } = outcome.returned
            {
                tail.extend(deletion(log, call, deleted, nondeleted));
            }
            return tail;
        }
        match &outcome.returned {
            Returned::Id(id) => {
                log.hand_out(id.to_string(), step, None);
                if let Call::AddToSnapshotSet { volume, .. } = call {
                    log.know_snapshot(*id);
                    if !volume.starts_with('$') {
                        log.volumes.insert(*id, volume.clone());
                    }
                }
            }
            Returned::Text(text) => log.hand_out(text.clone(), step, None),
            Returned::Properties(prop) => {
                let checks = self.props_checks(log, prop);
                tail.push(("expect_props".into(), Value::Object(checks)));
                for (field, value) in [
                    ("snapshot_id", Some(prop.snapshot_id.to_string())),
                    ("snapshot_set_id", Some(prop.snapshot_set_id.to_string())),
                    (
                        "snapshot_device_object",
                        Some(prop.snapshot_device_object.clone()),
                    ),
                    (
                        "original_volume_name",
                        Some(prop.original_volume_name.clone()),
                    ),
                    ("exposed_name", prop.exposed_name.clone()),
                    ("exposed_path", prop.exposed_path.clone()),
                ] {
                    if let Some(value) = value {
                        log.hand_out(value, step, Some(field.to_string()));
                    }
                }
                log.know_snapshot(prop.snapshot_id);
            }
            Returned::Objects(found) => {
                if matches!(
                    call,
                    Call::Query {
                        returned_type: ObjectType::VSS_OBJECT_SNAPSHOT,
                        ..
                    }
                ) {
                    tail.extend(listed(log, found));
                }
            }
            Returned::Deleted {
                deleted,
                nondeleted,
            } => tail.extend(deletion(log, call, *deleted, *nondeleted)),
            Returned::Supported(supported) => {
                tail.push(("expect_supported".into(), Value::Bool(*supported)));
            }
            // A later AddComponent names a writer instance through the metadata that
            // listed it: instance ids are the machine's, written by the writer's name.
            Returned::Metadata(writers) => {
                for w in writers {
                    log.hand_out(w.instance_id.to_string(), step, Some(w.writer_name.clone()));
                }
            }
            Returned::Components(writers) => {
                tail.push(("expect_components".into(), components(writers)));
            }
            // Writers and their states belong to the machine, not to VSS.
            Returned::Writers(_) | Returned::Nothing => {}
        }
        tail
    }

    /// What `expect_props` checks: the status, the attributes, the number of copies in the
    /// set, the set and the exposure as references, and the volume as it was added, when
    /// that names the same volume now.
    fn props_checks(&self, log: &mut Log, prop: &SnapshotProp) -> Map<String, Value> {
        let mut checks = Map::new();
        let status = serde_json::to_value(prop.status).expect("a state is a name");
        let attributes =
            serde_json::to_value(prop.snapshot_attributes).expect("attributes are names");
        checks.insert("status".into(), status);
        checks.insert("snapshot_attributes".into(), attributes);
        checks.insert("snapshots_count".into(), Value::from(prop.snapshots_count));
        if let Some(set) = log.reference(&prop.snapshot_set_id.to_string()) {
            checks.insert("snapshot_set_id".into(), Value::String(set));
        }
        match &prop.exposed_name {
            None => {
                checks.insert("exposed_name".into(), Value::Null);
            }
            Some(name) => {
                if let Some(reference) = log.reference(name) {
                    checks.insert("exposed_name".into(), Value::String(reference));
                }
            }
        }
        // The runner turns a mount point into its volume name on the step's machine; it is
        // recorded only where that gives the copy's volume now.
        if let Some(volume) = log.volumes.get(&prop.snapshot_id) {
            let machine = &log.objects[self.object].machine;
            let named = if volume.starts_with(r"\\?\Volume") {
                Some(volume.clone())
            } else {
                self.backend
                    .volume_name_for_mount_point(machine, volume)
                    .ok()
            };
            if named.is_some_and(|n| n.eq_ignore_ascii_case(&prop.original_volume_name)) {
                checks.insert("original_volume_name".into(), Value::String(volume.clone()));
            }
        }
        checks
    }
}

/// `expect_count`, `expect_includes` and `expect_excludes` of a shadow copy query, over the
/// copies the recording can name: which of them are listed and which are not, and how many
/// are listed when every copy listed is one of them (a machine may hold copies the run did
/// not make).
fn listed(log: &mut Log, found: &[ObjectProp]) -> Vec<(String, Value)> {
    let ids: Vec<VssId> = found
        .iter()
        .filter_map(|o| match o {
            ObjectProp::Snapshot(s) => Some(s.snapshot_id),
            ObjectProp::Provider(_) => None,
        })
        .collect();
    let known = log.snapshots.clone();
    let mut includes = Vec::new();
    let mut excludes = Vec::new();
    for id in &known {
        if let Some(reference) = log.reference(&id.to_string()) {
            if ids.contains(id) {
                includes.push(Value::String(reference));
            } else {
                excludes.push(Value::String(reference));
            }
        }
    }
    let mut checks = Vec::new();
    if ids.iter().all(|id| known.contains(id)) {
        checks.push(("expect_count".into(), Value::from(ids.len())));
    }
    if !includes.is_empty() {
        checks.push(("expect_includes".into(), Value::Array(includes)));
    }
    if !excludes.is_empty() {
        checks.push(("expect_excludes".into(), Value::Array(excludes)));
    }
    checks
}

/// `expect_components`: every component the document holds, by writer class (the
/// instance is the machine's), and whether it was backed up.
fn components(writers: &[WriterComponents]) -> Value {
    let mut listed = Vec::new();
    for w in writers {
        for c in &w.components {
            let mut entry = Map::new();
            entry.insert("writer".into(), Value::String(w.writer_id.to_string()));
            if !c.logical_path.is_empty() {
                entry.insert("logical_path".into(), Value::String(c.logical_path.clone()));
            }
            entry.insert("component".into(), Value::String(c.component_name.clone()));
            entry.insert("succeeded".into(), Value::Bool(c.backup_succeeded));
            listed.push(Value::Object(entry));
        }
    }
    Value::Array(listed)
}

/// `expect_deleted`, and `expect_nondeleted` when the copy it names can be written: none
/// (`GUID_NULL`), one handed out earlier, or the id the call was given.
fn deletion(log: &mut Log, call: &Call, deleted: i32, nondeleted: VssId) -> Vec<(String, Value)> {
    let mut checks = vec![("expect_deleted".to_string(), Value::from(deleted))];
    let given = matches!(call, Call::DeleteSnapshots { id, .. } if *id == nondeleted);
    let named = if nondeleted.is_null() {
        Some("GUID_NULL".to_string())
    } else {
        log.reference(&nondeleted.to_string())
            .or_else(|| given.then(|| nondeleted.to_string()))
    };
    if let Some(named) = named {
        checks.push(("expect_nondeleted".into(), Value::String(named)));
    }
    checks
}

impl<B: Backend> Drop for Recorded<B> {
    /// `Release`, recorded as `env: release` when the object is alive and a step named it.
    fn drop(&mut self) {
        let mut log = self.log.borrow_mut();
        let o = &log.objects[self.object];
        if o.alive && o.used {
            let mut head = log.object_head(self.object);
            head.push(("env".into(), Value::String("release".into())));
            log.push(head, Vec::new(), Some(self.object));
        }
    }
}

/// The value a successful call returned, or its HRESULT.
fn value<T>(outcome: CallOutcome, pick: impl FnOnce(Returned) -> Option<T>) -> VssResult<T> {
    let hr = outcome.hr;
    match pick(outcome.returned) {
        Some(v) if hr == HResult::S_OK => Ok(v),
        _ => Err(hr),
    }
}

/// Nothing, or the HRESULT of a failed call.
fn unit(outcome: CallOutcome) -> VssResult {
    match outcome.hr {
        HResult::S_OK => Ok(()),
        hr => Err(hr),
    }
}

impl<B: Backend> Recorded<B> {
    /// Makes and records a synchronous call.
    fn finished(&mut self, call: Call) -> CallOutcome {
        match self.record(call) {
            Invoked::Finished(outcome) => outcome,
            Invoked::Started(_) => unreachable!("only asynchronous methods start operations"),
        }
    }

    /// Makes and records an asynchronous call.
    fn started(
        &mut self,
        call: Call,
    ) -> VssResult<RecordedAsync<<B::Components as BackupComponents>::Async>> {
        match self.record(call) {
            Invoked::Started(op) => Ok(op),
            Invoked::Finished(outcome) => Err(outcome.hr),
        }
    }
}

impl<B: Backend> BackupComponents for Recorded<B> {
    type Async = RecordedAsync<<B::Components as BackupComponents>::Async>;

    fn initialize_for_backup(&mut self, xml: Option<&str>) -> VssResult {
        unit(self.finished(Call::InitializeForBackup {
            xml: xml.map(str::to_string),
        }))
    }

    fn set_context(&mut self, context: Context) -> VssResult {
        unit(self.finished(Call::SetContext { context }))
    }

    fn set_backup_state(&mut self, state: BackupStateArgs) -> VssResult {
        unit(self.finished(Call::SetBackupState {
            select_components: state.select_components,
            bootable_system_state: state.bootable_system_state,
            backup_type: state.backup_type,
            partial_file_support: state.partial_file_support,
        }))
    }

    fn gather_writer_metadata(&mut self) -> VssResult<Self::Async> {
        self.started(Call::GatherWriterMetadata)
    }

    fn gather_writer_status(&mut self) -> VssResult<Self::Async> {
        self.started(Call::GatherWriterStatus)
    }

    fn writer_status(&mut self) -> VssResult<Vec<WriterStatus>> {
        value(self.finished(Call::GetWriterStatus), |r| match r {
            Returned::Writers(w) => Some(w),
            _ => None,
        })
    }

    fn writer_metadata(&mut self) -> VssResult<Vec<WriterMetadataDocument>> {
        value(self.finished(Call::GetWriterMetadata), |r| match r {
            Returned::Metadata(m) => Some(m),
            _ => None,
        })
    }

    fn free_writer_metadata(&mut self) -> VssResult {
        unit(self.finished(Call::FreeWriterMetadata))
    }

    fn add_component(&mut self, component: &ComponentRef<'_>) -> VssResult {
        unit(self.finished(Call::on_component(component, None)))
    }

    fn set_backup_succeeded(&mut self, component: &ComponentRef<'_>, succeeded: bool) -> VssResult {
        unit(self.finished(Call::on_component(component, Some(succeeded))))
    }

    fn writer_components(&mut self) -> VssResult<Vec<WriterComponents>> {
        value(self.finished(Call::GetWriterComponents), |r| match r {
            Returned::Components(c) => Some(c),
            _ => None,
        })
    }

    fn start_snapshot_set(&mut self) -> VssResult<VssId> {
        value(self.finished(Call::StartSnapshotSet), id)
    }

    fn add_to_snapshot_set(&mut self, volume_name: &str, provider_id: VssId) -> VssResult<VssId> {
        let call = Call::AddToSnapshotSet {
            volume: volume_name.to_string(),
            provider: provider_id,
        };
        value(self.finished(call), id)
    }

    fn prepare_for_backup(&mut self) -> VssResult<Self::Async> {
        self.started(Call::PrepareForBackup)
    }

    fn do_snapshot_set(&mut self) -> VssResult<Self::Async> {
        self.started(Call::DoSnapshotSet)
    }

    fn backup_complete(&mut self) -> VssResult<Self::Async> {
        self.started(Call::BackupComplete)
    }

    fn abort_backup(&mut self) -> VssResult {
        unit(self.finished(Call::AbortBackup))
    }

    fn get_snapshot_properties(&mut self, snapshot_id: VssId) -> VssResult<SnapshotProp> {
        let call = Call::GetSnapshotProperties {
            snapshot: snapshot_id,
        };
        value(self.finished(call), |r| match r {
            Returned::Properties(p) => Some(*p),
            _ => None,
        })
    }

    fn query(
        &mut self,
        queried_object_id: VssId,
        queried_object_type: ObjectType,
        returned_objects_type: ObjectType,
    ) -> VssResult<Vec<ObjectProp>> {
        let call = Call::Query {
            queried_object: queried_object_id,
            queried_type: queried_object_type,
            returned_type: returned_objects_type,
        };
        value(self.finished(call), |r| match r {
            Returned::Objects(o) => Some(o),
            _ => None,
        })
    }

    fn delete_snapshots(
        &mut self,
        source_object_id: VssId,
        source_object_type: ObjectType,
        force_delete: bool,
    ) -> Result<Deleted, DeleteFailure> {
        let outcome = self.finished(Call::DeleteSnapshots {
            id: source_object_id,
            source_type: source_object_type,
            force: force_delete,
        });
        let (deleted, nondeleted) = match outcome.returned {
            Returned::Deleted {
                deleted,
                nondeleted,
            } => (deleted, nondeleted),
            _ => (0, VssId::NULL),
        };
        match outcome.hr {
            HResult::S_OK => Ok(Deleted {
                deleted,
                nondeleted,
            }),
            hr => Err(DeleteFailure {
                hr,
                deleted,
                nondeleted,
            }),
        }
    }

    fn save_as_xml(&mut self) -> VssResult<String> {
        value(self.finished(Call::SaveAsXml), text)
    }

    fn import_snapshots(&mut self) -> VssResult<Self::Async> {
        self.started(Call::ImportSnapshots)
    }

    fn break_snapshot_set(&mut self, snapshot_set_id: VssId) -> VssResult {
        unit(self.finished(Call::BreakSnapshotSet {
            set: snapshot_set_id,
        }))
    }

    fn break_snapshot_set_ex(
        &mut self,
        snapshot_set_id: VssId,
        break_flags: HardwareOptions,
    ) -> VssResult<Self::Async> {
        self.started(Call::BreakSnapshotSetEx {
            set: snapshot_set_id,
            flags: break_flags,
        })
    }

    fn expose_snapshot(
        &mut self,
        snapshot_id: VssId,
        path_from_root: Option<&str>,
        attributes: SnapshotAttributes,
        expose: Option<&str>,
    ) -> VssResult<String> {
        let call = Call::ExposeSnapshot {
            snapshot: snapshot_id,
            path_from_root: path_from_root.map(str::to_string),
            attributes,
            expose: expose.map(str::to_string),
        };
        value(self.finished(call), text)
    }

    fn unexpose_snapshot(&mut self, snapshot_id: VssId) -> VssResult {
        unit(self.finished(Call::UnexposeSnapshot {
            snapshot: snapshot_id,
        }))
    }

    fn is_volume_supported(&mut self, provider_id: VssId, volume_name: &str) -> VssResult<bool> {
        let call = Call::IsVolumeSupported {
            provider: provider_id,
            volume: volume_name.to_string(),
        };
        value(self.finished(call), |r| match r {
            Returned::Supported(s) => Some(s),
            _ => None,
        })
    }

    fn revert_to_snapshot(&mut self, snapshot_id: VssId, force_dismount: bool) -> VssResult {
        unit(self.finished(Call::RevertToSnapshot {
            snapshot: snapshot_id,
            force_dismount,
        }))
    }

    fn query_revert_status(&mut self, volume_name: &str) -> VssResult<Self::Async> {
        self.started(Call::QueryRevertStatus {
            volume: volume_name.to_string(),
        })
    }
}

/// The id a call returned, if it returned one.
fn id(returned: Returned) -> Option<VssId> {
    match returned {
        Returned::Id(id) => Some(id),
        _ => None,
    }
}

/// The text a call returned (a document, an exposed name), if it returned one.
fn text(returned: Returned) -> Option<String> {
    match returned {
        Returned::Text(t) => Some(t),
        _ => None,
    }
}

impl<A> RecordedAsync<A> {
    /// Records a `Wait`, `QueryStatus` or `Cancel` of its own, on the operation's handle.
    fn explicit(&mut self, method: Method, timeout: Option<u32>, result: HResult) {
        self.phase = Phase::Explicit;
        let mut log = self.log.borrow_mut();
        let object = log.entries[self.step]
            .object
            .expect("an operation belongs to the object that started it");
        let handle = log.bind_name(self.step);
        let mut head = log.object_head(object);
        head.push(("call".into(), Value::String(method.name().into())));
        head.push(("async".into(), Value::String(format!("${handle}"))));
        if let Some(ms) = timeout {
            head.push(("timeout".into(), Value::from(ms)));
        }
        log.push(head, vec![("expect".into(), code(result))], Some(object));
    }

    /// Whether nothing was recorded since the operation's own step: the requester is still
    /// making the calls that belong to it.
    fn adjacent(&self) -> bool {
        self.log.borrow().entries.len() == self.step + 1
    }
}

impl<A: VssAsync> VssAsync for RecordedAsync<A> {
    fn wait(&mut self, milliseconds: u32) -> HResult {
        let hr = self.inner.wait(milliseconds);
        if self.phase == Phase::AwaitWait && self.adjacent() {
            self.phase = Phase::AwaitStatus { held: false };
        } else {
            let timeout = (milliseconds != vss_model::backend::INFINITE).then_some(milliseconds);
            self.explicit(Method::Wait, timeout, hr);
        }
        hr
    }

    fn query_status(&mut self) -> VssResult<HResult> {
        let status = self.inner.query_status();
        match self.phase {
            Phase::AwaitStatus { held } if self.adjacent() => {
                // scenario-format.md §5.1: a finished operation is `S_OK`; a held one shows
                // its pending status.
                let expect = match status {
                    Ok(HResult::VSS_S_ASYNC_FINISHED) if !held => HResult::S_OK,
                    Ok(s) | Err(s) => s,
                };
                self.phase = Phase::Explicit;
                self.log.borrow_mut().entries[self.step].tail =
                    vec![("expect".into(), code(expect))];
            }
            _ => self.explicit(Method::QueryStatus, None, status.unwrap_or_else(|hr| hr)),
        }
        status
    }

    fn cancel(&mut self) -> HResult {
        let hr = self.inner.cancel();
        self.explicit(Method::Cancel, None, hr);
        hr
    }
}
