//! A fix run whose host brings its analysis up to date after every pass
//! ([`IncrementalDiagnosis`]) has exactly the outcome of one whose host analyses every file
//! each time: the same rewritten texts and counts, the same skipped fixes with the same
//! reasons, the same remaining diagnostics, failures, shims and passes.
//!
//! The projects are random edits of the generated project of `tests/common` (fixed seeds;
//! `SSOT_FIX_INCREMENTAL_SEEDS` runs more), fixed with and without unsafe fixes and shims.

mod common;

use std::cell::RefCell;

use common::{edit, write_project, Rng, FILES};

use ssot_engine::check_run::Analyser;
use ssot_engine::fix_diagnosis::IncrementalDiagnosis;
use ssot_engine::workspace::{load_project, AnalysedFiles, LoadedProject, ProjectArgs};
use ssot_facts::FileFacts;
use ssot_fix::session::{run_fixes, FixHost, FixOptions, FixOutcome};
use ssot_fix::shims::ShimRequest;
use ssot_index::{FileId, Project};
use ssot_rules::{ConceptDeclaration, Diagnostic, RuleSelection};

fn shim_requests(project: &Project, declarations: &[ConceptDeclaration]) -> Vec<ShimRequest> {
    let mut resolver = ssot_index::Resolver::new(project);
    match ssot_rules::resolve_concepts(&mut resolver, declarations) {
        Ok(concepts) => ssot_fix::shims::shim_requests(&concepts),
        Err(_) => Vec::new(),
    }
}

/// Analyses every file at every diagnosis, as the fix hosts did before they kept anything.
struct FullHost<'a> {
    analyser: Analyser,
    files: AnalysedFiles<'a>,
    errors: RefCell<Vec<String>>,
}

impl FixHost for FullHost<'_> {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        self.files.read(path)
    }

    fn diagnose(&self, project: &mut Project) -> Vec<Diagnostic> {
        match self.analyser.analyse(project, &self.files) {
            Ok(analysis) => analysis.diagnostics,
            Err(err) => {
                self.errors.borrow_mut().push(format!("{err:#}"));
                Vec::new()
            }
        }
    }

    fn shim_requests(&self, project: &Project) -> Vec<ShimRequest> {
        shim_requests(project, self.analyser.declarations())
    }
}

/// Brings its analysis up to date from the files the engine says changed.
struct IncrementalHost<'a> {
    diagnosis: IncrementalDiagnosis,
    files: AnalysedFiles<'a>,
    errors: RefCell<Vec<String>>,
}

impl IncrementalHost<'_> {
    fn take(
        &self,
        diagnosis: Result<
            ssot_engine::fix_diagnosis::Diagnosis,
            ssot_engine::analysis::AnalysisError,
        >,
    ) -> Vec<Diagnostic> {
        match diagnosis {
            Ok(diagnosis) => diagnosis.diagnostics,
            Err(err) => {
                self.errors
                    .borrow_mut()
                    .push(format!("{:#}", anyhow::Error::from(err)));
                Vec::new()
            }
        }
    }
}

impl FixHost for IncrementalHost<'_> {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        self.files.read(path)
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
        shim_requests(project, self.diagnosis.declarations())
    }
}

fn load(root: &std::path::Path) -> LoadedProject {
    let args = ProjectArgs {
        paths: vec![root.to_path_buf()],
        no_cache: true,
        ..ProjectArgs::default()
    };
    load_project(&args, Some(&RuleSelection::default_rules())).unwrap()
}

fn describe_diagnostic(d: &Diagnostic) -> String {
    format!(
        "{}:{}:{} {} {} [{}] {:?} fp={} fix={:?}",
        d.path,
        d.start.line,
        d.start.column,
        d.rule.code(),
        d.message,
        d.scope,
        d.end,
        d.fingerprint,
        d.fix
    )
}

