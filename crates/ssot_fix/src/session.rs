//! A fix run: plan, apply, re-parse and re-index, pass after pass until nothing changes, then
//! verify every file's bindings against the project before the first edit. The rewritten
//! files' bindings are compared, and so is what each rewritten module offers its importers;
//! when those interfaces are unchanged no other file's bindings can differ, otherwise every
//! file is compared.
//!
//! The project is changed in place (facts of rewritten files); a file whose rewrite fails any
//! check gets its original text and facts back and is reported as a failure. Nothing here
//! touches the disk: the [`FixHost`] reads files and runs the rules.

use std::collections::BTreeMap;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use ssot_facts::FileFacts;
use ssot_index::{FileId, ImportTimeModel, ModuleId, Origin, Project, Resolution, Resolver};
use ssot_python::{CallDetail, SourceKind};
use ssot_rules::{Applicability, Diagnostic, Rule};

use crate::apply::apply_fixes;
use crate::import_rewrite::{plan_import_fixes, InPlace, PlannedFix};
use crate::import_style::ImportStyle;
use crate::import_time::{added_binding_problem, gate_import_fixes, shim_problem};
use crate::shims::{plan_shim, ShimRequest};
use crate::source::SourceFile;
use crate::timing::Phase;
use crate::verify::{
    binding_summaries, binding_summaries_of, describe_difference, module_interface, BindingFact,
};

/// What a fix run needs from outside: file contents and the rules.
pub trait FixHost {
    /// The bytes of a file, read for fixing: an error when they are no longer the bytes the
    /// project's facts were extracted from (the file changed since it was analysed).
    fn read(&self, path: &str) -> Result<Vec<u8>, String>;
    /// The diagnostics of the selected rules on `project` (after per-file ignores,
    /// suppressions and the command's path filter), sorted. A host that loaded call names
    /// only ([`ssot_facts::CallDetail::Names`]) completes the call sites the rules need here.
    fn diagnose(&self, project: &mut Project) -> Vec<Diagnostic>;
    /// The same diagnostics as [`FixHost::diagnose`], for a project of which only the files
    /// of `changed` differ from the project of the previous diagnosis (each given with its
    /// facts as of that diagnosis): a host that keeps its last analysis can bring it up to
    /// date instead of analysing every file again. The first diagnosis of a run always goes
    /// through [`FixHost::diagnose`].
    fn diagnose_changed(
        &self,
        project: &mut Project,
        _changed: &[(FileId, &FileFacts)],
    ) -> Vec<Diagnostic> {
        self.diagnose(project)
    }
    /// How much of a rewritten file's calls to extract. Call sites by default, so the host
    /// never has to read a changed file again for them (it would read the bytes on disk, not
    /// the rewritten text); a host whose rules read no call site may ask for call names only,
    /// which is cheaper.
    fn rewritten_call_detail(&self) -> CallDetail {
        CallDetail::Sites
    }
    /// The declared shims to turn into deprecation shims (`--shims`).
    fn shim_requests(&self, _project: &Project) -> Vec<ShimRequest> {
        Vec::new()
    }
    /// The project's import sorter and formatter settings, which new and rewritten imports
    /// follow.
    fn import_style(&self) -> ImportStyle {
        ImportStyle::default()
    }
}

/// Options of a run.
#[derive(Clone, Copy, Debug)]
pub struct FixOptions {
    /// Apply unsafe fixes too.
    pub unsafe_fixes: bool,
    /// Stop after this many passes even if fixes remain.
    pub max_passes: u32,
    /// Turn declared shims into deprecation shims (an unsafe fix) once imports are rewritten.
    pub shims: bool,
}

impl Default for FixOptions {
    fn default() -> Self {
        Self {
            unsafe_fixes: false,
            max_passes: 10,
            shims: false,
        }
    }
}

/// A file the run rewrote.
#[derive(Clone, Debug)]
pub struct ChangedFile {
    pub file: FileId,
    pub path: String,
    pub source: SourceFile,
    pub new_text: String,
    /// Diagnostics fixed in this file, per rule.
    pub fixed: BTreeMap<Rule, u32>,
}

