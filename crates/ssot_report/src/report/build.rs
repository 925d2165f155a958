//! From one analysis (the project, its references, the resolved concepts, the figures and
//! findings `check` computes) to the [`Report`] document.
//!
//! The compliance figures are `check`'s own ([`ConceptReport`]), never recounted; the path
//! census, the spread and the drill-down are counted here from the same references with the
//! same tests (which references belong to a concept, which are the sanctioned re-exports that
//! count for nothing, which are through the canonical path).

use std::collections::{BTreeMap, BTreeSet};

use ssot_facts::ScopeKind;
use ssot_index::{
    census::origin_path, FileId, ImportTimeModel, Origin, Project, Reference, Resolution, Resolver,
};
use ssot_rules::{Applicability, ConceptReport, Diagnostic, ResolvedConcept, Rule};
use std::collections::HashMap;

use super::codeowners::Codeowners;
use super::model::*;
use crate::Problem;

/// Everything one analysis produced that the report reads.
pub struct ReportInput<'a> {
    /// The project root's directory name.
    pub project_name: String,
    pub project: &'a Project,
    /// Every first-party reference of the project.
    pub references: &'a [Reference],
    /// The declared concepts, resolved (in declaration order, as `reports`).
    pub concepts: &'a [ResolvedConcept],
    /// `check`'s figures.
    pub reports: &'a [ConceptReport],
    /// Every finding, sorted, SSOT101 with the fix `fix` would make attached.
    pub diagnostics: &'a [Diagnostic],
    pub problems: &'a [Problem],
    /// The scope of a root-relative path.
    pub scope_of: &'a dyn Fn(&str) -> String,
    pub owners: &'a Codeowners,
}

/// Builds the report (without history).
pub fn build_report(input: &ReportInput<'_>) -> Report {
    let project = input.project;
    let mut model = ImportTimeModel::new(project);
    let mut steps = ReExportSteps::new(project, input.references);
    let concepts = input
        .concepts
        .iter()
        .zip(input.reports)
        .map(|(concept, figures)| concept_section(input, &mut model, &mut steps, concept, figures))
        .collect();
    let mut by_rule: BTreeMap<Rule, usize> = BTreeMap::new();
    for diagnostic in input.diagnostics {
        *by_rule.entry(diagnostic.rule).or_default() += 1;
    }
    let parse_errors: Vec<FileMessage> = input
        .diagnostics
        .iter()
        .filter(|d| d.rule == Rule::InvalidSyntax)
        .map(|d| FileMessage {
            path: d.path.clone(),
            line: Some(d.start.line),
            message: d.message.clone(),
        })
        .collect();
    let dangling = dangling_imports(input);
    let summary = Summary {
        files: project.files.len(),
        parse_errors: parse_errors.len(),
        findings: input.diagnostics.len(),
        concepts: input.concepts.len(),
        dangling_imports: by_rule.get(&Rule::DanglingImport).copied().unwrap_or(0),
    };
    let parse_errors_total = parse_errors.len();
    let dangling_total = dangling.len();
    Report {
        schema: SCHEMA,
        project: input.project_name.clone(),
        summary,
        concepts,
        dangling: dangling.into_iter().take(TOP_PROJECT_ITEMS).collect(),
        dangling_total,
        parse_errors: parse_errors.into_iter().take(TOP_PROJECT_ITEMS).collect(),
        parse_errors_total,
        unreadable: input
            .problems
            .iter()
            .take(TOP_PROJECT_ITEMS)
            .map(|p| FileMessage {
                path: p.path.clone(),
                line: None,
                message: format!("{}: {}", p.code, p.message),
            })
            .collect(),
        findings_by_rule: by_rule
            .into_iter()
            .map(|(rule, count)| RuleCount {
                code: rule.code(),
                name: rule.name(),
                count,
            })
            .collect(),
        history: None,
        notes: Vec::new(),
    }
}

/// The directory of a root-relative file path, `.` for the root.
pub fn directory_of(path: &str) -> &str {
    path.rsplit_once('/')
        .map_or(".", |(directory, _)| directory)
}

#[derive(Default)]
struct PathTally {
    files: BTreeMap<String, usize>,
    test_files: BTreeSet<String>,
    statements: usize,
}

/// How each `module:name` path steps toward the definition it reaches, read from the
/// resolved re-exports: the import (or star import) that binds the name in the module.
struct ReExportSteps<'a> {
    project: &'a Project,
    resolver: Resolver<'a>,
    /// (file, name an import binds there) → the references of those imports.
    bindings: HashMap<(FileId, &'a str), Vec<&'a Reference>>,
    known: HashMap<(String, Origin), String>,
}

