//! A run folder reopened by a later command (`resume`, `report`,
//! `analyze`): its store, its frozen config and the suite it names,
//! reloaded from disk and compared with the one the run used. One place
//! opens runs, so every command says the same thing about a changed suite.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::plan::RunConfig;
use crate::store::{Store, DB_FILE};
use crate::suite::{self, Suite};

pub struct RunDir {
    pub dir: PathBuf,
    pub store: Store,
    pub config: RunConfig,
    /// The suite as it is on disk now.
    pub suite: Suite,
}

impl RunDir {
    /// Open the run in `dir` and reload the suite it names.
    pub fn open(dir: &Path) -> Result<RunDir> {
        let store = Store::open(&dir.join(DB_FILE))?;
        let config = RunConfig::load(&store)?;
        let suite = suite::load(&config.suite_dir)
            .with_context(|| format!("reload the run's suite {}", config.suite_dir.display()))?;
        Ok(RunDir {
            dir: dir.to_path_buf(),
            store,
            config,
            suite,
        })
    }

    /// The suite on disk is byte for byte the one the run used.
    pub fn suite_unchanged(&self) -> bool {
        self.suite.content_hash == self.config.suite_hash
    }

    /// Refuse to go on when the suite changed since the run; `why` says
    /// what the unchanged suite is needed for and what to do.
    pub fn require_unchanged_suite(&self, why: &str) -> Result<()> {
        if !self.suite_unchanged() {
            bail!(
                "the suite in {} changed since the run, so {why}",
                self.config.suite_dir.display()
            );
        }
        Ok(())
    }

    /// Prepare to continue the run (`resume`): the config it would have if
    /// it started now must equal the stored one, or results would mix.
    /// With `force` the stored config is updated instead.
    pub fn for_resume(mut self, force: bool) -> Result<RunDir> {
        let mut now = self.config.clone();
        now.suite_hash = self.suite.content_hash.clone();
        now.suite_version = self.suite.manifest.version.clone();
        now.secgap_version = env!("CARGO_PKG_VERSION").into();
        if now.hash() != self.config.hash() {
            let diffs = self.config.differences(&now);
            if !force {
                bail!(
                    "the run's config no longer matches what is on disk, so resuming would mix results:\n  {}\npass --force to resume anyway (the stored config is updated)",
                    diffs.join("\n  ")
                );
            }
            self.store.set_meta("config", &now.canonical_json())?;
            self.store.set_meta("config_hash", &now.hash())?;
            self.config = now;
        }
        Ok(self)
    }
}
