//! Reading DiskShadow commands: lines, `#` comments, quoting, `%name%` expansion and the
//! command grammar, case-insensitive as DiskShadow's own.

use std::fmt;

use vss_model::VssId;

/// A command line that is not a DiskShadow command DiskShadow would accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError(pub String);

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn syntax(message: impl Into<String>) -> SyntaxError {
    SyntaxError(message.into())
}

/// `set context`: the kind of shadow copy `create` makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContextKind {
    /// `volatile`: deleted when DiskShadow exits or resets.
    Volatile,
    /// `persistent`: kept across exit, reset and restart.
    Persistent,
    /// `clientaccessible`: persistent, for Previous Versions on client Windows.
    ClientAccessible,
}

/// One keyword of `set option`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SetOption {
    /// `differential`: a copy-on-write hardware shadow copy.
    Differential,
    /// `plex`: a full-copy (clone) hardware shadow copy.
    Plex,
    /// `transportable`: not imported here; its metadata goes to a .cab for a later import.
    Transportable,
    /// `rollbackrecover`: writers recover with rollback in PostSnapshot.
    RollbackRecover,
    /// `txfrecover`: transactionally consistent recovery.
    TxfRecover,
    /// `noautorecover`: no writer auto-recovery.
    NoAutoRecover,
}

impl SetOption {
    /// The keyword as DiskShadow spells it.
    pub fn keyword(self) -> &'static str {
        match self {
            SetOption::Differential => "differential",
            SetOption::Plex => "plex",
            SetOption::Transportable => "transportable",
            SetOption::RollbackRecover => "rollbackrecover",
            SetOption::TxfRecover => "txfrecover",
            SetOption::NoAutoRecover => "noautorecover",
        }
    }
}

/// What `delete shadows` deletes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeleteWhat {
    /// `all`: every shadow copy on the machine.
    All,
    /// `volume V`: every shadow copy of a volume.
    Volume(String),
    /// `oldest V`: the oldest shadow copy of a volume.
    Oldest(String),
    /// `set ID`: a shadow copy set.
    Set(VssId),
    /// `id ID`: one shadow copy.
    Id(VssId),
    /// `exposed X`: the shadow copy exposed at a drive letter or mount point.
    Exposed(String),
}

/// What `list shadows` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListShadows {
    /// `all`.
    All,
    /// `set ID`.
    Set(VssId),
    /// `id ID`.
    Id(VssId),
}

/// How much `list writers` shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriterView {
    /// `metadata` (the default).
    Metadata,
    /// `detailed`.
    Detailed,
    /// `status`.
    Status,
}

/// One DiskShadow command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `set`: show the settings.
    ShowSettings,
    /// `set context …`.
    SetContext {
        /// The kind.
        kind: ContextKind,
        /// `nowriters`.
        no_writers: bool,
    },
    /// `set option …`: replaces the options.
    SetOption(Vec<SetOption>),
    /// `set verbose on|off`.
    SetVerbose(bool),
    /// `set metadata FILE`.
    SetMetadata(String),
    /// `add`: show the volumes and aliases.
    ShowAdded,
    /// `add volume V [alias NAME] [provider ID]`.
    AddVolume {
        /// The volume as written.
        volume: String,
        /// The alias its shadow copy id gets after `create`.
        alias: Option<String>,
        /// The provider asked for.
        provider: Option<VssId>,
    },
    /// `add alias NAME VALUE`.
    AddAlias {
        /// The name.
        name: String,
        /// The value.
        value: String,
    },
    /// `create`.
    Create,
    /// `load metadata FILE`.
    LoadMetadata(String),
    /// `import`.
    Import,
    /// `break [writable] SETID`.
    Break {
        /// `writable`.
        writable: bool,
        /// The set.
        set: VssId,
    },
    /// `mask SETID`.
    Mask(VssId),
    /// `expose ID TARGET`.
    Expose {
        /// The shadow copy.
        id: VssId,
        /// A drive letter, mount point or share name.
        target: String,
    },
    /// `unexpose ID|TARGET`.
    Unexpose(String),
    /// `delete shadows …`.
    DeleteShadows(DeleteWhat),
    /// `list shadows …`.
    ListShadows(ListShadows),
    /// `list providers`.
    ListProviders,
    /// `list writers …`.
    ListWriters(WriterView),
    /// `writer verify W`.
    WriterVerify(String),
    /// `writer exclude W`.
    WriterExclude(String),
    /// `begin backup`.
    BeginBackup,
    /// `end backup`.
    EndBackup,
    /// `reset`.
    Reset,
    /// `exec FILE`.
    Exec(String),
    /// `exit`.
    Exit,
}

