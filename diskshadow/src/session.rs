//! A DiskShadow session: the state DiskShadow keeps between commands, and each command
//! carried out as requester calls on a [`Backend`].

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use vss_model::backend::{
    Backend, BackupComponents, BackupStateArgs, ComponentRef, LunState, VssAsync, VssResult,
};
use vss_model::writer_metadata::{ComponentInfo, WriterMetadataDocument};
use vss_model::{
    BackupType, Context, HResult, HardwareOptions, ObjectProp, ObjectType, ProviderProp,
    SnapshotAttributes as A, SnapshotProp, VssId, VssTimestamp,
};

use super::metadata::{self, Metadata};
use super::script::{
    self, Command, ContextKind, DeleteWhat, ListShadows, SetOption, SyntaxError, WriterView,
};
use super::show;

/// Why a command did not complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The command line is not one DiskShadow accepts; nothing was done.
    Syntax(SyntaxError),
    /// A VSS call failed with this code.
    Vss(HResult),
    /// DiskShadow itself refused the command (a missing `load metadata`, an unknown alias
    /// target, a file it cannot read or write).
    Refused(String),
    /// A call DiskShadow makes to set up its requester object failed with this code;
    /// DiskShadow names the call as its source writes it.
    ComCall {
        /// The call, as `(*vssObject)->InitializeForBackup`.
        call: &'static str,
        /// What it returned.
        hr: HResult,
    },
}

impl From<HResult> for Failure {
    fn from(hr: HResult) -> Failure {
        Failure::Vss(hr)
    }
}

/// What a command line led to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Done {
    /// Carried out (or a blank or comment line).
    Ok,
    /// `exit`.
    Exit,
    /// It failed; the failure is already in the output.
    Failed(Failure),
}

/// The settings `set` changes.
#[derive(Debug, Clone)]
struct Settings {
    kind: ContextKind,
    no_writers: bool,
    options: Vec<SetOption>,
    verbose: bool,
    metadata: Option<String>,
}

impl Default for Settings {
    /// DiskShadow's defaults: a volatile context with writers (shadow copies die with the
    /// session), no options.
    fn default() -> Settings {
        Settings {
            kind: ContextKind::Volatile,
            no_writers: false,
            options: Vec::new(),
            verbose: false,
            metadata: None,
        }
    }
}

impl Settings {
    /// The `SetContext` value of these settings.
    fn context(&self) -> Context {
        let base = match (self.kind, self.no_writers) {
            (ContextKind::Volatile, false) => Context::VSS_CTX_BACKUP,
            (ContextKind::Volatile, true) => Context::VSS_CTX_FILE_SHARE_BACKUP,
            (ContextKind::Persistent, false) => Context::VSS_CTX_APP_ROLLBACK,
            (ContextKind::Persistent, true) => Context::VSS_CTX_NAS_ROLLBACK,
            // Writers take part in a client-accessible set DiskShadow makes.
            (ContextKind::ClientAccessible, _) => Context::VSS_CTX_CLIENT_ACCESSIBLE_WRITERS,
        };
        let bits = self.options.iter().fold(A::empty(), |bits, o| {
            bits | match o {
                SetOption::Differential => A::VSS_VOLSNAP_ATTR_DIFFERENTIAL,
                SetOption::Plex => A::VSS_VOLSNAP_ATTR_PLEX,
                SetOption::Transportable => A::VSS_VOLSNAP_ATTR_TRANSPORTABLE,
                SetOption::RollbackRecover => A::VSS_VOLSNAP_ATTR_ROLLBACK_RECOVERY,
                SetOption::TxfRecover => A::VSS_VOLSNAP_ATTR_TXF_RECOVERY,
                SetOption::NoAutoRecover => A::VSS_VOLSNAP_ATTR_NO_AUTORECOVERY,
            }
        });
        Context(base.0 | bits.bits() as i32)
    }

    fn has_writers(&self) -> bool {
        self.context().has_writers()
    }
}

/// A volume added with `add volume`.
#[derive(Debug, Clone)]
struct Added {
    /// As the user wrote it.
    written: String,
    /// The path handed to `AddToSnapshotSet` (`E:\`, a mount folder, or a volume name).
    path: String,
    /// Its `\\?\Volume{…}\` name.
    volume_name: String,
    alias: Option<String>,
    provider: Option<VssId>,
}

/// What `--trace` collects: the requester calls DiskShadow makes, and a source of what VSS,
/// its providers and writers did underneath.
struct Tracing<'b> {
    calls: Vec<String>,
    underneath: Box<dyn FnMut() -> Vec<String> + 'b>,
}

/// One DiskShadow session on one machine of a backend: `DISKSHADOW>` prompt or script.
///
/// Requester objects it makes are kept until `reset` or the end of the session, as
/// DiskShadow keeps its `IVssBackupComponents`; volatile shadow copies die with them.
pub struct Session<'b, B: Backend> {
    backend: &'b B,
    machine: String,
    held: Held,
    params: Vec<String>,
    /// Every requester object the session made, released at `reset` or at the end.
    objects: Vec<B::Components>,
    /// Where relative metadata paths are taken from.
    dir: PathBuf,
    echo: bool,
    out: String,
    tracing: Option<Tracing<'b>>,
    /// How many .cab files this session wrote, for the names of the documents inside.
    cabs: u32,
    /// The metadata files this session wrote.
    written: Vec<String>,
    /// The machine's clock, when the caller gave it.
    clock: Option<Box<dyn Fn() -> VssTimestamp + 'b>>,
    /// The exit code every file `exec` runs is taken to return.
    exec_exit: u32,
    /// Files the run itself reads or writes, which no metadata file may be written over.
    kept_off: Vec<PathBuf>,
}

/// What a session holds between commands and `reset` drops.
#[derive(Default)]
struct Held {
    settings: Settings,
    volumes: Vec<Added>,
    /// User aliases and DiskShadow's own (`VSS_SHADOW_n`, `VSS_SHADOW_SET`), by name as
    /// first written; looked up without regard to case.
    aliases: Vec<(String, String)>,
    verify: Vec<String>,
    exclude: Vec<String>,
    loaded: Option<Metadata>,
    in_backup: bool,
    /// The index in `objects` of the object of the last `create` since `begin backup`, and
    /// whether its context has writers.
    backup_object: Option<(usize, bool)>,
    /// The object used for queries, deletion, exposure and breaks, in `VSS_CTX_ALL`.
    admin: Option<usize>,
    /// The object that imported the loaded set.
    importer: Option<usize>,
    /// The object the next `create` makes its set with: made, and initialized for backup,
    /// by the first `add volume` after a `create` or `reset`.
    creator: Option<usize>,
}

impl<'b, B: Backend> Session<'b, B> {
    /// A session on `machine`; `params` are the script's `%DISKSH_PARAM_n%` values, and
    /// relative file names are taken from `dir`.
    pub fn new(backend: &'b B, machine: &str, params: Vec<String>, dir: &Path) -> Self {
        Session {
            backend,
            machine: machine.to_string(),
            held: Held::default(),
            params,
            objects: Vec::new(),
            dir: dir.to_path_buf(),
            echo: false,
            out: String::new(),
            tracing: None,
            cabs: 0,
            written: Vec::new(),
            clock: None,
            exec_exit: 0,
            kept_off: Vec::new(),
        }
    }

