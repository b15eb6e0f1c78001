//! Identities: what names a sample.

use serde::{Deserialize, Serialize};

/// The identity of one sample.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SampleKey {
    pub subject: String,
    pub strategy: String,
    pub task: String,
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