/// A diagnostic left unfixed, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedFix {
    pub diagnostic: Diagnostic,
    pub reason: String,
}

/// A file whose rewrite failed verification: it keeps its original bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixFailure {
    pub path: String,
    pub message: String,
}

/// The result of a run.
#[derive(Debug, Default)]
pub struct FixOutcome {
    /// Sorted by path.
    pub changed: Vec<ChangedFile>,
    /// Fixable-kind diagnostics that remain, with the reason they were not fixed.
    pub skipped: Vec<SkippedFix>,
    /// Every diagnostic that remains after the run (the ones in `skipped` included).
    pub remaining: Vec<Diagnostic>,
    pub failures: Vec<FixFailure>,
    /// What became of each shim request (`--shims`): the names now served with a
    /// deprecation warning, or why the shim was not rewritten.
    pub shims: Vec<(String, Result<Vec<String>, String>)>,
    /// Passes that applied something.
    pub passes: u32,
    /// Fixes were still available when the pass cap was reached.
    pub hit_pass_cap: bool,
}

/// A file's new text, its facts, and which of its planned fixes made it.
type AppliedText = (String, FileFacts, Vec<usize>);

/// The facts of every file changed since the host last diagnosed the project, as they were
/// then: what [`FixHost::diagnose_changed`] is told.
#[derive(Default)]
struct SinceDiagnosis {
    facts: FxHashMap<FileId, FileFacts>,
}

impl SinceDiagnosis {
    /// Gives `file` the facts `facts`, remembering the ones the last diagnosis saw.
    fn set(&mut self, project: &mut Project, file: FileId, facts: FileFacts) {
        let old = std::mem::replace(&mut project.files[file as usize].facts, facts);
        self.facts.entry(file).or_insert(old);
    }

    /// Diagnoses the project through the host, telling it which files changed.
    fn diagnose(&mut self, project: &mut Project, host: &dyn FixHost) -> Vec<Diagnostic> {
        let mut changed: Vec<(FileId, &FileFacts)> = self
            .facts
            .iter()
            .map(|(file, facts)| (*file, facts))
            .collect();
        changed.sort_unstable_by_key(|(file, _)| *file);
        let diagnostics = host.diagnose_changed(project, &changed);
        self.facts.clear();
        diagnostics
    }
}

/// Per-file state while the run goes on.
struct Working {
    source: SourceFile,
    text: String,
    original_facts: FileFacts,
    fixed: BTreeMap<Rule, u32>,
}

