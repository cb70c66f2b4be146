//! Reading the JSON the browser receives (the survey, the survey list,
//! receipts, error bodies) without serde's per-type deserialisers.
//!
//! serde's derived and hand-written `Deserialize` impls cost the citizens'
//! form about 32 KB of gzip'd wasm: each type gets its own visitors, field
//! enums and error paths, whatever the deserializer. Here the text is parsed
//! once into a [`serde_json::Value`] (whose reader the form carries anyway,
//! for answers), then each type moves its parts out of that tree with
//! [`FromJson::read`]: one small non-generic function per struct (derived by
//! `salama_derive::FromJson` from the same `#[serde]` attributes), calling
//! the few helpers below.
//!
//! It reads exactly what serde reads, and refuses what serde refuses: the
//! tests in `json/tests.rs` compare both on the default questionnaire,
//! generated surveys, mutations of each, and arbitrary JSON. The one
//! difference left is that a key written twice in an object is the last
//! one here (as in any `Value`), where serde refuses a struct's field
//! written twice; what the browser reads comes from the server's own
//! serialiser, which never writes a key twice.
//!
//! Measured with `cargo xtask form-size`: the form went from 225,468 B to
//! 212,516 B gzip. Arrays and objects are walked by one loop each
//! ([`each`], [`entries`]) that calls back per item, and maps are built by
//! `insert`: `collect` into a `BTreeMap` instantiates a sort per entry
//! type, and `collect` of `Result`s an iterator adaptor per item type;
//! together they cost the form 11 KB gzip (224,124 B before the loops).
//!
//! Errors are built only on the way out: each level adds its key or index to
//! the path of the error passing through it, so the happy path keeps no path
//! (`read(value)` rather than `read(value, &mut path)`).
//!
//! [`from_str`] is the one entry: serde on native builds (the server and the
//! command line keep serde's messages with line and column), this reader on
//! wasm32.

use std::collections::BTreeMap;
use std::fmt;

pub use serde_json::Value;
use uuid::Uuid;

use crate::expr::Expression;
use crate::text::Text;

pub use salama_derive::FromJson;

type Map = serde_json::Map<String, Value>;

/// Why a JSON document is not the value asked for, and where.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{}{message}", Shown(path))]
pub struct ReadError {
    /// Innermost step first: each level pushes its own on the way out.
    path: Vec<Step>,
    message: String,
}

#[derive(Clone, Debug, PartialEq)]
enum Step {
    Key(String),
    Index(usize),
}

struct Shown<'a>(&'a [Step]);

impl fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return Ok(());
        }
        for (n, step) in self.0.iter().rev().enumerate() {
            match step {
                Step::Key(key) if n == 0 => f.write_str(key)?,
                Step::Key(key) => write!(f, ".{key}")?,
                Step::Index(index) => write!(f, "[{index}]")?,
            }
        }
        f.write_str(": ")
    }
}

impl ReadError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            path: Vec::new(),
            message: message.into(),
        }
    }

    /// What was wrong, without where.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Where, as `sections[2].questions[0].kind`; empty at the top.
    pub fn path(&self) -> String {
        let shown = Shown(&self.path).to_string();
        shown.strip_suffix(": ").unwrap_or(&shown).to_owned()
    }

    fn at_key(mut self, key: &str) -> Self {
        self.path.push(Step::Key(key.to_owned()));
        self
    }

    fn at_index(mut self, index: usize) -> Self {
        self.path.push(Step::Index(index));
        self
    }
}

/// An error from parsing the text.
impl From<serde_json::Error> for ReadError {
    fn from(error: serde_json::Error) -> Self {
        Self::new(error.to_string())
    }
}

