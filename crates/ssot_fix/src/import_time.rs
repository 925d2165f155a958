//! The import-time check of rewrites: a rewritten import must find its name bound when it runs.
//!
//! Static verification (every binding still resolves to the same origin) is necessary, not
//! sufficient: `from pkg import B` resolves to the right class and still fails when `pkg` is
//! still initialising at that moment. [`ssot_index::ImportTimeModel`] answers that question; here
//! its answer gates SSOT101's planned rewrites (a circular read is not written, an unknown one
//! is unsafe) and, after the passes, every binding the run added.

use rustc_hash::FxHashSet;
use ssot_facts::{FileFacts, Span};
use ssot_index::{Alternatives, FileId, ImportTimeModel, ImportTimeVerdict, Project, Resolver};
use ssot_rules::{Applicability, Diagnostic};

use crate::import_rewrite::PlannedFix;

/// A planned rewrite after the import-time check.
pub(crate) struct GatedFix {
    pub fix: PlannedFix,
    /// Why the model made the fix unsafe.
    pub unsafe_reason: Option<String>,
}

/// Checks each planned SSOT101 fix of `file` against the import-time model: a fix any of whose
/// rewritten reads could be circular is refused (its diagnostics get the reason), one the
/// model cannot judge becomes unsafe, and so does one whose path as written and canonical
/// path could hold different objects where a condition picks another branch
/// ([`alternatives_problem`]).
pub(crate) fn gate_import_fixes(
    model: &mut ImportTimeModel<'_>,
    resolver: &mut Resolver<'_>,
    project: &Project,
    file: FileId,
    diagnostics: &[Diagnostic],
    planned: Vec<PlannedFix>,
) -> (Vec<GatedFix>, Vec<(usize, String)>) {
    let facts = &project.file(file).facts;
    let mut kept = Vec::new();
    let mut refused = Vec::new();
    for mut fix in planned {
        let mut circular = None;
        let mut unknown = None;
        for &index in &fix.diagnostics {
            if unknown.is_none() {
                unknown = alternatives_problem(resolver, &diagnostics[index]);
            }
            match verdict(model, project, file, facts, &diagnostics[index]) {
                ImportTimeVerdict::Bound => {}
                verdict @ ImportTimeVerdict::Circular { .. } => {
                    circular = circular.or(verdict.reason());
                }
                ImportTimeVerdict::Unknown(reason) => unknown = unknown.or(Some(reason)),
            }
        }
        if let Some(reason) = circular {
            refused.extend(fix.diagnostics.iter().map(|&d| (d, reason.clone())));
            continue;
        }
        if unknown.is_some() {
            fix.fix.applicability = Applicability::Unsafe;
        }
        kept.push(GatedFix {
            fix,
            unsafe_reason: unknown,
        });
    }
    (kept, refused)
}

/// Why rewriting the diagnostic's path as written to its canonical path could change what the
/// program gets where another branch of a condition runs: one of the two goes through a name
/// bound by alternatives (`if WINDOWS: from ._win import Reader` / `else: ...`) that the other
/// does not go through. Resolution follows one branch, so both paths reach the same object in
/// the analysis; on another platform (or Python version) the dispatching name holds the other
/// variant. `None` when both paths meet the same such name or none.
fn alternatives_problem(resolver: &mut Resolver<'_>, diagnostic: &Diagnostic) -> Option<String> {
    let written = diagnostic.import_path.as_deref()?.split_once(':')?;
    let canonical = diagnostic.symbol.as_deref()?.split_once(':')?;
    let mut on_path = |(module, name): (&str, &str)| {
        let module = resolver.project().modules.get(module)?;
        resolver.alternatives_on_path(module, name)
    };
    let written_alternatives = on_path(written);
    let canonical_alternatives = on_path(canonical);
    if written_alternatives == canonical_alternatives {
        return None;
    }
    let (which, alternatives): (&str, &Alternatives) = match &written_alternatives {
        Some(alternatives) => ("the path as written", alternatives),
        None => ("the canonical path", canonical_alternatives.as_ref()?),
    };
    let module = &resolver.project().modules.module(alternatives.module).name;
    Some(format!(
        "{which} goes through a name whose value depends on a run-time condition: `{module}` \
         binds `{}` under a condition (alternatives such as `if`/`else`), so where another \
         branch runs (another platform or Python version) the two paths can hold different \
         objects",
        alternatives.name
    ))
}