/// Runs fixes on `project` until none applies (or the pass cap), then verifies.
pub fn run_fixes(project: &mut Project, host: &dyn FixHost, options: FixOptions) -> FixOutcome {
    let style = host.import_style();
    let detail = host.rewritten_call_detail();
    let mut working: FxHashMap<FileId, Working> = FxHashMap::default();
    let mut blocked: FxHashMap<FileId, String> = FxHashMap::default();
    let mut failures = Vec::new();
    let mut passes = 0;
    let mut hit_pass_cap = false;
    let mut since = SinceDiagnosis::default();
    let mut diagnostics = host.diagnose(project);
    loop {
        let phase = Phase::start();
        // Reading is cheap and sequential; decoding and re-parsing run in parallel.
        let to_open: Vec<(FileId, Result<Vec<u8>, String>)> =
            candidate_files(project, &diagnostics, options)
                .into_iter()
                .filter(|f| !working.contains_key(f) && !blocked.contains_key(f))
                .map(|f| (f, host.read(&project.file(f).path)))
                .collect();
        let opened: Vec<(FileId, Result<Working, String>)> = to_open
            .into_par_iter()
            .map(|(file, bytes)| (file, bytes.and_then(|b| open_for_fixing(project, file, b))))
            .collect();
        for (file, state) in opened {
            match state {
                Ok(state) => {
                    working.insert(file, state);
                }
                Err(reason) => {
                    blocked.insert(file, reason);
                }
            }
        }
        phase.done("opening files");
        let phase = Phase::start();
        let (plans, panics) = plan_all(project, &diagnostics, &working, options, &style);
        phase.done("planning");
        for (file, message) in panics {
            failures.push(FixFailure {
                path: project.file(file).path.clone(),
                message: format!("internal error while planning fixes: {message}"),
            });
            restore(project, file, &mut working, &mut since);
            blocked.insert(file, "an earlier fix of this file failed".to_string());
        }
        if passes == options.max_passes && plans.values().any(|fixes| !fixes.is_empty()) {
            hit_pass_cap = true;
            break;
        }
        // Apply and re-parse every file's fixes in parallel; then update the project.
        let phase = Phase::start();
        let results: Vec<(FileId, Result<AppliedText, String>)> = plans
            .par_iter()
            .filter(|(file, planned)| !planned.is_empty() && !blocked.contains_key(*file))
            .filter_map(|(&file, planned)| {
                let state = working.get(&file)?;
                let fixes: Vec<_> = planned.iter().map(|p| p.fix.clone()).collect();
                let result =
                    guarded(|| apply_and_reparse(project, file, &state.text, &fixes, detail));
                match result {
                    Ok(Ok(None)) => None,
                    Ok(Ok(Some(done))) => Some((file, Ok(done))),
                    Ok(Err(message)) => Some((file, Err(message))),
                    Err(panic) => Some((
                        file,
                        Err(format!("internal error while applying fixes: {panic}")),
                    )),
                }
            })
            .collect();
        let mut applied_any = false;
        for (file, result) in results {
            let (text, facts, applied) = match result {
                Ok(done) => done,
                Err(message) => {
                    failures.push(FixFailure {
                        path: project.file(file).path.clone(),
                        message,
                    });
                    restore(project, file, &mut working, &mut since);
                    blocked.insert(file, "an earlier fix of this file failed".to_string());
                    continue;
                }
            };
            let state = working.get_mut(&file).expect("planned files are open");
            for &index in &applied {
                for &diagnostic in &plans[&file][index].diagnostics {
                    *state.fixed.entry(diagnostics[diagnostic].rule).or_default() += 1;
                }
            }
            state.text = text;
            since.set(project, file, facts);
            applied_any = true;
        }
        phase.done("applying and re-parsing");
        if !applied_any {
            break;
        }
        passes += 1;
        let phase = Phase::start();
        diagnostics = since.diagnose(project, host);
        phase.done("analysis after a pass");
    }

    // Rewrites of different files can combine into a cycle none of them makes alone: every
    // binding a rewritten file gained is checked on the final project, and a file whose new
    // binding could read a partially initialised module keeps its bytes.
    let phase = Phase::start();
    loop {
        let mut model = ImportTimeModel::new(project);
        let mut files: Vec<FileId> = working.keys().copied().collect();
        files.sort_unstable();
        let refused: Vec<(FileId, String)> = files
            .into_iter()
            .filter(|file| working[file].text != working[file].source.text)
            .filter_map(|file| {
                let original = &working[&file].original_facts;
                added_binding_problem(&mut model, project, file, original, options.unsafe_fixes)
                    .map(|reason| (file, reason))
            })
            .collect();
        if refused.is_empty() {
            break;
        }
        for (file, reason) in refused {
            restore(project, file, &mut working, &mut since);
            blocked.insert(file, format!("a rewrite of this file {reason}"));
        }
        diagnostics = since.diagnose(project, host);
    }

    // Shims last: while a shim still re-exports, its importers are rewritten above; once it
    // serves names through `__getattr__`, they would resolve to it as open.
    let mut shims = Vec::new();
    let mut served_by_shim: FxHashMap<ModuleId, Origin> = FxHashMap::default();
    let mut shim_files: FxHashMap<FileId, (Vec<String>, Origin)> = FxHashMap::default();
    if options.shims {
        for request in host.shim_requests(project) {
            let result = apply_shim(
                project,
                host,
                &request,
                options,
                (&mut working, &mut since),
                &blocked,
            );
            match &result {
                Ok((file, served)) => {
                    if let Some(module) = project.modules.get(&request.module) {
                        served_by_shim.insert(module, request.canonical);
                    }
                    shim_files.insert(*file, (served.clone(), request.canonical));
                }
                Err(reason) if reason.starts_with("internal error") => failures.push(FixFailure {
                    path: request.module.clone(),
                    message: reason.clone(),
                }),
                Err(_) => {}
            }
            shims.push((request.module.clone(), result.map(|(_, served)| served)));
        }
    }

    // Verify: every file's bindings resolve as before. A changed file that differs is
    // restored; a difference in a file the run did not change means a rewritten module serves
    // its importers differently, which cannot be pinned on one file, so all are restored.
    // A deprecation shim serves its names through `__getattr__`, which the index reports as
    // open: such a binding counts as the origin the shim serves, and the shim's own removed
    // re-exports are expected to be gone.
    // Usually only the rewritten files are compared: when every rewritten module offers its
    // importers the same names, leading to the same definitions, no other file's bindings can
    // have changed. Otherwise (and with shims, whose interface changes by design) every
    // file's bindings are compared with the project's before the run.
    phase.done("import-time check");
    let phase = Phase::start();
    let mut full_before: Option<Vec<Vec<BindingFact>>> = None;
    loop {
        let quick = if shim_files.is_empty() {
            rewritten_bindings(project, &mut working)
        } else {
            None
        };
        let differences = match quick {
            Some(differences) => differences,
            None => {
                let before = full_before.get_or_insert_with(|| {
                    let mut before = with_original_facts(project, &mut working, binding_summaries);
                    for (file, (served, origin)) in &shim_files {
                        before[*file as usize].retain(|fact| {
                            !(fact.resolution == Resolution::Definition(*origin)
                                && fact.local.as_ref().is_some_and(|l| served.contains(l)))
                        });
                    }
                    before
                });
                let mut after = binding_summaries(project);
                for summary in &mut after {
                    for fact in summary.iter_mut() {
                        if let Resolution::Open(ssot_index::OpenReason::ModuleGetattr(module)) =
                            fact.resolution
                        {
                            if let Some(origin) = served_by_shim.get(&module) {
                                fact.resolution = Resolution::Definition(*origin);
                            }
                        }
                    }
                    summary.sort();
                }
                after
                    .into_iter()
                    .zip(before.iter())
                    .enumerate()
                    .filter(|(_, (after, before))| after != *before)
                    .map(|(f, (after, before))| (f as FileId, before.clone(), after))
                    .collect()
            }
        };
        if differences.is_empty() {
            break;
        }
        let culprits: Vec<FileId> = if differences.iter().all(|(f, _, _)| working.contains_key(f)) {
            differences.iter().map(|(f, _, _)| *f).collect()
        } else {
            working.keys().copied().collect()
        };
        for (file, before, after) in &differences {
            let path = &project.file(*file).path;
            let detail = describe_difference(project, before, after).unwrap_or_default();
            failures.push(FixFailure {
                path: path.clone(),
                message: format!(
                    "internal error: after the fix, {detail}; every rewritten file involved \
                     keeps its original bytes"
                ),
            });
        }
        if culprits.is_empty() {
            // Nothing rewritten is left to take back: what differs is not the run's doing.
            break;
        }
        let mut restored_shims = false;
        for file in culprits {
            if shim_files.remove(&file).is_some() {
                // The shim serves nothing any more, and its re-exports are back: the
                // comparison starts again from the project before the run.
                restored_shims = true;
                let module = project.modules.module_of_file(file);
                if let Some(module) = module {
                    served_by_shim.remove(&module);
                }
                let module = module.map(|module| project.modules.module(module).name.clone());
                for (name, result) in &mut shims {
                    if Some(&*name) == module.as_ref() {
                        *result = Err("its fix failed verification".to_string());
                    }
                }
            }
            restore(project, file, &mut working, &mut since);
            blocked.insert(file, "its fix failed verification".to_string());
        }
        if restored_shims {
            full_before = None;
        }
        diagnostics = since.diagnose(project, host);
    }
    // The loops above end on a diagnosis of the current project; only the shims changed it
    // since.
    if !shim_files.is_empty() {
        diagnostics = since.diagnose(project, host);
    }

    phase.done("verification");
    let phase = Phase::start();
    let skipped = explain_remaining(project, &diagnostics, &working, &blocked, options, &style);
    phase.done("explaining what is left");
    let mut changed: Vec<ChangedFile> = working
        .into_iter()
        .filter(|(_, state)| state.text != state.source.text)
        .map(|(file, state)| ChangedFile {
            file,
            path: project.file(file).path.clone(),
            source: state.source,
            new_text: state.text,
            fixed: state.fixed,
        })
        .collect();
    changed.sort_by(|a, b| a.path.cmp(&b.path));
    failures.sort_by(|a, b| (&a.path, &a.message).cmp(&(&b.path, &b.message)));
    failures.dedup();
    FixOutcome {
        changed,
        skipped,
        remaining: diagnostics,
        failures,
        shims,
        passes,
        hit_pass_cap,
    }
}

