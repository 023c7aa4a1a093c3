//! The simulator's input files (scenarios, world files, state files): JSON or YAML text read
//! with the place of what is in it, and [`InputError`], what every kind of bad input becomes.
//!
//! A file is JSON when its name ends in `.json`, YAML otherwise. Every message about bad
//! input starts the same way, `FILE:LINE:COLUMN:` (columns from 1), or `FILE:` where no place
//! can be given, so that an editor can jump to it.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::de::{DeserializeOwned, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_saphyr::Spanned;
use serde_saphyr::budget::BudgetBreach;
use vss_model::position::{Position, located};

use crate::world::WorldError;

/// Bad input: a file that cannot be read, parsed or understood. The runner exits with 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The file, as messages name it.
    pub file: String,
    /// Where in the file, when known.
    pub position: Option<Position>,
    /// The step (from 1), when the problem is in one.
    pub step: Option<usize>,
    /// What is wrong.
    pub problem: Problem,
}

/// What is wrong with an input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The file cannot be read; the system's reason.
    Unreadable(String),
    /// The text is not JSON or YAML; the parser's message, without the place (which the
    /// error carries).
    Syntax(String),
    /// The text goes past a limit the reader sets to stay safe on hostile input (nesting,
    /// number of nodes, aliases).
    TooLarge(String),
    /// A key that has no meaning where it is.
    UnknownKey {
        /// The key.
        key: String,
        /// The keys that have a meaning there, as a sentence.
        expected: String,
    },
    /// The world the file names or holds cannot be built.
    World(WorldError),
    /// Anything else: a value of the wrong kind, a missing key, keys that exclude each
    /// other; the text says which.
    Invalid(String),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Unreadable(why) => write!(f, "cannot read it: {why}"),
            Problem::Syntax(message) | Problem::TooLarge(message) | Problem::Invalid(message) => {
                f.write_str(message)
            }
            Problem::UnknownKey { key, expected } => write!(f, "unknown key `{key}` ({expected})"),
            Problem::World(e) => write!(f, "the world: {e}"),
        }
    }
}

impl InputError {
    /// An error about the whole of `file`, at `position` when known.
    pub fn new(file: &str, position: Option<Position>, problem: Problem) -> InputError {
        InputError {
            file: file.to_string(),
            position,
            step: None,
            problem,
        }
    }

    /// The same error, said of step `step` (from 1) at `position`, unless it already has a
    /// place of its own.
    pub fn in_step(mut self, step: usize, position: Option<Position>) -> InputError {
        self.step = Some(step);
        self.position = self.position.or(position);
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&located(&self.file, self.position))?;
        if let Some(step) = self.step {
            write!(f, ": step {step}")?;
        }
        write!(f, ": {}", self.problem)
    }
}

impl std::error::Error for InputError {}

/// Whether a file of this name is JSON (rather than YAML).
fn is_json(file: &str) -> bool {
    file.to_ascii_lowercase().ends_with(".json")
}

/// Reads the text of the file at `path`, and the name messages give it.
pub fn read_file(path: &Path) -> Result<(String, String), InputError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|e| InputError::new(&shown, None, Problem::Unreadable(e.to_string())))?;
    Ok((text, shown))
}

/// Parses JSON (when `file` ends in `.json`) or YAML into `T`.
pub fn parse<T: DeserializeOwned>(text: &str, file: &str) -> Result<T, InputError> {
    if is_json(file) {
        serde_json::from_str(text).map_err(|e| json_error(&e, file))
    } else {
        serde_saphyr::from_str(text).map_err(|e| yaml_error(&e, file))
    }
}

fn json_error(e: &serde_json::Error, file: &str) -> InputError {
    let position = (e.line() > 0).then(|| Position::new(e.line() as u64, e.column() as u64));
    // serde_json appends the place to its message; the error carries it instead.
    let text = e.to_string();
    let message = match text.rsplit_once(" at line ") {
        Some((message, _)) => message.to_string(),
        None => text,
    };
    InputError::new(file, position, Problem::Syntax(message))
}

fn yaml_error(e: &serde_saphyr::Error, file: &str) -> InputError {
    let position = e
        .location()
        .filter(|l| l.line() > 0)
        .map(|l| Position::new(l.line(), l.column()));
    // The reader wraps an error in the lines around it, or in the alias that led to it;
    // the message shows neither.
    let mut inner = e;
    while let serde_saphyr::Error::WithSnippet { error, .. }
    | serde_saphyr::Error::AliasError { error, .. } = inner
    {
        inner = error;
    }
    let problem = match inner {
        serde_saphyr::Error::Budget { breach, .. } => Problem::TooLarge(limit_text(breach)),
        _ => Problem::Syntax(yaml_message(&e.to_string())),
    };
    InputError::new(file, position, problem)
}

/// What a breached limit of the YAML reader means, in words.
fn limit_text(breach: &BudgetBreach) -> String {
    match breach {
        BudgetBreach::Depth { depth } => {
            format!("the text nests {depth} levels deep, deeper than the reader follows")
        }
        BudgetBreach::Events { .. } | BudgetBreach::Nodes { .. } => {
            "the text holds more values than the reader takes".to_string()
        }
        BudgetBreach::Aliases { .. }
        | BudgetBreach::Anchors { .. }
        | BudgetBreach::AliasAnchorRatio { .. }
        | BudgetBreach::MergeKeys { .. } => {
            "the text repeats more through anchors, aliases or merges than the reader takes"
                .to_string()
        }
        BudgetBreach::ScalarBytes { .. } | BudgetBreach::InputBytes { .. } => {
            "the text is longer than the reader takes".to_string()
        }
        _ => "the text is larger than the reader takes".to_string(),
    }
}