    /// Gives the session the machine's clock, as DiskShadow reads the system time: a
    /// transportable set is on no machine to query, so the default name of its metadata
    /// file takes the time `create` made it from the clock. Without a clock, such a file is
    /// named `metadata_MACHINE.cab`.
    pub fn clock(&mut self, now: Box<dyn Fn() -> VssTimestamp + 'b>) {
        self.clock = Some(now);
    }

    /// Echoes each line (`-> command`), comments and blank lines too, as script mode does.
    pub fn echo_commands(&mut self, echo: bool) {
        self.echo = echo;
    }

    /// Refuses `set metadata` naming `path`: a file the caller itself reads or writes (the
    /// script, the log, the state file), which a metadata file must not replace, even before
    /// it exists.
    pub fn keep_off(&mut self, path: &Path) {
        self.kept_off.push(absolute(path));
    }

    /// Takes every file `exec` runs to return `code`: the simulator runs nothing, so a
    /// script's path through a failing copy step is tried by saying how the step ends.
    pub fn exec_exit_code(&mut self, code: u32) {
        self.exec_exit = code;
    }

    /// Shows, after each command, the requester calls made, what `underneath` reports (the
    /// provider calls and writer events VSS made), and the LUNs whose state changed.
    pub fn trace(&mut self, underneath: Box<dyn FnMut() -> Vec<String> + 'b>) {
        self.tracing = Some(Tracing {
            calls: Vec::new(),
            underneath,
        });
    }

    /// The backup components document `load metadata` read, if one is loaded: what a caller
    /// looks in to tell a user why an `import` found nothing.
    pub fn loaded_document(&self) -> Option<&str> {
        self.held.loaded.as_ref().map(|m| m.document.as_str())
    }

    /// What the session printed since the last call.
    pub fn take_output(&mut self) -> String {
        std::mem::take(&mut self.out)
    }

    /// Ends the session as DiskShadow's exit does: a backup begun and not ended is noted,
    /// and every requester object is released, so volatile shadow copies are deleted.
    /// With tracing on, the releases and what VSS did about them are shown.
    pub fn end(mut self) -> String {
        // A backup begun and never ended leaves its writers unaware that it is over.
        if self.held.in_backup {
            self.out.push_str(
                "Note: END BACKUP was not commanded, writers not notified BackupComplete.\n\
                 DiskShadow is exiting.\n",
            );
        }
        let luns_before = self.luns();
        if self.tracing.is_some() && !self.objects.is_empty() {
            let _ = writeln!(
                self.out,
                "  [diskshadow] the session ends: its requester objects are released"
            );
        }
        self.release_all();
        self.flush_trace(luns_before);
        self.out
    }

    /// Runs one line typed at the prompt: as [`Session::execute`], and then the blank line
    /// the prompt leaves before the next `DISKSHADOW>`.
    pub fn type_line(&mut self, line: &str, number: usize) -> Done {
        let done = self.execute(line, number);
        self.out.push('\n');
        done
    }

    /// Runs one line of input (`number` names it in messages).
    pub fn execute(&mut self, line: &str, number: usize) -> Done {
        let line = line.trim_end_matches(['\r', '\n']);
        let trimmed = line.trim();
        // Script mode echoes every line, a comment or a blank one (a bare arrow) too.
        if self.echo && trimmed.is_empty() {
            self.out.push_str("->\n");
        } else if self.echo {
            let _ = writeln!(self.out, "-> {trimmed}");
        }
        if trimmed.is_empty() || trimmed.starts_with('#') {
            return Done::Ok;
        }
        // The reader sees the command without its indent; its columns are the line's.
        let indent = (line.chars().count() - line.trim_start().chars().count()) as u64;
        let command = self.read(trimmed).map_err(|e| e.placed(number, indent));
        let result = match command {
            Err(e) => Err(Failure::Syntax(e)),
            Ok(command) => {
                let luns_before = self.luns();
                let result = self.run(command);
                self.flush_trace(luns_before);
                result
            }
        };
        match result {
            Ok(true) => Done::Ok,
            Ok(false) => Done::Exit,
            Err(failure) => {
                self.report(&failure, trimmed);
                Done::Failed(failure)
            }
        }
    }

    /// The two lines under a failure that give its code and the code's name.
    fn code_lines(&mut self, hr: HResult) {
        let _ = writeln!(self.out, "\t- Returned HRESULT: {:08X}", hr.code());
        let name = hr.name().unwrap_or("(a code VSS does not document)");
        let _ = writeln!(self.out, "\t- Error text: {name}");
    }

    /// Prints a failure of the command `line` as DiskShadow does.
    fn report(&mut self, failure: &Failure, line: &str) {
        match failure {
            Failure::Vss(hr) => {
                self.out.push_str("The last operation failed.\n");
                self.code_lines(*hr);
            }
            Failure::Refused(message) => {
                let _ = writeln!(self.out, "{}", shortened(message));
            }
            Failure::ComCall { call, hr } => {
                let _ = writeln!(self.out, "\nCOM call \"{call}\" failed.");
                self.code_lines(*hr);
            }
            // A script's error names its line; at the prompt the line is the one just typed.
            // DiskShadow answers with the forms of the command; what was wrong is said first.
            Failure::Syntax(e) => {
                let reason = if self.echo {
                    e.to_string()
                } else {
                    e.message.clone()
                };
                let _ = writeln!(self.out, "Syntax error: {}", shortened(&reason));
                if let Some(usage) = crate::help::usage(line) {
                    let _ = write!(self.out, "\n{usage}");
                }
            }
        }
    }

    /// Expands aliases and parameters, echoing each, and reads the command.
    fn read(&mut self, line: &str) -> Result<Command, SyntaxError> {
        let used = std::cell::RefCell::new(Vec::new());
        let expanded = script::expand(line, |name| {
            let value = self.lookup(name)?;
            used.borrow_mut().push((name.to_string(), value.clone()));
            Some(value)
        })?;
        // At the prompt too, each alias used is shown with its value.
        for (name, value) in used.into_inner() {
            let _ = writeln!(self.out, "-> %{name}% = {value}");
        }
        script::parse(&expanded.words()?)
    }

    fn lookup(&self, name: &str) -> Option<String> {
        if let Some(n) = name
            .to_ascii_uppercase()
            .strip_prefix("DISKSH_PARAM_")
            .and_then(|n| n.parse::<usize>().ok())
        {
            return n.checked_sub(1).and_then(|i| self.params.get(i)).cloned();
        }
        self.held
            .aliases
            .iter()
            .rev()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }

    fn set_alias(&mut self, name: &str, value: String) {
        self.held
            .aliases
            .retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self.held.aliases.push((name.to_string(), value));
    }

