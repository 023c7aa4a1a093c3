//! DiskShadow's help: `help` (or `?`) lists the commands, `help COMMAND` and `COMMAND /?`
//! show a command's forms, and a line DiskShadow cannot read is answered with the forms of
//! its command.
//!
//! Each form is laid out as DiskShadow lays it out: the syntax in capitals, each keyword in
//! a column with what it does, and an example. The syntax and the keywords are DiskShadow's;
//! the explanations are the simulator's own words.

/// One command of the help: its name as typed and what it does.
struct Topic {
    name: &'static str,
    summary: &'static str,
}

/// One form of a command: the words that start it, its syntax, and what follows.
struct Form {
    /// The words that pick this form, in lower case (`set context`).
    words: &'static str,
    syntax: &'static str,
    /// Lines of explanation, before the keywords.
    about: &'static [&'static str],
    /// Each keyword with what it does.
    keywords: &'static [(&'static str, &'static str)],
    example: Option<&'static str>,
}

/// The commands the simulated DiskShadow runs, in the order `help` lists them.
const TOPICS: &[Topic] = &[
    Topic {
        name: "set",
        summary: "Shows or sets the context, options, verbose output and metadata file of the next shadow copy set.",
    },
    Topic {
        name: "load",
        summary: "Loads the metadata .cab file of a transportable set, before import.",
    },
    Topic {
        name: "writer",
        summary: "Makes the next create fail unless a writer takes part, or leaves a writer out.",
    },
    Topic {
        name: "add",
        summary: "Shows the volumes and aliases added, or adds a volume to the set or an alias.",
    },
    Topic {
        name: "create",
        summary: "Makes a shadow copy of every volume added, as one set.",
    },
    Topic {
        name: "exec",
        summary: "Names a command file to run; the simulator runs none (see --exec-exit).",
    },
    Topic {
        name: "begin",
        summary: "Starts a full backup: the writers are told a backup is under way.",
    },
    Topic {
        name: "end",
        summary: "Ends the backup begun: the writers are told it succeeded.",
    },
    Topic {
        name: "reset",
        summary: "Forgets the settings, volumes and aliases, and the volatile shadow copies made.",
    },
    Topic {
        name: "list",
        summary: "Lists the writers, the shadow copies or the providers.",
    },
    Topic {
        name: "delete",
        summary: "Deletes shadow copies.",
    },
    Topic {
        name: "import",
        summary: "Imports the transportable set whose metadata was loaded.",
    },
    Topic {
        name: "mask",
        summary: "Removes the shadow copies of an imported hardware set from the machine.",
    },
    Topic {
        name: "expose",
        summary: "Makes a persistent shadow copy reachable as a drive letter, a share or a folder.",
    },
    Topic {
        name: "unexpose",
        summary: "Takes back what expose made.",
    },
    Topic {
        name: "break",
        summary: "Turns the shadow copies of a hardware set into ordinary volumes, read-only unless writable.",
    },
    Topic {
        name: "revert",
        summary: "Puts a volume back as one of its client-accessible shadow copies saw it.",
    },
    Topic {
        name: "exit",
        summary: "Ends DiskShadow.",
    },
];

