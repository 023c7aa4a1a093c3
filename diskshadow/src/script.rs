//! Reading DiskShadow commands: lines, `#` comments, quoting, `%name%` expansion and the
//! command grammar, case-insensitive as DiskShadow's own.
//!
//! Every word keeps the column it was written at, so that a command DiskShadow would not
//! accept can be named `FILE:LINE:COLUMN`, at the word that is wrong.

use std::fmt;
use std::ops::Deref;

use vss_model::VssId;
use vss_model::position::Position;

/// A command line that is not a DiskShadow command DiskShadow would accept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// What is wrong, as DiskShadow's transcript says it after `Syntax error: line N: `.
    pub message: String,
    /// The line of the script or of the prompt's input, from 1, once the session knows it.
    pub line: Option<usize>,
    /// The column, from 1 in characters, of the word that is wrong (or, when no one word
    /// is, of the command), when the reader knows it.
    pub column: Option<u64>,
}

impl SyntaxError {
    /// Where the error is, `LINE:COLUMN`, once its line is known; column 1 when the reader
    /// could not tell the column.
    pub fn position(&self) -> Option<Position> {
        let line = u64::try_from(self.line?).ok()?;
        Some(Position::new(line, self.column.unwrap_or(1)))
    }

    /// The same error, placed on line `line` of the input, whose command text started
    /// `indent` characters into the line (the reader was given it without its indent).
    pub fn placed(mut self, line: usize, indent: u64) -> SyntaxError {
        self.line = Some(line);
        self.column = self.column.map(|c| c + indent);
        self
    }

    /// The same error, at `column` unless it already has a column of its own.
    fn or_column(mut self, column: u64) -> SyntaxError {
        self.column = self.column.or(Some(column));
        self
    }
}

/// `line N: message`, as DiskShadow's transcript shows it; the message alone when the line
/// is not known.
impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for SyntaxError {}

/// An error about the command as a whole; [`parse`] places it at the command's first word.
fn syntax(message: impl Into<String>) -> SyntaxError {
    SyntaxError {
        message: message.into(),
        line: None,
        column: None,
    }
}

/// An error about one word, placed at it.
fn wrong(word: &Word, message: impl Into<String>) -> SyntaxError {
    syntax(message).or_column(word.column)
}

/// One word of a command line (quotes removed, aliases expanded) and the column, from 1 in
/// characters, where it was written: a word that came from an alias or parameter is placed
/// at the `%` that named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// The word's text.
    pub text: String,
    /// Where it starts in the line as written.
    pub column: u64,
}

/// A word reads as its text, since the grammar only looks at the text; the column only
/// places errors.
impl Deref for Word {
    type Target = str;

