//! Reading a step: its common keys, then a requester call (into the model's [`Call`]), an
//! `IVssAsync` call, or an environment step.

use serde_json::{Map, Value};
use vss_model::backend::{Capabilities, Privileges, ProviderFault};
use vss_model::call::Call;
use vss_model::methods::Method;
use vss_model::writer_metadata::component_path;
use vss_model::{HResult, VssId, WriterEvent, WriterState};

use super::args::{ArgError, Bindings, Bound, StepArgs};

/// A step, read.
#[derive(Debug, Clone)]
pub(crate) struct TypedStep {
    pub machine: String,
    pub object: String,
    pub bind: Option<String>,
    pub expect: Option<HResult>,
    /// What `expect` rests on, when the step says.
    pub basis: Option<Basis>,
    /// Codes a backend other than the reference may return instead of `expect`.
    pub accept: Vec<HResult>,
    pub hold: bool,
    pub label: String,
    pub action: Action,
}

impl TypedStep {
    /// A value of the kind the step binds to its `bind` name when it succeeds, for checking
    /// the steps after it before anything runs; `None` when it binds nothing.
    pub(crate) fn binds(&self) -> Option<Bound> {
        let Action::Call(call, _) = &self.action else {
            return None;
        };
        Some(match call {
            _ if call.is_async() => Bound::Async(0),
            Call::StartSnapshotSet | Call::AddToSnapshotSet { .. } => Bound::Id(VssId::NULL),
            Call::GetSnapshotProperties { .. } => Bound::some_properties(),
            Call::GetWriterMetadata => Bound::Writers(None),
            Call::SaveAsXml => Bound::Document(String::new()),
            Call::ExposeSnapshot { .. } => Bound::Text(String::new()),
            _ => return None,
        })
    }
}

/// The evidence behind an expected code, with the labels of vss-behaviour.md §0 as a scenario
/// file spells them (`DOC`, `INFERRED`, `UNCONFIRMED`): documented, inferred from documented
/// statements, or without a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Basis {
    Doc,
    Inferred,
    Unconfirmed,
}

impl Basis {
    /// Its label, as the step writes it.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Basis::Doc => "DOC",
            Basis::Inferred => "INFERRED",
            Basis::Unconfirmed => "UNCONFIRMED",
        }
    }

    fn from_label(text: &str) -> Result<Basis, ArgError> {
        [Basis::Doc, Basis::Inferred, Basis::Unconfirmed]
            .into_iter()
            .find(|b| b.label() == text)
            .ok_or_else(|| {
                ArgError::Input(format!(
                    "`basis`: `{text}` is not DOC, INFERRED or UNCONFIRMED"
                ))
            })
    }
}

/// The environment steps, in the order messages list them, each with the capability a
/// backend needs to run it. `release` needs none: it is the requester object's `Release`,
/// which every backend has; nor does `should_block_revert`, vssapi.dll's `ShouldBlockRevert`,
/// which every backend answers.
pub(crate) const ENV_STEPS: [(&str, Option<Capabilities>); 15] = [
    ("write", Some(Capabilities::BLOCK_IO)),
    ("read", Some(Capabilities::BLOCK_IO)),
    ("luns", Some(Capabilities::LUN_MANAGEMENT)),
    ("release", None),
    ("reboot", Some(Capabilities::REBOOT)),
    ("mask", Some(Capabilities::LUN_MANAGEMENT)),
    ("unmask", Some(Capabilities::LUN_MANAGEMENT)),
    ("make_read_write", Some(Capabilities::LUN_MANAGEMENT)),
    ("make_read_only", Some(Capabilities::LUN_MANAGEMENT)),
    ("assign", Some(Capabilities::LUN_MANAGEMENT)),
    ("fail_provider", Some(Capabilities::FAULT_INJECTION)),
    ("fail_writer", Some(Capabilities::FAULT_INJECTION)),
    ("fail_service", Some(Capabilities::FAULT_INJECTION)),
    ("privileges", Some(Capabilities::PRIVILEGES)),
    ("should_block_revert", None),
];

