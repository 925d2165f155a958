//! `ssot clean`: removes the facts cache.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};

use crate::workspace::{project_root, ProjectArgs};
use crate::ExitStatus;

/// Arguments of `ssot clean`.
#[derive(Clone, Debug, clap::Args)]
pub struct CleanArgs {
    /// The project (default: the one the current directory is in).
    pub path: Option<PathBuf>,
    /// The cache directory to remove, when it is not `.ssot_cache` in the project root (also
    /// `SSOT_CACHE_DIR`).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

pub fn run(args: &CleanArgs) -> Result<ExitStatus> {
    let root = project_root(&ProjectArgs {
        paths: args.path.iter().cloned().collect(),
        ..ProjectArgs::default()
    })?;
    let directory = crate::load::cache_dir(&root, args.cache_dir.as_deref());
    // Only a directory ssot created is removed: `--cache-dir ~` must not empty a home.
    if directory.exists() && !ssot_engine::cache::is_ssot_cache_dir(&directory) {
        bail!(
            "{} does not look like an ssot cache (no CACHEDIR.TAG written by ssot); not removed",
            directory.display()
        );
    }
    let removed = ssot_engine::cache::remove_cache_dir(&directory)
        .with_context(|| format!("cannot remove {}", directory.display()))?;
    if removed {
        crate::output::note(format_args!("Removed {}", directory.display()));
    }
    Ok(ExitStatus::Success)
}