    fn deref(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Word {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl PartialEq<&str> for Word {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
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
    /// `revert SHADOWID`.
    Revert(VssId),
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
    /// `exec FILE [ARGUMENTS...]`: the file to run and the words after it.
    Exec {
        /// The .cmd or .exe file.
        file: String,
        /// What it is given, as written.
        arguments: Vec<String>,
    },
    /// `exit`.
    Exit,
    /// `help` or `?` (`None`), `help COMMAND` or `COMMAND /?`.
    Help(Option<String>),
}

/// A command line after `%name%` expansion, knowing for each of its characters the column
/// of the line as written that it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expanded {
    /// The expanded text.
    pub text: String,
    /// For each character of `text`, its column in the line as written.
    columns: Vec<u64>,
}

impl Expanded {
    /// A line with nothing to expand: each character is where it was written.
    pub fn plain(line: &str) -> Expanded {
        Expanded {
            text: line.to_string(),
            columns: (1..).take(line.chars().count()).collect(),
        }
    }

    /// The column the character at `index` (in characters) was written at.
    fn column(&self, index: usize) -> u64 {
        self.columns.get(index).copied().unwrap_or(1)
    }

    /// Splits the line into words: spaces and tabs separate, double quotes group (and are
    /// removed).
    pub fn words(&self) -> Result<Vec<Word>, SyntaxError> {
        let mut words = Vec::new();
        let mut current = String::new();
        // Where the word being read starts, and the quote left open, as character indices.
        let mut start: Option<usize> = None;
        let mut open_quote: Option<usize> = None;
        for (i, c) in self.text.chars().enumerate() {
            match c {
                '"' => {
                    open_quote = match open_quote {
                        Some(_) => None,
                        None => Some(i),
                    };
                    start.get_or_insert(i);
                }
                ' ' | '\t' if open_quote.is_none() => {
                    if let Some(at) = start.take() {
                        words.push(Word {
                            text: std::mem::take(&mut current),
                            column: self.column(at),
                        });
                    }
                }
                _ => {
                    current.push(c);
                    start.get_or_insert(i);
                }
            }
        }
        if let Some(at) = open_quote {
            return Err(syntax("a quoted text is not closed").or_column(self.column(at)));
        }
        if let Some(at) = start {
            words.push(Word {
                text: current,
                column: self.column(at),
            });
        }
        Ok(words)
    }
}

/// Splits a command line into words: spaces and tabs separate, double quotes group (and
/// are removed). Columns are counted from the line's first character.
pub fn words(line: &str) -> Result<Vec<Word>, SyntaxError> {
    Expanded::plain(line).words()
}

/// Replaces each `%name%` by what `lookup` gives for it; `%%` is a literal `%`.
pub fn expand(
    line: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Expanded, SyntaxError> {
    let chars: Vec<char> = line.chars().collect();
    let mut text = String::new();
    let mut columns = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let column = i as u64 + 1;
        if chars[i] != '%' {
            text.push(chars[i]);
            columns.push(column);
            i += 1;
            continue;
        }
        let after = &chars[i + 1..];
        let Some(end) = after.iter().position(|c| *c == '%') else {
            let after: String = after.iter().collect();
            return Err(syntax(format!(
                "`%{after}` has no closing `%` (an alias is written %name%)"
            ))
            .or_column(column));
        };
        let name: String = after[..end].iter().collect();
        let value = if name.is_empty() {
            "%".to_string()
        } else {
            lookup(&name).ok_or_else(|| {
                syntax(format!(
                    "%{name}% is not an alias or variable of this session"
                ))
                .or_column(column)
            })?
        };
        // What an alias or parameter brings in is placed where it was named.
        for c in value.chars() {
            text.push(c);
            columns.push(column);
        }
        i += end + 2;
    }
    Ok(Expanded { text, columns })
}

fn is(word: &str, keyword: &str) -> bool {
    word.eq_ignore_ascii_case(keyword)
}

/// A word in lower case, to match keywords.
fn lower(word: Option<&Word>) -> Option<String> {
    word.map(|w| w.to_ascii_lowercase())
}

fn guid(word: Option<&Word>, what: &str) -> Result<VssId, SyntaxError> {
    let word = word.ok_or_else(|| syntax(format!("{what} is missing")))?;
    word.parse::<VssId>().map_err(|_| {
        wrong(
            word,
            format!("`{word}` is not a {what} (a GUID such as {{12345678-...}})"),
        )
    })
}

fn one(words: &[Word], what: &str, usage: &str) -> Result<String, SyntaxError> {
    match words {
        [word] => filled(word, what, usage),
        [] => Err(syntax(format!("{what} is missing: {usage}"))),
        [_, extra, ..] => Err(wrong(extra, format!("unexpected `{extra}`: {usage}"))),
    }
}

/// `word`, unless it is empty (`""`, or an alias or parameter that expanded to nothing).
fn filled(word: &Word, what: &str, usage: &str) -> Result<String, SyntaxError> {
    if word.is_empty() {
        return Err(wrong(word, format!("{what} is empty: {usage}")));
    }
    Ok(word.text.clone())
}

/// Reads one command from its words (after expansion). An error that is about no one word
/// is placed at the command's first word.
pub fn parse(words: &[Word]) -> Result<Command, SyntaxError> {
    let Some((first, rest)) = words.split_first() else {
        return Err(syntax("empty command"));
    };
    parse_command(first, rest).map_err(|e| e.or_column(first.column))
}

fn parse_command(first: &Word, rest: &[Word]) -> Result<Command, SyntaxError> {
    // `COMMAND /?`, whatever else the line holds, asks for the command's help.
    if rest.last().is_some_and(|w| &**w == "/?") || &**first == "?" {
        let name = (&**first != "?").then(|| first.to_ascii_lowercase());
        return help_on(first, name);
    }
    let second = rest.first();
    let tail = rest.get(1..).unwrap_or_default();
    match first.to_ascii_lowercase().as_str() {
        "set" => parse_set(second, tail),
        "add" => parse_add(second, tail),
        "create" => none_after(rest, Command::Create, "create"),
        "load" => match lower(second).as_deref() {
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
            if let Some(extra) = ids.get(1) {
                return Err(wrong(
                    extra,
                    format!("unexpected `{extra}`: break [writable] SETID"),
                ));
            }
            let set = guid(ids.first(), "shadow copy set ID")?;
            Ok(Command::Break { writable, set })
        }
        "mask" => {
            one(rest, "the shadow copy set ID", "mask SETID")?;
            Ok(Command::Mask(guid(rest.first(), "shadow copy set ID")?))
        }
        "revert" => {
            one(rest, "the shadow copy ID", "revert SHADOWID")?;
            Ok(Command::Revert(guid(rest.first(), "shadow copy ID")?))
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
        "delete" => parse_delete(second, tail),
        "list" => parse_list(second, tail),
        "writer" => {
            let usage = "writer {verify | exclude} {WRITER | COMPONENT}";
            match lower(second).as_deref() {
                Some("verify") => one(tail, "the writer", usage).map(Command::WriterVerify),
                Some("exclude") => one(tail, "the writer", usage).map(Command::WriterExclude),
                _ => Err(syntax(format!("usage: {usage}"))),
            }
        }
        "begin" | "end" => {
            let begin = is(first, "begin");
            match (lower(second).as_deref(), tail.is_empty()) {
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
        "exec" => match rest {
            [] => Err(syntax(
                "the file to run is missing: exec FILE.cmd [ARGUMENTS]",
            )),
            [file, arguments @ ..] => Ok(Command::Exec {
                file: filled(file, "the file to run", "exec FILE.cmd [ARGUMENTS]")?,
                arguments: arguments.iter().map(|w| w.text.clone()).collect(),
            }),
        },
        "exit" => none_after(rest, Command::Exit, "exit"),
        "help" => match rest {
            [] => Ok(Command::Help(None)),
            [topic] => help_on(topic, Some(topic.to_ascii_lowercase())),
            [_, extra, ..] => Err(wrong(extra, "usage: help [COMMAND]")),
        },
        "simulate" | "resync" => Err(syntax(format!(
            "`{}` is not supported: the simulator does not model restore or LUN resync",
            first.to_ascii_lowercase()
        ))),
        other => Err(syntax(format!("`{other}` is not a DiskShadow command"))),
    }
}

/// `help` on the command `name` (all of them when `None`), written at `word`.
fn help_on(word: &Word, name: Option<String>) -> Result<Command, SyntaxError> {
    match name {
        Some(name) if crate::help::topic(&name).is_none() => Err(wrong(
            word,
            format!("`{name}` is not a DiskShadow command: `help` lists them"),
        )),
        name => Ok(Command::Help(name)),
    }
}

fn none_after(rest: &[Word], command: Command, usage: &str) -> Result<Command, SyntaxError> {
    match rest.first() {
        None => Ok(command),
        Some(extra) => Err(wrong(extra, format!("unexpected `{extra}`: {usage}"))),
    }
}

fn parse_set(second: Option<&Word>, tail: &[Word]) -> Result<Command, SyntaxError> {
    match lower(second).as_deref() {
        None => Ok(Command::ShowSettings),
        Some("context") => {
            let usage =
                "set context {clientaccessible | persistent [nowriters] | volatile [nowriters]}";
            let (kind_word, more) = tail
                .split_first()
                .ok_or_else(|| syntax(format!("usage: {usage}")))?;
            let kind = match kind_word.to_ascii_lowercase().as_str() {
                "volatile" => ContextKind::Volatile,
                "persistent" => ContextKind::Persistent,
                "clientaccessible" => ContextKind::ClientAccessible,
                "transportable" => {
                    return Err(wrong(
                        kind_word,
                        "`transportable` is not a context: it is an option (set option transportable)",
                    ));
                }
                other => {
                    return Err(wrong(
                        kind_word,
                        format!("`{other}` is not a context: {usage}"),
                    ));
                }
            };
            let no_writers = match more {
                [] => false,
                [w] if is(w, "nowriters") && kind != ContextKind::ClientAccessible => true,
                [extra, ..] => {
                    return Err(wrong(extra, format!("unexpected `{extra}`: {usage}")));
                }
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
                    other => return Err(wrong(word, format!("`{other}` is not an option"))),
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
            [_, extra, ..] => Err(wrong(extra, "usage: set verbose {on | off}")),
            [w] => Err(wrong(w, "usage: set verbose {on | off}")),
        },
        Some("metadata") => {
            one(tail, "the .cab file", "set metadata FILE.cab").map(Command::SetMetadata)
        }
        Some(other) => Err(at_second(
            second,
            format!("`set {other}` is not a setting: context, option, verbose or metadata"),
        )),
    }
}

/// An error about the command's second word, placed at it.
fn at_second(second: Option<&Word>, message: String) -> SyntaxError {
    match second {
        Some(word) => wrong(word, message),
        None => syntax(message),
    }
}

fn parse_add(second: Option<&Word>, tail: &[Word]) -> Result<Command, SyntaxError> {
    match lower(second).as_deref() {
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
                    .ok_or_else(|| wrong(key, format!("`{key}` needs a value: {usage}")))?;
                if is(key, "alias") && alias.is_none() {
                    alias = Some(filled(value, "the alias", usage)?);
                } else if is(key, "provider") && provider.is_none() {
                    provider = Some(guid(Some(value), "provider ID")?);
                } else {
                    return Err(wrong(key, format!("unexpected `{key}`: {usage}")));
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
        Some("shadow") => Err(at_second(
            second,
            "`add shadow` is not supported: the simulator does not model LUN resync".into(),
        )),
        Some(other) => Err(at_second(
            second,
            format!("`add {other}`: usage: add volume … or add alias …"),
        )),
    }
}

fn parse_delete(second: Option<&Word>, tail: &[Word]) -> Result<Command, SyntaxError> {
    let usage = "delete shadows {all | volume V | oldest V | set SETID | id ID | exposed {drive: | mountpoint}}";
    if lower(second).as_deref() != Some("shadows") {
        return Err(at_second(second, format!("usage: {usage}")));
    }
    let (kind_word, value) = match tail {
        [kind] => (kind, None),
        [kind, value] => (kind, Some(value)),
        _ => return Err(syntax(format!("usage: {usage}"))),
    };
    let kind = kind_word.to_ascii_lowercase();
    let needs = |v: Option<&Word>| {
        let v = v.ok_or_else(|| wrong(kind_word, format!("`{kind}` needs a value: {usage}")))?;
        filled(v, &format!("the value of `{kind}`"), usage)
    };
    let what = match kind.as_str() {
        "all" if value.is_none() => DeleteWhat::All,
        "volume" => DeleteWhat::Volume(needs(value)?),
        "oldest" => DeleteWhat::Oldest(needs(value)?),
        "set" => DeleteWhat::Set(guid(value, "shadow copy set ID")?),
        "id" => DeleteWhat::Id(guid(value, "shadow copy ID")?),
        "exposed" => DeleteWhat::Exposed(needs(value)?),
        _ => return Err(wrong(kind_word, format!("usage: {usage}"))),
    };
    Ok(Command::DeleteShadows(what))
}

fn parse_list(second: Option<&Word>, tail: &[Word]) -> Result<Command, SyntaxError> {
    match lower(second).as_deref() {
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
    fn revert_takes_one_shadow_copy_id() {
        let id = "{b5946137-7b9f-4925-af80-51abd60b20d5}";
        assert_eq!(
            command(&format!("REVERT {id}")),
            Ok(Command::Revert(id.parse().unwrap()))
        );
        let missing = command("revert").unwrap_err();
        assert!(missing.message.contains("revert SHADOWID"), "{missing}");
        let extra = command(&format!("revert {id} now")).unwrap_err();
        assert_eq!(extra.column, Some(47), "{extra:?}");
        assert!(command("revert e:").is_err());
        assert!(
            command("resync")
                .unwrap_err()
                .message
                .contains("not supported")
        );
    }

    #[test]
    fn the_documentations_transportable_context_is_refused_with_the_fix() {
        let e = command("SET CONTEXT TRANSPORTABLE").unwrap_err();
        assert!(e.message.contains("set option transportable"), "{e}");
        assert_eq!(e.column, Some(13), "{e:?}");
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
        let text = |line: &str| expand(line, lookup).map(|e| e.text);
        assert_eq!(text("expose %X% Z:"), Ok("expose {1} Z:".into()));
        assert_eq!(text("a %% b"), Ok("a % b".into()));
        let unknown = expand("expose %Y% Z:", lookup).unwrap_err();
        assert!(unknown.message.contains("%Y%"), "{unknown}");
        assert_eq!(unknown.column, Some(8));
        assert_eq!(expand("expose %X Z:", lookup).unwrap_err().column, Some(8));
    }

    #[test]
    fn a_value_with_spaces_is_one_word_only_when_quoted() {
        // Expansion is on the line's text, before it is split into words, as in cmd.
        let lookup = |_: &str| Some(r"C:\My Backups\set.cab".to_string());
        let bare = expand("set metadata %P%", lookup).unwrap();
        assert_eq!(bare.words().unwrap().len(), 4);
        let quoted = expand(r#"set metadata "%P%""#, lookup).unwrap();
        assert_eq!(
            quoted.words().unwrap(),
            ["set", "metadata", r"C:\My Backups\set.cab"]
        );
    }

    #[test]
    fn malformed_commands_say_what_is_wrong() {
        assert!(
            command("break")
                .unwrap_err()
                .message
                .contains("shadow copy set ID is missing")
        );
        assert!(
            command("break writable nope")
                .unwrap_err()
                .message
                .contains("`nope`")
        );
        assert!(
            command("frobnicate")
                .unwrap_err()
                .message
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
            let e = command(line).unwrap_err().message;
            assert!(e.contains(what), "{line}: {e}");
        }
    }

    #[test]
    fn an_error_is_placed_at_the_word_that_is_wrong() {
        let column = |line: &str| command(line).unwrap_err().column;
        // The word named in the message.
        assert_eq!(column("add volme C:"), Some(5));
        assert_eq!(column("  frobnicate now"), Some(3));
        assert_eq!(column("break writable nope"), Some(16));
        assert_eq!(column("set option plex bogus"), Some(17));
        assert_eq!(column("create now"), Some(8));
        assert_eq!(column("add alias x \"\""), Some(13));
        assert_eq!(column("add volume C: alias"), Some(15));
        // Nothing to point at: the command.
        assert_eq!(column("break"), Some(1));
        assert_eq!(column("set option differential plex"), Some(1));
        // An open quote is placed where it opens; columns count characters, not bytes.
        assert_eq!(words("add alias é \"x").unwrap_err().column, Some(13));
    }

    #[test]
    fn a_word_from_an_alias_is_placed_at_the_alias() {
        let lookup = |_: &str| Some("nope".to_string());
        let expanded = expand("break %X%", lookup).unwrap();
        let e = parse(&expanded.words().unwrap()).unwrap_err();
        assert!(e.message.contains("`nope`"), "{e}");
        assert_eq!(e.column, Some(7));
        // The session places it on its line, past the indent the reader did not see.
        let placed = e.placed(7, 2);
        assert_eq!(placed.position(), Some(Position::new(7, 9)));
        assert!(placed.to_string().starts_with("line 7: `nope`"), "{placed}");
    }
}