/// What a step does.
#[derive(Debug, Clone)]
pub(crate) enum Action {
    Call(Call, Checks),
    Wait(usize, u32),
    QueryStatus(usize),
    Cancel(usize),
    /// Target, block, data, and whether the write is expected to be refused (read-only).
    Write(String, u64, String, bool),
    /// A LUN unmasked (`true`) or masked to the step's machine.
    LunVisible(String, bool),
    /// A volume made read-only (`true`) or read-write.
    ReadOnly(String, bool),
    /// A volume given a mount point, or none.
    Assign(String, Option<String>),
    Read(Read),
    /// LUNs shown, and checked against what the step expects of them.
    Luns(LunCheck),
    Release,
    Reboot,
    FailProvider(ProviderFault),
    FailWriter(String, WriterEvent, HResult),
    FailService(Method, HResult),
    Privileges(Privileges),
    /// `ShouldBlockRevert` of a volume, and the answer expected, if any.
    ShouldBlockRevert(String, Option<bool>),
}

/// The checks a step makes on what a call returned, besides its HRESULT.
#[derive(Debug, Clone, Default)]
pub(crate) struct Checks {
    /// `GetSnapshotProperties`: `expect_props`.
    pub props: Option<Map<String, Value>>,
    /// `Query`: `expect_count`, `expect_includes`, `expect_excludes`.
    pub count: Option<u64>,
    pub includes: Vec<VssId>,
    pub excludes: Vec<VssId>,
    /// `DeleteSnapshots`: `expect_deleted`, `expect_nondeleted`.
    pub deleted: Option<u64>,
    pub nondeleted: Option<VssId>,
    /// `IsVolumeSupported`: `expect_supported`.
    pub supported: Option<bool>,
    /// `GetWriterStatus`: `expect_states`.
    pub states: Vec<(String, WriterState)>,
    /// `GetWriterMetadata`: `expect_metadata`, each writer's name with the paths of
    /// components it must list.
    pub metadata: Vec<(String, Vec<String>)>,
    /// `GetWriterComponents`: `expect_components`, every component the document holds.
    pub components: Option<Vec<ComponentExpect>>,
}

/// One component `expect_components` expects the backup components document to hold.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ComponentExpect {
    /// The writer class id.
    pub writer: VssId,
    /// The logical path; none when absent.
    #[serde(default)]
    pub logical_path: String,
    /// The component's name.
    pub component: String,
    /// Whether `SetBackupSucceeded` marked it backed up; not checked when absent.
    #[serde(default)]
    pub succeeded: Option<bool>,
}

/// An environment read and what it expects.
#[derive(Debug, Clone)]
pub(crate) struct Read {
    pub target: String,
    pub block: u64,
    /// Whether the target may have gone away (a shadow copy device, an exposed name), so
    /// that its absence is an observation rather than a mistake in the scenario.
    pub may_vanish: bool,
    pub expect: ReadExpect,
}

#[derive(Debug, Clone)]
pub(crate) enum ReadExpect {
    Nothing,
    /// This content, zero-padded (`None`: all zeros).
    Content(Option<String>),
    /// The target no longer exists.
    Gone,
}

/// Which LUNs an `env: luns` step looks at, and what it expects of each.
#[derive(Debug, Clone)]
pub(crate) struct LunCheck {
    pub subject: LunSubject,
    pub expect: LunExpect,
    /// `expect_gone`: the LUN is no longer on the array (handed back through `OnLunEmpty`).
    pub gone: bool,
}

/// The LUNs a step names.
#[derive(Debug, Clone)]
pub(crate) enum LunSubject {
    /// Every LUN of the array.
    All,
    /// One LUN, by its name on the array.
    Lun(String),
    /// The LUNs a volume or device the step's machine reaches lies on.
    Volume(String),
}

/// What a LUN should be; a field left out is not checked.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LunExpect {
    /// Unmasked to the step's machine.
    pub visible: Option<bool>,
    /// Unmasked to exactly these machines.
    pub visible_to: Option<Vec<String>>,
    pub read_only: Option<bool>,
    pub hidden: Option<bool>,
    /// `original` (the identity of the LUN it is a clone of), `new` (any other), or the
    /// identity itself (`MBR 1A2B3C4D`, `GPT {…}`).
    pub identity: Option<String>,
    /// The name of the LUN it is a clone of.
    pub clone_of: Option<String>,
    /// `differential` or `plex`.
    pub clone_kind: Option<String>,
}