    /// Carries out a command; `Ok(false)` ends the session.
    fn run(&mut self, command: Command) -> Result<bool, Failure> {
        match command {
            Command::ShowSettings => self.show_settings(),
            Command::SetContext { kind, no_writers } => {
                self.held.settings.kind = kind;
                self.held.settings.no_writers = no_writers;
            }
            Command::SetOption(options) => self.held.settings.options = options,
            Command::SetVerbose(on) => self.held.settings.verbose = on,
            Command::SetMetadata(file) => {
                // Refused when set, not when create would write it.
                if file.ends_with(['\\', '/']) {
                    return Err(Failure::Refused("No filename was specified.".into()));
                }
                if let Some(why) = metadata::impossible_name(&file) {
                    return Err(Failure::Refused(format!(
                        "The metadata file {file} cannot be written: {why}."
                    )));
                }
                let path = absolute(&self.dir.join(&file));
                if self.kept_off.iter().any(|own| same_file(own, &path)) {
                    return Err(Failure::Refused(format!(
                        "The metadata file {file} cannot be written: this run reads or writes \
                         that file itself (its script, log or state file)."
                    )));
                }
                // What create would write over; anything else there it refuses to touch.
                if path.is_file() && metadata::read(&path).is_ok() {
                    let _ = writeln!(self.out, "The existing file will be overwritten.");
                }
                self.held.settings.metadata = Some(file);
            }
            Command::ShowAdded => self.show_added(),
            Command::AddVolume {
                volume,
                alias,
                provider,
            } => self.add_volume(volume, alias, provider)?,
            Command::AddAlias { name, value } => self.set_alias(&name, value),
            Command::Create => self.create()?,
            Command::LoadMetadata(file) => self.load_metadata(&file)?,
            Command::Import => self.import()?,
            Command::Break { writable, set } => self.break_set(set, writable)?,
            Command::Mask(set) => self.mask(set)?,
            Command::Revert(id) => self.revert(id)?,
            Command::Expose { id, target } => self.expose(id, &target)?,
            Command::Unexpose(what) => self.unexpose(&what)?,
            Command::DeleteShadows(what) => self.delete(what)?,
            Command::ListShadows(which) => self.list_shadows(which)?,
            Command::ListProviders => self.list_providers()?,
            Command::ListWriters(view) => self.list_writers(view)?,
            Command::WriterVerify(w) => self.held.verify.push(w),
            Command::WriterExclude(w) => self.held.exclude.push(w),
            Command::BeginBackup => {
                if self.held.in_backup {
                    return Err(Failure::Refused(
                        "A backup is already in progress (BEGIN BACKUP was given before).".into(),
                    ));
                }
                self.held.in_backup = true;
                self.held.backup_object = None;
            }
            Command::EndBackup => self.end_backup()?,
            Command::Reset => {
                self.release_all();
                self.held = Held::default();
            }
            Command::Exec { file, arguments } => {
                let run = std::iter::once(file)
                    .chain(arguments)
                    .collect::<Vec<_>>()
                    .join(" ");
                let _ = writeln!(
                    self.out,
                    "EXEC would run `{run}` here; the simulator runs nothing."
                );
                if self.exec_exit != 0 {
                    return Err(Failure::Refused(format!(
                        "The command script returned failure exit code {}.\nThe command script failed.",
                        self.exec_exit
                    )));
                }
            }
            Command::Exit => return Ok(false),
            Command::Help(name) => {
                let text = match name {
                    None => crate::help::overview(),
                    // The reader took only names of commands.
                    Some(name) => crate::help::topic(&name).unwrap_or_default(),
                };
                self.out.push_str(&text);
            }
        }
        Ok(true)
    }

    // ----- requester objects and calls -----

    /// `CreateVssBackupComponents`, `InitializeForBackup` and `SetContext`: a new object,
    /// kept until `reset` or exit.
    fn object(&mut self, context: Context, document: Option<&str>) -> Result<usize, Failure> {
        let index = self.initialized(document)?;
        self.set_context(index, context)?;
        Ok(index)
    }

    /// `SetContext` on `object`.
    fn set_context(&mut self, object: usize, context: Context) -> Result<(), Failure> {
        self.call(object, format!("SetContext({context})"), |c| {
            c.set_context(context)
        })
    }

    /// `CreateVssBackupComponents` and `InitializeForBackup`: a new object, its context not
    /// yet set.
    fn initialized(&mut self, document: Option<&str>) -> Result<usize, Failure> {
        let made = self.backend.create_backup_components(&self.machine);
        self.note(
            "CreateVssBackupComponents()".into(),
            made.as_ref().err().copied(),
        );
        self.objects.push(made?);
        let index = self.objects.len() - 1;
        let what = match document {
            Some(_) => "InitializeForBackup(<the loaded backup components document>)",
            None => "InitializeForBackup(NULL)",
        };
        if let Err(failure) = self.call(index, what.into(), |c| c.initialize_for_backup(document)) {
            // The object is of no use: it is released now, not kept until the session ends.
            self.objects.pop();
            return Err(match failure {
                Failure::Vss(hr) => Failure::ComCall {
                    call: "(*vssObject)->InitializeForBackup",
                    hr,
                },
                other => other,
            });
        }
        Ok(index)
    }

    /// The object for queries, deletion, exposure and breaks.
    fn admin(&mut self) -> Result<usize, Failure> {
        match self.held.admin {
            Some(index) => Ok(index),
            None => {
                let index = self.object(Context::VSS_CTX_ALL, None)?;
                self.held.admin = Some(index);
                Ok(index)
            }
        }
    }

    fn note(&mut self, call: String, failed: Option<HResult>) {
        if let Some(t) = &mut self.tracing {
            t.calls
                .push(format!("{call} -> {}", failed.unwrap_or(HResult::S_OK)));
        }
    }

    fn call<T>(
        &mut self,
        object: usize,
        what: String,
        f: impl FnOnce(&mut B::Components) -> VssResult<T>,
    ) -> Result<T, Failure> {
        let result = f(&mut self.objects[object]);
        self.note(what, result.as_ref().err().copied());
        result.map_err(Failure::Vss)
    }

    /// An asynchronous call, waited for: its outcome is what `QueryStatus` gives.
    fn call_async(
        &mut self,
        object: usize,
        what: String,
        f: impl FnOnce(&mut B::Components) -> VssResult<<B::Components as BackupComponents>::Async>,
    ) -> Result<(), Failure> {
        let outcome = f(&mut self.objects[object]).and_then(|mut op| {
            let waited = op.wait(u32::MAX);
            if !waited.is_success() {
                return Err(waited);
            }
            op.query_status()
        });
        // Only a finished operation succeeded: one still pending or cancelled did not.
        let failed = match outcome {
            Ok(HResult::VSS_S_ASYNC_FINISHED) => None,
            Ok(status) => Some(status),
            Err(hr) => Some(hr),
        };
        if let Some(t) = &mut self.tracing {
            t.calls.push(format!(
                "{what}, Wait, QueryStatus -> {}",
                failed.unwrap_or(HResult::VSS_S_ASYNC_FINISHED)
            ));
        }
        failed.map_or(Ok(()), |hr| Err(Failure::Vss(hr)))
    }

    fn release_all(&mut self) {
        for _ in self.objects.drain(..) {
            if let Some(t) = &mut self.tracing {
                t.calls.push("Release()".into());
            }
        }
        self.held.admin = None;
        self.held.importer = None;
        self.held.backup_object = None;
    }

    fn luns(&self) -> Option<Vec<LunState>> {
        self.tracing.as_ref()?;
        self.backend.environment().map(|e| e.luns())
    }

    fn flush_trace(&mut self, before: Option<Vec<LunState>>) {
        let after = self.luns();
        let Some(t) = &mut self.tracing else { return };
        for call in t.calls.drain(..) {
            let _ = writeln!(self.out, "  [requester] {call}");
        }
        for event in (t.underneath)() {
            let _ = writeln!(self.out, "  [vss] {event}");
        }
        if let (Some(before), Some(after)) = (before, after) {
            for change in show::lun_changes(&before, &after) {
                let _ = writeln!(self.out, "  [lun] {change}");
            }
        }
    }