/// Applies `fixes` to `text` and re-parses the result: `None` when no fix applies, an
/// internal-error message when the new text does not parse.
fn apply_and_reparse(
    project: &Project,
    file: FileId,
    text: &str,
    fixes: &[ssot_rules::Fix],
    detail: CallDetail,
) -> Result<Option<AppliedText>, String> {
    let applied = apply_fixes(text, fixes);
    if applied.applied.is_empty() {
        return Ok(None);
    }
    let facts = reextract(project, &project.file(file).path, &applied.text, detail);
    if let Some(error) = facts.syntax_errors.first() {
        return Err(format!(
            "internal error: the fixed text does not parse ({}); the file keeps its original \
             bytes",
            error.message
        ));
    }
    Ok(Some((applied.text, facts, applied.applied)))
}

/// Rewrites one declared shim: returns its file and the names it now serves.
fn apply_shim(
    project: &mut Project,
    host: &dyn FixHost,
    request: &ShimRequest,
    options: FixOptions,
    (working, since): (&mut FxHashMap<FileId, Working>, &mut SinceDiagnosis),
    blocked: &FxHashMap<FileId, String>,
) -> Result<(FileId, Vec<String>), String> {
    let file = project
        .modules
        .get(&request.module)
        .and_then(|m| project.modules.module(m).file)
        .ok_or_else(|| format!("the shim module `{}` has no file", request.module))?;
    if let Some(reason) = blocked.get(&file) {
        return Err(reason.clone());
    }
    let state = match working.entry(file) {
        std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
        std::collections::hash_map::Entry::Vacant(entry) => {
            let bytes = host.read(&project.file(file).path)?;
            entry.insert(open_for_fixing(project, file, bytes)?)
        }
    };
    let mut resolver = Resolver::new(project);
    let plan = plan_shim(
        &mut resolver,
        request,
        &state.text,
        state.source.line_ending,
    )?;
    if !allowed(plan.fix.applicability, options) {
        return Err(fix_reason(plan.fix.applicability, options));
    }
    if let Some((module, name)) = request.canonical_path.split_once(':') {
        let mut model = ImportTimeModel::new(project);
        if let Some(reason) = shim_problem(
            &mut model,
            &resolver,
            &request.module,
            &plan.served,
            module,
            name,
        ) {
            return Err(reason);
        }
    }
    let detail = host.rewritten_call_detail();
    let (text, facts, _) = apply_and_reparse(project, file, &state.text, &[plan.fix], detail)?
        .ok_or_else(|| "the shim's edits overlap".to_string())?;
    state.text = text;
    since.set(project, file, facts);
    Ok((file, plan.served))
}

