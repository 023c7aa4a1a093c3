//! DiskShadow's help: `help` (or `?`) lists the commands, `help COMMAND` and `COMMAND /?`
//! show one with its forms.

/// One command of the help: its name as typed, what it does, and the forms it takes.
struct Topic {
    name: &'static str,
    summary: &'static str,
    forms: &'static [&'static str],
}

/// The commands the simulated DiskShadow runs, in the order `help` lists them.
const TOPICS: &[Topic] = &[
    Topic {
        name: "set",
        summary: "Shows or sets the context, options, verbose output and metadata file of the next shadow copy set.",
        forms: &[
            "set",
            "set context {clientaccessible | persistent [nowriters] | volatile [nowriters]}",
            "set option [differential | plex] [transportable] [rollbackrecover | txfrecover | noautorecover]",
            "set verbose {on | off}",
            "set metadata FILE.cab",
        ],
    },
    Topic {
        name: "load",
        summary: "Loads the metadata .cab file of a transportable set, before import.",
        forms: &["load metadata FILE.cab"],
    },
    Topic {
        name: "writer",
        summary: "Makes the next create fail unless a writer takes part, or leaves a writer out.",
        forms: &["writer {verify | exclude} {WRITER | COMPONENT}"],
    },
    Topic {
        name: "add",
        summary: "Shows the volumes and aliases added, or adds a volume to the set or an alias.",
        forms: &[
            "add",
            "add volume VOLUME [alias NAME] [provider {ID}]",
            "add alias NAME VALUE",
        ],
    },
    Topic {
        name: "create",
        summary: "Makes a shadow copy of every volume added, as one set.",
        forms: &["create"],
    },
    Topic {
        name: "exec",
        summary: "Runs a command file; a script stops when it fails.",
        forms: &["exec FILE.cmd"],
    },
    Topic {
        name: "begin",
        summary: "Starts a full backup: the writers are told a backup is under way.",
        forms: &["begin backup"],
    },
    Topic {
        name: "end",
        summary: "Ends the backup begun: the writers are told it succeeded.",
        forms: &["end backup"],
    },
    Topic {
        name: "reset",
        summary: "Forgets the settings, volumes and aliases, and the volatile shadow copies made.",
        forms: &["reset"],
    },
    Topic {
        name: "list",
        summary: "Lists the writers, the shadow copies or the providers.",
        forms: &[
            "list {writers [metadata | detailed | status] | shadows {all | set SETID | id ID} | providers}",
        ],
    },
    Topic {
        name: "delete",
        summary: "Deletes shadow copies.",
        forms: &[
            "delete shadows {all | volume V | oldest V | set SETID | id ID | exposed {drive: | mountpoint}}",
        ],
    },
    Topic {
        name: "import",
        summary: "Imports the transportable set whose metadata was loaded.",
        forms: &["import"],
    },
    Topic {
        name: "mask",
        summary: "Removes the shadow copies of an imported hardware set from the machine.",
        forms: &["mask SETID"],
    },
    Topic {
        name: "expose",
        summary: "Makes a persistent shadow copy reachable as a drive letter, a share or a folder.",
        forms: &["expose SHADOWID {drive: | share | mountpoint}"],
    },
    Topic {
        name: "unexpose",
        summary: "Takes back what expose made.",
        forms: &["unexpose {SHADOWID | drive: | share | mountpoint}"],
    },
    Topic {
        name: "break",
        summary: "Turns the shadow copies of a hardware set into ordinary volumes, read-only unless writable.",
        forms: &["break [writable] SETID"],
    },
    Topic {
        name: "revert",
        summary: "Puts a volume back as one of its client-accessible shadow copies saw it.",
        forms: &["revert SHADOWID"],
    },
    Topic {
        name: "exit",
        summary: "Ends DiskShadow.",
        forms: &["exit"],
    },
];

/// What `help` and `?` print: every command and what it does.
pub fn overview() -> String {
    let mut out = String::new();
    for topic in TOPICS {
        out.push_str(&format!(
            "{:<10}{}\n",
            topic.name.to_ascii_uppercase(),
            topic.summary
        ));
    }
    out.push_str("\nFor one command's forms: help COMMAND, or COMMAND /?.\n");
    out
}

/// What `help COMMAND` and `COMMAND /?` print, or `None` for a word that names no command.
pub fn topic(name: &str) -> Option<String> {
    let topic = TOPICS.iter().find(|t| t.name.eq_ignore_ascii_case(name))?;
    let mut out = format!("{}\n\n", topic.summary);
    for form in topic.forms {
        out.push_str(&format!("    {form}\n"));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_is_listed_once_with_its_forms() {
        let names: Vec<&str> = TOPICS.iter().map(|t| t.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len());
        for t in TOPICS {
            assert!(!t.forms.is_empty(), "{}", t.name);
            assert!(t.forms.iter().all(|f| f.starts_with(t.name)), "{}", t.name);
        }
        assert!(overview().starts_with("SET       Shows or sets"));
        assert!(topic("LIST").unwrap().contains("list {writers"));
        assert_eq!(topic("frobnicate"), None);
    }
}
