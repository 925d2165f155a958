//! `ssot fix`: apply fixes, verified in memory before anything is written.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use ssot_engine::analysis::AnalysisError;
use ssot_engine::fix_diagnosis::{Diagnosis, IncrementalDiagnosis};
use ssot_facts::FileFacts;
use ssot_fix::session::{run_fixes, ChangedFile, FixHost, FixOptions, FixOutcome};
use ssot_fix::shims::ShimRequest;
use ssot_index::{FileId, Project};
use ssot_rules::{ConceptReport, Diagnostic, Rule};

use crate::analysis::{Analyser, SelectionArgs};
use crate::fs::lock::ProjectLock;
use crate::fs::write::{replace_file_deferring_sync, DirectorySyncs, Expected, WriteOutcome};
use crate::output::{OutputArgs, OutputFormat};
use crate::workspace::{load_project, AnalysedFiles, ProjectArgs};
use crate::ExitStatus;

/// Arguments of `ssot fix`.
#[derive(Clone, Debug, clap::Args)]
pub struct FixArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    #[command(flatten)]
    pub rules: SelectionArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Print a unified diff of what would change and write nothing; exit 1 when something
    /// would change.
    #[arg(long)]
    pub diff: bool,
    /// Apply unsafe fixes too (rewrites that may change behaviour; see `ssot explain`).
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Report what was fixed, not the violations that remain; exit 0 unless a fix failed.
    #[arg(long)]
    pub fix_only: bool,
    /// Exit 0 even when violations remain.
    #[arg(long)]
    pub exit_zero: bool,
    /// Turn each concept's declared `shims` into deprecation shims: the re-exports of the
    /// canonical object are served by a module `__getattr__` that warns. An unsafe fix: needs
    /// `--unsafe-fixes` too.
    #[arg(long)]
    pub shims: bool,
    /// Only fix (and report) violations in this scope (`production`, `test` or a configured
    /// one); repeatable. Files of other scopes keep their imports.
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,
}

/// Reads files and runs the rules for the fix session.
struct CliHost<'a> {
    /// The rules' findings, brought up to date after each pass from the previous ones.
    diagnosis: &'a IncrementalDiagnosis,
    files: AnalysedFiles<'a>,
    /// The first analysis error (a concept that stopped resolving): the run stops with it.
    error: RefCell<Option<anyhow::Error>>,
    /// Concept figures of the first analysis (before any fix) and of the latest one.
    first_concepts: RefCell<Option<Vec<ConceptReport>>>,
    last_concepts: RefCell<Vec<ConceptReport>>,
    /// The project's import style, which rewritten imports follow.
    style: ssot_fix::ImportStyle,
    /// `--scope`: only diagnostics in these scopes are fixed and counted; empty is all.
    scopes: &'a [String],
}

impl FixHost for CliHost<'_> {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        self.files
            .read(path)
            .map_err(|err| format!("{err}; run `ssot fix` again"))
    }

    fn diagnose(&self, project: &mut Project) -> Vec<Diagnostic> {
        let diagnosis = self.diagnosis.diagnose(project, &self.files);
        self.take(diagnosis)
    }

    fn diagnose_changed(
        &self,
        project: &mut Project,
        changed: &[(FileId, &FileFacts)],
    ) -> Vec<Diagnostic> {
        let diagnosis = self
            .diagnosis
            .diagnose_changed(project, &self.files, changed);
        self.take(diagnosis)
    }

    fn shim_requests(&self, project: &Project) -> Vec<ShimRequest> {
        let mut resolver = ssot_index::Resolver::new(project);
        let Ok(concepts) =
            ssot_rules::resolve_concepts(&mut resolver, self.diagnosis.declarations())
        else {
            return Vec::new();
        };
        ssot_fix::shims::shim_requests(&concepts)
    }

    fn import_style(&self) -> ssot_fix::ImportStyle {
        self.style.clone()
    }
}