/// The first line of a YAML parser message, without the place it repeats.
fn yaml_message(text: &str) -> String {
    let first = text.lines().next().unwrap_or_default();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    match first
        .strip_prefix("line ")
        .and_then(|rest| rest.split_once(": "))
    {
        Some((position, message)) if position.contains("column") => message.to_string(),
        _ => first.to_string(),
    }
}

/// Where the entries of a list of objects are: each entry's place, and the place of each of
/// its keys. [`places`] finds it for a list under a top-level key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Places {
    /// Each entry's place, in order.
    pub entries: Vec<EntryPlaces>,
}

/// Where one entry of a list is, and its keys' values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct EntryPlaces {
    /// The entry itself.
    pub at: Option<Position>,
    /// Each key, when the entry is an object.
    pub keys: BTreeMap<String, Position>,
    /// The places in each of its keys that holds a list (a state file's run has its steps).
    pub lists: BTreeMap<String, Places>,
}

impl Places {
    /// The places in the list under key `key` of entry `i` (from 0).
    pub(crate) fn within(&self, i: usize, key: &str) -> Places {
        self.entries
            .get(i)
            .and_then(|e| e.lists.get(key))
            .cloned()
            .unwrap_or_default()
    }

    /// The place of entry `i` (from 0), or of its key `key` when the entry has it.
    pub(crate) fn of(&self, i: usize, key: Option<&str>) -> Option<Position> {
        let entry = self.entries.get(i)?;
        key.and_then(|k| entry.keys.get(k).copied()).or(entry.at)
    }
}

/// The places of the entries of the list under the top-level key `list` of a text already
/// known to parse. JSON is read for them as the YAML it also is; a text the YAML reader
/// takes otherwise than the JSON one gives no places, never an error.
pub(crate) fn places(text: &str, list: &str) -> Places {
    let Ok(top) = serde_saphyr::from_str::<BTreeMap<String, Spanned<Shape>>>(text) else {
        return Places::default();
    };
    let Some(Shape::List(entries)) = top.get(list).map(|s| &s.value) else {
        return Places::default();
    };
    Places {
        entries: entries.clone(),
    }
}

/// The visitor methods of every scalar, each giving `$value`: a value whose places are not
/// looked for may be of any kind.
macro_rules! any_scalar {
    ($value:expr) => {
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok($value)
        }
        fn visit_none<E>(self) -> Result<Self::Value, E> {
            Ok($value)
        }
    };
}

/// Just enough of a value's shape to find its places: a list's entries, or nothing.
#[derive(Debug, Clone)]
enum Shape {
    List(Vec<EntryPlaces>),
    Other,
}

impl<'de> Deserialize<'de> for Shape {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Shape, D::Error> {
        deserializer.deserialize_any(ShapeVisitor)
    }
}

struct ShapeVisitor;

impl<'de> Visitor<'de> for ShapeVisitor {
    type Value = Shape;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Shape, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = seq.next_element::<Spanned<Entry>>()? {
            let at = position(&entry);
            let Entry { keys, lists } = entry.value;
            entries.push(EntryPlaces { at, keys, lists });
        }
        Ok(Shape::List(entries))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shape, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Shape::Other)
    }

    any_scalar!(Shape::Other);
}

/// An entry of a list: the places of its keys, and of what lists under them hold, when it is
/// an object.
#[derive(Default)]
struct Entry {
    keys: BTreeMap<String, Position>,
    lists: BTreeMap<String, Places>,
}

impl<'de> Deserialize<'de> for Entry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Entry, D::Error> {
        deserializer.deserialize_any(EntryVisitor)
    }
}

struct EntryVisitor;

impl<'de> Visitor<'de> for EntryVisitor {
    type Value = Entry;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entry, A::Error> {
        let mut entry = Entry::default();
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            let value = map.next_value::<Shape>()?;
            if let Some(at) = position(&key) {
                entry.keys.insert(key.value.clone(), at);
            }
            if let Shape::List(entries) = value {
                entry.lists.insert(key.value, Places { entries });
            }
        }
        Ok(entry)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Entry, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Entry::default())
    }

    any_scalar!(Entry::default());
}

/// The place of a spanned value, when the reader knows it.
fn position<T>(spanned: &Spanned<T>) -> Option<Position> {
    let at = spanned.referenced;
    (at.line() > 0).then(|| Position::new(at.line(), at.column()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_placed_in_yaml_and_in_json() {
        let yaml = "world: default\nsteps:\n  - call: InitializeForBackup\n  - { call: SetContext, context: 1 }\n";
        let p = places(yaml, "steps");
        assert_eq!(p.entries.len(), 2);
        assert_eq!(p.of(0, None), Some(Position::new(3, 5)));
        assert_eq!(p.of(1, Some("context")), Some(Position::new(4, 25)));
        let json = "{\"steps\": [\n  {\"call\": \"InitializeForBackup\"},\n  {\"call\": \"X\", \"as\": \"r2\"}\n]}";
        let p = places(json, "steps");
        assert_eq!(p.entries.len(), 2);
        assert_eq!(p.of(1, None).map(|p| p.line), Some(3));
        assert_eq!(p.of(1, Some("as")).map(|p| p.line), Some(3));
    }

    #[test]
    fn a_limit_is_said_in_words() {
        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        let e = parse::<serde_json::Value>(&deep, "deep.yaml").unwrap_err();
        let text = e.to_string();
        assert!(text.starts_with("deep.yaml:1:"), "{text}");
        assert!(!text.contains('{'), "Debug text leaked: {text}");
        assert!(matches!(e.problem, Problem::TooLarge(_)), "{text}");
    }
}