/// Each file's fixes for one pass.
type Plans = BTreeMap<FileId, Vec<PlannedFix>>;

/// Plans every file's fixes from the current project and diagnostics, and the files whose
/// planning panicked (with the message).
fn plan_all(
    project: &Project,
    diagnostics_all: &[Diagnostic],
    working: &FxHashMap<FileId, Working>,
    options: FixOptions,
    style: &ImportStyle,
) -> (Plans, Vec<(FileId, String)>) {
    let mut resolver = Resolver::new(project);
    let mut model = ImportTimeModel::new(project);
    let mut panics = Vec::new();
    let by_file = by_file(project, diagnostics_all, |_| true);
    let mut plans = BTreeMap::new();
    for (file, diagnostics) in by_file {
        let Some(state) = working.get(&file) else {
            continue;
        };
        let mut plan: Vec<PlannedFix> = Vec::new();
        let imports: Vec<(usize, &Diagnostic)> = diagnostics
            .iter()
            .copied()
            .filter(|(_, d)| d.rule == Rule::NonCanonicalImport)
            .collect();
        if !imports.is_empty() {
            let line_ending = state.source.line_ending;
            match guarded(|| {
                plan_import_fixes(&resolver, file, &state.text, line_ending, &imports, style)
            }) {
                Ok((fixes, _)) => {
                    let (kept, _) = gate_import_fixes(
                        &mut model,
                        &mut resolver,
                        project,
                        file,
                        diagnostics_all,
                        fixes,
                    );
                    plan.extend(kept.into_iter().map(|gated| gated.fix));
                }
                Err(message) => {
                    panics.push((file, message));
                    continue;
                }
            }
        }
        for &(index, diagnostic) in &diagnostics {
            if diagnostic.rule == Rule::NonCanonicalImport {
                continue;
            }
            if let Some(fix) = &diagnostic.fix {
                plan.push(PlannedFix {
                    fix: fix.clone(),
                    diagnostics: vec![index],
                    sorted_block: None,
                    in_place: None,
                });
            }
        }
        plan.retain(|p| allowed(p.fix.applicability, options));
        // One fix per sorted import block per pass (see `PlannedFix::sorted_block`), unless
        // all of the block's fixes are independent rewrites in place; the others are planned
        // again in the next pass.
        let mut together: Vec<u32> = Vec::new();
        for block in plan.iter().filter_map(|p| p.sorted_block) {
            if together.contains(&block) {
                continue;
            }
            let fixes: Vec<Option<&InPlace>> = plan
                .iter()
                .filter(|p| p.sorted_block == Some(block))
                .map(|p| p.in_place.as_ref())
                .collect();
            let in_place: Vec<&InPlace> = fixes.iter().flatten().copied().collect();
            if in_place.len() == fixes.len() && InPlace::independent(&in_place) {
                together.push(block);
            }
        }
        let mut blocks_taken: Vec<u32> = Vec::new();
        plan.retain(|p| match p.sorted_block {
            Some(block) if together.contains(&block) => true,
            Some(block) if blocks_taken.contains(&block) => false,
            Some(block) => {
                blocks_taken.push(block);
                true
            }
            None => true,
        });
        plans.insert(file, plan);
    }
    (plans, panics)
}