/// Splits a command line into words: spaces and tabs separate, double quotes group (and
/// are removed).
pub fn words(line: &str) -> Result<Vec<String>, SyntaxError> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                in_word = true;
            }
            ' ' | '\t' if !quoted => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            _ => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if quoted {
        return Err(syntax("a quoted text is not closed"));
    }
    if in_word {
        words.push(current);
    }
    Ok(words)
}

/// Replaces each `%name%` by what `lookup` gives for it; `%%` is a literal `%`.
pub fn expand(line: &str, lookup: impl Fn(&str) -> Option<String>) -> Result<String, SyntaxError> {
    let mut out = String::new();
    let mut rest = line;
    while let Some(start) = rest.find('%') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(end) = after.find('%') else {
            return Err(syntax(format!(
                "`%{after}` has no closing `%` (an alias is written %name%)"
            )));
        };
        let name = &after[..end];
        if name.is_empty() {
            out.push('%');
        } else {
            match lookup(name) {
                Some(value) => out.push_str(&value),
                None => {
                    return Err(syntax(format!(
                        "%{name}% is not an alias or variable of this session"
                    )));
                }
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn is(word: &str, keyword: &str) -> bool {
    word.eq_ignore_ascii_case(keyword)
}

fn guid(word: Option<&String>, what: &str) -> Result<VssId, SyntaxError> {
    let word = word.ok_or_else(|| syntax(format!("{what} is missing")))?;
    word.parse::<VssId>().map_err(|_| {
        syntax(format!(
            "`{word}` is not a {what} (a GUID such as {{12345678-...}})"
        ))
    })
}

fn one(words: &[String], what: &str, usage: &str) -> Result<String, SyntaxError> {
    match words {
        [word] => filled(word, what, usage),
        [] => Err(syntax(format!("{what} is missing: {usage}"))),
        [_, extra, ..] => Err(syntax(format!("unexpected `{extra}`: {usage}"))),
    }
}

/// `word`, unless it is empty (`""`, or an alias or parameter that expanded to nothing).
fn filled(word: &str, what: &str, usage: &str) -> Result<String, SyntaxError> {
    if word.is_empty() {
        return Err(syntax(format!("{what} is empty: {usage}")));
    }
    Ok(word.to_string())
}

/// Reads one command from its words (after expansion).
pub fn parse(words: &[String]) -> Result<Command, SyntaxError> {
    let Some((first, rest)) = words.split_first() else {
        return Err(syntax("empty command"));
    };
    let second = rest.first().map(|w| w.to_ascii_lowercase());
    let tail = rest.get(1..).unwrap_or_default();
    match first.to_ascii_lowercase().as_str() {
        "set" => parse_set(second.as_deref(), tail),
        "add" => parse_add(second.as_deref(), tail),
        "create" => none_after(rest, Command::Create, "create"),
        "load" => match second.as_deref() {
            Some("metadata") => {
                one(tail, "the .cab file", "load metadata FILE.cab").map(Command::LoadMetadata)
            }
            _ => Err(syntax("usage: load metadata FILE.cab")),
        },
        "import" => none_after(rest, Command::Import, "import"),
        "break" => {
            let (writable, ids) = match rest.split_first() {
                Some((w, ids)) if is(w, "writable") => (true, ids),
                _ => (false, rest),
            };
            if ids.len() > 1 {
                return Err(syntax(format!(
                    "unexpected `{}`: break [writable] SETID",
                    ids[1]
                )));
            }
            let set = guid(ids.first(), "shadow copy set ID")?;
            Ok(Command::Break { writable, set })
        }
        "mask" => {
            let id = one(rest, "the shadow copy set ID", "mask SETID")?;
            Ok(Command::Mask(guid(Some(&id), "shadow copy set ID")?))
        }
        "expose" => match rest {
            [id, target] => Ok(Command::Expose {
                id: guid(Some(id), "shadow copy ID")?,
                target: filled(
                    target,
                    "where to expose it",
                    "expose SHADOWID {drive: | share | mountpoint}",
                )?,
            }),
            _ => Err(syntax(
                "usage: expose SHADOWID {drive: | share | mountpoint}",
            )),
        },
        "unexpose" => one(
            rest,
            "what to unexpose",
            "unexpose {SHADOWID | drive: | share | mountpoint}",
        )
        .map(Command::Unexpose),
        "delete" => parse_delete(second.as_deref(), tail),
        "list" => parse_list(second.as_deref(), tail),
        "writer" => {
            let usage = "writer {verify | exclude} {WRITER | COMPONENT}";
            match second.as_deref() {
                Some("verify") => one(tail, "the writer", usage).map(Command::WriterVerify),
                Some("exclude") => one(tail, "the writer", usage).map(Command::WriterExclude),
                _ => Err(syntax(format!("usage: {usage}"))),
            }
        }
        "begin" | "end" => {
            let begin = is(first, "begin");
            match (second.as_deref(), tail.is_empty()) {
                (Some("backup"), true) if begin => Ok(Command::BeginBackup),
                (Some("backup"), true) => Ok(Command::EndBackup),
                (Some("restore"), true) => Err(syntax(format!(
                    "`{} restore` is not supported: the simulator does not model restore",
                    first.to_ascii_lowercase()
                ))),
                _ => Err(syntax(format!(
                    "usage: {} backup",
                    first.to_ascii_lowercase()
                ))),
            }
        }
        "reset" => none_after(rest, Command::Reset, "reset"),
        "exec" => one(rest, "the file to run", "exec FILE.cmd").map(Command::Exec),
        "exit" => none_after(rest, Command::Exit, "exit"),
        "simulate" | "revert" | "resync" => Err(syntax(format!(
            "`{}` is not supported: the simulator does not model restore, revert or LUN resync",
            first.to_ascii_lowercase()
        ))),
        other => Err(syntax(format!("`{other}` is not a DiskShadow command"))),
    }
}

fn none_after(rest: &[String], command: Command, usage: &str) -> Result<Command, SyntaxError> {
    match rest.first() {
        None => Ok(command),
        Some(extra) => Err(syntax(format!("unexpected `{extra}`: {usage}"))),
    }
}

fn parse_set(second: Option<&str>, tail: &[String]) -> Result<Command, SyntaxError> {
    match second {
        None => Ok(Command::ShowSettings),
        Some("context") => {
            let usage =
                "set context {clientaccessible | persistent [nowriters] | volatile [nowriters]}";
            let (kind, more) = tail
                .split_first()
                .ok_or_else(|| syntax(format!("usage: {usage}")))?;
            let kind = match kind.to_ascii_lowercase().as_str() {
                "volatile" => ContextKind::Volatile,
                "persistent" => ContextKind::Persistent,
                "clientaccessible" => ContextKind::ClientAccessible,
                "transportable" => {
                    return Err(syntax(
                        "`transportable` is not a context: it is an option (set option transportable)",
                    ));
                }
                other => return Err(syntax(format!("`{other}` is not a context: {usage}"))),
            };
            let no_writers = match more {
                [] => false,
                [w] if is(w, "nowriters") && kind != ContextKind::ClientAccessible => true,
                [extra, ..] => return Err(syntax(format!("unexpected `{extra}`: {usage}"))),
            };
            Ok(Command::SetContext { kind, no_writers })
        }
        Some("option") => {
            let mut options = Vec::new();
            for word in tail {
                let option = match word.to_ascii_lowercase().as_str() {
                    "differential" => SetOption::Differential,
                    "plex" => SetOption::Plex,
                    "transportable" => SetOption::Transportable,
                    "rollbackrecover" => SetOption::RollbackRecover,
                    "txfrecover" => SetOption::TxfRecover,
                    "noautorecover" => SetOption::NoAutoRecover,
                    other => return Err(syntax(format!("`{other}` is not an option"))),
                };
                if !options.contains(&option) {
                    options.push(option);
                }
            }
            let has = |o| options.contains(&o);
            if has(SetOption::Differential) && has(SetOption::Plex) {
                return Err(syntax("`differential` and `plex` cannot be set together"));
            }
            if has(SetOption::NoAutoRecover)
                && (has(SetOption::RollbackRecover) || has(SetOption::TxfRecover))
            {
                return Err(syntax(
                    "`noautorecover` cannot be set with `rollbackrecover` or `txfrecover`",
                ));
            }
            options.sort();
            Ok(Command::SetOption(options))
        }
        Some("verbose") => match tail {
            [w] if is(w, "on") => Ok(Command::SetVerbose(true)),
            [w] if is(w, "off") => Ok(Command::SetVerbose(false)),
            // The Pure Storage toolkit writes a bare `SET VERBOSE`, taken as `on`.
            [] => Ok(Command::SetVerbose(true)),
            _ => Err(syntax("usage: set verbose {on | off}")),
        },
        Some("metadata") => {
            one(tail, "the .cab file", "set metadata FILE.cab").map(Command::SetMetadata)
        }
        Some(other) => Err(syntax(format!(
            "`set {other}` is not a setting: context, option, verbose or metadata"
        ))),
    }
}

fn parse_add(second: Option<&str>, tail: &[String]) -> Result<Command, SyntaxError> {
    match second {
        None => Ok(Command::ShowAdded),
        Some("volume") => {
            let usage = "add volume VOLUME [alias NAME] [provider {ID}]";
            let (volume, mut more) = tail
                .split_first()
                .ok_or_else(|| syntax(format!("the volume is missing: {usage}")))?;
            let volume = filled(volume, "the volume", usage)?;
            let (mut alias, mut provider) = (None, None);
            while let Some((key, after)) = more.split_first() {
                let value = after
                    .first()
                    .ok_or_else(|| syntax(format!("`{key}` needs a value: {usage}")))?;
                if is(key, "alias") && alias.is_none() {
                    alias = Some(filled(value, "the alias", usage)?);
                } else if is(key, "provider") && provider.is_none() {
                    provider = Some(guid(Some(value), "provider ID")?);
                } else {
                    return Err(syntax(format!("unexpected `{key}`: {usage}")));
                }
                more = &after[1..];
            }
            Ok(Command::AddVolume {
                volume,
                alias,
                provider,
            })
        }
        Some("alias") => match tail {
            [name, value] => Ok(Command::AddAlias {
                name: filled(name, "the alias name", "add alias NAME VALUE")?,
                value: filled(value, "the alias value", "add alias NAME VALUE")?,
            }),
            _ => Err(syntax("usage: add alias NAME VALUE")),
        },
        Some("shadow") => Err(syntax(
            "`add shadow` is not supported: the simulator does not model LUN resync",
        )),
        Some(other) => Err(syntax(format!(
            "`add {other}`: usage: add volume … or add alias …"
        ))),
    }
}

fn parse_delete(second: Option<&str>, tail: &[String]) -> Result<Command, SyntaxError> {
    let usage = "delete shadows {all | volume V | oldest V | set SETID | id ID | exposed {drive: | mountpoint}}";
    if second != Some("shadows") {
        return Err(syntax(format!("usage: {usage}")));
    }
    let (kind, value) = match tail {
        [kind] => (kind.to_ascii_lowercase(), None),
        [kind, value] => (kind.to_ascii_lowercase(), Some(value)),
        _ => return Err(syntax(format!("usage: {usage}"))),
    };
    let needs = |v: Option<&String>| {
        let v = v.ok_or_else(|| syntax(format!("`{kind}` needs a value: {usage}")))?;
        filled(v, &format!("the value of `{kind}`"), usage)
    };
    let what = match kind.as_str() {
        "all" if value.is_none() => DeleteWhat::All,
        "volume" => DeleteWhat::Volume(needs(value)?),
        "oldest" => DeleteWhat::Oldest(needs(value)?),
        "set" => DeleteWhat::Set(guid(value, "shadow copy set ID")?),
        "id" => DeleteWhat::Id(guid(value, "shadow copy ID")?),
        "exposed" => DeleteWhat::Exposed(needs(value)?),
        _ => return Err(syntax(format!("usage: {usage}"))),
    };
    Ok(Command::DeleteShadows(what))
}

fn parse_list(second: Option<&str>, tail: &[String]) -> Result<Command, SyntaxError> {
    match second {
        Some("shadows") => {
            let usage = "list shadows {all | set SETID | id ID}";
            match tail {
                [w] if is(w, "all") => Ok(Command::ListShadows(ListShadows::All)),
                [w, id] if is(w, "set") => Ok(Command::ListShadows(ListShadows::Set(guid(
                    Some(id),
                    "shadow copy set ID",
                )?))),
                [w, id] if is(w, "id") => Ok(Command::ListShadows(ListShadows::Id(guid(
                    Some(id),
                    "shadow copy ID",
                )?))),
                _ => Err(syntax(format!("usage: {usage}"))),
            }
        }
        Some("providers") if tail.is_empty() => Ok(Command::ListProviders),
        Some("writers") => match tail {
            [] => Ok(Command::ListWriters(WriterView::Metadata)),
            [w] if is(w, "metadata") => Ok(Command::ListWriters(WriterView::Metadata)),
            [w] if is(w, "detailed") => Ok(Command::ListWriters(WriterView::Detailed)),
            [w] if is(w, "status") => Ok(Command::ListWriters(WriterView::Status)),
            _ => Err(syntax("usage: list writers [metadata | detailed | status]")),
        },
        _ => Err(syntax(
            "usage: list {writers [metadata | detailed | status] | shadows {all | set SETID | id ID} | providers}",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn command(line: &str) -> Result<Command, SyntaxError> {
        parse(&words(line)?)
    }

    #[test]
    fn keywords_are_case_insensitive_and_quotes_group() {
        assert_eq!(
            command("SET CONTEXT Persistent NOWRITERS"),
            Ok(Command::SetContext {
                kind: ContextKind::Persistent,
                no_writers: true
            })
        );
        assert_eq!(
            command("writer exclude \"Microsoft Exchange Writer\""),
            Ok(Command::WriterExclude("Microsoft Exchange Writer".into()))
        );
        assert_eq!(
            command("Add Volume e: ALIAS Data PROVIDER {b5946137-7b9f-4925-af80-51abd60b20d5}"),
            Ok(Command::AddVolume {
                volume: "e:".into(),
                alias: Some("Data".into()),
                provider: Some("{b5946137-7b9f-4925-af80-51abd60b20d5}".parse().unwrap()),
            })
        );
    }

    #[test]
    fn the_documentations_transportable_context_is_refused_with_the_fix() {
        let e = command("SET CONTEXT TRANSPORTABLE").unwrap_err();
        assert!(e.0.contains("set option transportable"), "{e}");
    }

    #[test]
    fn exclusive_options_are_refused() {
        assert!(command("set option differential plex").is_err());
        assert!(command("set option noautorecover txfrecover").is_err());
        assert_eq!(
            command("set option transportable plex"),
            Ok(Command::SetOption(vec![
                SetOption::Plex,
                SetOption::Transportable
            ]))
        );
    }

    #[test]
    fn expansion_replaces_known_names_and_refuses_unknown_ones() {
        let lookup = |n: &str| (n.eq_ignore_ascii_case("x")).then(|| "{1}".to_string());
        assert_eq!(expand("expose %X% Z:", lookup), Ok("expose {1} Z:".into()));
        assert_eq!(expand("a %% b", lookup), Ok("a % b".into()));
        assert!(
            expand("expose %Y% Z:", lookup)
                .unwrap_err()
                .0
                .contains("%Y%")
        );
        assert!(expand("expose %X Z:", lookup).is_err());
    }

    #[test]
    fn a_value_with_spaces_is_one_word_only_when_quoted() {
        // Expansion is on the line's text, before it is split into words, as in cmd.
        let lookup = |_: &str| Some(r"C:\My Backups\set.cab".to_string());
        let bare = expand("set metadata %P%", lookup).unwrap();
        assert_eq!(words(&bare).unwrap().len(), 4);
        let quoted = expand(r#"set metadata "%P%""#, lookup).unwrap();
        assert_eq!(
            words(&quoted).unwrap(),
            ["set", "metadata", r"C:\My Backups\set.cab"]
        );
    }

    #[test]
    fn malformed_commands_say_what_is_wrong() {
        assert!(
            command("break")
                .unwrap_err()
                .0
                .contains("shadow copy set ID is missing")
        );
        assert!(
            command("break writable nope")
                .unwrap_err()
                .0
                .contains("`nope`")
        );
        assert!(
            command("frobnicate")
                .unwrap_err()
                .0
                .contains("not a DiskShadow command")
        );
        assert!(command("delete shadows").is_err());
        assert!(command("list shadows").is_err());
        assert!(words("add alias x \"y").is_err());
    }

    #[test]
    fn an_empty_name_is_refused() {
        for (line, what) in [
            (r#"set metadata """#, "the .cab file is empty"),
            (r#"add alias "" x"#, "the alias name is empty"),
            (r#"add alias x """#, "the alias value is empty"),
            (r#"add volume "" "#, "the volume is empty"),
            (r#"add volume C: alias """#, "the alias is empty"),
            (r#"load metadata """#, "is empty"),
            (r#"writer exclude """#, "is empty"),
            (
                r#"expose {11111111-2222-3333-4444-555555555555} """#,
                "is empty",
            ),
            (r#"delete shadows volume """#, "is empty"),
        ] {
            let e = command(line).unwrap_err().0;
            assert!(e.contains(what), "{line}: {e}");
        }
    }
}