impl LunExpect {
    /// Whether nothing is expected.
    pub(crate) fn is_empty(&self) -> bool {
        self.visible.is_none()
            && self.visible_to.is_none()
            && self.read_only.is_none()
            && self.hidden.is_none()
            && self.identity.is_none()
            && self.clone_of.is_none()
            && self.clone_kind.is_none()
    }
}

/// Each check key and the one method it applies to.
const CHECK_KEYS: [(&str, Method); 10] = [
    ("expect_props", Method::GetSnapshotProperties),
    ("expect_count", Method::Query),
    ("expect_includes", Method::Query),
    ("expect_excludes", Method::Query),
    ("expect_deleted", Method::DeleteSnapshots),
    ("expect_nondeleted", Method::DeleteSnapshots),
    ("expect_supported", Method::IsVolumeSupported),
    ("expect_states", Method::GetWriterStatus),
    ("expect_metadata", Method::GetWriterMetadata),
    ("expect_components", Method::GetWriterComponents),
];

/// Reads a step. `default_machine` is used when the step has no `on`.
pub(crate) fn read_step(
    map: &Map<String, Value>,
    bindings: &Bindings,
    default_machine: &str,
) -> Result<TypedStep, ArgError> {
    let mut a = StepArgs::new(map, bindings);
    a.allow(&["comment"]);
    let machine = a.text("on")?.unwrap_or_else(|| default_machine.to_string());
    let object = a.text("as")?.unwrap_or_else(|| "r1".to_string());
    let bind = a.text("bind")?;
    let (action, label, expect, hold, (basis, accept)) = match (a.text("call")?, a.text("env")?) {
        (Some(call), None) => {
            let expect = a.hresult("expect")?;
            let soft = read_soft(&mut a, expect)?;
            let hold = a.boolean("hold")?.unwrap_or(false);
            let (action, label) = read_call(&call, &mut a)?;
            let can_hold = matches!(&action, Action::Call(c, _) if c.can_hold());
            if hold && !can_hold {
                return Err(ArgError::Input(format!(
                    "`hold` applies to asynchronous calls and RevertToSnapshot only, not {call}"
                )));
            }
            (action, label, expect, hold, soft)
        }
        (None, Some(env)) => {
            let (action, label) = read_env(&env, &mut a)?;
            // `basis` and `accept` label an `expect` HRESULT: an environment step leaves them
            // unread, so `finish` refuses them as unknown keys.
            (
                action,
                format!("env {label}"),
                None,
                false,
                (None, Vec::new()),
            )
        }
        (Some(_), Some(_)) => {
            return Err(ArgError::Input(
                "a step has `call` or `env`, not both".into(),
            ));
        }
        (None, None) => {
            return Err(ArgError::Input(
                "a step needs `call` (a requester method) or `env` (an environment step)".into(),
            ));
        }
    };
    a.finish()?;
    let binds = match &action {
        Action::Call(call, _) => {
            call.is_async()
                || matches!(
                    call,
                    Call::StartSnapshotSet
                        | Call::AddToSnapshotSet { .. }
                        | Call::GetSnapshotProperties { .. }
                        | Call::GetWriterMetadata
                        | Call::SaveAsXml
                        | Call::ExposeSnapshot { .. }
                )
        }
        _ => false,
    };
    if bind.is_some() && !binds {
        return Err(ArgError::Input(format!(
            "`bind`: {label} returns nothing to bind"
        )));
    }
    Ok(TypedStep {
        machine,
        object,
        bind,
        expect,
        basis,
        accept,
        hold,
        label,
        action,
    })
}