/// Runs `work`, turning a panic (a bug in ssot) into an error message, so one file's trouble
/// never loses the run.
fn guarded<T>(work: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).map_err(|panic| {
        panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string())
    })
}

/// Files with something `fix` may change: an SSOT101 diagnostic, or a fix it may apply.
fn candidate_files(
    project: &Project,
    diagnostics: &[Diagnostic],
    options: FixOptions,
) -> Vec<FileId> {
    let mut files: Vec<FileId> = diagnostics
        .iter()
        .filter(|d| {
            d.rule == Rule::NonCanonicalImport
                || d.fix
                    .as_ref()
                    .is_some_and(|f| allowed(f.applicability, options))
        })
        .filter_map(|d| file_id(project, &d.path))
        .collect();
    files.dedup();
    files
}

fn allowed(applicability: Applicability, options: FixOptions) -> bool {
    match applicability {
        Applicability::Safe => true,
        Applicability::Unsafe => options.unsafe_fixes,
        Applicability::DisplayOnly => false,
    }
}

/// The diagnostics `keep` accepts, with their indices, grouped by file.
fn by_file<'d>(
    project: &Project,
    diagnostics: &'d [Diagnostic],
    keep: impl Fn(&Diagnostic) -> bool,
) -> BTreeMap<FileId, Vec<(usize, &'d Diagnostic)>> {
    let mut grouped: BTreeMap<FileId, Vec<(usize, &Diagnostic)>> = BTreeMap::new();
    for (index, diagnostic) in diagnostics.iter().enumerate() {
        if !keep(diagnostic) {
            continue;
        }
        if let Some(file) = file_id(project, &diagnostic.path) {
            grouped.entry(file).or_default().push((index, diagnostic));
        }
    }
    grouped
}