fn describe(outcome: &FixOutcome, errors: &[String]) -> String {
    let mut out = String::new();
    for changed in &outcome.changed {
        out.push_str(&format!(
            "changed {} {:?}\n{}\n",
            changed.path, changed.fixed, changed.new_text
        ));
    }
    for skipped in &outcome.skipped {
        out.push_str(&format!(
            "skipped {} because {}\n",
            describe_diagnostic(&skipped.diagnostic),
            skipped.reason
        ));
    }
    for d in &outcome.remaining {
        out.push_str(&format!("remaining {}\n", describe_diagnostic(d)));
    }
    for failure in &outcome.failures {
        out.push_str(&format!("failure {}: {}\n", failure.path, failure.message));
    }
    for shim in &outcome.shims {
        out.push_str(&format!("shim {shim:?}\n"));
    }
    out.push_str(&format!(
        "passes {} cap {}\n",
        outcome.passes, outcome.hit_pass_cap
    ));
    for error in errors {
        out.push_str(&format!("error {error}\n"));
    }
    out
}

/// Runs one random project through both hosts; returns the incremental host's number of
/// incremental updates and whether the run changed anything.
fn run_case(seed: u64) -> (u32, bool) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    write_project(&root);
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut history = Vec::new();
    for _ in 0..rng.below(8) {
        let (path, _) = FILES[rng.below(FILES.len())];
        let text = std::fs::read_to_string(root.join(path)).unwrap();
        let (what, edited) = edit(&mut rng, &text);
        history.push(format!("{path}: {what}"));
        std::fs::write(root.join(path), edited).unwrap();
    }
    eprintln!("  edits: {history:?}");
    let options = FixOptions {
        unsafe_fixes: rng.below(2) == 0,
        shims: rng.below(3) == 0,
        ..FixOptions::default()
    };
    let selection = RuleSelection::default_rules();

    let mut full_loaded = load(&root);
    let full = FullHost {
        analyser: Analyser::new(&full_loaded, &selection).unwrap(),
        files: AnalysedFiles::new(
            &full_loaded.root,
            &full_loaded.content_hashes,
            &full_loaded.config,
        ),
        errors: RefCell::new(Vec::new()),
    };
    eprintln!("  {options:?}: every file");
    let full_outcome = run_fixes(&mut full_loaded.project, &full, options);
    eprintln!("  incremental");
    let expected = describe(&full_outcome, &full.errors.borrow());

    let mut loaded = load(&root);
    let incremental = IncrementalHost {
        diagnosis: IncrementalDiagnosis::for_loaded(&loaded, &selection).unwrap(),
        files: AnalysedFiles::new(&loaded.root, &loaded.content_hashes, &loaded.config),
        errors: RefCell::new(Vec::new()),
    };
    let outcome = run_fixes(&mut loaded.project, &incremental, options);
    let actual = describe(&outcome, &incremental.errors.borrow());
    assert!(
        expected == actual,
        "seed {seed} ({options:?}): the incremental host's outcome differs\nedits:\n  {}\n\
         --- every file analysed:\n{expected}\n--- incremental:\n{actual}",
        history.join("\n  ")
    );
    (
        incremental.diagnosis.counts().incremental,
        !outcome.changed.is_empty(),
    )
}

#[test]
fn incremental_fix_host_gives_the_outcome_of_a_host_analysing_every_file() {
    let seeds = std::env::var("SSOT_FIX_INCREMENTAL_SEEDS")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(24u64);
    let mut updates = 0;
    let mut changing = 0;
    for seed in 1..=seeds {
        eprintln!("seed {seed}");
        let (incremental, changed) = run_case(seed);
        updates += incremental;
        changing += u64::from(changed);
    }
    // The runs must rewrite files and take the incremental path, or this checks nothing.
    assert!(
        changing * 2 > seeds,
        "only {changing} of {seeds} runs changed a file"
    );
    assert!(
        u64::from(updates) >= changing,
        "only {updates} incremental updates in {changing} runs that changed files"
    );
    eprintln!("{changing} of {seeds} runs changed files; {updates} incremental updates");
}