/// Reads `basis` and `accept`: alternatives are allowed only beside an `expect` that the
/// documentation does not fix.
fn read_soft(
    a: &mut StepArgs<'_>,
    expect: Option<HResult>,
) -> Result<(Option<Basis>, Vec<HResult>), ArgError> {
    let basis = a
        .text("basis")?
        .map(|b| Basis::from_label(&b))
        .transpose()?;
    let accept = a.hresults("accept")?;
    let problem = match (expect, basis, accept.is_empty()) {
        (None, Some(_), _) => "`basis` labels the step's `expect`, and the step has none",
        (None, None, false) => "`accept` lists alternatives to `expect`, and the step has none",
        (Some(_), None, false) => {
            "`accept` needs `basis: INFERRED` or `basis: UNCONFIRMED`: only an expectation the documentation does not fix has alternatives"
        }
        (Some(_), Some(Basis::Doc), false) => {
            "`accept` with `basis: DOC`: a documented code has no alternatives"
        }
        _ => "",
    };
    if !problem.is_empty() {
        return Err(ArgError::Input(problem.to_string()));
    }
    if let Some(same) = expect.filter(|e| accept.contains(e)) {
        return Err(ArgError::Input(format!(
            "`accept` repeats `expect` ({})",
            short_code(same)
        )));
    }
    Ok((basis, accept))
}

fn ids(a: &mut StepArgs<'_>, key: &str) -> Result<Vec<VssId>, ArgError> {
    match a.get(key)? {
        None => Ok(Vec::new()),
        Some(v) => serde_json::from_value(v).map_err(|e| ArgError::Input(format!("`{key}`: {e}"))),
    }
}

/// Reads a call step: an `IVssAsync` call, or a requester call and its checks.
fn read_call(name: &str, a: &mut StepArgs<'_>) -> Result<(Action, String), ArgError> {
    let Some(method) = Method::requester(name) else {
        let hint = Method::from_name(name)
            .filter(|m| m.interface().is_requester())
            .map(|m| format!(" (names are case-sensitive: `{m}`)"))
            .unwrap_or_default();
        return Err(ArgError::Input(format!(
            "`{name}` is not a requester method{hint}"
        )));
    };
    match method {
        Method::Wait => {
            let timeout = a
                .number("timeout")?
                .map_or(vss_model::backend::INFINITE, |t| {
                    t.min(u64::from(u32::MAX)) as u32
                });
            return Ok((
                Action::Wait(a.async_handle("async")?, timeout),
                method.to_string(),
            ));
        }
        Method::QueryStatus => {
            let handle = a.async_handle("async")?;
            return Ok((Action::QueryStatus(handle), method.to_string()));
        }
        Method::Cancel => {
            return Ok((Action::Cancel(a.async_handle("async")?), method.to_string()));
        }
        _ => {}
    }
    let mut checks = Checks {
        props: a.object("expect_props")?,
        count: a.number("expect_count")?,
        includes: ids(a, "expect_includes")?,
        excludes: ids(a, "expect_excludes")?,
        deleted: a.number("expect_deleted")?,
        nondeleted: a.id("expect_nondeleted")?,
        supported: a.boolean("expect_supported")?,
        states: Vec::new(),
        metadata: Vec::new(),
        components: None,
    };
    for (writer, paths) in a.object("expect_metadata")?.unwrap_or_default() {
        let paths = serde_json::from_value(paths).map_err(|_| {
            ArgError::Input(format!(
                "expect_metadata: `{writer}` must be a list of component paths, such as `\\System Files`"
            ))
        })?;
        checks.metadata.push((writer, paths));
    }
    if let Some(components) = a.get("expect_components")? {
        let components = serde_json::from_value(components)
            .map_err(|e| ArgError::Input(format!("expect_components: {e}")))?;
        checks.components = Some(components);
    }
    for (writer, state) in a.object("expect_states")?.unwrap_or_default() {
        let state = state.as_str().and_then(|s| s.parse().ok()).ok_or_else(|| {
            ArgError::Input(format!(
                "expect_states: `{state}` is not a VSS_WRITER_STATE name"
            ))
        })?;
        checks.states.push((writer, state));
    }
    for (key, owner) in CHECK_KEYS {
        if a.has_value(key) && owner != method {
            return Err(ArgError::Input(format!(
                "`{key}` is a check of {owner}, not of {method}"
            )));
        }
    }
    if a.has_value("async") {
        return Err(ArgError::Input(format!(
            "`async` names the operation of a Wait, QueryStatus or Cancel step, not of {method}"
        )));
    }
    // DeleteSnapshots may name its object as `snapshot` or `set` instead of `id` and `type`.
    let mut args = a.rest()?;
    if method == Method::DeleteSnapshots {
        for (alias, kind) in [
            ("snapshot", "VSS_OBJECT_SNAPSHOT"),
            ("set", "VSS_OBJECT_SNAPSHOT_SET"),
        ] {
            if let Some(id) = args.remove(alias) {
                if args.contains_key("id") {
                    return Err(ArgError::Input(
                        "DeleteSnapshots takes one of `snapshot`, `set` or `id`".into(),
                    ));
                }
                args.insert("id".into(), id);
                args.entry("type")
                    .or_insert_with(|| Value::String(kind.into()));
            }
        }
    }
    args.insert("call".into(), Value::String(method.name().into()));
    let given: Vec<String> = args.keys().filter(|k| *k != "call").cloned().collect();
    // A key given no value is a mistake: serde names one the method does not take when the
    // nulls are left in; one it takes is said to have no value.
    let empty: Vec<String> = args
        .iter()
        .filter(|(_, v)| v.is_null())
        .map(|(k, _)| k.clone())
        .collect();
    if !empty.is_empty()
        && let Err(e) = serde_json::from_value::<Call>(Value::Object(args.clone()))
        && e.to_string().starts_with("unknown field")
    {
        return Err(argument_error(method, &e));
    }
    args.retain(|_, v| !v.is_null());
    let call: Call =
        serde_json::from_value(Value::Object(args)).map_err(|e| argument_error(method, &e))?;
    // Serde checks the keys of methods with arguments; a method without any takes none.
    let no_arguments = matches!(
        call,
        Call::GatherWriterMetadata
            | Call::GatherWriterStatus
            | Call::GetWriterStatus
            | Call::GetWriterMetadata
            | Call::FreeWriterMetadata
            | Call::GetWriterComponents
            | Call::StartSnapshotSet
            | Call::PrepareForBackup
            | Call::DoSnapshotSet
            | Call::BackupComplete
            | Call::AbortBackup
            | Call::SaveAsXml
            | Call::ImportSnapshots
    );
    if no_arguments && !given.is_empty() {
        return Err(ArgError::Input(format!(
            "{method} takes no arguments, not `{}`",
            given.join("`, `")
        )));
    }
    if let Some(key) = empty.first() {
        return Err(ArgError::Input(format!("`{key}` is given no value")));
    }
    let label = label(&call);
    Ok((Action::Call(call, checks), label))
}

