//! What the process's environment says about the simulated world the DLL serves.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

/// The environment variables the DLL reads, with what each one sets. They are read once, at
/// the first call of the factory.
pub const VARIABLES: [(&str, &str); 6] = [
    (
        "VSS_SIM_WORLD",
        "the world file [default: the embedded default world]",
    ),
    (
        "VSS_SIM_STATE",
        "a state file, as `vss-sim run --state` and `vss-sim diskshadow --state` keep",
    ),
    (
        "VSS_SIM_MACHINE",
        "the machine of the world this process runs on [default: the world's first]",
    ),
    (
        "VSS_SIM_TRACE",
        "a file the DLL appends what `--trace` shows to, call by call",
    ),
    (
        "VSS_SIM_RECORD",
        "a file the DLL writes the process's calls to, as a scenario `vss-sim run` replays",
    ),
    (
        "VSS_SIM_WAIT",
        "seconds to wait for another process holding the state file [default: 0]",
    ),
];

/// The settings of one process, from its environment.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// `VSS_SIM_WORLD`: the world file, or the embedded default world.
    pub world: Option<PathBuf>,
    /// `VSS_SIM_STATE`: the state file the world is kept in between processes.
    pub state: Option<PathBuf>,
    /// `VSS_SIM_MACHINE`: the machine the process plays, or the world's first.
    pub machine: Option<String>,
    /// `VSS_SIM_TRACE`: where the trace goes.
    pub trace: Option<PathBuf>,
    /// `VSS_SIM_RECORD`: where the process's calls are written as a scenario.
    pub record: Option<PathBuf>,
    /// `VSS_SIM_WAIT`: how long to wait for the state file's lock.
    pub wait: Duration,
}

impl Config {
    /// The settings the process's environment gives.
    pub fn from_env() -> Result<Config, String> {
        Config::from_vars(|name| std::env::var_os(name))
    }

    /// The settings `var` gives, `var` answering for an environment variable by name. An
    /// empty variable counts as unset, as `set NAME=` unsets one in `cmd`.
    pub fn from_vars(var: impl Fn(&str) -> Option<OsString>) -> Result<Config, String> {
        let set = |name: &str| var(name).filter(|value| !value.is_empty());
        let text = |name: &str| {
            set(name)
                .map(|value| {
                    value
                        .into_string()
                        .map_err(|value| format!("{name}: `{}` is not text", value.display()))
                })
                .transpose()
        };
        let wait = match text("VSS_SIM_WAIT")? {
            None => Duration::ZERO,
            Some(seconds) => seconds
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(|s| Duration::try_from_secs_f64(s).ok())
                .ok_or_else(|| {
                    format!("VSS_SIM_WAIT: `{seconds}` is not a number of seconds (0 or more)")
                })?,
        };
        Ok(Config {
            world: set("VSS_SIM_WORLD").map(PathBuf::from),
            state: set("VSS_SIM_STATE").map(PathBuf::from),
            machine: text("VSS_SIM_MACHINE")?,
            trace: set("VSS_SIM_TRACE").map(PathBuf::from),
            record: set("VSS_SIM_RECORD").map(PathBuf::from),
            wait,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, String> {
        Config::from_vars(|name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| OsString::from(v))
        })
    }

    #[test]
    fn nothing_set_is_the_default_world_on_its_first_machine() {
        assert_eq!(config(&[]), Ok(Config::default()));
    }

    #[test]
    fn each_variable_sets_its_field() {
        let c = config(&[
            ("VSS_SIM_WORLD", "w.yaml"),
            ("VSS_SIM_STATE", "s.json"),
            ("VSS_SIM_MACHINE", "HOSTB"),
            ("VSS_SIM_TRACE", "t.txt"),
            ("VSS_SIM_RECORD", "r.json"),
            ("VSS_SIM_WAIT", "2.5"),
        ])
        .unwrap();
        assert_eq!(c.world, Some(PathBuf::from("w.yaml")));
        assert_eq!(c.state, Some(PathBuf::from("s.json")));
        assert_eq!(c.machine.as_deref(), Some("HOSTB"));
        assert_eq!(c.trace, Some(PathBuf::from("t.txt")));
        assert_eq!(c.record, Some(PathBuf::from("r.json")));
        assert_eq!(c.wait, Duration::from_millis(2500));
    }

    #[test]
    fn an_empty_variable_is_unset() {
        assert_eq!(config(&[("VSS_SIM_STATE", "")]), Ok(Config::default()));
    }

    #[test]
    fn a_bad_wait_is_named() {
        for bad in ["soon", "-1", "NaN"] {
            let e = config(&[("VSS_SIM_WAIT", bad)]).unwrap_err();
            assert!(e.starts_with("VSS_SIM_WAIT: `"), "{e}");
        }
    }
}
