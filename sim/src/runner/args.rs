//! Reading a step's arguments: `$name` references, GUIDs, numbers and HRESULT names.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};
use vss_model::{
    HResult, SnapshotAttributes, SnapshotProp, SnapshotState, VssId, VssTimestamp, WriterEvent,
};

/// What a `bind` name holds.
#[derive(Debug, Clone)]
pub(crate) enum Bound {
    /// A GUID: a set id or a shadow copy id.
    Id(VssId),
    /// Text: an exposed name.
    Text(String),
    /// A backup components document (`SaveAsXML`), which only `xml` takes.
    Document(String),
    /// The properties `GetSnapshotProperties` returned; `$name.field` reads a field.
    Props(Box<SnapshotProp>),
    /// The writers `GetWriterMetadata` listed, by name with their instance ids;
    /// `$name.Writer Name` reads one's instance id. `None` stands for a list a step will
    /// bind when it runs, in which any writer may be named.
    Writers(Option<Vec<(String, VssId)>>),
    /// An `IVssAsync` the runner keeps, by its index.
    Async(usize),
    /// The call that was to bind it failed, at this step.
    Failed(usize),
}

/// Why a step's arguments cannot be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ArgError {
    /// The scenario is wrong: exit 2.
    Input(String),
    /// The step has a key it does not take: exit 2.
    UnknownKey {
        /// The key.
        key: String,
        /// The keys the step takes, as a sentence.
        expected: String,
    },
    /// A name is not bound because the call that binds it failed earlier: the step is
    /// skipped and counted as a failure.
    Unbound { name: String, step: usize },
}

impl std::fmt::Display for ArgError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ArgError::Input(message) => f.write_str(message),
            ArgError::UnknownKey { key, expected } => write!(f, "unknown key `{key}` ({expected})"),
            ArgError::Unbound { name, step } => {
                write!(f, "`${name}` was not bound, because step {step} failed")
            }
        }
    }
}

impl From<String> for ArgError {
    fn from(s: String) -> ArgError {
        ArgError::Input(s)
    }
}

pub(crate) type Bindings = BTreeMap<String, Bound>;

/// Whether a step names a value an earlier step binds: a `$name` text anywhere in it.
pub(crate) fn has_reference(map: &Map<String, Value>) -> bool {
    fn names(value: &Value) -> bool {
        match value {
            Value::String(s) => s.starts_with('$'),
            Value::Array(items) => items.iter().any(names),
            Value::Object(map) => map.values().any(names),
            _ => false,
        }
    }
    map.values().any(names)
}

impl Bound {
    /// Properties of the shape `GetSnapshotProperties` returns, standing for those a step
    /// will bind when it runs: reading a later step against them checks the fields it names.
    pub(crate) fn some_properties() -> Bound {
        Bound::Props(Box::new(SnapshotProp {
            snapshot_id: VssId::NULL,
            snapshot_set_id: VssId::NULL,
            snapshots_count: 1,
            snapshot_device_object: String::new(),
            original_volume_name: String::new(),
            originating_machine: String::new(),
            service_machine: String::new(),
            exposed_name: Some(String::new()),
            exposed_path: Some(String::new()),
            provider_id: VssId::NULL,
            snapshot_attributes: SnapshotAttributes::empty(),
            creation_timestamp: VssTimestamp(0),
            status: SnapshotState::VSS_SS_CREATED,
        }))
    }
}

/// The arguments of one step, read key by key; unknown keys are an error at the end.
pub(crate) struct StepArgs<'a> {
    map: &'a Map<String, Value>,
    used: BTreeSet<String>,
    /// Keys a `null` means something for (`expect` of a `read`: zeros); any other key given
    /// `null`, or no value, is a mistake.
    nullable: BTreeSet<String>,
    bindings: &'a Bindings,
}

fn number(value: &Value, what: &str) -> Result<u64, String> {
    match value {
        Value::Number(n) => n
            .as_u64()
            .ok_or_else(|| format!("{what} must be a whole number, not {n}")),
        Value::String(s) => s
            .strip_prefix("0x")
            .or_else(|| s.strip_prefix("0X"))
            .map_or_else(|| s.parse().ok(), |hex| u64::from_str_radix(hex, 16).ok())
            .ok_or_else(|| format!("{what} must be a number, not `{s}`")),
        other => Err(format!("{what} must be a number, not {other}")),
    }
}

/// An HRESULT given by name, as `0x` text, as decimal text or as a number.
pub(crate) fn hresult(value: Value, key: &str) -> Result<HResult, ArgError> {
    match value {
        Value::String(s) => s
            .parse()
            .map_err(|e: vss_model::hresult::HResultParseError| {
                ArgError::Input(format!("`{key}`: {e}"))
            }),
        v => number(&v, key)
            .and_then(|n| u32::try_from(n).map_err(|_| format!("`{key}` does not fit in 32 bits")))
            .map(|n| HResult(n as i32))
            .map_err(ArgError::Input),
    }
}