/// The keys every call step may have besides its method's arguments.
const CALL_STEP_KEYS: &str =
    "`on`, `as`, `bind`, `expect`, `basis`, `accept`, `hold` and `comment`";

/// Why a method's arguments do not read: a key the method does not take is an unknown key,
/// placed where it is written and named with the keys the step could have had instead.
fn argument_error(method: Method, e: &serde_json::Error) -> ArgError {
    let text = e.to_string();
    let unknown = text
        .strip_prefix("unknown field `")
        .and_then(|rest| rest.split_once('`'));
    match unknown {
        Some((key, rest)) => {
            let takes = match rest.strip_prefix(", expected ") {
                Some(keys) => format!("{method} takes {}", keys.trim_start_matches("one of ")),
                None => format!("{method} takes no arguments"),
            };
            ArgError::UnknownKey {
                key: key.to_string(),
                expected: format!("{takes}; a call step also takes {CALL_STEP_KEYS}"),
            }
        }
        None => ArgError::Input(format!("{method}: {text}")),
    }
}

/// What a step's line shows of a call.
fn label(call: &Call) -> String {
    let method = call.method();
    match call {
        Call::SetContext { context } => format!("{method} {context}"),
        Call::AddToSnapshotSet { volume, provider } if provider.is_null() => {
            format!("{method} {volume}")
        }
        Call::AddToSnapshotSet { volume, provider } => format!("{method} {volume} {provider}"),
        Call::BreakSnapshotSetEx { flags, .. } => format!("{method} {flags}"),
        Call::AddComponent {
            logical_path,
            component,
            ..
        } => {
            let path = component_path(logical_path.as_deref().unwrap_or_default(), component);
            format!("{method} {path}")
        }
        Call::SetBackupSucceeded {
            logical_path,
            component,
            succeeded,
            ..
        } => {
            let path = component_path(logical_path.as_deref().unwrap_or_default(), component);
            format!("{method} {path} {succeeded}")
        }
        Call::Query { returned_type, .. } => format!("{method} {returned_type}"),
        Call::DeleteSnapshots { source_type, .. } => format!("{method} {source_type}"),
        Call::ExposeSnapshot {
            attributes, expose, ..
        } => {
            format!(
                "{method} {} {attributes}",
                expose.as_deref().unwrap_or("(null)")
            )
        }
        Call::RevertToSnapshot {
            force_dismount: true,
            ..
        } => format!("{method} bForceDismount"),
        Call::QueryRevertStatus { volume } => format!("{method} {volume}"),
        _ => method.to_string(),
    }
}