fn expected(what: &str, found: &Value) -> ReadError {
    let found = match found {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    ReadError::new(format!("expected {what}, found {found}"))
}

/// A type read from a [`Value`] the way its `Deserialize` reads it.
pub trait FromJson: Sized {
    fn read(value: Value) -> Result<Self, ReadError>;

    /// What a field of this type reads as when it is absent and has no
    /// `#[serde(default)]`: refused, except `Option` (None), as serde does.
    fn missing(key: &str) -> Result<Self, ReadError> {
        Err(missing_field(key))
    }
}

/// A map key read the way its `Deserialize` reads a JSON object's key.
pub trait FromKey: Sized {
    fn from_key(key: String) -> Result<Self, ReadError>;
}

/// The document in `text` as a `T`: serde natively, [`FromJson`] on wasm32.
/// Both bounds on both targets, so a caller builds the same everywhere.
#[cfg(not(target_arch = "wasm32"))]
pub fn from_str<T: FromJson + serde::de::DeserializeOwned>(text: &str) -> Result<T, Error> {
    serde_json::from_str(text)
}

/// The document in `text` as a `T`: serde natively, [`FromJson`] on wasm32.
#[cfg(target_arch = "wasm32")]
pub fn from_str<T: FromJson + serde::de::DeserializeOwned>(text: &str) -> Result<T, Error> {
    read_str(text)
}

/// What [`from_str`] gives back when the text is not a `T`.
#[cfg(not(target_arch = "wasm32"))]
pub type Error = serde_json::Error;
#[cfg(target_arch = "wasm32")]
pub type Error = ReadError;

/// The reader on every target (its tests run natively).
pub fn read_str<T: FromJson>(text: &str) -> Result<T, ReadError> {
    T::read(serde_json::from_str(text)?)
}

// Helpers for the derive (`salama_derive::FromJson`).

/// The fields of a struct: an object, or serde's positional form, an array
/// of at least `least` (up to the last field without a default) and at most
/// every field's value in order.
#[doc(hidden)]
pub fn object(value: Value, fields: &[&str], least: usize) -> Result<Map, ReadError> {
    match value {
        Value::Object(map) => Ok(map),
        Value::Array(items) if (least..=fields.len()).contains(&items.len()) => {
            let mut map = Map::new();
            for (name, item) in fields.iter().zip(items) {
                map.insert((*name).to_owned(), item);
            }
            Ok(map)
        }
        Value::Array(items) => Err(ReadError::new(format!(
            "an array of {} values for {least} to {} fields",
            items.len(),
            fields.len()
        ))),
        other => Err(expected("an object", &other)),
    }
}

#[inline(never)]
fn missing_field(key: &str) -> ReadError {
    ReadError::new(format!("missing field `{key}`"))
}

/// Each item of an array, by one loop for every item type.
fn each(
    value: Value,
    read: &mut dyn FnMut(Value) -> Result<(), ReadError>,
) -> Result<(), ReadError> {
    let Value::Array(items) = value else {
        return Err(expected("an array", &value));
    };
    for (index, item) in items.into_iter().enumerate() {
        read(item).map_err(|e| e.at_index(index))?;
    }
    Ok(())
}

/// Each entry of an object, by one loop for every value type.
fn entries(
    value: Value,
    read: &mut dyn FnMut(String, Value) -> Result<(), ReadError>,
) -> Result<(), ReadError> {
    let Value::Object(map) = value else {
        return Err(expected("an object", &value));
    };
    for (key, item) in map {
        read(key, item)?;
    }
    Ok(())
}

/// A field's value taken out of its object: one function for every type.
#[inline(never)]
fn take(map: &mut Map, key: &str) -> Option<Value> {
    map.remove(key)
}

// Never inlined: one copy per field type, not one per field (the survey's
// `Question` alone has some twenty fields).
#[doc(hidden)]
#[inline(never)]
pub fn field<T: FromJson>(map: &mut Map, key: &str) -> Result<T, ReadError> {
    match take(map, key) {
        Some(value) => T::read(value).map_err(|e| e.at_key(key)),
        None => T::missing(key),
    }
}

#[doc(hidden)]
#[inline(never)]
pub fn field_or_default<T: FromJson + Default>(map: &mut Map, key: &str) -> Result<T, ReadError> {
    match take(map, key) {
        Some(value) => T::read(value).map_err(|e| e.at_key(key)),
        None => Ok(T::default()),
    }
}

#[doc(hidden)]
pub fn field_with<T>(
    map: &mut Map,
    key: &str,
    read: impl FnOnce(Value) -> Result<T, ReadError>,
) -> Result<T, ReadError> {
    match take(map, key) {
        Some(value) => read(value).map_err(|e| e.at_key(key)),
        None => Err(missing_field(key)),
    }
}

#[doc(hidden)]
pub fn field_with_default<T: Default>(
    map: &mut Map,
    key: &str,
    read: impl FnOnce(Value) -> Result<T, ReadError>,
) -> Result<T, ReadError> {
    match take(map, key) {
        Some(value) => read(value).map_err(|e| e.at_key(key)),
        None => Ok(T::default()),
    }
}

/// `deny_unknown_fields`: any key left once the fields are taken.
#[doc(hidden)]
pub fn refuse_rest(map: Map) -> Result<(), ReadError> {
    match map.keys().next() {
        Some(key) => Err(ReadError::new(format!("unknown field `{key}`"))),
        None => Ok(()),
    }
}

/// The position of a name among `count` names (`read_by_name!`).
#[doc(hidden)]
pub fn by_name(
    value: Value,
    count: usize,
    name: &dyn Fn(usize) -> &'static str,
    what: &str,
) -> Result<usize, ReadError> {
    match value {
        Value::String(text) => key_by_name(text, count, name, what),
        other => Err(expected("a string", &other)),
    }
}

#[doc(hidden)]
pub fn key_by_name(
    text: String,
    count: usize,
    name: &dyn Fn(usize) -> &'static str,
    what: &str,
) -> Result<usize, ReadError> {
    (0..count)
        .find(|index| name(*index) == text)
        .ok_or_else(|| ReadError::new(format!("unknown {what} `{text}`")))
}

impl FromJson for String {
    fn read(value: Value) -> Result<Self, ReadError> {
        match value {
            Value::String(text) => Ok(text),
            other => Err(expected("a string", &other)),
        }
    }
}

impl FromJson for bool {
    fn read(value: Value) -> Result<Self, ReadError> {
        match value {
            Value::Bool(b) => Ok(b),
            other => Err(expected("a boolean", &other)),
        }
    }
}

impl FromJson for u32 {
    fn read(value: Value) -> Result<Self, ReadError> {
        match value {
            Value::Number(n) => n
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| ReadError::new(format!("expected a u32, found {n}"))),
            other => Err(expected("a u32", &other)),
        }
    }
}