impl<'a> ReExportSteps<'a> {
    fn new(project: &'a Project, references: &'a [Reference]) -> Self {
        let mut bindings: HashMap<(FileId, &'a str), Vec<&'a Reference>> = HashMap::new();
        for reference in references {
            if reference.via_attribute
                || reference.context.scope != ScopeKind::Module
                || reference.context.type_checking
            {
                continue;
            }
            let import = &project.file(reference.file).facts.imports[reference.statement as usize];
            let name = import.names[reference.name as usize].bound_name(&import.kind);
            bindings
                .entry((reference.file, name))
                .or_default()
                .push(reference);
        }
        Self {
            project,
            resolver: Resolver::new(project),
            bindings,
            known: HashMap::new(),
        }
    }

    /// The next path from `path` (`module:name`) toward `origin`: the path of the
    /// module-level import that binds the name there (the last one that reaches `origin`,
    /// as the last binding wins at run time), else of a star import that brings it, else
    /// the definition's own path (an alias, or a step resolution does not name). `None` at
    /// the definition itself.
    fn next(&mut self, path: &str, origin: Origin) -> Option<String> {
        let definition = origin_path(self.project, origin);
        if path == definition {
            return None;
        }
        if let Some(known) = self.known.get(&(path.to_string(), origin)) {
            return Some(known.clone());
        }
        let next = self
            .step(path, origin)
            .unwrap_or_else(|| definition.clone());
        // A step that would loop back is no step: go straight to the definition.
        let next = if next == path { definition } else { next };
        self.known.insert((path.to_string(), origin), next.clone());
        Some(next)
    }

    fn step(&mut self, path: &str, origin: Origin) -> Option<String> {
        let (module, name) = path.split_once(':')?;
        let module = self.project.modules.get(module)?;
        let file = self.project.modules.module(module).file?;
        let reached = Resolution::Definition(origin);
        if let Some(references) = self.bindings.get(&(file, name)) {
            if let Some(reference) = references.iter().rev().find(|r| r.resolution == reached) {
                return Some(reference.path.to_string());
            }
        }
        let facts = &self.project.file(file).facts;
        for import in facts.imports.iter().rev() {
            let ssot_facts::ImportKind::From { module, level } = &import.kind else {
                continue;
            };
            if import.context.scope != ScopeKind::Module
                || !import.names.iter().any(|n| n.name == "*")
            {
                continue;
            }
            let Some(source) = self
                .resolver
                .absolute_module(file, *level, module.as_deref())
            else {
                continue;
            };
            let name: &'a str = self.project.file(origin.file).facts.definitions
                [origin.definition as usize]
                .name
                .as_str();
            if path.ends_with(&format!(":{name}"))
                && self.resolver.resolve_from(&source, name) == reached
            {
                return Some(format!("{source}:{name}"));
            }
        }
        None
    }
}

/// The hops of a concept's paths toward their definitions: for each path, the chain of
/// paths its imports follow, and how many distinct files cross each hop.
fn hops_of(
    steps: &mut ReExportSteps<'_>,
    tallies: &BTreeMap<(String, PathKind), PathTally>,
    origins: &BTreeMap<String, Origin>,
) -> Vec<Hop> {
    let mut crossing: BTreeMap<(String, String), BTreeSet<&str>> = BTreeMap::new();
    for ((path, _), tally) in tallies {
        let Some(&origin) = origins.get(path) else {
            continue;
        };
        let mut at = path.clone();
        let mut seen = BTreeSet::new();
        while let Some(next) = steps.next(&at, origin) {
            if !seen.insert(at.clone()) {
                break;
            }
            crossing
                .entry((at.clone(), next.clone()))
                .or_default()
                .extend(tally.files.keys().map(String::as_str));
            at = next;
        }
    }
    let mut hops: Vec<Hop> = crossing
        .into_iter()
        .map(|((from, to), files)| Hop {
            from,
            to,
            files: files.len(),
        })
        .collect();
    hops.sort_by(|a, b| {
        (std::cmp::Reverse(a.files), &a.from, &a.to).cmp(&(
            std::cmp::Reverse(b.files),
            &b.from,
            &b.to,
        ))
    });
    hops
}

fn concept_section(
    input: &ReportInput<'_>,
    model: &mut ImportTimeModel<'_>,
    steps: &mut ReExportSteps<'_>,
    concept: &ResolvedConcept,
    figures: &ConceptReport,
) -> ConceptSection {
    let project = input.project;
    let mut paths: BTreeMap<(String, PathKind), PathTally> = BTreeMap::new();
    let mut origins: BTreeMap<String, Origin> = BTreeMap::new();
    // directory → (references, canonical references, files)
    let mut directories: BTreeMap<&str, (usize, usize, BTreeSet<&str>)> = BTreeMap::new();
    let mut files = BTreeSet::new();
    for reference in input.references {
        let Resolution::Definition(origin) = reference.resolution else {
            continue;
        };
        if !concept.contains(origin) || concept.is_sanctioned_re_export(project, reference) {
            continue;
        }
        let file = project.file(reference.file);
        let path = reference.path.to_string();
        let canonical = origin == concept.canonical
            && (path == concept.canonical_path
                || concept.path_for(project, model, reference).0 == path);
        let kind = if canonical {
            PathKind::Canonical
        } else if origin != concept.canonical {
            PathKind::Competing
        } else if concept
            .shims
            .iter()
            .any(|shim| path.split(':').next() == Some(shim.as_str()))
        {
            PathKind::Shim
        } else {
            PathKind::Legacy
        };
        origins.entry(path.clone()).or_insert(origin);
        let tally = paths.entry((path, kind)).or_default();
        *tally.files.entry(file.path.clone()).or_default() += 1;
        if file.is_test {
            tally.test_files.insert(file.path.clone());
        }
        tally.statements += 1;
        let directory = directories.entry(directory_of(&file.path)).or_default();
        directory.0 += 1;
        directory.1 += usize::from(canonical);
        directory.2.insert(&file.path);
        files.insert(&file.path);
    }
    let hops = hops_of(steps, &paths, &origins);
    let mut paths: Vec<PathEntry> = paths
        .into_iter()
        .map(|((path, kind), tally)| path_entry(path, kind, tally))
        .collect();
    paths.sort_by(|a, b| {
        (
            a.kind != PathKind::Canonical,
            std::cmp::Reverse(a.files),
            &a.path,
        )
            .cmp(&(
                b.kind != PathKind::Canonical,
                std::cmp::Reverse(b.files),
                &b.path,
            ))
    });
    let mut top_directories: Vec<DirectorySpread> = directories
        .iter()
        .map(
            |(directory, (references, canonical, files))| DirectorySpread {
                directory: directory.to_string(),
                references: *references,
                canonical_references: *canonical,
                files: files.len(),
            },
        )
        .collect();
    top_directories.sort_by(|a, b| {
        (std::cmp::Reverse(a.references), &a.directory)
            .cmp(&(std::cmp::Reverse(b.references), &b.directory))
    });
    top_directories.truncate(TOP_DIRECTORIES);
    let spread = Spread {
        files: files.len(),
        directories: directories.len(),
        top_directories,
    };

    let findings: Vec<&Diagnostic> = input
        .diagnostics
        .iter()
        .filter(|d| d.concept.as_deref() == Some(concept.name.as_str()))
        .collect();
    let definitions = definitions(project, concept, &findings);
    let on_definition = |d: &Diagnostic| {
        definitions
            .iter()
            .any(|def| def.path == d.path && def.line == d.start.line)
    };
    let mut accessor_calls: BTreeMap<String, usize> = BTreeMap::new();
    let mut test_doubles = Vec::new();
    let mut by_code: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_file: BTreeMap<&str, (usize, usize, BTreeSet<&'static str>)> = BTreeMap::new();
    for diagnostic in &findings {
        *by_code
            .entry(diagnostic.rule.code().to_string())
            .or_default() += 1;
        let fixable = is_fixable(diagnostic);
        let entry = by_file.entry(diagnostic.path.as_str()).or_default();
        entry.0 += 1;
        entry.1 += usize::from(fixable);
        entry.2.insert(diagnostic.rule.code());
        match diagnostic.rule {
            Rule::SharedInstanceAccessor => {
                *accessor_calls.entry(diagnostic.scope.clone()).or_default() += 1
            }
            Rule::TestDoubleBypass => test_doubles.push(finding(diagnostic)),
            Rule::InterfaceDrift if !on_definition(diagnostic) => {
                test_doubles.push(finding(diagnostic))
            }
            _ => {}
        }
    }
    let fixable = findings.iter().filter(|d| is_fixable(d)).count();
    let mut offenders: Vec<Offender> = by_file
        .into_iter()
        .map(|(path, (count, fixable, codes))| Offender {
            path: path.to_string(),
            scope: (input.scope_of)(path),
            findings: count,
            fixable,
            codes: codes.into_iter().collect(),
            owners: input.owners.owners(path).to_vec(),
        })
        .collect();
    offenders.sort_by(|a, b| {
        (std::cmp::Reverse(a.findings), &a.path).cmp(&(std::cmp::Reverse(b.findings), &b.path))
    });
    let offenders_total = offenders.len();
    offenders.truncate(TOP_OFFENDERS);
    let total = figures.total();
    ConceptSection {
        name: figures.name.clone(),
        canonical: figures.canonical.clone(),
        canonical_origin: figures.canonical_origin.clone(),
        references: total.references,
        canonical_references: total.canonical_references,
        compliance: rounded(total.ratio()),
        production: Figures::of(figures.production),
        test: Figures::of(figures.tests),
        by_scope: figures
            .by_scope
            .iter()
            .map(|(scope, c)| (scope.clone(), Figures::of(*c)))
            .collect(),
        paths,
        hops,
        spread,
        definitions,
        accessor_calls,
        test_doubles,
        fixable,
        findings: by_code,
        offenders,
        offenders_total,
    }
}

/// What `ssot fix` rewrites without `--unsafe-fixes`.
fn is_fixable(diagnostic: &Diagnostic) -> bool {
    diagnostic
        .fix
        .as_ref()
        .is_some_and(|fix| fix.applicability == Applicability::Safe)
}

fn finding(diagnostic: &Diagnostic) -> Finding {
    Finding {
        code: diagnostic.rule.code(),
        path: diagnostic.path.clone(),
        line: diagnostic.start.line,
        scope: diagnostic.scope.clone(),
        message: diagnostic.message.clone(),
    }
}

fn path_entry(path: String, kind: PathKind, tally: PathTally) -> PathEntry {
    let mut by_directory: BTreeMap<&str, Vec<FileCount>> = BTreeMap::new();
    for (file, count) in &tally.files {
        by_directory
            .entry(directory_of(file))
            .or_default()
            .push(FileCount {
                path: file.clone(),
                count: *count,
            });
    }
    let mut directories: Vec<DirectoryEntry> = by_directory
        .into_iter()
        .map(|(directory, mut files)| {
            files.sort_by(|a, b| {
                (std::cmp::Reverse(a.count), &a.path).cmp(&(std::cmp::Reverse(b.count), &b.path))
            });
            let files_total = files.len();
            let statements = files.iter().map(|f| f.count).sum();
            files.truncate(FILES_PER_DIRECTORY);
            DirectoryEntry {
                directory: directory.to_string(),
                statements,
                files,
                files_total,
            }
        })
        .collect();
    directories.sort_by(|a, b| {
        (std::cmp::Reverse(a.statements), &a.directory)
            .cmp(&(std::cmp::Reverse(b.statements), &b.directory))
    });
    let directories_total = directories.len();
    directories.truncate(DIRECTORIES_PER_PATH);
    PathEntry {
        path,
        kind,
        files: tally.files.len(),
        test_files: tally.test_files.len(),
        statements: tally.statements,
        directories,
        directories_total,
    }
}

fn definitions(
    project: &Project,
    concept: &ResolvedConcept,
    findings: &[&Diagnostic],
) -> Vec<DefinitionEntry> {
    std::iter::once(("canonical", concept.canonical))
        .chain(
            concept
                .members
                .iter()
                .map(|(_, origin)| ("competing", *origin)),
        )
        .map(|(role, origin)| {
            let file = project.file(origin.file);
            let definition = &file.facts.definitions[origin.definition as usize];
            let line = definition.position.line;
            DefinitionEntry {
                symbol: origin_path(project, origin),
                role,
                path: file.path.clone(),
                line,
                drift: findings
                    .iter()
                    .filter(|d| {
                        d.rule == Rule::InterfaceDrift
                            && d.path == file.path
                            && d.start.line == line
                    })
                    .map(|d| d.message.clone())
                    .collect(),
            }
        })
        .collect()
}

fn dangling_imports(input: &ReportInput<'_>) -> Vec<DanglingImport> {
    // path → (files, statements, guarded, first message)
    let mut by_path: BTreeMap<&str, (BTreeSet<&str>, usize, usize, &str)> = BTreeMap::new();
    for diagnostic in input.diagnostics {
        if diagnostic.rule != Rule::DanglingImport {
            continue;
        }
        let path = diagnostic
            .symbol
            .as_deref()
            .unwrap_or(diagnostic.message.as_str());
        let entry = by_path
            .entry(path)
            .or_insert_with(|| (BTreeSet::new(), 0, 0, diagnostic.message.as_str()));
        entry.0.insert(&diagnostic.path);
        entry.1 += 1;
        entry.2 += usize::from(diagnostic.message.contains("hides it"));
    }
    let mut dangling: Vec<DanglingImport> = by_path
        .into_iter()
        .map(
            |(path, (files, statements, guarded, message))| DanglingImport {
                path: path.to_string(),
                owners: files
                    .iter()
                    .flat_map(|file| input.owners.owners(file).iter().cloned())
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect(),
                files: files.len(),
                statements,
                guarded,
                message: message.to_string(),
            },
        )
        .collect();
    dangling.sort_by(|a, b| {
        (std::cmp::Reverse(a.files), &a.path).cmp(&(std::cmp::Reverse(b.files), &b.path))
    });
    dangling
}