fn file_id(project: &Project, path: &str) -> Option<FileId> {
    project
        .files
        .binary_search_by(|f| f.path.as_str().cmp(path))
        .ok()
        .map(|i| i as FileId)
}

fn reextract(project: &Project, path: &str, text: &str, detail: CallDetail) -> FileFacts {
    let modules = &project.modules;
    let mut facts = ssot_python::extract_facts_with(text, SourceKind::from_path(path), detail);
    ssot_index::first_party_uses::keep_first_party_uses(&mut facts, &|module| {
        modules.is_first_party(module)
    });
    facts
}

/// Takes a file for fixing: UTF-8 and free of syntax errors.
fn open_for_fixing(project: &Project, file: FileId, bytes: Vec<u8>) -> Result<Working, String> {
    let project_file = project.file(file);
    if !project_file.facts.syntax_errors.is_empty() {
        return Err("the file has syntax errors, so it is never rewritten".to_string());
    }
    let source = SourceFile::from_bytes(bytes).map_err(|e| e.to_string())?;
    Ok(Working {
        text: source.text.clone(),
        original_facts: project_file.facts.clone(),
        source,
        fixed: BTreeMap::new(),
    })
}

/// A rewritten file whose bindings differ from its original text's, with both summaries.
type Difference = (FileId, Vec<BindingFact>, Vec<BindingFact>);

/// The rewritten files whose bindings differ before and after the run, when that is the whole
/// answer: `None` when a rewritten module offers its importers something else than before (a
/// name more or less, or one leading elsewhere), or is a stub, so that every file must be
/// compared.
fn rewritten_bindings(
    project: &mut Project,
    working: &mut FxHashMap<FileId, Working>,
) -> Option<Vec<Difference>> {
    let mut rewritten: Vec<FileId> = working
        .iter()
        .filter(|(_, state)| state.text != state.source.text)
        .map(|(&file, _)| file)
        .collect();
    rewritten.sort_unstable();
    let mut modules: Vec<ModuleId> = Vec::new();
    for &file in &rewritten {
        let Some(module) = project.modules.module_of_file(file) else {
            continue;
        };
        let entry = project.modules.module(module);
        if entry.stub == Some(file) {
            return None;
        }
        if entry.file == Some(file) {
            modules.push(module);
        }
    }
    let seen = |project: &Project| {
        let summaries = binding_summaries_of(project, &rewritten);
        let mut resolver = Resolver::new(project);
        let interfaces: Vec<_> = modules
            .iter()
            .map(|&module| module_interface(&mut resolver, module))
            .collect();
        (summaries, interfaces)
    };
    let (before, before_interfaces) = with_original_facts(project, working, seen);
    let (after, after_interfaces) = seen(project);
    if before_interfaces != after_interfaces {
        return None;
    }
    Some(
        rewritten
            .into_iter()
            .zip(before.into_iter().zip(after))
            .filter(|(_, (before, after))| before != after)
            .map(|(file, (before, after))| (file, before, after))
            .collect(),
    )
}