    // ----- the commands -----

    fn show_settings(&mut self) {
        let s = &self.held.settings;
        let kind = match s.kind {
            ContextKind::Volatile => "volatile",
            ContextKind::Persistent => "persistent",
            ContextKind::ClientAccessible => "clientaccessible",
        };
        let writers = if s.no_writers { " nowriters" } else { "" };
        let options: Vec<&str> = s.options.iter().map(|o| o.keyword()).collect();
        let _ = writeln!(self.out, "Context: {kind}{writers} ({})", s.context());
        let _ = writeln!(
            self.out,
            "Options: {}",
            if options.is_empty() {
                "none".to_string()
            } else {
                options.join(" ")
            }
        );
        let _ = writeln!(
            self.out,
            "Verbose: {}",
            if s.verbose { "on" } else { "off" }
        );
        let _ = writeln!(
            self.out,
            "Metadata file: {}",
            s.metadata
                .as_deref()
                .unwrap_or("(named after the date, time and machine)")
        );
    }

    fn show_added(&mut self) {
        for v in &self.held.volumes {
            let alias = v
                .alias
                .as_deref()
                .map(|a| format!(" alias {a}"))
                .unwrap_or_default();
            let _ = writeln!(
                self.out,
                "\tVolume {}{alias}\n\t\tGUID {}",
                v.written, v.volume_name
            );
        }
        let count = self.held.volumes.len();
        let _ = writeln!(
            self.out,
            "{count} volume{} in Shadow Copy Set.",
            if count == 1 { "" } else { "s" }
        );
        if self.held.aliases.is_empty() {
            let _ = writeln!(self.out, "No Diskshadow aliases in the environment.");
        } else {
            for (name, value) in &self.held.aliases {
                let _ = writeln!(self.out, "\tAlias {name} = {value}");
            }
        }
    }

    fn add_volume(
        &mut self,
        written: String,
        alias: Option<String>,
        provider: Option<VssId>,
    ) -> Result<(), Failure> {
        // A folder on a volume names the volume it is on, as GetVolumePathName finds it.
        let (path, volume_name) = match self.volume_name(&written) {
            Ok(name) => (volume_path(&written), name),
            Err(failure) => self.volume_of(&volume_path(&written)).ok_or(failure)?,
        };
        if self
            .held
            .volumes
            .iter()
            .any(|v| v.volume_name == volume_name)
        {
            return Err(Failure::Refused(format!(
                "The volume {written} is already in the shadow copy set."
            )));
        }
        // The first volume of a set brings the requester object that makes it, so a caller
        // VSS refuses (one not a backup operator) hears of it here.
        if self.held.creator.is_none() {
            self.held.creator = Some(self.initialized(None)?);
        }
        self.held.volumes.push(Added {
            written,
            path,
            volume_name,
            alias,
            provider,
        });
        Ok(())
    }

    fn create(&mut self) -> Result<(), Failure> {
        if self.held.volumes.is_empty() {
            return Err(Failure::Refused(
                "No volumes are in the shadow copy set: add one with ADD VOLUME first.".into(),
            ));
        }
        // A metadata file that cannot be written is found out before a set is made that no
        // file would describe.
        if let Some(file) = &self.held.settings.metadata
            && let Some(why) = metadata::unwritable(&self.dir.join(file))
        {
            return Err(Failure::Refused(format!(
                "The metadata file {file} cannot be written: {why}. Nothing was created."
            )));
        }
        let context = self.held.settings.context();
        let object = match self.held.creator.take() {
            Some(object) => object,
            None => self.initialized(None)?,
        };
        self.set_context(object, context)?;
        let state = BackupStateArgs {
            select_components: self.held.settings.has_writers(),
            bootable_system_state: false,
            backup_type: if self.held.in_backup {
                BackupType::VSS_BT_FULL
            } else {
                BackupType::VSS_BT_COPY
            },
            partial_file_support: false,
        };
        self.call(
            object,
            format!(
                "SetBackupState({}, FALSE, {}, FALSE)",
                if state.select_components {
                    "TRUE"
                } else {
                    "FALSE"
                },
                state.backup_type
            ),
            |c| c.set_backup_state(state),
        )?;
        let mut writers = Vec::new();
        if self.held.settings.has_writers() {
            self.call_async(object, "GatherWriterMetadata()".into(), |c| {
                c.gather_writer_metadata()
            })?;
            self.writer_choices(object)?;
            writers = self.select_components(object)?;
        } else if !self.held.verify.is_empty() {
            return Err(Failure::Refused(format!(
                "Writer \"{}\" is to be verified, but the context excludes all writers.",
                self.held.verify[0]
            )));
        }
        let set = self.call(object, "StartSnapshotSet()".into(), |c| {
            c.start_snapshot_set()
        })?;
        let mut ids = Vec::new();
        for v in self.held.volumes.clone() {
            let provider = v.provider.unwrap_or(VssId::NULL);
            let added = self.call(
                object,
                format!("AddToSnapshotSet({}, {})", v.path, guid_text(provider)),
                |c| c.add_to_snapshot_set(&v.path, provider),
            );
            match added {
                Ok(id) => ids.push((id, v.alias.clone())),
                Err(failure) => return Err(self.abort(object, failure)),
            }
        }
        // Writers are told to prepare only in a context that has them.
        let mut steps: Vec<(&str, Starter<B>)> = Vec::new();
        if self.held.settings.has_writers() {
            steps.push(("PrepareForBackup()", prepare::<B>));
        }
        steps.push(("DoSnapshotSet()", do_set::<B>));
        for (what, start) in steps {
            if let Err(failure) = self.call_async(object, what.into(), start) {
                return Err(self.abort(object, failure));
            }
        }
        let made_at = self.clock.as_ref().map(|now| now());
        // Verbose output sets the aliases apart from what was said of the writers.
        if self.held.settings.verbose {
            self.out.push('\n');
        }
        // A volume added with an alias is known by it alone; one without, by `VSS_SHADOW_n`
        // after its place in the set.
        for (n, (id, alias)) in ids.iter().enumerate() {
            let name = alias
                .clone()
                .unwrap_or_else(|| format!("VSS_SHADOW_{}", n + 1));
            let _ = writeln!(
                self.out,
                "Alias {name} for shadow ID {id} set as environment variable."
            );
            self.set_alias(&name, id.to_string());
        }
        let _ = writeln!(
            self.out,
            "Alias VSS_SHADOW_SET for shadow set ID {set} set as environment variable."
        );
        self.set_alias("VSS_SHADOW_SET", set.to_string());
        if self.held.in_backup {
            self.held.backup_object = Some((object, self.held.settings.has_writers()));
        }
        // DiskShadow writes the metadata of every creation, named or not.
        let first = ids.first().map(|(id, _)| *id);
        self.save_metadata(object, set, first, made_at, &writers)?;
        let _ = writeln!(
            self.out,
            "\nQuerying all shadow copies with the shadow copy set ID {set}\n"
        );
        let copies = self.copies(|p| p.snapshot_set_id == set)?;
        self.print_copies(&copies);
        Ok(())
    }