/// Every form, grouped by command in the order of [`TOPICS`].
const FORMS: &[Form] = &[
    Form {
        words: "set context",
        syntax: "SET CONTEXT { CLIENTACCESSIBLE | PERSISTENT [ NOWRITERS ] | VOLATILE [ NOWRITERS ] }",
        about: &[],
        keywords: &[
            (
                "CLIENTACCESSIBLE",
                "Shadow copies Previous Versions can show; they persist.",
            ),
            (
                "PERSISTENT",
                "Shadow copies that outlive the session, a reset and a restart.",
            ),
            (
                "PERSISTENT NOWRITERS",
                "Persistent shadow copies, no writer taking part.",
            ),
            (
                "VOLATILE",
                "Shadow copies deleted when the session ends or is reset.",
            ),
            (
                "VOLATILE NOWRITERS",
                "Volatile shadow copies, no writer taking part.",
            ),
        ],
        example: Some("SET CONTEXT CLIENTACCESSIBLE"),
    },
    Form {
        words: "set option",
        syntax: "SET OPTION { [ DIFFERENTIAL | PLEX ] [ TRANSPORTABLE ] [ [ ROLLBACKRECOVER ] [ TXFRECOVER ] | [ NOAUTORECOVER ] ] }",
        about: &[],
        keywords: &[
            (
                "DIFFERENTIAL",
                "Copy-on-write shadow copies (not with PLEX).",
            ),
            (
                "PLEX",
                "Full-copy (mirror) shadow copies (not with DIFFERENTIAL).",
            ),
            (
                "TRANSPORTABLE",
                "Leave the set for import later, here or elsewhere.",
            ),
            (
                "ROLLBACKRECOVER",
                "Writers recover their data for a rollback.",
            ),
            (
                "TXFRECOVER",
                "Transactional NTFS recovers its transactions.",
            ),
            (
                "NOAUTORECOVER",
                "No writer or file system recovery of the copy.",
            ),
        ],
        example: Some("SET OPTION DIFFERENTIAL TRANSPORTABLE"),
    },
    Form {
        words: "set verbose",
        syntax: "SET VERBOSE { ON | OFF }",
        about: &[],
        keywords: &[
            (
                "ON",
                "Say which writers and components are in or out, and what the .cab holds.",
            ),
            ("OFF", "Say only what was made."),
        ],
        example: Some("SET VERBOSE ON"),
    },
    Form {
        words: "set metadata",
        syntax: "SET METADATA [drive:][path]filename.cab",
        about: &["Names the .cab file the next create writes its metadata to."],
        keywords: &[],
        example: Some("SET METADATA C:\\backup\\set.cab"),
    },
    Form {
        words: "load metadata",
        syntax: "LOAD METADATA [drive:][path]filename.cab",
        about: &["Reads the metadata of a set made earlier, for import."],
        keywords: &[],
        example: Some("LOAD METADATA C:\\backup\\set.cab"),
    },
    Form {
        words: "writer",
        syntax: "WRITER { VERIFY | EXCLUDE } { writer | component }",
        about: &[],
        keywords: &[
            (
                "VERIFY",
                "Fail the next create unless this writer takes part.",
            ),
            (
                "EXCLUDE",
                "Leave this writer or component out of the backup.",
            ),
        ],
        example: Some("WRITER EXCLUDE \"WMI Writer\""),
    },
    Form {
        words: "add volume",
        syntax: "ADD VOLUME <volume> [ ALIAS <name> ] [ PROVIDER <providerid> ]",
        about: &["Adds a volume to the set the next create makes."],
        keywords: &[],
        example: Some("ADD VOLUME C: ALIAS SystemVolume"),
    },
    Form {
        words: "add alias",
        syntax: "ADD ALIAS <name> <value>",
        about: &["Sets an alias that %name% then stands for."],
        keywords: &[],
        example: Some("ADD ALIAS Backup {6221a917-8e46-42bb-bc39-b98639fa63b4}"),
    },
    Form {
        words: "create",
        syntax: "CREATE",
        about: &["Makes the shadow copy set of the volumes added."],
        keywords: &[],
        example: None,
    },
    Form {
        words: "exec",
        syntax: "EXEC <file.cmd>",
        about: &[
            "Runs a command file, typically to copy the exposed shadow copies away; a",
            "script stops when it fails. The simulator runs none: --exec-exit says how it ends.",
        ],
        keywords: &[],
        example: None,
    },
    Form {
        words: "begin",
        syntax: "BEGIN { BACKUP | RESTORE }",
        about: &[],
        keywords: &[
            ("BACKUP", "Starts a full backup; END BACKUP closes it."),
            (
                "RESTORE",
                "Starts a restore, which the simulator does not run.",
            ),
        ],
        example: None,
    },
    Form {
        words: "end",
        syntax: "END { BACKUP | RESTORE }",
        about: &[],
        keywords: &[
            ("BACKUP", "Tells the writers the backup begun is complete."),
            (
                "RESTORE",
                "Ends a restore, which the simulator does not run.",
            ),
        ],
        example: None,
    },
    Form {
        words: "reset",
        syntax: "RESET",
        about: &["Forgets what was set and added, and the volatile shadow copies."],
        keywords: &[],
        example: None,
    },
    Form {
        words: "list",
        syntax: "LIST { WRITERS [ METADATA | DETAILED | STATUS ] | SHADOWS { ALL | SET <setid> | ID <shadowid> } | PROVIDERS }",
        about: &[],
        keywords: &[
            (
                "WRITERS",
                "The writers, with their metadata, details or status.",
            ),
            ("SHADOWS", "The shadow copies: all, one set's, or one."),
            ("PROVIDERS", "The shadow copy providers installed."),
        ],
        example: Some("LIST SHADOWS ALL"),
    },
    Form {
        words: "delete shadows",
        syntax: "DELETE SHADOWS { ALL | VOLUME <volume> | OLDEST <volume> | SET <setid> | ID <shadowid> | EXPOSED { <drive> | <mountpoint> } }",
        about: &[],
        keywords: &[
            ("ALL", "Every shadow copy on the machine."),
            ("VOLUME", "Every shadow copy of a volume."),
            ("OLDEST", "The oldest shadow copy of a volume."),
            ("SET", "Every shadow copy of a set."),
            ("ID", "One shadow copy."),
            ("EXPOSED", "The shadow copy exposed there."),
        ],
        example: Some("DELETE SHADOWS VOLUME C:"),
    },
    Form {
        words: "import",
        syntax: "IMPORT",
        about: &["Imports the transportable set of the metadata loaded."],
        keywords: &[],
        example: None,
    },
    Form {
        words: "mask",
        syntax: "MASK <setid>",
        about: &["Takes an imported hardware set's shadow copies off this machine."],
        keywords: &[],
        example: Some("MASK %VSS_SHADOW_SET%"),
    },
    Form {
        words: "expose",
        syntax: "EXPOSE <shadowid> { <drive:> | <share> | <mountpoint> }",
        about: &["Shows a persistent shadow copy as a drive, a share or a folder."],
        keywords: &[],
        example: Some("EXPOSE %VSS_SHADOW_1% P:"),
    },
    Form {
        words: "unexpose",
        syntax: "UNEXPOSE { <shadowid> | <drive:> | <share> | <mountpoint> }",
        about: &["Takes back an exposure."],
        keywords: &[],
        example: Some("UNEXPOSE P:"),
    },
    Form {
        words: "break",
        syntax: "BREAK [ WRITABLE ] <setid>",
        about: &[],
        keywords: &[(
            "WRITABLE",
            "Leave the volumes writable; they are read-only otherwise.",
        )],
        example: Some("BREAK WRITABLE %VSS_SHADOW_SET%"),
    },
    Form {
        words: "revert",
        syntax: "REVERT <shadowid>",
        about: &["Puts a volume back as its client-accessible shadow copy saw it."],
        keywords: &[],
        example: Some("REVERT %VSS_SHADOW_1%"),
    },
    Form {
        words: "exit",
        syntax: "EXIT",
        about: &["Ends DiskShadow."],
        keywords: &[],
        example: None,
    },
];

