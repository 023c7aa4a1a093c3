//! Which backend the suite runs on.
//!
//! `VSS_BACKEND` names it; unset or empty, it is `sim`, the simulator. A backend comes from a
//! [`MakeBackend`], which makes one for a scenario's world (the simulator is built from that
//! world; a backend over real machines would check that they fit it). Test bodies are generic
//! over the maker, as an [`OnBackend`], so that one body serves every backend, and
//! [`on_backend`] is the one place that turns a name into a maker: adding a backend is one
//! name in [`KNOWN_BACKENDS`] and one arm there.
//!
//! The backends: `sim`, the simulator called directly; `com`, the simulator served as COM
//! objects and called through `vss-windows` (the COM-ABI harness, on any system); `windows`,
//! real VSS on the local machine through the same `vss-windows` (Windows only, elevated).

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

use vss_model::backend::Backend;
use vss_sim::Simulator;
use vss_sim::recorder::Recorder;
use vss_sim::runner::{InputError, Problem, Report, RunEnd, Scenario, run_scenario};
use vss_sim::world_file::WorldFile;
use vss_sim_com::ComSim;

use crate::recorder::{VSS_RECORD, recording_path, write_recording};
use vss_windows::LocalVss;

/// The environment variable that selects the backend.
pub const VSS_BACKEND: &str = "VSS_BACKEND";

/// The backends the suite knows, by the names `VSS_BACKEND` takes; the first is the default.
pub const KNOWN_BACKENDS: &[&str] = &["sim", "com", "windows"];

/// Makes the backend a scenario runs on.
pub trait MakeBackend {
    /// The backend it makes.
    type Backend: Backend;

    /// The name `VSS_BACKEND` selects it by, which is also the [`Backend::name`] of what it
    /// makes.
    fn name(&self) -> &'static str;

    /// A backend for a scenario whose world is `world`, or why there can be none.
    fn make(&self, world: &WorldFile) -> Result<Self::Backend, String>;

    /// Why the backend cannot play `world` even though it was made, so the scenario is
    /// skipped: nothing, for a backend that builds any world.
    fn unsupported(&self, _world: &WorldFile, _backend: &Self::Backend) -> Option<String> {
        None
    }

    /// What the backend found wrong underneath a finished run, after every requester object
    /// was released: for the COM-ABI harness, strings leaked or freed wrongly. Nothing, for
    /// a backend that cannot tell.
    fn audit(&self, _backend: &Self::Backend) -> Result<(), String> {
        Ok(())
    }
}

/// The simulator, built afresh from each scenario's world.
#[derive(Debug, Clone, Copy, Default)]
pub struct SimBackend;

impl MakeBackend for SimBackend {
    type Backend = Simulator;

    fn name(&self) -> &'static str {
        "sim"
    }

    fn make(&self, world: &WorldFile) -> Result<Simulator, String> {
        Simulator::new(world).map_err(|e| e.to_string())
    }
}

/// The simulator served as COM objects and driven through `vss-windows`: the COM-ABI
/// harness.
#[derive(Debug, Clone, Copy, Default)]
pub struct ComBackend;

impl MakeBackend for ComBackend {
    type Backend = ComSim;

    fn name(&self) -> &'static str {
        "com"
    }

    fn make(&self, world: &WorldFile) -> Result<ComSim, String> {
        SimBackend.make(world).map(ComSim::new)
    }

    fn audit(&self, backend: &ComSim) -> Result<(), String> {
        backend
            .memory()
            .audit()
            .map_err(|e| format!("the COM memory ledger: {e}"))?;
        match backend.live_objects() {
            0 => Ok(()),
            n => Err(format!(
                "{n} COM object(s) still referenced after the run: a reference was never released"
            )),
        }
    }
}

/// Real VSS on this machine, which plays the first machine of the scenario's world. Only on
/// Windows; elsewhere every scenario ends as bad input saying so.
#[derive(Debug, Clone, Copy, Default)]
pub struct WindowsBackend;

impl MakeBackend for WindowsBackend {
    type Backend = LocalVss;