    /// `AbortBackup` after a failed creation, as a requester must; the failure stands.
    fn abort(&mut self, object: usize, failure: Failure) -> Failure {
        let _ = self.call(object, "AbortBackup()".into(), |c| c.abort_backup());
        failure
    }

    /// Checks `writer verify` against the writers that answered: each must be there, and
    /// not excluded.
    fn writer_choices(&mut self, object: usize) -> Result<(), Failure> {
        if self.held.verify.is_empty() {
            return Ok(());
        }
        self.call_async(object, "GatherWriterStatus()".into(), |c| {
            c.gather_writer_status()
        })?;
        let writers = self.call(
            object,
            "GetWriterStatusCount(), GetWriterStatus(…)".into(),
            |c| c.writer_status(),
        )?;
        for w in &self.held.verify {
            let writer = writers
                .iter()
                .find(|s| names_writer(w, &s.writer_name, s.writer_id))
                .ok_or_else(|| Failure::Refused(format!("Writer \"{w}\" was not found.")))?;
            if self
                .held
                .exclude
                .iter()
                .any(|x| names_writer(x, &writer.writer_name, writer.writer_id))
            {
                return Err(Failure::Refused(format!(
                    "Writer \"{}\" is to be verified, but it is excluded.",
                    writer.writer_name
                )));
            }
        }
        Ok(())
    }

    /// Picks the components of the backup as DiskShadow does: every component of every
    /// writer whose files all lie on volumes of the set, less those `writer exclude` names.
    /// A writer left with none is excluded, and so is one whose top-level component that
    /// cannot be left out is. Says why in verbose mode, and calls `AddComponent` for each
    /// component kept. Gives the writers' metadata, for the metadata file.
    fn select_components(&mut self, object: usize) -> Result<Vec<WriterMetadataDocument>, Failure> {
        let writers = self.call(
            object,
            "GetWriterMetadataCount(), GetWriterMetadata(…)".into(),
            |c| c.writer_metadata(),
        )?;
        let in_set: Vec<String> = self
            .held
            .volumes
            .iter()
            .map(|v| v.volume_name.clone())
            .collect();
        let mut said = String::new();
        let mut kept: Vec<(&WriterMetadataDocument, Vec<&ComponentInfo>)> = Vec::new();
        for writer in &writers {
            let name = &writer.writer_name;
            let excluded_whole = self
                .held
                .exclude
                .iter()
                .any(|x| names_writer(x, name, writer.writer_id));
            let mut chosen = Vec::new();
            let mut left_out = Vec::new();
            let mut lost_top_level = None;
            for component in &writer.components {
                let path = component.full_path();
                // A component named, or one beneath it, is left out.
                let by_script = self.held.exclude.iter().any(|x| {
                    x.split_once(":\\").is_some_and(|(w, rest)| {
                        names_writer(w, name, writer.writer_id)
                            && within(&path, &format!("\\{rest}"))
                    })
                });
                let missing = self.missing_volume(component, &in_set);
                let why = match (by_script, missing) {
                    (true, _) => "because the script excludes it.".to_string(),
                    (false, Some(volume)) => format!(
                        "because it requires volume {volume} which is not in the shadow copy set."
                    ),
                    (false, None) => {
                        chosen.push(component);
                        continue;
                    }
                };
                left_out.push(path.clone());
                if excluded_whole {
                    continue;
                }
                let _ = writeln!(
                    said,
                    "Component \"{path}\" from writer \"{name}\" is excluded from backup,\n{why}"
                );
                if !component.selectable && is_top_level(component, &writer.components) {
                    lost_top_level = Some(path);
                }
            }
            // A component goes with a parent left out.
            chosen.retain(|c| {
                let logical = format!("\\{}", c.logical_path);
                c.logical_path.is_empty() || !left_out.iter().any(|p| within(&logical, p))
            });
            if excluded_whole || chosen.is_empty() {
                let _ = writeln!(
                    said,
                    "Excluding writer \"{name}\", because all of its components have been excluded."
                );
            } else if let Some(path) = lost_top_level {
                let _ = writeln!(
                    said,
                    "The writer \"{name}\" is now entirely excluded from the backup because the top-level\nnon selectable component \"{path}\" is excluded."
                );
            } else {
                kept.push((writer, chosen));
            }
        }
        for (writer, components) in &kept {
            let _ = writeln!(said, "\n* Including writer \"{}\":", writer.writer_name);
            for component in components {
                let _ = writeln!(said, "\t+ Adding component: {}", component.full_path());
                // A component below a top-level one that cannot be picked on its own goes
                // with its parent; VSS takes only the others.
                if !component.selectable && !is_top_level(component, &writer.components) {
                    continue;
                }
                let added = ComponentRef {
                    instance_id: writer.instance_id,
                    writer_id: writer.writer_id,
                    component_type: component.component_type,
                    logical_path: Some(component.logical_path.as_str()).filter(|p| !p.is_empty()),
                    component_name: &component.component_name,
                };
                let call = format!(
                    "AddComponent({}, {}, {}, {})",
                    writer.instance_id,
                    writer.writer_id,
                    component.component_type,
                    component.full_path()
                );
                self.call(object, call, |c| c.add_component(&added))?;
            }
        }
        if self.held.settings.verbose {
            self.out.push_str(&said);
        }
        Ok(writers)
    }

    /// The first volume a component's files need that is not in the set, by its mount
    /// path (empty for a path on no volume of the machine); `None` when all are in it.
    fn missing_volume(&self, component: &ComponentInfo, in_set: &[String]) -> Option<String> {
        let files = component
            .files
            .iter()
            .chain(&component.database_files)
            .chain(&component.database_log_files);
        for file in files {
            match self.volume_of(&volume_path(&file.path)) {
                Some((_, name)) if in_set.contains(&name) => {}
                Some((mount, _)) => return Some(mount),
                None => return Some(String::new()),
            }
        }
        None
    }

    /// Writes the metadata cabinet of the set `object` just made: `first` is its first
    /// shadow copy, and `made_at` what the clock read once it was made, if there is a clock.
    fn save_metadata(
        &mut self,
        object: usize,
        set: VssId,
        first: Option<VssId>,
        made_at: Option<VssTimestamp>,
        writers: &[WriterMetadataDocument],
    ) -> Result<(), Failure> {
        let document = self.call(object, "SaveAsXML()".into(), |c| c.save_as_xml())?;
        self.cabs += 1;
        let file = match &self.held.settings.metadata {
            Some(file) => file.clone(),
            None => {
                let created = self.creation_time(object, first).or(made_at);
                self.metadata_name(created)
            }
        };
        let inner = format!("Dis{:04}.tmp", self.cabs);
        let saved = Metadata {
            document,
            aliases: self.held.aliases.clone(),
            set: Some(set),
        };
        let path = self.dir.join(&file);
        let inside =
            metadata::write(&path, &saved, &self.machine, &inner, writers).map_err(|e| {
                Failure::Refused(format!("The metadata file {file} cannot be written: {e}"))
            })?;
        self.written.push(file.clone());
        if self.held.settings.verbose {
            // The cabinet is named without its folder.
            let cab = file.rsplit(['\\', '/']).next().unwrap_or(&file);
            for inside in inside {
                let _ = writeln!(self.out, "Inserted file {inside} into .cab file {cab}");
            }
        }
        Ok(())
    }

