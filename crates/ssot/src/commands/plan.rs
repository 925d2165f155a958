//! `ssot plan`: the phased remediation plan (security → consolidation → imports →
//! test-doubles), critical tiers first.
//!
//! One analysis gives the findings; `fix`'s own session, run as the dry run behind
//! `ssot fix --diff` (nothing is written), says which imports it rewrites and why it leaves
//! the others, so the plan's automatic count is `fix`'s count by construction.

mod factories;
mod phases;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{bail, Result};
use ssot_engine::analysis::AnalysisError;
use ssot_engine::fix_diagnosis::{Diagnosis, IncrementalDiagnosis};
use ssot_facts::{CallDetail, FileFacts};
use ssot_fix::session::{run_fixes, FixHost, FixOptions, FixOutcome};
use ssot_index::{FileId, Project};
use ssot_rules::{Diagnostic, Rule, RuleSelection};

use crate::analysis::{baseline_path, read_baseline, Analyser};
use crate::workspace::{load_project, AnalysedFiles, ProjectArgs};
use crate::ExitStatus;

pub use phases::{build_plan, ImportFixes, PlanInput};

/// The formats of `ssot plan`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanFormat {
    Markdown,
    Json,
}

/// Arguments of `ssot plan`.
#[derive(Clone, Debug, clap::Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub project: ProjectArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: PlanFormat,
    /// Write the plan to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The most files one step of hand edits touches.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub batch_size: usize,
}

/// Runs the rules for `fix`'s session: the first diagnosis is the plan's own analysis (every
/// rule `fix` runs), handed over rather than computed twice. Later diagnoses, of the project
/// as the session rewrote it, run SSOT101 only: the plan reads from the session which
/// imports it rewrites and why it leaves the others, never what else remains, and SSOT101
/// depends on no other rule. Each of them is brought up to date from the one before; and as
/// SSOT101 reads no call site, rewritten files are extracted with the loader's call detail.
struct PlanHost<'a> {
    imports_only: IncrementalDiagnosis,
    files: AnalysedFiles<'a>,
    first: RefCell<Option<Vec<Diagnostic>>>,
    error: RefCell<Option<anyhow::Error>>,
    style: ssot_fix::ImportStyle,
    call_detail: CallDetail,
}

impl PlanHost<'_> {
    fn take(&self, diagnosis: Result<Diagnosis, AnalysisError>) -> Vec<Diagnostic> {
        match diagnosis {
            Ok(diagnosis) => diagnosis.diagnostics,
            Err(err) => {
                self.error.borrow_mut().get_or_insert(err.into());
                Vec::new()
            }
        }
    }
}

impl FixHost for PlanHost<'_> {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        self.files.read(path)
    }

    fn diagnose(&self, project: &mut Project) -> Vec<Diagnostic> {
        if let Some(first) = self.first.borrow_mut().take() {
            return first;
        }
        let diagnosis = self.imports_only.diagnose(project, &self.files);
        self.take(diagnosis)
    }

    fn diagnose_changed(
        &self,
        project: &mut Project,
        changed: &[(FileId, &FileFacts)],
    ) -> Vec<Diagnostic> {
        if let Some(first) = self.first.borrow_mut().take() {
            return first;
        }
        // The first of these analyses every file (the handed-over diagnosis kept nothing).
        let diagnosis = self
            .imports_only
            .diagnose_changed(project, &self.files, changed);
        self.take(diagnosis)
    }

    fn rewritten_call_detail(&self) -> CallDetail {
        self.call_detail
    }

    fn import_style(&self) -> ssot_fix::ImportStyle {
        self.style.clone()
    }
}