    fn name(&self) -> &'static str {
        "windows"
    }

    fn make(&self, world: &WorldFile) -> Result<LocalVss, String> {
        let first = world.machines.first().ok_or("the world has no machine")?;
        LocalVss::connect(&first.name)
    }

    fn unsupported(&self, world: &WorldFile, vss: &LocalVss) -> Option<String> {
        unplayable(world, vss)
    }
}

/// Why `machine`, a machine taken as it is, cannot play `world`: it can play the default
/// world's first machine when it has each of that machine's volumes, and no world of a
/// scenario's own.
fn unplayable(world: &WorldFile, machine: &impl Backend) -> Option<String> {
    if *world != default_world() {
        return Some(
            "the scenario has a world of its own, and real VSS has only this machine as it is"
                .to_string(),
        );
    }
    let first = world.machines.first()?;
    first.volumes.iter().find_map(|volume| {
        let missing = machine
            .volume_name_for_mount_point(&first.name, &volume.mount)
            .err()?;
        Some(format!(
            "this machine has no volume `{}` as the default world's {} has ({missing})",
            volume.mount, first.name
        ))
    })
}

/// Work to do on a backend, written once for every backend.
pub trait OnBackend {
    /// What the work gives back.
    type Output;

    /// Does the work on the backends `maker` makes.
    fn run<M: MakeBackend>(self, maker: &M) -> Self::Output;
}

/// A `VSS_BACKEND` that names no backend the suite knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownBackend(pub String);

impl fmt::Display for UnknownBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{VSS_BACKEND}=`{}` names no backend; the known backends are: {}",
            self.0,
            KNOWN_BACKENDS.join(", ")
        )
    }
}

impl std::error::Error for UnknownBackend {}

/// The name of the backend `VSS_BACKEND` selects: the default when it is unset or empty.
pub fn selected_name() -> String {
    match std::env::var(VSS_BACKEND) {
        Ok(name) if !name.trim().is_empty() => name.trim().to_string(),
        _ => KNOWN_BACKENDS[0].to_string(),
    }
}

/// Does `work` on the backend named `name`.
pub fn on_backend<W: OnBackend>(name: &str, work: W) -> Result<W::Output, UnknownBackend> {
    match name {
        "sim" => Ok(work.run(&SimBackend)),
        "com" => Ok(work.run(&ComBackend)),
        "windows" => Ok(work.run(&WindowsBackend)),
        other => Err(UnknownBackend(other.to_string())),
    }
}

/// Does `work` on the backend `VSS_BACKEND` selects.
pub fn on_selected_backend<W: OnBackend>(work: W) -> Result<W::Output, UnknownBackend> {
    on_backend(&selected_name(), work)
}

/// The embedded default world, which scenarios without a world of their own run in.
pub fn default_world() -> WorldFile {
    vss_sim::world_file::default_world().clone()
}

/// Reads a scenario file and runs it on a backend `maker` makes for the scenario's world.
/// A file that cannot be read or parsed, and a world the maker refuses, end as bad input; a
/// backend whose [`MakeBackend::audit`] finds something wrong afterwards fails the run.
///
/// When the environment variable `VSS_RECORD` names a folder, the run goes through a
/// [`Recorder`] and its recording is written there ([`recorder`](crate::recorder)).
pub fn run_file<M: MakeBackend>(maker: &M, path: &Path) -> Report {
    let out = recording_for(std::env::var_os(VSS_RECORD), path, maker.name());
    run_file_recording(maker, path, out.as_deref())
}

/// Where a run of `path` on `backend` is recorded when `VSS_RECORD` is `folder`: nowhere
/// when it is unset or empty.
fn recording_for(folder: Option<OsString>, path: &Path, backend: &str) -> Option<PathBuf> {
    let folder = folder.filter(|dir| !dir.is_empty())?;
    Some(recording_path(Path::new(&folder), path, backend))
}