    /// When the set `object` made was created, as `GetSnapshotProperties` tells of its
    /// first shadow copy. A transportable set is not asked about: it is on no machine to
    /// query until it is imported, so the clock tells instead. A failed call is no failure
    /// of `create`: the set is made, and only its file's name is at stake.
    fn creation_time(&mut self, object: usize, first: Option<VssId>) -> Option<VssTimestamp> {
        let transportable = self
            .held
            .settings
            .options
            .contains(&SetOption::Transportable);
        let id = first.filter(|_| !transportable)?;
        self.call(object, format!("GetSnapshotProperties({id})"), |c| {
            c.get_snapshot_properties(id)
        })
        .ok()
        .map(|p| p.creation_timestamp)
    }

    /// The name of a metadata file `set metadata` did not name: the set's creation time and
    /// the machine. A name this session already wrote gets a number, so that no set's file
    /// is lost.
    fn metadata_name(&self, created: Option<VssTimestamp>) -> String {
        let name = metadata::default_name(created, &self.machine);
        let mut candidate = name.clone();
        let mut n = 1;
        while self.written.contains(&candidate) {
            n += 1;
            candidate = name.replace(".cab", &format!("_{n}.cab"));
        }
        candidate
    }

    fn load_metadata(&mut self, file: &str) -> Result<(), Failure> {
        let path = self.dir.join(file);
        let loaded = metadata::read(&path).map_err(|e| {
            Failure::Refused(format!("The metadata file {file} cannot be loaded: {e}"))
        })?;
        for (name, value) in &loaded.aliases {
            let _ = writeln!(
                self.out,
                "Alias {name} for value {value} set as an environment variable."
            );
            self.set_alias(name, value.clone());
        }
        self.held.loaded = Some(loaded);
        Ok(())
    }

    fn import(&mut self) -> Result<(), Failure> {
        let Some(loaded) = self.held.loaded.clone() else {
            return Err(Failure::Refused(
                "No metadata is loaded: LOAD METADATA must come before IMPORT.".into(),
            ));
        };
        let object = self.object(Context::VSS_CTX_ALL, Some(&loaded.document))?;
        self.call(
            object,
            "SetBackupState(FALSE, FALSE, VSS_BT_FULL, FALSE)".into(),
            |c| c.set_backup_state(BackupStateArgs::default()),
        )?;
        self.call_async(object, "ImportSnapshots()".into(), |c| c.import_snapshots())?;
        self.held.importer = Some(object);
        // The set is the one the cabinet's manifest names; a manifest that names none still
        // imports, and the message then names no set.
        match loaded.set {
            Some(set) => {
                let _ = writeln!(self.out, "The shadow copy set {set} was imported.");
            }
            None => {
                let _ = writeln!(self.out, "The shadow copy set was imported.");
            }
        }
        Ok(())
    }

    /// The object that breaks or masks: the importer, when this session imported.
    fn breaker(&mut self) -> Result<usize, Failure> {
        match self.held.importer {
            Some(index) => Ok(index),
            None => self.admin(),
        }
    }

    /// `BreakSnapshotSetEx` with `flags`, on the object that breaks.
    fn break_ex(&mut self, set: VssId, flags: HardwareOptions) -> Result<(), Failure> {
        let object = self.breaker()?;
        self.call_async(object, format!("BreakSnapshotSetEx({set}, {flags})"), |c| {
            c.break_snapshot_set_ex(set, flags)
        })
    }

    fn break_set(&mut self, set: VssId, writable: bool) -> Result<(), Failure> {
        if writable {
            self.break_ex(set, HardwareOptions::VSS_BREAKEX_FLAG_MAKE_READ_WRITE)?;
        } else {
            let object = self.breaker()?;
            self.call(object, format!("BreakSnapshotSet({set})"), |c| {
                c.break_snapshot_set(set)
            })?;
        }
        let how = if writable { "read-write" } else { "read-only" };
        let _ = writeln!(
            self.out,
            "The shadow copy set {set} was broken: its volumes are now {how} volumes."
        );
        Ok(())
    }

    fn mask(&mut self, set: VssId) -> Result<(), Failure> {
        self.break_ex(set, HardwareOptions::VSS_BREAKEX_FLAG_MASK_LUNS)?;
        let _ = writeln!(self.out, "The shadow copy set {set} was masked.");
        Ok(())
    }

    /// `revert SHADOWID`. DiskShadow's page allows client-accessible shadow copies only,
    /// which it checks here; the rest goes as Microsoft's vshadow sample reverts: ask
    /// `ShouldBlockRevert` first, revert with `bForceDismount`, then wait for the revert
    /// through `QueryRevertStatus`, whose `VSS_E_OBJECT_NOT_FOUND` means that nothing is
    /// left to wait for.
    fn revert(&mut self, id: VssId) -> Result<(), Failure> {
        let object = self.admin()?;
        let copy = self.call(object, format!("GetSnapshotProperties({id})"), |c| {
            c.get_snapshot_properties(id)
        })?;
        if !copy
            .snapshot_attributes
            .contains(A::VSS_VOLSNAP_ATTR_CLIENT_ACCESSIBLE)
        {
            return Err(Failure::Refused(format!(
                "The shadow copy {id} is not client-accessible: only client-accessible shadow copies can be reverted."
            )));
        }
        let volume = copy.original_volume_name;
        let shown = self.mount_of(&volume).unwrap_or_else(|| volume.clone());
        let blocked = self
            .backend
            .should_block_revert(&self.machine, &volume)
            .map_err(|e| Failure::Refused(format!("ShouldBlockRevert failed: {e}")))?;
        let answer = if blocked { "TRUE" } else { "FALSE" };
        self.note(format!("ShouldBlockRevert({volume}) = {answer}"), None);
        if blocked {
            return Err(Failure::Refused(format!(
                "Writers block a revert of {shown}: it was not reverted."
            )));
        }
        self.call(object, format!("RevertToSnapshot({id}, TRUE)"), |c| {
            c.revert_to_snapshot(id, true)
        })?;
        let followed = self.call_async(object, format!("QueryRevertStatus({volume})"), |c| {
            c.query_revert_status(&volume)
        });
        match followed {
            Ok(()) | Err(Failure::Vss(HResult::VSS_E_OBJECT_NOT_FOUND)) => {}
            Err(failure) => return Err(failure),
        }
        let _ = writeln!(
            self.out,
            "The volume {shown} was reverted to the shadow copy {id}."
        );
        Ok(())
    }

    fn expose(&mut self, id: VssId, target: &str) -> Result<(), Failure> {
        let object = self.admin()?;
        // A share name has neither a drive nor a path; anything else is exposed locally.
        let local = target.contains(':') || target.contains('\\');
        let attributes = if local {
            A::VSS_VOLSNAP_ATTR_EXPOSED_LOCALLY
        } else {
            A::VSS_VOLSNAP_ATTR_EXPOSED_REMOTELY
        };
        let kind = if local { "LOCALLY" } else { "REMOTELY" };
        let exposed = self.call(
            object,
            format!("ExposeSnapshot({id}, NULL, VSS_VOLSNAP_ATTR_EXPOSED_{kind}, {target})"),
            |c| c.expose_snapshot(id, None, attributes, Some(target)),
        )?;
        // The place is shown as typed (`z:\`), which VSS may have written in capitals.
        let shown = match local {
            true if target.ends_with('\\') => target.to_string(),
            true => format!("{target}\\"),
            false => exposed,
        };
        let _ = writeln!(
            self.out,
            "The shadow copy was successfully exposed as {shown}."
        );
        Ok(())
    }