pub fn run(args: &PlanArgs) -> Result<ExitStatus> {
    if args.batch_size == 0 {
        bail!("--batch-size: a step needs at least one file");
    }
    // `fix`'s default selection: the plan's automatic count is what `ssot fix` would do.
    let selection = RuleSelection::from_selectors(&[], &[], &[])?;
    let mut loaded = load_project(&args.project, Some(&selection))?;
    let analyser = Analyser::new(&loaded, &selection)?;
    let files = AnalysedFiles::new(&loaded.root, &loaded.content_hashes, &loaded.config);
    let analysis = analyser.analyse(&mut loaded.project, &files)?;
    let baseline = read_baseline(&baseline_path(&loaded).0)?;
    let critical_paths = analyser.critical_paths.clone();
    let codeowners = ssot_report::report::Codeowners::find(&|location| {
        std::fs::read(loaded.root.join(location)).ok()
    });
    // Before the fix session, which changes the facts of the files it rewrites.
    let competing_factories = {
        let project = &loaded.project;
        let scopes = crate::scopes::Scopes::from_config(&loaded.config)?;
        let mut resolver = ssot_index::Resolver::new(project);
        let concepts = ssot_rules::resolve_concepts(&mut resolver, analyser.declarations())
            .unwrap_or_default();
        factories::competing_factories(
            project,
            &concepts,
            &|file| crate::analysis::discovery_scope(&scopes, file),
            &|path| loaded.in_targets(path),
            &|path| {
                critical_paths
                    .tier_of_path(project, path)
                    .map(|rank| critical_paths.name(rank).to_string())
            },
        )
    };

    let imports_only =
        RuleSelection::from_selectors(&[Rule::NonCanonicalImport.code().to_string()], &[], &[])?;
    let host = PlanHost {
        imports_only: IncrementalDiagnosis::for_loaded(&loaded, &imports_only)?,
        files: AnalysedFiles::new(&loaded.root, &loaded.content_hashes, &loaded.config),
        first: RefCell::new(Some(analysis.diagnostics.clone())),
        error: RefCell::new(None),
        style: crate::import_style::import_style(&loaded),
        call_detail: loaded.extract_options.calls,
    };
    let outcome = run_fixes(&mut loaded.project, &host, FixOptions::default());
    if let Some(err) = host.error.into_inner() {
        return Err(err.context("the project could not be analysed"));
    }
    let diagnostics = analysis.diagnostics;
    let import_fixes = import_fixes(&diagnostics, &outcome);

    let accepted: std::collections::BTreeSet<&str> = baseline
        .iter()
        .flat_map(|b| b.entries())
        .map(|entry| entry.fingerprint.as_str())
        .collect();
    let baselined = |index: usize| accepted.contains(diagnostics[index].fingerprint.as_str());
    let factories: BTreeMap<String, String> = loaded
        .config
        .concepts
        .iter()
        .filter_map(|(name, concept)| Some((name.clone(), concept.factory.clone()?)))
        .collect();
    let batch_key = |path: &str| match &codeowners {
        Some(owners) => match owners.owners(path) {
            [] => "files without an owner".to_string(),
            names => names.join(" "),
        },
        None => match path.rsplit_once('/') {
            Some((directory, _)) => format!("`{directory}/`"),
            None => "the project root".to_string(),
        },
    };
    let input = PlanInput {
        diagnostics: &diagnostics,
        baselined: &baselined,
        concepts: &analysis.concepts,
        factories: &factories,
        competing_factories: &competing_factories,
        import_fixes,
        fix_command: fix_command(&args.project),
        tiers: critical_paths
            .names()
            .into_iter()
            .map(str::to_string)
            .collect(),
        batch_key: &batch_key,
        batch_size: args.batch_size,
    };
    let plan = build_plan(&input);
    let output = crate::output::OutputArgs {
        format: None,
        output_file: args.output.clone(),
    };
    output.write_with(|out| match args.format {
        PlanFormat::Markdown => ssot_report::plan::render_plan_markdown(&plan, out),
        PlanFormat::Json => ssot_report::plan::render_plan_json(&plan, out),
    })?;
    for failure in &outcome.failures {
        eprintln!(
            "ssot: internal error: {}: {}",
            failure.path, failure.message
        );
    }
    // The process ends next: the loaded project goes with it.
    std::mem::forget(loaded);
    Ok(if !outcome.failures.is_empty() {
        ExitStatus::Error
    } else {
        ExitStatus::Success
    })
}

/// Which SSOT101 diagnostics `fix`'s session rewrote and which it left, with its reason.
///
/// The session reports what it left as diagnostics of the rewritten project, whose lines may
/// have moved; each is matched to the original diagnostic of the same file, rule, import
/// path and message nearest its line. The rest of the file's SSOT101 diagnostics were
/// rewritten.
fn import_fixes(diagnostics: &[Diagnostic], outcome: &FixOutcome) -> ImportFixes {
    let count = outcome
        .changed
        .iter()
        .filter_map(|changed| changed.fixed.get(&Rule::NonCanonicalImport))
        .map(|&n| n as usize)
        .sum();
    let mut open: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, diagnostic) in diagnostics.iter().enumerate() {
        if diagnostic.rule == Rule::NonCanonicalImport {
            open.entry(diagnostic.path.as_str())
                .or_default()
                .push(index);
        }
    }
    let mut reasons: BTreeMap<usize, String> = BTreeMap::new();
    let skipped = outcome
        .skipped
        .iter()
        .map(|s| (&s.diagnostic, s.reason.clone()));
    // Remaining SSOT101 diagnostics the session gave no reason for are left all the same.
    let unexplained = outcome
        .remaining
        .iter()
        .filter(|d| {
            !outcome
                .skipped
                .iter()
                .any(|s| s.diagnostic.fingerprint == d.fingerprint && s.diagnostic.path == d.path)
        })
        .map(|d| (d, "`ssot fix` left it unchanged".to_string()));
    for (left, reason) in skipped.chain(unexplained) {
        if left.rule != Rule::NonCanonicalImport {
            continue;
        }
        let Some(candidates) = open.get_mut(left.path.as_str()) else {
            continue;
        };
        let best = candidates
            .iter()
            .enumerate()
            .filter(|(_, &i)| {
                let d = &diagnostics[i];
                d.import_path == left.import_path && d.message == left.message
            })
            .min_by_key(|(_, &i)| diagnostics[i].start.line.abs_diff(left.start.line))
            .map(|(position, _)| position);
        if let Some(position) = best {
            reasons.insert(candidates.remove(position), reason);
        }
    }
    let rewritten = open.into_values().flatten().collect();
    ImportFixes {
        rewritten,
        left: reasons.into_iter().collect(),
        count,
    }
}

/// The `ssot fix` command line that fixes what this plan was asked about.
fn fix_command(project: &ProjectArgs) -> String {
    let mut words = vec!["ssot".to_string(), "fix".to_string()];
    for path in &project.paths {
        words.push(shell_word(&path.to_string_lossy()));
    }
    if let Some(config) = &project.config {
        words.push("--config".to_string());
        words.push(shell_word(&config.to_string_lossy()));
    }
    for glob in &project.exclude {
        words.push("--exclude".to_string());
        words.push(shell_word(glob));
    }
    words.join(" ")
}

/// A word as a POSIX shell reads it back.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '_' | '-' | ':' | '='));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}
