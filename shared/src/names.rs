//! Unit enums read back from their names (`as_str`) by one small function,
//! rather than a visitor derived per enum: the citizens' form has a size
//! budget, and each derived visitor costs about a kilobyte of wasm. Names are
//! written by the derived `Serialize`; a test per enum checks both agree.

use serde::Deserializer;
use serde::de::Error;

/// The position of the name read among `count` names given by `name`.
pub(crate) fn position<'de, D: Deserializer<'de>>(
    deserializer: D,
    count: usize,
    name: &dyn Fn(usize) -> &'static str,
    what: &'static str,
) -> Result<usize, D::Error> {
    let text: std::borrow::Cow<'de, str> = serde::Deserialize::deserialize(deserializer)?;
    (0..count)
        .find(|index| name(*index) == text)
        .ok_or_else(|| D::Error::custom(format_args!("unknown {what} `{text}`")))
}

/// `Deserialize` for a unit enum with `ALL` and `as_str`.
macro_rules! read_by_name {
    ($enum:ty, $what:literal) => {
        impl<'de> serde::Deserialize<'de> for $enum {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let all = <$enum>::ALL;
                $crate::names::position(deserializer, all.len(), &|i| all[i].as_str(), $what)
                    .map(|i| all[i])
            }
        }

        impl $crate::json::FromJson for $enum {
            fn read(value: $crate::json::Value) -> Result<Self, $crate::json::ReadError> {
                let all = <$enum>::ALL;
                $crate::json::by_name(value, all.len(), &|i| all[i].as_str(), $what).map(|i| all[i])
            }
        }

        impl $crate::json::FromKey for $enum {
            fn from_key(key: String) -> Result<Self, $crate::json::ReadError> {
                let all = <$enum>::ALL;
                $crate::json::key_by_name(key, all.len(), &|i| all[i].as_str(), $what)
                    .map(|i| all[i])
            }
        }
    };
}
pub(crate) use read_by_name;

#[cfg(test)]
mod tests {
    use crate::FieldErrorCode;
    use crate::schema::{Channel, Level, Missing};

    fn round_trips<T>(all: &[T], name: fn(&T) -> &'static str)
    where
        T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    {
        for value in all {
            let json = serde_json::to_string(value).expect("serialises");
            assert_eq!(json, format!("\"{}\"", name(value)), "written as its name");
            let back: T = serde_json::from_str(&json).expect("reads back");
            assert_eq!(&back, value);
        }
        let error = serde_json::from_str::<T>("\"no_such_name\"").expect_err("refused");
        assert!(error.to_string().contains("`no_such_name`"), "{error}");
    }

    #[test]
    fn every_name_reads_back_and_unknown_ones_are_refused() {
        round_trips(&FieldErrorCode::ALL, |c| c.as_str());
        round_trips(&Level::ALL, |l| l.as_str());
        round_trips(&Channel::ALL, |c| c.as_str());
        round_trips(&Missing::ALL, |m| m.as_str());
    }
}
