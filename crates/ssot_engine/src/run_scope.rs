//! Which baseline entries a run can judge, and reading the baseline file.
//!
//! A run over part of the project, with rules deselected, or with files that could not be read
//! cannot tell whether the entries outside its view still occur, so it neither reports them as
//! fixed nor removes them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use ssot_rules::baseline::DEFAULT_BASELINE_FILE;
use ssot_rules::{Baseline, BaselineEntry, Rule, RuleSelection};

use crate::analysis::PerFileIgnores;
use crate::config::critical_paths::CriticalPaths;
use crate::scopes::Scopes;
use crate::workspace::LoadedProject;

/// Which baseline entries a run can judge.
pub struct RunScope {
    selection: RuleSelection,
    per_file_ignores: PerFileIgnores,
    /// Analysed paths relative to the root; `""` is the whole project.
    targets: Vec<String>,
    /// Files that could not be analysed (SSOT002 or an internal error).
    problem_paths: BTreeSet<String>,
    /// `--scope`: the scopes asked about and how paths map to scopes; `None` is every scope.
    selected_scopes: Option<(Scopes, Vec<String>)>,
    /// `--tier`: whether each path of the project is in a selected tier, and the tiers (for
    /// entries of files no longer in the project); `None` is every file, in a tier or not.
    selected_tiers: Option<SelectedTiers>,
}

/// The files of the tiers `--tier` asked about.
struct SelectedTiers {
    critical_paths: CriticalPaths,
    ranks: Vec<usize>,
    /// Each project file's path and whether it is in a selected tier.
    files: std::collections::BTreeMap<String, bool>,
}

impl RunScope {
    pub fn new(
        loaded: &LoadedProject,
        selection: &RuleSelection,
        per_file_ignores: PerFileIgnores,
    ) -> Self {
        Self {
            selection: selection.clone(),
            per_file_ignores,
            targets: loaded.targets.clone(),
            problem_paths: loaded.problems.iter().map(|p| p.path.clone()).collect(),
            selected_scopes: None,
            selected_tiers: None,
        }
    }

    /// Limits the run to diagnostics in `selected` critical-path tiers (`--tier`; empty:
    /// every file): checks the names, drops the diagnostics of files in no selected tier and
    /// makes their baseline entries unjudged.
    pub fn limit_to_tiers(
        &mut self,
        loaded: &LoadedProject,
        selected: &[String],
        diagnostics: &mut Vec<ssot_rules::Diagnostic>,
    ) -> Result<()> {
        let critical_paths = CriticalPaths::from_config(&loaded.config.critical_paths)?;
        critical_paths.check_selection(selected)?;
        if selected.is_empty() {
            return Ok(());
        }
        diagnostics.retain(|d| d.tier.as_ref().is_some_and(|tier| selected.contains(tier)));
        let ranks: Vec<usize> = selected
            .iter()
            .filter_map(|name| critical_paths.rank(name))
            .collect();
        let project = &loaded.project;
        let files = project
            .files
            .iter()
            .map(|file| {
                let rank = critical_paths.tier_of_path(project, &file.path);
                (
                    file.path.clone(),
                    rank.is_some_and(|rank| ranks.contains(&rank)),
                )
            })
            .collect();
        self.selected_tiers = Some(SelectedTiers {
            critical_paths,
            ranks,
            files,
        });
        Ok(())
    }

    /// Limits the run to diagnostics in `selected` scopes (`--scope`; empty: every scope):
    /// checks the names, drops the other scopes' diagnostics and makes entries of other
    /// scopes unjudged, so they are neither reported as fixed nor removed.
    pub fn limit_to_scopes(
        &mut self,
        config: &crate::config::Config,
        selected: &[String],
        diagnostics: &mut Vec<ssot_rules::Diagnostic>,
    ) -> Result<()> {
        let scopes = Scopes::from_config(config)?;
        scopes.check_selection(selected)?;
        if selected.is_empty() {
            return Ok(());
        }
        diagnostics.retain(|d| selected.contains(&d.scope));
        self.selected_scopes = Some((scopes, selected.to_vec()));
        Ok(())
    }

    /// The run would have reported the entry's violation if it still occurred: its rule ran on
    /// its file, the file was analysed and could be read. Entries with codes this version does
    /// not know are never judged.
    pub fn judges(&self, entry: &BaselineEntry) -> bool {
        let Some(rule) = Rule::from_code_or_name(&entry.code) else {
            return false;
        };
        let path = entry.path.as_str();
        let targeted = self.targets.iter().any(|target| {
            target.is_empty()
                || path == target
                || path
                    .strip_prefix(target.as_str())
                    .is_some_and(|rest| rest.starts_with('/'))
        });
        targeted
            && self.selection.is_selected(rule)
            && !self.per_file_ignores.ignores(path, rule)
            && (rule == Rule::UnreadableFile || !self.problem_paths.contains(path))
            && self
                .selected_scopes
                .as_ref()
                .is_none_or(|(scopes, selected)| selected.iter().any(|s| s == scopes.of(path)))
            && self.selected_tiers.as_ref().is_none_or(|tiers| {
                tiers.files.get(path).copied().unwrap_or_else(|| {
                    tiers
                        .critical_paths
                        .rank_of(path, None)
                        .is_some_and(|rank| tiers.ranks.contains(&rank))
                })
            })
    }
}

/// The baseline file of a project: the configured `baseline`, relative to the root.
pub fn baseline_path(loaded: &LoadedProject) -> (PathBuf, String) {
    let relative = loaded
        .config
        .baseline
        .clone()
        .unwrap_or_else(|| DEFAULT_BASELINE_FILE.to_string());
    (loaded.root.join(&relative), relative)
}

/// Reads a baseline file; `None` when it does not exist.
pub fn read_baseline(path: &Path) -> Result<Option<Baseline>> {
    Ok(read_baseline_file(path)?.map(|(_, baseline)| baseline))
}

/// Reads a baseline file: its bytes and what they say; `None` when it does not exist.
pub fn read_baseline_file(path: &Path) -> Result<Option<(Vec<u8>, Baseline)>> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => {
            return Err(err).with_context(|| format!("cannot read baseline {}", path.display()))
        }
    };
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("invalid baseline {}: not UTF-8", path.display()))?;
    let baseline =
        Baseline::parse(&text).with_context(|| format!("invalid baseline {}", path.display()))?;
    Ok(Some((text.into_bytes(), baseline)))
}