/// The rewrites `fix` would make for SSOT101's `diagnostics[indices]` of `file` (whose text is
/// `text`), planned in `style` and checked as `fix` checks them: a circular read gets no fix,
/// one the import-time model cannot judge, or that could change what another branch of a
/// condition gets, an unsafe one. For reports that show which findings `ssot fix` fixes
/// (`check`'s fix markers and JSON) without running a fix session; each fix with the indices
/// of the diagnostics it resolves.
pub fn import_fixes_as_fix_would(
    resolver: &mut Resolver<'_>,
    model: &mut ImportTimeModel<'_>,
    file: FileId,
    text: &str,
    style: &crate::ImportStyle,
    diagnostics: &[Diagnostic],
    indices: &[usize],
) -> Vec<(usize, ssot_rules::Fix)> {
    let pairs: Vec<(usize, &Diagnostic)> = indices.iter().map(|&i| (i, &diagnostics[i])).collect();
    let line_ending = crate::source::detect_line_ending(text);
    let (planned, _) =
        crate::import_rewrite::plan_import_fixes(resolver, file, text, line_ending, &pairs, style);
    let project = resolver.project();
    let (kept, _) = gate_import_fixes(model, resolver, project, file, diagnostics, planned);
    kept.into_iter()
        .flat_map(|gated| {
            let fix = gated.fix.fix;
            gated
                .fix
                .diagnostics
                .into_iter()
                .map(move |index| (index, fix.clone()))
        })
        .collect()
}

/// What reading the diagnostic's canonical symbol at its import's place would meet.
fn verdict(
    model: &mut ImportTimeModel<'_>,
    project: &Project,
    file: FileId,
    facts: &FileFacts,
    diagnostic: &Diagnostic,
) -> ImportTimeVerdict {
    let Some((module, name)) = diagnostic.symbol.as_deref().and_then(|s| s.split_once(':')) else {
        return ImportTimeVerdict::Bound;
    };
    let Some(module) = project.modules.get(module) else {
        return ImportTimeVerdict::Bound;
    };
    let context = statement_at(facts, diagnostic.span)
        .map(|index| facts.imports[index].context)
        .unwrap_or_default();
    model.reading(file, context, module, name)
}

/// The import statement a diagnostic points into (a name, or an `M.N` use of `import M`).
fn statement_at(facts: &FileFacts, span: Span) -> Option<usize> {
    facts
        .imports
        .iter()
        .position(|s| s.span.start <= span.start && span.end <= s.span.end)
        .or_else(|| {
            facts
                .attribute_refs
                .iter()
                .find(|a| a.span == span)
                .map(|a| a.import_index as usize)
        })
}

/// The bindings of a rewritten file that its original text did not have and that could read
/// a partially initialised module (or that the model cannot judge, unless `unsafe_fixes`):
/// the first one's reason, or `None` when every added binding is safe.
pub(crate) fn added_binding_problem(
    model: &mut ImportTimeModel<'_>,
    project: &Project,
    file: FileId,
    original: &FileFacts,
    unsafe_fixes: bool,
) -> Option<String> {
    let facts = &project.file(file).facts;
    let key = |statement: &ssot_facts::ImportStmt, name: &ssot_facts::ImportedName| {
        (
            format!("{:?}", statement.kind),
            name.name.clone(),
            name.bound_name(&statement.kind).to_string(),
            statement.context,
        )
    };
    let before: FxHashSet<_> = original
        .imports
        .iter()
        .flat_map(|s| s.names.iter().map(move |n| key(s, n)))
        .collect();
    for statement in &facts.imports {
        for (index, name) in statement.names.iter().enumerate() {
            if before.contains(&key(statement, name)) {
                continue;
            }
            match model.reading_import(file, statement, index) {
                ImportTimeVerdict::Bound => {}
                ImportTimeVerdict::Unknown(_) if unsafe_fixes => {}
                verdict => return verdict.reason(),
            }
        }
    }
    None
}

/// A deprecation shim serves `served` lazily: an import-time `from shim import Name` then reads
/// `canonical_module` when it runs, instead of when the shim was imported. The first such
/// import that could find the canonical module partially initialised, as a reason.
pub(crate) fn shim_problem(
    model: &mut ImportTimeModel<'_>,
    resolver: &ssot_index::Resolver<'_>,
    shim: &str,
    served: &[String],
    canonical_module: &str,
    canonical_name: &str,
) -> Option<String> {
    let project = resolver.project();
    let target = project.modules.get(canonical_module)?;
    for (file, project_file) in project.files.iter().enumerate() {
        let file = file as FileId;
        for statement in &project_file.facts.imports {
            let ssot_facts::ImportKind::From { module, level } = &statement.kind else {
                continue;
            };
            let reads_shim = statement
                .names
                .iter()
                .any(|n| served.iter().any(|s| *s == n.name))
                && resolver
                    .absolute_module(file, *level, module.as_deref())
                    .is_some_and(|absolute| absolute == shim);
            if !reads_shim {
                continue;
            }
            match model.reading(file, statement.context, target, canonical_name) {
                ImportTimeVerdict::Bound => {}
                verdict => {
                    let reason = verdict.reason().unwrap_or_default();
                    return Some(format!(
                        "`{}` imports a served name at import time, and reading it from the \
                         shim then {reason}",
                        project_file.path
                    ));
                }
            }
        }
    }
    None
}