impl FromJson for Value {
    fn read(value: Value) -> Result<Self, ReadError> {
        Ok(value)
    }
}

impl FromJson for serde_json::Number {
    fn read(value: Value) -> Result<Self, ReadError> {
        match value {
            Value::Number(n) => Ok(n),
            other => Err(expected("a number", &other)),
        }
    }
}

impl<T: FromJson> FromJson for Option<T> {
    fn read(value: Value) -> Result<Self, ReadError> {
        match value {
            Value::Null => Ok(None),
            value => T::read(value).map(Some),
        }
    }

    fn missing(_: &str) -> Result<Self, ReadError> {
        Ok(None)
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn read(value: Value) -> Result<Self, ReadError> {
        let mut out = Vec::new();
        each(value, &mut |item| {
            out.push(T::read(item)?);
            Ok(())
        })?;
        Ok(out)
    }
}

impl<K: FromKey + Ord, V: FromJson> FromJson for BTreeMap<K, V> {
    fn read(value: Value) -> Result<Self, ReadError> {
        let mut out = BTreeMap::new();
        entries(value, &mut |key, item| {
            let read = V::read(item).map_err(|e| e.at_key(&key))?;
            out.insert(K::from_key(key)?, read);
            Ok(())
        })?;
        Ok(out)
    }
}

impl FromKey for String {
    fn from_key(key: String) -> Result<Self, ReadError> {
        Ok(key)
    }
}

impl FromJson for Text {
    fn read(value: Value) -> Result<Self, ReadError> {
        FromJson::read(value).map(Text)
    }
}

impl FromJson for Expression {
    fn read(value: Value) -> Result<Self, ReadError> {
        String::read(value).map(Expression::new)
    }
}

impl FromJson for Uuid {
    fn read(value: Value) -> Result<Self, ReadError> {
        let text = String::read(value)?;
        text.parse()
            .map_err(|_| ReadError::new(format!("not a UUID: `{text}`")))
    }
}

// Natively: proptest does not build for wasm32.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