/// The column explanations start at, after a keyword.
const KEYWORD_WIDTH: usize = 24;

impl Form {
    fn show(&self) -> String {
        let mut out = format!("{}\n\n", self.syntax);
        for line in self.about {
            out.push_str(&format!("        {line}\n"));
        }
        for (keyword, what) in self.keywords {
            out.push_str(&format!("        {keyword:<KEYWORD_WIDTH$}{what}\n"));
        }
        if let Some(example) = self.example {
            if !self.keywords.is_empty() || !self.about.is_empty() {
                out.push('\n');
            }
            out.push_str(&format!("        Example: {example}\n"));
        }
        out
    }
}

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
    let mut out = format!("{}\n", topic.summary);
    for form in forms_of(topic.name) {
        out.push('\n');
        out.push_str(&form.show());
    }
    Some(out)
}

/// The forms of the command a line starts with, as DiskShadow answers a line it cannot
/// read: the form its first two words pick (`set context`), else every form of its first
/// word; `None` when the line starts with no command.
pub fn usage(line: &str) -> Option<String> {
    let words: Vec<String> = line
        .split_whitespace()
        .take(2)
        .map(str::to_ascii_lowercase)
        .collect();
    let first = words.first()?;
    let two = words.join(" ");
    let picked: Vec<&Form> = match FORMS.iter().find(|f| f.words == two) {
        Some(form) => vec![form],
        None => forms_of(first).collect(),
    };
    if picked.is_empty() {
        return None;
    }
    Some(
        picked
            .iter()
            .map(|f| f.show())
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

fn forms_of(command: &str) -> impl Iterator<Item = &'static Form> + '_ {
    FORMS
        .iter()
        .filter(move |f| f.words.split(' ').next() == Some(command))
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
            assert!(forms_of(t.name).next().is_some(), "{}", t.name);
        }
        for f in FORMS {
            let verb = f.words.split(' ').next().unwrap();
            assert!(names.contains(&verb), "{}", f.words);
            assert!(
                f.syntax.to_ascii_lowercase().starts_with(f.words),
                "{}",
                f.words
            );
        }
        assert!(overview().starts_with("SET       Shows or sets"));
        assert!(topic("LIST").unwrap().contains("LIST { WRITERS"));
        assert_eq!(topic("frobnicate"), None);
    }

    #[test]
    fn a_line_is_answered_with_the_form_it_starts() {
        let context = usage("set context persistent nowriter").unwrap();
        assert!(context.starts_with("SET CONTEXT { CLIENTACCESSIBLE |"));
        assert!(context.contains("\n        PERSISTENT NOWRITERS    "));
        assert!(context.ends_with("\n\n        Example: SET CONTEXT CLIENTACCESSIBLE\n"));
        // `set` alone gives every form of SET.
        let set = usage("set frobnicate").unwrap();
        assert!(set.contains("SET CONTEXT") && set.contains("SET METADATA"));
        assert!(
            usage("exec")
                .unwrap()
                .starts_with("EXEC <file.cmd>\n\n        Runs")
        );
        assert_eq!(usage("frobnicate now"), None);
        assert_eq!(usage(""), None);
    }
}