/// Reads an environment step's arguments.
fn read_env(env: &str, a: &mut StepArgs<'_>) -> Result<(Action, String), ArgError> {
    // The target and whether it was named as a volume.
    let target = |a: &mut StepArgs<'_>| -> Result<(String, bool), ArgError> {
        let mut found = Vec::new();
        for k in ["volume", "device", "snapshot", "target"] {
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
    let code = |a: &mut StepArgs<'_>| {
        a.hresult("hresult")?
            .ok_or_else(|| ArgError::Input("`hresult` is required".into()))
    };
    Ok(match env {
        "write" => {
            let (t, _) = target(a)?;
            let b = block(a)?;
            let data = a.required_text("data")?;
            let refused = a.boolean("expect_refused")?.unwrap_or(false);
            let label = format!("write {t} block {b} {data:?}");
            (Action::Write(t, b, data, refused), label)
        }
        "mask" | "unmask" => {
            let lun = a.required_text("lun")?;
            let label = format!("{env} {lun}");
            (Action::LunVisible(lun, env == "unmask"), label)
        }
        "make_read_write" | "make_read_only" => {
            let (t, _) = target(a)?;
            let label = format!("{env} {t}");
            (Action::ReadOnly(t, env == "make_read_only"), label)
        }
        "assign" => {
            let (t, _) = target(a)?;
            let mount = a.text("mount")?;
            let label = format!("assign {t} {}", mount.as_deref().unwrap_or("(none)"));
            (Action::Assign(t, mount), label)
        }
        "read" => {
            let (t, volume) = target(a)?;
            let b = block(a)?;
            // `expect: null` expects zeros; no `expect` checks nothing.
            a.allow_null("expect");
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
            // A volume named by its mount point is expected to exist unless the step says
            // it is gone (masked away, its LUNs deleted).
            let may_vanish = !volume || matches!(expect, ReadExpect::Gone);
            let read = Read {
                target: t,
                block: b,
                may_vanish,
                expect,
            };
            (Action::Read(read), label)
        }
        "luns" => {
            let lun = a.text("lun")?;
            let volume = ["volume", "device", "snapshot", "target"]
                .iter()
                .any(|k| a.has(k))
                .then(|| target(a))
                .transpose()?;
            let subject = match (lun, volume) {
                (None, None) => LunSubject::All,
                (Some(lun), None) => LunSubject::Lun(lun),
                (None, Some((t, _))) => LunSubject::Volume(t),
                (Some(_), Some(_)) => {
                    return Err(ArgError::Input(
                        "name a LUN (`lun`) or a volume, not both".into(),
                    ));
                }
            };
            let expect: LunExpect = match a.object("expect")? {
                None => LunExpect::default(),
                Some(map) => serde_json::from_value(Value::Object(map))
                    .map_err(|e| ArgError::Input(format!("expect: {e}")))?,
            };
            if let Some(identity) = &expect.identity {
                let known = matches!(identity.as_str(), "original" | "new")
                    || identity.starts_with("MBR ")
                    || identity.starts_with("GPT ");
                if !known {
                    return Err(ArgError::Input(format!(
                        "expect: identity `{identity}` is not `original`, `new`, `MBR …` or `GPT …`"
                    )));
                }
            }
            if let Some(kind) = &expect.clone_kind
                && kind != "differential"
                && kind != "plex"
            {
                return Err(ArgError::Input(format!(
                    "expect: clone_kind `{kind}` is not `differential` or `plex`"
                )));
            }
            let gone = a.boolean("expect_gone")?.unwrap_or(false);
            let label = match &subject {
                LunSubject::All => "luns".to_string(),
                LunSubject::Lun(l) => format!("luns {l}"),
                LunSubject::Volume(t) => format!("luns of {t}"),
            };
            match (&subject, gone) {
                (LunSubject::Lun(_), true) if !expect.is_empty() => {
                    return Err(ArgError::Input("`expect_gone` excludes `expect`".into()));
                }
                (LunSubject::Lun(_), _) => {}
                (_, true) => {
                    return Err(ArgError::Input(
                        "`expect_gone` needs one LUN named by `lun`".into(),
                    ));
                }
                (LunSubject::All, false) if !expect.is_empty() => {
                    return Err(ArgError::Input(
                        "`expect` needs a LUN (`lun`) or a volume to check".into(),
                    ));
                }
                _ => {}
            }
            let check = LunCheck {
                subject,
                expect,
                gone,
            };
            (Action::Luns(check), label)
        }
        "release" => (Action::Release, "release".into()),
        "reboot" => (Action::Reboot, "reboot".into()),
        "fail_provider" => {
            let name = a.required_text("method")?;
            let method = Method::provider(&name)
                .ok_or_else(|| ArgError::Input(format!("`{name}` is not a provider method")))?;
            let hr = code(a)?;
            let count = |a: &mut StepArgs<'_>, key: &str, default: u64| -> Result<u32, ArgError> {
                let n = a.number(key)?.unwrap_or(default);
                u32::try_from(n).map_err(|_| ArgError::Input(format!("`{key}` {n} is too large")))
            };
            let fault = ProviderFault {
                provider_id: a.id("provider")?,
                method,
                hr,
                after: count(a, "after", 0)?,
                times: count(a, "times", 1)?,
            };
            (
                Action::FailProvider(fault),
                format!("fail_provider {method} {}", short_code(hr)),
            )
        }
        "fail_writer" => {
            let writer = a.required_text("writer")?;
            let event = a.writer_event("event")?;
            let hr = code(a)?;
            let label = format!("fail_writer \"{writer}\" {event}");
            (Action::FailWriter(writer, event, hr), label)
        }
        "fail_service" => {
            let name = a.required_text("method")?;
            let method = Method::from_name(&name)
                .filter(|m| m.interface().is_requester())
                .ok_or_else(|| ArgError::Input(format!("`{name}` is not a requester method")))?;
            let hr = code(a)?;
            if hr.is_success() || !method.info().documents(hr) {
                return Err(ArgError::Input(format!(
                    "{method} does not document {hr} as a failure"
                )));
            }
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
        "should_block_revert" => {
            let volume = a.required_text("volume")?;
            let expect = a.boolean("expect")?;
            let label = format!("should_block_revert {volume}");
            (Action::ShouldBlockRevert(volume, expect), label)
        }
        other => {
            let known: Vec<&str> = ENV_STEPS.iter().map(|(name, _)| *name).collect();
            return Err(ArgError::Input(format!(
                "`{other}` is not an environment step ({})",
                known.join(", ")
            )));
        }
    })
}