    fn unexpose(&mut self, what: &str) -> Result<(), Failure> {
        let id = match what.parse::<VssId>() {
            Ok(id) => id,
            Err(_) => self
                .copies(|p| exposed_at(p, what))?
                .first()
                .map(|p| p.snapshot_id)
                .ok_or_else(|| Failure::Refused(format!("No shadow copy is exposed at {what}.")))?,
        };
        let object = self.admin()?;
        self.call(object, format!("UnexposeSnapshot({id})"), |c| {
            c.unexpose_snapshot(id)
        })?;
        let _ = writeln!(self.out, "Shadow copy ID {id} is no longer exposed.");
        Ok(())
    }

    fn delete(&mut self, what: DeleteWhat) -> Result<(), Failure> {
        // Each target with the copy it names, when a query found one, to say what goes.
        let targets: Vec<(VssId, ObjectType, Option<SnapshotProp>)> = match &what {
            DeleteWhat::Set(set) => vec![(*set, ObjectType::VSS_OBJECT_SNAPSHOT_SET, None)],
            DeleteWhat::Id(id) => {
                let found = self.copies(|p| p.snapshot_id == *id)?.into_iter().next();
                vec![(*id, ObjectType::VSS_OBJECT_SNAPSHOT, found)]
            }
            DeleteWhat::All => each_copy(self.copies(|_| true)?),
            DeleteWhat::Volume(v) | DeleteWhat::Oldest(v) => {
                // Scripts in the field name the volume by the alias of one of its copies.
                let of_copy = match v.parse::<VssId>() {
                    Ok(id) => self
                        .copies(|p| p.snapshot_id == id)?
                        .first()
                        .map(|p| p.original_volume_name.clone()),
                    Err(_) => None,
                };
                let name = match of_copy {
                    Some(name) => name,
                    None => self.volume_name(v)?,
                };
                let mut found = self.copies(|p| p.original_volume_name == name)?;
                if matches!(what, DeleteWhat::Oldest(_)) {
                    found.sort_by_key(|p| p.creation_timestamp);
                    found.truncate(1);
                }
                each_copy(found)
            }
            DeleteWhat::Exposed(at) => {
                let found = self.copies(|p| exposed_at(p, at))?;
                if found.is_empty() {
                    return Err(Failure::Refused(format!(
                        "No shadow copy is exposed at {at}."
                    )));
                }
                each_copy(found)
            }
        };
        let object = self.admin()?;
        let mut deleted = 0;
        // One copy named by its id is answered more briefly than copies found by a query.
        let by_id = matches!(what, DeleteWhat::Id(_));
        for (id, kind, copy) in targets {
            if by_id {
                let _ = writeln!(self.out, "Deleting shadow copy {id}...");
            } else if let Some(p) = copy {
                let _ = writeln!(
                    self.out,
                    "Deleting shadow copy {id} on volume {} from provider {} [Attributes: 0x{:08x}]...",
                    p.original_volume_name,
                    p.provider_id,
                    p.snapshot_attributes.bits()
                );
            }
            let result = self.objects[object].delete_snapshots(id, kind, false);
            let call = format!("DeleteSnapshots({id}, {kind}, FALSE)");
            match result {
                Ok(d) => {
                    self.note(call, None);
                    deleted += d.deleted;
                }
                Err(f) => {
                    self.note(call, Some(f.hr));
                    deleted += f.deleted;
                    self.out.push_str(&deleted_count(deleted, by_id));
                    return Err(Failure::Vss(f.hr));
                }
            }
        }
        self.out.push('\n');
        self.out.push_str(&deleted_count(deleted, by_id));
        Ok(())
    }

    fn list_shadows(&mut self, which: ListShadows) -> Result<(), Failure> {
        let (heading, copies) = match which {
            ListShadows::All => (
                "Querying all shadow copies on the computer ...".to_string(),
                self.copies(|_| true)?,
            ),
            ListShadows::Set(set) => (
                format!("Querying all shadow copies with the shadow copy set ID {set}"),
                self.copies(|p| p.snapshot_set_id == set)?,
            ),
            ListShadows::Id(id) => (
                format!("Querying shadow copy with the shadow copy ID {id}"),
                self.copies(|p| p.snapshot_id == id)?,
            ),
        };
        // Scripts in the field look for this line to tell that a machine has no copies.
        if copies.is_empty() && matches!(which, ListShadows::All) {
            let _ = writeln!(self.out, "{heading}\nNo shadow copies found in system.");
            return Ok(());
        }
        let _ = writeln!(self.out, "{heading}\n");
        self.print_copies(&copies);
        Ok(())
    }

    fn list_providers(&mut self) -> Result<(), Failure> {
        let object = self.admin()?;
        let found = self.call(
            object,
            "Query(GUID_NULL, VSS_OBJECT_NONE, VSS_OBJECT_PROVIDER)".into(),
            |c| {
                c.query(
                    VssId::NULL,
                    ObjectType::VSS_OBJECT_NONE,
                    ObjectType::VSS_OBJECT_PROVIDER,
                )
            },
        )?;
        let providers: Vec<ProviderProp> = found
            .into_iter()
            .filter_map(|o| match o {
                ObjectProp::Provider(p) => Some(p),
                ObjectProp::Snapshot(_) => None,
            })
            .collect();
        self.out.push_str(&show::providers(&providers));
        Ok(())
    }

    fn list_writers(&mut self, view: WriterView) -> Result<(), Failure> {
        let object = self.object(Context::VSS_CTX_BACKUP, None)?;
        let listed = (|| {
            self.call_async(object, "GatherWriterMetadata()".into(), |c| {
                c.gather_writer_metadata()
            })?;
            self.call_async(object, "GatherWriterStatus()".into(), |c| {
                c.gather_writer_status()
            })?;
            self.call(
                object,
                "GetWriterStatusCount(), GetWriterStatus(…)".into(),
                |c| c.writer_status(),
            )
        })();
        // The object served this listing only; it is the last one made.
        self.objects.pop();
        self.note("Release()".into(), None);
        let writers = listed?;
        self.out.push_str(&show::writers(&writers, view));
        Ok(())
    }

    fn end_backup(&mut self) -> Result<(), Failure> {
        if !self.held.in_backup {
            return Err(Failure::Refused(
                "No backup is in progress: END BACKUP needs BEGIN BACKUP first.".into(),
            ));
        }
        self.held.in_backup = false;
        match self.held.backup_object.take() {
            None => Err(Failure::Refused(
                "No shadow copy was created since BEGIN BACKUP.".into(),
            )),
            // BackupComplete is an event for writers; without them there is no one to tell.
            Some((_, false)) => Ok(()),
            Some((object, true)) => {
                self.call_async(object, "BackupComplete()".into(), |c| c.backup_complete())
            }
        }
    }

    // ----- queries -----