impl CliHost<'_> {
    /// The diagnostics of a diagnosis in the selected scopes; the concept figures kept, the
    /// warnings printed, an error kept to stop the run with.
    fn take(&self, diagnosis: Result<Diagnosis, AnalysisError>) -> Vec<Diagnostic> {
        match diagnosis {
            Ok(diagnosis) => {
                for warning in &diagnosis.warnings {
                    ssot_engine::events::warn(format_args!("{warning}"));
                }
                self.first_concepts
                    .borrow_mut()
                    .get_or_insert_with(|| diagnosis.concepts.clone());
                *self.last_concepts.borrow_mut() = diagnosis.concepts;
                in_scopes(diagnosis.diagnostics, self.scopes)
            }
            Err(err) => {
                self.error.borrow_mut().get_or_insert(err.into());
                Vec::new()
            }
        }
    }
}

pub fn run(args: &FixArgs) -> Result<ExitStatus> {
    let format = args.output.format.unwrap_or(OutputFormat::Full);
    if !matches!(
        format,
        OutputFormat::Full | OutputFormat::Concise | OutputFormat::Json
    ) {
        bail!(
            "`ssot fix` reports in `full`, `concise` or `json`, not `{}`",
            format.name()
        );
    }
    let selection = args.rules.selection()?;
    // One writing command at a time: taken before anything is read, so a second `fix` that
    // got the lock after the first finished sees the first one's result.
    let _lock = if args.diff {
        None
    } else {
        ProjectLock::acquire(&project_root(&args.project)?, "fix")?
    };
    let started = std::time::Instant::now();
    let mut loaded = load_project(&args.project, Some(&selection))?;
    crate::timing::report("fix: load", started.elapsed());
    crate::scopes::Scopes::from_config(&loaded.config)?.check_selection(&args.scopes)?;
    let diagnosis = IncrementalDiagnosis::for_loaded(&loaded, &selection)?;
    let host = CliHost {
        diagnosis: &diagnosis,
        files: AnalysedFiles::new(&loaded.root, &loaded.content_hashes, &loaded.config),
        error: RefCell::new(None),
        first_concepts: RefCell::new(None),
        last_concepts: RefCell::new(Vec::new()),
        style: crate::import_style::import_style(&loaded),
        scopes: &args.scopes,
    };
    let options = FixOptions {
        unsafe_fixes: args.unsafe_fixes,
        shims: args.shims,
        ..FixOptions::default()
    };
    let started = std::time::Instant::now();
    let outcome = run_fixes(&mut loaded.project, &host, options);
    crate::timing::report("fix: session", started.elapsed());
    if std::env::var_os("SSOT_TIMINGS").is_some() {
        let counts = diagnosis.counts();
        eprintln!(
            "timing fix: {} analyses of every file ({} after a change too wide to update), {} \
             incremental updates",
            counts.full, counts.fallbacks, counts.incremental
        );
    }
    if let Some(err) = host.error.into_inner() {
        return Err(err.context("the project could not be analysed"));
    }
    // The session analyses the project first and last: those are the figures before and after.
    let before = host.first_concepts.into_inner().unwrap_or_default();
    let mut after = host.last_concepts.into_inner();
    let mut remaining = outcome.remaining.len();

    // The report's destination is opened before any source is written: a report that cannot
    // be written stops the run while the sources are still untouched.
    let destination = args.output.open()?;
    let mut not_written: Vec<(String, String)> = Vec::new();
    let mut files_written = 0;
    if !args.diff {
        remove_stale_temporaries(&loaded);
        (files_written, not_written) = write_changed_files(&loaded, &outcome.changed);
        if !not_written.is_empty() {
            // The in-memory result is not what is on disk: measure what is.
            let (concepts, violations) = measure_on_disk(args, &selection)?;
            after = concepts;
            remaining = violations;
        }
    }
    let report = FixReport {
        outcome: &outcome,
        not_written: &not_written,
        files_written,
        remaining,
        before: &before,
        after: &after,
        dry_run: args.diff,
        fix_only: args.fix_only,
        unsafe_fixes: args.unsafe_fixes,
    };
    destination.write_with(|out| {
        if args.diff && format != OutputFormat::Json {
            for changed in &outcome.changed {
                let diff = ssot_fix::diff::unified_diff(
                    &changed.path,
                    &changed.source.text,
                    &changed.new_text,
                );
                out.write_all(diff.as_bytes())?;
            }
        }
        match format {
            OutputFormat::Json => report.render_json(out),
            _ if args.diff => report.render_text(&mut std::io::stderr().lock()),
            _ => report.render_text(out),
        }
    })?;
    // Loud whatever the format: a fix ssot could not verify is a bug in ssot.
    for failure in &outcome.failures {
        eprintln!(
            "ssot: internal error: {}: {}",
            failure.path, failure.message
        );
    }
    Ok(if !outcome.failures.is_empty() || loaded.internal_error {
        ExitStatus::Error
    } else if args.diff {
        if outcome.changed.is_empty() {
            ExitStatus::Success
        } else {
            ExitStatus::Failure
        }
    } else if !not_written.is_empty() || (remaining > 0 && !args.fix_only && !args.exit_zero) {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// Writes the changed files (compare-and-swap each, in parallel: flushing each file to disk
/// is what takes the time, and the disk can flush several at once). Returns how many files
/// were written and the ones that were not, with the reason, sorted by path.
fn write_changed_files(
    loaded: &crate::workspace::LoadedProject,
    changed: &[ChangedFile],
) -> (usize, Vec<(String, String)>) {
    use rayon::prelude::*;
    struct Planned<'a> {
        changed: &'a ChangedFile,
        path: PathBuf,
        bytes: Vec<u8>,
    }
    let mut not_written = Vec::new();
    let mut planned: Vec<Planned<'_>> = Vec::new();
    // Two paths may name one file (a symbolic link): it is written once, and only when both
    // paths want the same bytes.
    let mut by_real_path: rustc_hash::FxHashMap<PathBuf, usize> = Default::default();
    let mut other_names: Vec<(usize, &str)> = Vec::new();
    for changed in changed {
        let path = loaded.absolute_path(&changed.path);
        let bytes = changed.source.encode(&changed.new_text);
        let real = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if let Some(&first) = by_real_path.get(&real) {
            if planned[first].bytes == bytes {
                other_names.push((first, &changed.path));
            } else {
                not_written.push((
                    changed.path.clone(),
                    "another path to the same file was rewritten differently".to_string(),
                ));
            }
            continue;
        }
        if let Some(coding) = bom_with_other_coding(&changed.source.original) {
            not_written.push((
                changed.path.clone(),
                format!(
                    "a UTF-8 byte order mark and a `coding: {coding}` declaration: Python \
                     rejects the file; not rewritten"
                ),
            ));
            continue;
        }
        by_real_path.insert(real, planned.len());
        planned.push(Planned {
            changed,
            path,
            bytes,
        });
    }
    let results: Vec<(Result<WriteOutcome, String>, DirectorySyncs)> = planned
        .par_iter()
        .map(|planned| {
            let mut syncs = DirectorySyncs::default();
            let outcome = replace_file_deferring_sync(
                &planned.path,
                Expected::Bytes(&planned.changed.source.original),
                &planned.bytes,
                &mut syncs,
            )
            .map_err(|err| format!("cannot write: {err}"));
            (outcome, syncs)
        })
        .collect();
    let mut all_syncs = DirectorySyncs::default();
    let mut reasons: Vec<Option<String>> = Vec::with_capacity(results.len());
    for (outcome, syncs) in results {
        all_syncs.absorb(syncs);
        reasons.push(match outcome {
            Ok(outcome) => outcome.reason(),
            Err(reason) => Some(reason),
        });
    }
    all_syncs.sync();
    let mut files_written = 0;
    for (planned, reason) in planned.iter().zip(&reasons) {
        match reason {
            None => files_written += 1,
            Some(reason) => not_written.push((planned.changed.path.clone(), reason.clone())),
        }
    }
    for (first, path) in other_names {
        match &reasons[first] {
            None => files_written += 1,
            Some(reason) => not_written.push((path.to_string(), reason.clone())),
        }
    }
    not_written.sort();
    (files_written, not_written)
}

/// The encoding a file starting with a UTF-8 byte order mark declares in a coding comment
/// (PEP 263, first two lines) when it is not UTF-8: CPython refuses such a file.
fn bom_with_other_coding(bytes: &[u8]) -> Option<String> {
    let rest = bytes.strip_prefix(b"\xef\xbb\xbf")?;
    for line in rest.split(|&b| b == b'\n').take(2) {
        let line = String::from_utf8_lossy(line);
        let trimmed = line.trim_start_matches([' ', '\t', '\x0c']);
        if !trimmed.starts_with('#') {
            if trimmed.trim().is_empty() {
                continue;
            }
            return None;
        }
        let Some(at) = trimmed.find("coding") else {
            continue;
        };
        let after = &trimmed[at + "coding".len()..];
        let Some(value) = after.strip_prefix([':', '=']) else {
            continue;
        };
        let name: String = value
            .trim_start_matches([' ', '\t'])
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect();
        let normal = name.to_ascii_lowercase().replace('_', "-");
        if normal.is_empty()
            || normal == "utf-8"
            || normal.starts_with("utf-8-")
            || normal == "utf8"
        {
            return None;
        }
        return Some(name);
    }
    None
}

/// The project root a command's arguments name, found the way loading finds it.
fn project_root(args: &ProjectArgs) -> Result<PathBuf> {
    crate::workspace::project_root(args)
}

/// Removes temporary files that runs killed mid-write left beside the project's files.
fn remove_stale_temporaries(loaded: &crate::workspace::LoadedProject) {
    let mut directories: Vec<PathBuf> = loaded
        .project
        .files
        .iter()
        .filter_map(|file| loaded.absolute_path(&file.path).parent().map(PathBuf::from))
        .collect();
    directories.push(loaded.root.clone());
    directories.sort();
    directories.dedup();
    for directory in directories {
        crate::fs::temp_file::remove_stale_temporaries(&directory);
    }
}

/// Concept figures and the number of violations of the project as it is on disk now.
fn measure_on_disk(
    args: &FixArgs,
    selection: &ssot_rules::RuleSelection,
) -> Result<(Vec<ConceptReport>, usize)> {
    let mut loaded = load_project(&args.project, Some(selection))?;
    let analyser = Analyser::new(&loaded, selection)?;
    let files = AnalysedFiles::new(&loaded.root, &loaded.content_hashes, &loaded.config);
    let analysis = analyser
        .analyse(&mut loaded.project, &files)
        .context("the project could not be analysed after writing")?;
    let remaining = in_scopes(analysis.diagnostics, &args.scopes).len();
    Ok((analysis.concepts, remaining))
}

/// The diagnostics in the `--scope` scopes (all of them when none was given).
fn in_scopes(mut diagnostics: Vec<Diagnostic>, scopes: &[String]) -> Vec<Diagnostic> {
    if !scopes.is_empty() {
        diagnostics.retain(|d| scopes.contains(&d.scope));
    }
    diagnostics
}

/// What `ssot fix` prints.
struct FixReport<'a> {
    outcome: &'a FixOutcome,
    not_written: &'a [(String, String)],
    /// Files replaced on disk.
    files_written: usize,
    /// Violations that remain on disk (or would, after `--diff`).
    remaining: usize,
    before: &'a [ConceptReport],
    after: &'a [ConceptReport],
    dry_run: bool,
    fix_only: bool,
    unsafe_fixes: bool,
}

impl FixReport<'_> {
    /// Fixed diagnostics per rule, over the files written (or that would be).
    fn fixed(&self) -> BTreeMap<Rule, u32> {
        let mut fixed = BTreeMap::new();
        for changed in &self.outcome.changed {
            if self
                .not_written
                .iter()
                .any(|(path, _)| path == &changed.path)
            {
                continue;
            }
            for (rule, count) in &changed.fixed {
                *fixed.entry(*rule).or_default() += count;
            }
        }
        fixed
    }

    fn files(&self) -> usize {
        if self.dry_run {
            self.outcome.changed.len()
        } else {
            self.files_written
        }
    }

    fn render_text(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let fixed = self.fixed();
        let total: u32 = fixed.values().sum();
        let verb = if self.dry_run { "Would fix" } else { "Fixed" };
        let per_rule: Vec<String> = fixed
            .iter()
            .map(|(rule, count)| format!("{} ×{count}", rule.code()))
            .collect();
        if total == 0 {
            writeln!(out, "No fixes applied.")?;
        } else {
            writeln!(
                out,
                "{verb} {total} violation{} in {} file{} ({}), verified before writing.",
                plural(total as usize),
                self.files(),
                plural(self.files()),
                per_rule.join(", ")
            )?;
        }
        if let Some(bindings) = fixed.get(&Rule::NonCanonicalImport) {
            writeln!(
                out,
                "  {bindings} import binding{} now use{} the canonical path.",
                plural(*bindings as usize),
                if *bindings == 1 { "s" } else { "" }
            )?;
        }
        for (module, result) in &self.outcome.shims {
            match result {
                Ok(served) => writeln!(
                    out,
                    "Shim `{module}` now serves {} with a DeprecationWarning.",
                    served
                        .iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )?,
                Err(reason) => writeln!(out, "Shim `{module}` not rewritten: {reason}")?,
            }
        }
        for (path, reason) in self.not_written {
            writeln!(out, "Not written: {path}: {reason}")?;
        }
        for failure in &self.outcome.failures {
            writeln!(out, "error: {}: {}", failure.path, failure.message)?;
        }
        if self.outcome.hit_pass_cap {
            writeln!(
                out,
                "warning: stopped after {} passes with fixes still applicable",
                self.outcome.passes
            )?;
        }
        if !self.outcome.skipped.is_empty() {
            let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
            for skipped in &self.outcome.skipped {
                *reasons.entry(skipped.reason.as_str()).or_default() += 1;
            }
            writeln!(
                out,
                "Skipped {} fix{}:",
                self.outcome.skipped.len(),
                if self.outcome.skipped.len() == 1 {
                    ""
                } else {
                    "es"
                }
            )?;
            for (reason, count) in &reasons {
                writeln!(out, "  {count} × {reason}")?;
            }
            if !self.fix_only {
                for skipped in &self.outcome.skipped {
                    let d = &skipped.diagnostic;
                    writeln!(
                        out,
                        "  {}:{}:{}: {} {}",
                        d.path,
                        d.start.line,
                        d.start.column,
                        d.rule.code(),
                        skipped.reason
                    )?;
                }
            }
            if !self.unsafe_fixes
                && self
                    .outcome
                    .skipped
                    .iter()
                    .any(|s| s.reason.contains("--unsafe-fixes"))
            {
                writeln!(out, "  (review them with `ssot fix --diff --unsafe-fixes`)")?;
            }
        }
        for (before, after) in self.before.iter().zip(self.after) {
            let (b, a) = (before.total(), after.total());
            writeln!(
                out,
                "Concept `{}`: compliance {} → {}{}",
                after.name,
                figure(b),
                figure(a),
                if self.dry_run { " (after the fix)" } else { "" }
            )?;
        }
        if !self.fix_only && self.remaining > 0 {
            writeln!(
                out,
                "{} violation{} remain{} (`ssot check` lists them).",
                self.remaining,
                plural(self.remaining),
                if self.remaining == 1 { "s" } else { "" }
            )?;
        }
        Ok(())
    }

    fn render_json(&self, out: &mut dyn Write) -> std::io::Result<()> {
        use serde_json::json;
        let fixed = self.fixed();
        let compliance = |c: ssot_rules::Compliance| {
            json!({
                "references": c.references,
                "canonical_references": c.canonical_references,
                "compliance": c.ratio(),
            })
        };
        let document = json!({
            "schema": "ssot.fix/1",
            "written": !self.dry_run && self.files_written > 0,
            "files": self.outcome.changed.iter()
                .filter(|c| !self.not_written.iter().any(|(p, _)| p == &c.path))
                .map(|c| {
                    let mut file = json!({
                        "path": c.path,
                        "fixed": c.fixed.iter().map(|(r, n)| (r.code().to_string(), json!(n)))
                            .collect::<serde_json::Map<_, _>>(),
                    });
                    if self.dry_run {
                        file["diff"] = json!(ssot_fix::diff::unified_diff(
                            &c.path,
                            &c.source.text,
                            &c.new_text,
                        ));
                    }
                    file
                })
                .collect::<Vec<_>>(),
            "fixed": fixed.iter().map(|(r, n)| (r.code().to_string(), json!(n)))
                .collect::<serde_json::Map<_, _>>(),
            "skipped": self.outcome.skipped.iter().map(|s| json!({
                "code": s.diagnostic.rule.code(),
                "path": s.diagnostic.path,
                "line": s.diagnostic.start.line,
                "column": s.diagnostic.start.column,
                "reason": s.reason,
            })).collect::<Vec<_>>(),
            "not_written": self.not_written.iter()
                .map(|(path, reason)| json!({"path": path, "reason": reason}))
                .collect::<Vec<_>>(),
            "failures": self.outcome.failures.iter()
                .map(|f| json!({"path": f.path, "message": f.message}))
                .collect::<Vec<_>>(),
            "shims": self.outcome.shims.iter().map(|(module, result)| match result {
                Ok(served) => json!({"module": module, "served": served}),
                Err(reason) => json!({"module": module, "skipped": reason}),
            }).collect::<Vec<_>>(),
            "remaining": self.remaining,
            "concepts": self.before.iter().zip(self.after).map(|(b, a)| json!({
                "name": a.name,
                "canonical": a.canonical,
                "before": compliance(b.total()),
                "after": compliance(a.total()),
            })).collect::<Vec<_>>(),
        });
        serde_json::to_writer_pretty(&mut *out, &document)?;
        writeln!(out)
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 {
        ""
    } else {
        "s"
    }
}

fn figure(c: ssot_rules::Compliance) -> String {
    match c.ratio() {
        Some(ratio) => format!(
            "{}/{} ({:.1}%)",
            c.canonical_references,
            c.references,
            ratio * 100.0
        ),
        None => "no references".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::bom_with_other_coding;

    #[test]
    fn a_bom_conflicts_only_with_a_coding_that_is_not_utf8() {
        assert_eq!(
            bom_with_other_coding(b"\xef\xbb\xbf# -*- coding: latin-1 -*-\nx = 1\n"),
            Some("latin-1".to_string())
        );
        assert_eq!(
            bom_with_other_coding(b"\xef\xbb\xbf#!/usr/bin/env python\n# coding=cp1252\n"),
            Some("cp1252".to_string())
        );
        assert_eq!(
            bom_with_other_coding(b"\xef\xbb\xbf# coding: utf-8\n"),
            None
        );
        assert_eq!(
            bom_with_other_coding(b"\xef\xbb\xbfx = 1\n# coding: latin-1\n"),
            None
        );
        assert_eq!(bom_with_other_coding(b"# coding: latin-1\n"), None);
    }
}