/// An HRESULT's name, or its value when it has none.
pub(crate) fn short_code(hr: HResult) -> String {
    hr.name().map_or_else(|| hr.to_string(), str::to_string)
}

#[cfg(test)]
mod tests {
    use vss_model::writer_metadata::ComponentType;
    use vss_model::{BackupType, Context, HardwareOptions, ObjectType, SnapshotAttributes as A};

    use super::*;

    /// One call of every method, with arguments away from their defaults where they have any.
    fn every_call() -> Vec<Call> {
        let id = VssId::from_u128(0x12345678_1234_4234_9234_123456789abc);
        vec![
            Call::InitializeForBackup { xml: None },
            Call::InitializeForBackup {
                xml: Some("<BACKUP_COMPONENTS/>".into()),
            },
            Call::SetContext {
                context: Context(
                    Context::VSS_CTX_APP_ROLLBACK.0
                        | A::VSS_VOLSNAP_ATTR_TRANSPORTABLE.bits() as i32,
                ),
            },
            Call::SetContext {
                context: Context::VSS_CTX_ALL,
            },
            Call::SetBackupState {
                select_components: true,
                bootable_system_state: true,
                backup_type: BackupType::VSS_BT_COPY,
                partial_file_support: true,
            },
            Call::GatherWriterMetadata,
            Call::GatherWriterStatus,
            Call::GetWriterStatus,
            Call::GetWriterMetadata,
            Call::FreeWriterMetadata,
            Call::AddComponent {
                instance: id,
                writer: id,
                component_type: ComponentType::VSS_CT_DATABASE,
                logical_path: Some(r"db\main".into()),
                component: "Main".into(),
            },
            Call::SetBackupSucceeded {
                instance: id,
                writer: id,
                component_type: ComponentType::VSS_CT_FILEGROUP,
                logical_path: None,
                component: "System Files".into(),
                succeeded: false,
            },
            Call::GetWriterComponents,
            Call::StartSnapshotSet,
            Call::AddToSnapshotSet {
                volume: r"E:\".into(),
                provider: id,
            },
            Call::PrepareForBackup,
            Call::DoSnapshotSet,
            Call::BackupComplete,
            Call::AbortBackup,
            Call::GetSnapshotProperties { snapshot: id },
            Call::Query {
                queried_object: id,
                queried_type: ObjectType::VSS_OBJECT_SNAPSHOT_SET,
                returned_type: ObjectType::VSS_OBJECT_PROVIDER,
            },
            Call::DeleteSnapshots {
                id,
                source_type: ObjectType::VSS_OBJECT_SNAPSHOT_SET,
                force: true,
            },
            Call::SaveAsXml,
            Call::ImportSnapshots,
            Call::BreakSnapshotSet { set: id },
            Call::BreakSnapshotSetEx {
                set: id,
                flags: HardwareOptions::VSS_BREAKEX_FLAG_MAKE_READ_WRITE
                    | HardwareOptions::VSS_BREAKEX_FLAG_REVERT_IDENTITY_NONE,
            },
            Call::ExposeSnapshot {
                snapshot: id,
                path_from_root: Some(r"\data".into()),
                attributes: A::VSS_VOLSNAP_ATTR_EXPOSED_REMOTELY,
                expose: Some("share".into()),
            },
            Call::UnexposeSnapshot { snapshot: id },
            Call::IsVolumeSupported {
                provider: id,
                volume: r"C:\".into(),
            },
            Call::RevertToSnapshot {
                snapshot: id,
                force_dismount: true,
            },
            Call::QueryRevertStatus {
                volume: r"E:\".into(),
            },
        ]
    }