/// Runs `look` on the project as it was before the run: the open files' original facts are
/// put back for the time of the call.
fn with_original_facts<T>(
    project: &mut Project,
    working: &mut FxHashMap<FileId, Working>,
    look: impl FnOnce(&Project) -> T,
) -> T {
    for (&file, state) in working.iter_mut() {
        std::mem::swap(
            &mut project.files[file as usize].facts,
            &mut state.original_facts,
        );
    }
    let result = look(project);
    for (&file, state) in working.iter_mut() {
        std::mem::swap(
            &mut project.files[file as usize].facts,
            &mut state.original_facts,
        );
    }
    result
}

fn restore(
    project: &mut Project,
    file: FileId,
    working: &mut FxHashMap<FileId, Working>,
    since: &mut SinceDiagnosis,
) {
    if let Some(state) = working.remove(&file) {
        since.set(project, file, state.original_facts);
    }
}

/// Why each remaining diagnostic of a fixable kind was not fixed.
fn explain_remaining(
    project: &Project,
    diagnostics: &[Diagnostic],
    working: &FxHashMap<FileId, Working>,
    blocked: &FxHashMap<FileId, String>,
    options: FixOptions,
    style: &ImportStyle,
) -> Vec<SkippedFix> {
    let mut resolver = Resolver::new(project);
    let mut model = ImportTimeModel::new(project);
    let mut skipped = Vec::new();
    let fixable = by_file(project, diagnostics, |d| {
        d.rule == Rule::NonCanonicalImport || d.fix.is_some()
    });
    for (file, list) in fixable {
        if let Some(reason) = blocked.get(&file) {
            skipped.extend(list.iter().map(|(_, d)| SkippedFix {
                diagnostic: (*d).clone(),
                reason: reason.clone(),
            }));
            continue;
        }
        let mut reasons: FxHashMap<usize, String> = FxHashMap::default();
        let imports: Vec<(usize, &Diagnostic)> = list
            .iter()
            .copied()
            .filter(|(_, d)| d.rule == Rule::NonCanonicalImport)
            .collect();
        if !imports.is_empty() {
            let text = working.get(&file).map(|s| s.text.as_str());
            match text {
                Some(text) => {
                    let line_ending = crate::source::detect_line_ending(text);
                    let (fixes, unfixable) =
                        plan_import_fixes(&resolver, file, text, line_ending, &imports, style);
                    for u in unfixable {
                        reasons.insert(u.diagnostic, u.reason);
                    }
                    let (kept, refused) = gate_import_fixes(
                        &mut model,
                        &mut resolver,
                        project,
                        file,
                        diagnostics,
                        fixes,
                    );
                    reasons.extend(refused);
                    for gated in kept {
                        let mut reason = fix_reason(gated.fix.fix.applicability, options);
                        if let Some(why) = gated.unsafe_reason {
                            reason = format!("{reason}: {why}");
                        }
                        for d in gated.fix.diagnostics {
                            reasons.insert(d, reason.clone());
                        }
                    }
                }
                None => {
                    for (index, _) in &imports {
                        reasons.insert(*index, "the file was not read".to_string());
                    }
                }
            }
        }
        for (index, diagnostic) in list {
            if let Some(fix) = &diagnostic.fix {
                reasons
                    .entry(index)
                    .or_insert_with(|| fix_reason(fix.applicability, options));
            }
            skipped.push(SkippedFix {
                diagnostic: diagnostic.clone(),
                reason: reasons
                    .remove(&index)
                    .unwrap_or_else(|| "no fix is available".to_string()),
            });
        }
    }
    skipped
}

fn fix_reason(applicability: Applicability, options: FixOptions) -> String {
    match applicability {
        Applicability::Unsafe if !options.unsafe_fixes => {
            "the fix is unsafe (apply it with `--unsafe-fixes`)".to_string()
        }
        Applicability::DisplayOnly => "the fix is shown, never applied".to_string(),
        _ => "the fix overlapped another one and the pass cap was reached".to_string(),
    }
}