impl<'a> StepArgs<'a> {
    pub(crate) fn new(map: &'a Map<String, Value>, bindings: &'a Bindings) -> StepArgs<'a> {
        StepArgs {
            map,
            used: BTreeSet::new(),
            nullable: BTreeSet::new(),
            bindings,
        }
    }

    /// Lets `key` be given `null`, which then reads as absent.
    pub(crate) fn allow_null(&mut self, key: &str) {
        self.nullable.insert(key.to_string());
    }

    /// A key given `null` (or nothing) where that means nothing.
    fn no_value(&self, key: &str) -> ArgError {
        ArgError::Input(format!("`{key}` is given no value"))
    }

    /// Marks keys the caller handles itself.
    pub(crate) fn allow(&mut self, keys: &[&str]) {
        self.used.extend(keys.iter().map(|k| k.to_string()));
    }

    /// The value of a key with `$name` references replaced.
    pub(crate) fn get(&mut self, key: &str) -> Result<Option<Value>, ArgError> {
        self.used.insert(key.to_string());
        match self.map.get(key) {
            None => Ok(None),
            Some(Value::Null) if self.nullable.contains(key) => Ok(None),
            Some(Value::Null) => Err(self.no_value(key)),
            Some(v) => self.resolve(key, v).map(Some),
        }
    }

    /// A value with its `$name` references replaced, for `key`.
    fn resolve(&self, key: &str, value: &Value) -> Result<Value, ArgError> {
        match value {
            Value::String(s) if s.starts_with('$') => {
                let (name, field) = match s[1..].split_once('.') {
                    Some((n, f)) => (n, Some(f)),
                    None => (&s[1..], None),
                };
                let bound = self.bindings.get(name).ok_or_else(|| {
                    ArgError::Input(format!("`${name}` is not bound by any earlier step"))
                })?;
                match (bound, field) {
                    (Bound::Failed(step), _) => Err(ArgError::Unbound {
                        name: name.to_string(),
                        step: *step,
                    }),
                    (Bound::Id(id), None) => Ok(Value::String(id.to_string())),
                    (Bound::Text(t), None) => Ok(Value::String(t.clone())),
                    (Bound::Document(d), None) if key == "xml" => Ok(Value::String(d.clone())),
                    (Bound::Document(_), None) => Err(ArgError::Input(format!(
                        "`{key}`: `{s}` holds a backup components document, which only `xml` takes"
                    ))),
                    (Bound::Props(p), Some(f)) => serde_json::to_value(p)
                        .ok()
                        .and_then(|v| v.get(f).cloned())
                        .ok_or_else(|| {
                            ArgError::Input(format!("`{s}`: the properties have no field `{f}`"))
                        }),
                    (Bound::Props(_), None) => Err(ArgError::Input(format!(
                        "`{s}` holds properties: name a field, as `{s}.snapshot_device_object`"
                    ))),
                    (Bound::Writers(writers), Some(f)) => {
                        let listed = match writers {
                            None => Some(VssId::NULL),
                            Some(list) => list
                                .iter()
                                .find(|(writer, _)| writer.eq_ignore_ascii_case(f))
                                .map(|(_, instance)| *instance),
                        };
                        listed
                            .map(|id| Value::String(id.to_string()))
                            .ok_or_else(|| {
                                ArgError::Input(format!(
                                    "`{s}`: GetWriterMetadata listed no writer named `{f}`"
                                ))
                            })
                    }
                    (Bound::Writers(_), None) => Err(ArgError::Input(format!(
                        "`{s}` holds writer metadata: name a writer, as `{s}.System Writer`, for its instance id"
                    ))),
                    (Bound::Async(_), _) => Err(ArgError::Input(format!(
                        "`{s}` is an asynchronous operation, not a value"
                    ))),
                    (_, Some(f)) => Err(ArgError::Input(format!("`${name}` has no field `{f}`"))),
                }
            }
            Value::Array(items) => items
                .iter()
                .map(|v| self.resolve(key, v))
                .collect::<Result<_, _>>()
                .map(Value::Array),
            Value::Object(map) => map
                .iter()
                .map(|(k, v)| Ok((k.clone(), self.resolve(key, v)?)))
                .collect::<Result<_, _>>()
                .map(Value::Object),
            other => Ok(other.clone()),
        }
    }

    pub(crate) fn text(&mut self, key: &str) -> Result<Option<String>, ArgError> {
        match self.get(key)? {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(ArgError::Input(format!(
                "`{key}` must be text, not {other}"
            ))),
        }
    }

    pub(crate) fn required_text(&mut self, key: &str) -> Result<String, ArgError> {
        self.text(key)?
            .ok_or_else(|| ArgError::Input(format!("`{key}` is required")))
    }

    pub(crate) fn id(&mut self, key: &str) -> Result<Option<VssId>, ArgError> {
        match self.text(key)? {
            None => Ok(None),
            Some(s) => s
                .parse()
                .map(Some)
                .map_err(|e: vss_model::guid::GuidParseError| {
                    ArgError::Input(format!("`{key}`: {e}"))
                }),
        }
    }

    pub(crate) fn boolean(&mut self, key: &str) -> Result<Option<bool>, ArgError> {
        match self.get(key)? {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(b)),
            Some(other) => Err(ArgError::Input(format!(
                "`{key}` must be true or false, not {other}"
            ))),
        }
    }

    pub(crate) fn number(&mut self, key: &str) -> Result<Option<u64>, ArgError> {
        match self.get(key)? {
            None => Ok(None),
            Some(v) => number(&v, &format!("`{key}`"))
                .map(Some)
                .map_err(ArgError::Input),
        }
    }

    pub(crate) fn hresult(&mut self, key: &str) -> Result<Option<HResult>, ArgError> {
        self.get(key)?.map(|v| hresult(v, key)).transpose()
    }

    /// A list of HRESULTs; a single one stands for a list of one.
    pub(crate) fn hresults(&mut self, key: &str) -> Result<Vec<HResult>, ArgError> {
        match self.get(key)? {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items.into_iter().map(|v| hresult(v, key)).collect(),
            Some(one) => Ok(vec![hresult(one, key)?]),
        }
    }

    pub(crate) fn writer_event(&mut self, key: &str) -> Result<WriterEvent, ArgError> {
        let s = self.required_text(key)?;
        WriterEvent::from_name(&s).ok_or_else(|| {
            ArgError::Input(format!("`{s}` is not a writer event (OnIdentify, OnPrepareBackup, OnPrepareSnapshot, OnFreeze, OnThaw, OnPostSnapshot, OnBackupComplete, OnBackupShutdown)"))
        })
    }

    /// The name of an `IVssAsync` bound earlier.
    pub(crate) fn async_handle(&mut self, key: &str) -> Result<usize, ArgError> {
        self.used.insert(key.to_string());
        let name = match self.map.get(key) {
            Some(Value::String(s)) if s.starts_with('$') => &s[1..],
            _ => {
                return Err(ArgError::Input(format!(
                    "`{key}` must name an asynchronous operation bound earlier, as \"$op\""
                )));
            }
        };
        match self.bindings.get(name) {
            Some(Bound::Async(i)) => Ok(*i),
            Some(Bound::Failed(step)) => Err(ArgError::Unbound {
                name: name.to_string(),
                step: *step,
            }),
            Some(_) => Err(ArgError::Input(format!(
                "`${name}` is not an asynchronous operation"
            ))),
            None => Err(ArgError::Input(format!(
                "`${name}` is not bound by any earlier step"
            ))),
        }
    }

    /// The raw map of a key holding an object (e.g. `expect_props`), references resolved.
    pub(crate) fn object(&mut self, key: &str) -> Result<Option<Map<String, Value>>, ArgError> {
        self.used.insert(key.to_string());
        match self.map.get(key) {
            None => Ok(None),
            Some(Value::Null) => Err(self.no_value(key)),
            Some(Value::Object(m)) => m
                .iter()
                .map(|(k, v)| Ok((k.clone(), self.resolve(key, v)?)))
                .collect::<Result<Map<_, _>, _>>()
                .map(Some),
            Some(other) => Err(ArgError::Input(format!(
                "`{key}` must be an object, not {other}"
            ))),
        }
    }

    /// Every key no reader has asked for yet, references resolved: the arguments of a call,
    /// which the model's `Call` reads. A key given `null` is kept as `null`, so that the
    /// reader can tell an unknown key given no value from a known one.
    pub(crate) fn rest(&mut self) -> Result<Map<String, Value>, ArgError> {
        let keys: Vec<String> = self
            .map
            .keys()
            .filter(|k| !self.used.contains(k.as_str()))
            .cloned()
            .collect();
        let mut rest = Map::new();
        for key in keys {
            self.used.insert(key.clone());
            let value = match &self.map[&key] {
                Value::Null => Value::Null,
                v => self.resolve(&key, v)?,
            };
            rest.insert(key, value);
        }
        Ok(rest)
    }

    /// Whether the step gives the key a value other than `null`.
    pub(crate) fn has_value(&self, key: &str) -> bool {
        self.map.get(key).is_some_and(|v| !v.is_null())
    }

    /// Whether the step has the key, even with a `null` value.
    pub(crate) fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// The first key no reader asked for, as an error naming the keys they asked for.
    pub(crate) fn unknown_key(&self) -> Option<ArgError> {
        let key = self.map.keys().find(|k| !self.used.contains(k.as_str()))?;
        // A step is a call or an environment step: the other kind's key is no help.
        let other = if self.map.contains_key("env") {
            "call"
        } else {
            "env"
        };
        let known: Vec<String> = self
            .used
            .iter()
            .filter(|k| *k != other)
            .map(|k| format!("`{k}`"))
            .collect();
        Some(ArgError::UnknownKey {
            key: key.clone(),
            expected: format!("the step takes {}", known.join(", ")),
        })
    }

    /// Fails on any key no reader asked for.
    pub(crate) fn finish(self) -> Result<(), ArgError> {
        self.unknown_key().map_or(Ok(()), Err)
    }
}