/// Runs a scenario file as [`run_file`] does; with `record`, through a [`Recorder`], writing
/// the recording to that file. A recording that cannot be written fails the run.
pub fn run_file_recording<M: MakeBackend>(maker: &M, path: &Path, record: Option<&Path>) -> Report {
    let shown = path.display().to_string();
    let prepared = vss_sim::runner::read_file(path)
        .and_then(|(text, shown)| Scenario::parse(&text, &shown))
        .and_then(|scenario| {
            let world = scenario.world_file().clone();
            let backend = maker.make(&world).map_err(|e| {
                InputError::new(&shown, None, Problem::Invalid(format!("the world: {e}")))
            })?;
            Ok((scenario, world, backend))
        });
    let (scenario, backend) = match prepared {
        Ok((scenario, world, backend)) => match maker.unsupported(&world, &backend) {
            None => (scenario, backend),
            Some(reason) => {
                return Report {
                    output: String::new(),
                    outcome: RunEnd::Skipped(reason),
                    calls: Vec::new(),
                };
            }
        },
        Err(e) => {
            return Report {
                output: String::new(),
                outcome: RunEnd::BadInput(e),
                calls: Vec::new(),
            };
        }
    };
    match record {
        None => {
            let report = run_scenario(&scenario, &backend, None);
            audited(maker, &backend, report)
        }
        Some(out) => {
            let recorder = Recorder::new(backend);
            let mut report = run_scenario(&scenario, &recorder, None);
            if let Err(e) = write_recording(&recorder, &report, &scenario, path, out) {
                failed(
                    &mut report,
                    format!("record  cannot write {}: {e}", out.display()),
                );
            }
            audited(maker, recorder.backend(), report)
        }
    }
}

/// The report with the maker's audit of the backend after the run.
fn audited<M: MakeBackend>(maker: &M, backend: &M::Backend, mut report: Report) -> Report {
    if let Err(problem) = maker.audit(backend) {
        failed(&mut report, format!("audit  {problem}"));
    }
    report
}

/// Makes a run fail with one more line saying why.
fn failed(report: &mut Report, line: String) {
    report.output.push_str(&line);
    report.output.push('\n');
    report.outcome = match report.outcome {
        RunEnd::Failed(n) => RunEnd::Failed(n + 1),
        _ => RunEnd::Failed(1),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_machine_taken_as_it_is_plays_only_the_default_world_with_its_volumes() {
        let default = default_world();
        assert_eq!(unplayable(&default, &Simulator::default_world()), None);

        let mut own = default.clone();
        own.machines[0].max_shadow_copies = 2;
        let reason = unplayable(&own, &Simulator::default_world()).expect("refused");
        assert!(reason.contains("a world of its own"), "{reason}");

        // A machine lacking the default world's F: cannot play it.
        let mut smaller = default.clone();
        smaller.machines[0].volumes.retain(|v| v.mount != "F:\\");
        let machine = Simulator::new(&smaller).expect("the world builds");
        let reason = unplayable(&default, &machine).expect("refused");
        assert!(
            reason
                .starts_with("this machine has no volume `F:\\` as the default world's HOSTA has"),
            "{reason}"
        );
    }

    /// Gives back the name of the maker it ran with.
    struct Name;

    impl OnBackend for Name {
        type Output = &'static str;

        fn run<M: MakeBackend>(self, maker: &M) -> &'static str {
            maker.name()
        }
    }

    #[test]
    fn every_known_name_selects_its_backend() {
        for name in KNOWN_BACKENDS {
            assert_eq!(on_backend(name, Name), Ok(*name));
        }
    }

    #[test]
    fn an_unknown_name_fails_naming_the_known_backends() {
        let error = on_backend("windows-2025", Name).unwrap_err();
        assert_eq!(
            error.to_string(),
            "VSS_BACKEND=`windows-2025` names no backend; the known backends are: sim, com, windows"
        );
    }

    #[test]
    fn vss_record_names_the_folder_recordings_go_to() {
        let path = Path::new("tests/scenarios/s01-x.yaml");
        assert_eq!(recording_for(None, path, "windows"), None);
        assert_eq!(recording_for(Some("".into()), path, "windows"), None);
        assert_eq!(
            recording_for(Some("rec".into()), path, "windows"),
            Some(Path::new("rec").join("scenarios-s01-x.windows.json"))
        );
    }

    #[test]
    fn the_simulator_is_made_from_the_world_and_named_as_selected() {
        let sim = SimBackend.make(&default_world()).expect("valid");
        assert_eq!(sim.name(), SimBackend.name());
        assert_eq!(sim.machines(), ["HOSTA", "HOSTB"]);
    }
}