    /// The shadow copies on this machine (`Query` in `VSS_CTX_ALL`) that `keep` keeps.
    fn copies(
        &mut self,
        keep: impl Fn(&SnapshotProp) -> bool,
    ) -> Result<Vec<SnapshotProp>, Failure> {
        let object = self.admin()?;
        let found = self.call(
            object,
            "Query(GUID_NULL, VSS_OBJECT_NONE, VSS_OBJECT_SNAPSHOT)".into(),
            |c| {
                c.query(
                    VssId::NULL,
                    ObjectType::VSS_OBJECT_NONE,
                    ObjectType::VSS_OBJECT_SNAPSHOT,
                )
            },
        )?;
        Ok(found
            .into_iter()
            .filter_map(|o| match o {
                ObjectProp::Snapshot(p) if keep(&p) => Some(p),
                _ => None,
            })
            .collect())
    }

    /// The volume a path is on: its mount path and `\\?\Volume{…}\` name, found by
    /// trying the path and each folder above it as a mount point.
    fn volume_of(&self, path: &str) -> Option<(String, String)> {
        let mut folder = path.trim_end_matches('\\');
        loop {
            let mount = format!("{folder}\\");
            if let Ok(name) = self
                .backend
                .volume_name_for_mount_point(&self.machine, &volume_path(&mount))
            {
                return Some((volume_path(&mount), name));
            }
            folder = &folder[..folder.rfind('\\')?];
        }
    }

    fn volume_name(&self, written: &str) -> Result<String, Failure> {
        self.backend
            .volume_name_for_mount_point(&self.machine, &volume_path(written))
            .map_err(|_| {
                Failure::Refused(format!(
                    "The volume {written} does not exist on {}.",
                    self.machine
                ))
            })
    }

    fn print_copies(&mut self, copies: &[SnapshotProp]) {
        // The first alias set for a value names it.
        let mut aliases: BTreeMap<String, String> = BTreeMap::new();
        for (name, value) in &self.held.aliases {
            aliases
                .entry(value.to_ascii_lowercase())
                .or_insert_with(|| name.clone());
        }
        let mounts: Vec<(String, String)> = self
            .held
            .volumes
            .iter()
            .filter(|v| !v.path.starts_with("\\\\?\\"))
            .map(|v| (v.volume_name.clone(), v.path.clone()))
            .collect();
        for p in copies {
            let mount = mounts
                .iter()
                .find(|(name, _)| *name == p.original_volume_name)
                .map(|(_, m)| m.clone())
                .or_else(|| self.mount_of(&p.original_volume_name));
            self.out
                .push_str(&show::copy(p, mount.as_deref(), &aliases));
        }
        let _ = writeln!(self.out, "Number of shadow copies listed: {}", copies.len());
    }

    /// Where a volume of this machine is mounted (its first path, as DiskShadow shows one).
    fn mount_of(&self, volume_name: &str) -> Option<String> {
        self.backend
            .volume_path_names_for_volume_name(&self.machine, volume_name)
            .ok()?
            .into_iter()
            .next()
    }
}

/// Deletion targets, one per copy found.
fn each_copy(found: Vec<SnapshotProp>) -> Vec<(VssId, ObjectType, Option<SnapshotProp>)> {
    found
        .into_iter()
        .map(|p| (p.snapshot_id, ObjectType::VSS_OBJECT_SNAPSHOT, Some(p)))
        .collect()
}

type Starter<B> = fn(
    &mut <B as Backend>::Components,
) -> VssResult<<<B as Backend>::Components as BackupComponents>::Async>;

fn prepare<B: Backend>(
    c: &mut B::Components,
) -> VssResult<<B::Components as BackupComponents>::Async> {
    c.prepare_for_backup()
}

fn do_set<B: Backend>(
    c: &mut B::Components,
) -> VssResult<<B::Components as BackupComponents>::Async> {
    c.do_snapshot_set()
}

/// `e:` → `E:\`; a mount folder gets its trailing backslash; a `\\?\Volume{…}\` name stays.
fn volume_path(written: &str) -> String {
    let bytes = written.as_bytes();
    let drive = bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic();
    if drive && (bytes.len() == 2 || written[2..] == *"\\") {
        return format!("{}:\\", written[..1].to_ascii_uppercase());
    }
    if written.ends_with('\\') {
        written.to_string()
    } else {
        format!("{written}\\")
    }
}

/// The line that counts the copies `delete shadows` deleted: briefly for one named by its
/// id, as DiskShadow answers `delete shadows id`.
fn deleted_count(deleted: i32, by_id: bool) -> String {
    match (by_id, deleted) {
        (true, 1) => "1 shadow copy deleted.\n".to_string(),
        (true, n) => format!("{n} shadow copies deleted.\n"),
        (false, n) => format!("Number of shadow copies deleted: {n}\n"),
    }
}

/// Whether the component path `path` is `under` or lies beneath it, in any case.
fn within(path: &str, under: &str) -> bool {
    let (path, under) = (path.to_ascii_lowercase(), under.to_ascii_lowercase());
    path == under || path.starts_with(&format!("{under}\\"))
}

/// Whether `component` is top-level: no other component of its writer stands at or above
/// its logical path.
fn is_top_level(component: &ComponentInfo, all: &[ComponentInfo]) -> bool {
    let logical = format!("\\{}", component.logical_path);
    component.logical_path.is_empty()
        || !all
            .iter()
            .any(|other| !std::ptr::eq(other, component) && within(&logical, &other.full_path()))
}

/// Whether two resolved paths name one file: letter for letter, or in any case where the
/// file system ignores case (Windows, macOS).
fn same_file(a: &Path, b: &Path) -> bool {
    if cfg!(any(windows, target_os = "macos")) {
        a.to_string_lossy().to_lowercase() == b.to_string_lossy().to_lowercase()
    } else {
        a == b
    }
}

/// `path` made absolute, its folder resolved as the file system resolves it (`..`, links),
/// so that two names of one file compare equal, whether or not the file exists yet; left
/// absolute but unresolved when its folder does not exist.
fn absolute(path: &Path) -> PathBuf {
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match (path.parent(), path.file_name()) {
        (Some(folder), Some(name)) => match folder.canonicalize() {
            Ok(folder) => folder.join(name),
            Err(_) => path,
        },
        _ => path,
    }
}

/// Whether `written` (a name, in any case, or a class id) names the writer `name`/`id`.
fn names_writer(written: &str, name: &str, id: VssId) -> bool {
    name.eq_ignore_ascii_case(written) || written.parse::<VssId>().is_ok_and(|w| w == id)
}

/// Whether the copy is exposed at `at` (`X:`, `X:\`, a folder or a share).
fn exposed_at(p: &SnapshotProp, at: &str) -> bool {
    let trim = |s: &str| s.trim_end_matches('\\').to_ascii_lowercase();
    p.exposed_name
        .as_deref()
        .is_some_and(|e| trim(e) == trim(at))
}

fn guid_text(id: VssId) -> String {
    if id.is_null() {
        "GUID_NULL".into()
    } else {
        id.to_string()
    }
}

/// How many characters of one word a message quotes whole.
const QUOTED_WORD: usize = 80;

/// `message` with every word longer than [`QUOTED_WORD`] characters cut to its start and
/// how long it was: a 20,000-character argument is not echoed back whole.
fn shortened(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(4 * QUOTED_WORD));
    for (i, word) in message.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let length = word.chars().count();
        if length > QUOTED_WORD {
            out.extend(word.chars().take(QUOTED_WORD / 2));
            let _ = write!(out, "… ({length} characters)");
        } else {
            out.push_str(word);
        }
    }
    out
}