    /// The serde form of a call is a step the runner reads back as the same call, so that a
    /// property test or a recorder can write what it did as a scenario.
    #[test]
    fn the_data_form_is_the_step_form() {
        let bindings = Bindings::new();
        for call in every_call() {
            let Value::Object(map) = serde_json::to_value(&call).unwrap() else {
                panic!("{call:?} is not written as an object");
            };
            let step =
                read_step(&map, &bindings, "HOSTA").unwrap_or_else(|e| panic!("{call:?}: {e}"));
            match step.action {
                Action::Call(read, _) => assert_eq!(read, call),
                other => panic!("{call:?} read as {other:?}"),
            }
        }
    }

    #[test]
    fn every_requester_method_has_a_call() {
        let called: Vec<Method> = every_call().iter().map(Call::method).collect();
        for m in vss_model::methods::requester_methods() {
            if m.interface != vss_model::methods::Interface::IVssAsync {
                assert!(called.contains(&m.method), "{m} has no Call");
            }
        }
    }

    /// The table the capability analysis reads names exactly the steps `read_env` knows.
    #[test]
    fn every_environment_step_is_in_the_table() {
        let bindings = Bindings::new();
        for (kind, _) in ENV_STEPS {
            let mut map = Map::new();
            map.insert("env".into(), Value::String(kind.into()));
            if let Err(e) = read_step(&map, &bindings, "HOSTA") {
                assert!(
                    !e.to_string().contains("is not an environment step"),
                    "{kind}: {e}"
                );
            }
        }
    }

    #[test]
    fn flags_are_written_by_name() {
        let call = Call::SetContext {
            context: Context(0x29),
        };
        let json = serde_json::to_string(&call).unwrap();
        assert_eq!(
            json,
            r#"{"call":"SetContext","context":"VSS_CTX_APP_ROLLBACK | VSS_VOLSNAP_ATTR_TRANSPORTABLE"}"#
        );
    }
}
