//! Identities: what names a sample. Subjects, tasks and strategies are
//! named by strings everywhere they are stored or printed; in the code
//! each has its own type, so that a task id cannot be passed where a
//! subject is expected. Each serialises as the bare string.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Serialize};

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub fn new(id: impl Into<String>) -> Self {
                $name(id.into())
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                $name(s)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name(s.to_string())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                self == &other.0
            }
        }

        impl PartialEq<$name> for str {
            fn eq(&self, other: &$name) -> bool {
                self == other.0
            }
        }

        impl PartialEq<$name> for &str {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }
    };
}

string_id! {
    /// A subject as the command line named it (`reference:secure`,
    /// `openai:gpt-4o`, `agent:claude-code`).
    SubjectId
}

string_id! {
    /// A task's id in its suite (`py-upload-read`).
    TaskId
}

string_id! {
    /// A strategy's name, without its version (`baseline`).
    StrategyId
}

/// The identity of one sample.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SampleKey {
    pub subject: SubjectId,
    pub strategy: StrategyId,
    pub task: TaskId,
    pub index: u32,
}

/// A strategy as a run names it: its name and the version it had, written
/// `name@version` (e.g. `baseline@1`) in run configs, so that a changed
/// prompt is never mixed with old results.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StrategyRef {
    pub name: String,
    pub version: u32,
}

impl std::fmt::Display for StrategyRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}@{}", self.name, self.version)
    }
}

impl std::str::FromStr for StrategyRef {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, version) = s
            .split_once('@')
            .ok_or_else(|| format!("strategy `{s}` has no version (expected NAME@VERSION)"))?;
        let version = version
            .parse()
            .map_err(|_| format!("strategy `{s}` has a bad version (expected NAME@VERSION)"))?;
        Ok(StrategyRef {
            name: name.to_string(),
            version,
        })
    }
}

impl Serialize for StrategyRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for StrategyRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strategy_refs_keep_their_stored_form() {
        let r: StrategyRef = "baseline@1".parse().unwrap();
        assert_eq!(r.name, "baseline");
        assert_eq!(r.version, 1);
        assert_eq!(serde_json::to_string(&r).unwrap(), "\"baseline@1\"");
        let back: StrategyRef = serde_json::from_str("\"self-review@12\"").unwrap();
        assert_eq!(back.to_string(), "self-review@12");
        assert!("baseline".parse::<StrategyRef>().is_err());
        assert!("baseline@x".parse::<StrategyRef>().is_err());
    }
}
