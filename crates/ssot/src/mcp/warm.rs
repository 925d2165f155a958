//! The project held in memory between tool calls: loaded and analysed once at start-up (facts
//! through the facts cache), with what every answer reads computed then: the declared concepts
//! resolved, each definition's references and import paths, the discovered concept
//! candidates and the compliance figures.
//!
//! An unsaved file is analysed by putting its facts in place of the file's (or adding the
//! file), re-running the cross-file work, and putting the project back as it was, so one
//! call's buffer never leaks into the next answer.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use rustc_hash::FxHashMap;
use ssot_index::concept_discovery::{discover_concepts_with, ConceptCandidate};
use ssot_index::{collect_references, Origin, Project, ProjectFile, Resolution, Resolver};
use ssot_rules::{resolve_concepts, ConceptReport, Diagnostic, ResolvedConcept, RuleSelection};

use crate::analysis::Analyser;
use crate::workspace::{load_project, AnalysedFiles, LoadedProject, ProjectArgs};

/// How a definition is used across the project.
#[derive(Clone, Debug, Default)]
pub struct OriginUses {
    /// References (import bindings) that reach it.
    pub references: u32,
    /// The `module:name` paths they go through, with how many bindings each.
    pub paths: BTreeMap<String, u32>,
}

/// A loaded, analysed project and the figures tool calls read.
pub struct WarmProject {
    pub loaded: LoadedProject,
    analyser: Analyser,
    pub concepts: Vec<ResolvedConcept>,
    pub reports: Vec<ConceptReport>,
    pub candidates: Vec<ConceptCandidate>,
    pub uses: FxHashMap<Origin, OriginUses>,
    import_style: ssot_fix::ImportStyle,
}

/// What `check` reports for one file whose content is a buffer.
pub struct BufferCheck {
    /// New violations (not in the baseline), sorted, with their fixes.
    pub diagnostics: Vec<Diagnostic>,
    /// Violations the baseline already records.
    pub baselined: usize,
}

impl WarmProject {
    /// Loads and analyses the project as `ssot check` would (all default rules).
    pub fn load(args: &ProjectArgs) -> Result<Self> {
        let selection = RuleSelection::default_rules();
        let mut loaded = load_project(args, Some(&selection))?;
        let analyser = Analyser::new(&loaded, &selection)?;
        let analysis = {
            let files = AnalysedFiles::new(&loaded.root, &loaded.content_hashes, &loaded.config);
            analyser.analyse(&mut loaded.project, &files)?
        };
        let scopes = crate::scopes::Scopes::from_config(&loaded.config)?;
        let (concepts, candidates, uses) = {
            let project = &loaded.project;
            let mut resolver = Resolver::new(project);
            let references = collect_references(&mut resolver);
            let concepts =
                resolve_concepts(&mut resolver, analyser.declarations()).map_err(|errors| {
                    anyhow::anyhow!(
                        "invalid concept configuration:\n  {}",
                        errors
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join("\n  ")
                    )
                })?;
            let scope_of = |file: &ProjectFile| crate::analysis::discovery_scope(&scopes, file);
            let candidates = discover_concepts_with(&mut resolver, &references, &scope_of);
            let mut uses: FxHashMap<Origin, OriginUses> = FxHashMap::default();
            for reference in &references {
                if let Resolution::Definition(origin) = reference.resolution {
                    let entry = uses.entry(origin).or_default();
                    entry.references += 1;
                    *entry.paths.entry(reference.path.to_string()).or_default() += 1;
                }
            }
            (concepts, candidates, uses)
        };
        let import_style = crate::import_style::import_style(&loaded);
        Ok(Self {
            loaded,
            analyser,
            concepts,
            reports: analysis.concepts,
            candidates,
            uses,
            import_style,
        })
    }

    pub fn project(&self) -> &Project {
        &self.loaded.project
    }

    /// The declared concept `origin` belongs to (canonical or competing), if any.
    pub fn declared_concept(&self, origin: Origin) -> Option<&ResolvedConcept> {
        self.concepts
            .iter()
            .find(|concept| concept.contains(origin))
    }

    /// The discovered candidate family `origin` belongs to, if any.
    pub fn candidate_of(&self, origin: Origin) -> Option<&ConceptCandidate> {
        self.candidates
            .iter()
            .find(|candidate| candidate.contains(origin))
    }

    /// The diagnostics `check` would report for `path` (root-relative) if it held `text`,
    /// with SSOT101's import rewrites attached as `check` attaches them.
    pub fn check_buffer(&mut self, path: &str, text: &str) -> Result<BufferCheck, String> {
        let options = self.loaded.extract_options;
        let mut facts = ssot_engine::load::extract_guarded_for(
            text.as_bytes(),
            path,
            options.calls,
            options.target,
        )?
        .map_err(|err| format!("cannot read the source: {err}"))?;
        {
            let modules = &self.loaded.project.modules;
            ssot_index::first_party_uses::keep_first_party_uses(&mut facts, &|module| {
                modules.is_first_party(module)
            });
        }
        let existing = self
            .loaded
            .project
            .files
            .binary_search_by(|file| file.path.as_str().cmp(path));
        let saved = match existing {
            Ok(index) => Some(std::mem::replace(
                &mut self.loaded.project.files[index].facts,
                facts,
            )),
            Err(_) => {
                let is_test = self.loaded.layout.test_paths.is_match(path);
                self.rebuild_with(|files| {
                    files.push(ProjectFile {
                        path: path.to_string(),
                        facts,
                        is_test,
                    })
                });
                None
            }
        };
        let result = self.analyse_buffer(path, text);
        match saved {
            Some(facts) => {
                if let Ok(index) = self
                    .loaded
                    .project
                    .files
                    .binary_search_by(|file| file.path.as_str().cmp(path))
                {
                    self.loaded.project.files[index].facts = facts;
                }
            }
            None => self.rebuild_with(|files| files.retain(|file| file.path != path)),
        }
        result
    }

    /// Builds the module table again after `change` to the file list.
    fn rebuild_with(&mut self, change: impl FnOnce(&mut Vec<ProjectFile>)) {
        let mut files = std::mem::take(&mut self.loaded.project.files);
        change(&mut files);
        let layout = &self.loaded.layout;
        self.loaded.project = Project::with_settings(
            files,
            &layout.unread_modules,
            &layout.import_roots,
            &layout.modules,
        );
    }

    fn analyse_buffer(&mut self, path: &str, text: &str) -> Result<BufferCheck, String> {
        let files = BufferFiles {
            path,
            text,
            disk: AnalysedFiles::new(
                &self.loaded.root,
                &self.loaded.content_hashes,
                &self.loaded.config,
            ),
        };
        let analysis = self
            .analyser
            .engine
            .analyse(&mut self.loaded.project, &files)
            .map_err(|err| err.to_string())?;
        for warning in &analysis.warnings {
            eprintln!("warning: {warning}");
        }
        // The file on disk may have been unreadable; its buffer is not.
        let mut diagnostics: Vec<Diagnostic> = analysis
            .diagnostics
            .into_iter()
            .filter(|d| d.path == path && d.rule != ssot_rules::Rule::UnreadableFile)
            .collect();
        let baseline_path = crate::analysis::baseline_path(&self.loaded).0;
        let baseline = crate::analysis::read_baseline(&baseline_path)
            .map_err(|err| format!("{err:#}").lines().collect::<Vec<_>>().join(": "))?;
        let mut baselined = 0;
        if let Some(baseline) = baseline {
            let comparison = baseline.compare(diagnostics, &|entry| entry.path == path);
            baselined = comparison.baselined.len();
            diagnostics = comparison.new;
        }
        self.attach_import_fixes(path, text, &mut diagnostics);
        Ok(BufferCheck {
            diagnostics,
            baselined,
        })
    }

    /// The fixes `fix` would make for the buffer's SSOT101 diagnostics.
    fn attach_import_fixes(&self, path: &str, text: &str, diagnostics: &mut [Diagnostic]) {
        let project = &self.loaded.project;
        let Ok(file) = project
            .files
            .binary_search_by(|f| f.path.as_str().cmp(path))
        else {
            return;
        };
        if !project.files[file].facts.syntax_errors.is_empty() {
            return;
        }
        let pairs: Vec<(usize, &Diagnostic)> = diagnostics
            .iter()
            .enumerate()
            .filter(|(_, d)| d.rule == ssot_rules::Rule::NonCanonicalImport && d.fix.is_none())
            .collect();
        if pairs.is_empty() {
            return;
        }
        let resolver = Resolver::new(project);
        let (fixes, _) = ssot_fix::import_rewrite::plan_import_fixes(
            &resolver,
            file as ssot_index::FileId,
            text,
            ssot_fix::source::detect_line_ending(text),
            &pairs,
            &self.import_style,
        );
        let planned: Vec<(usize, ssot_rules::Fix)> = fixes
            .into_iter()
            .flat_map(|fix| {
                let edits = fix.fix;
                fix.diagnostics
                    .into_iter()
                    .map(move |index| (index, edits.clone()))
            })
            .collect();
        for (index, fix) in planned {
            diagnostics[index].fix = Some(fix);
        }
    }
}

/// The buffer for its path, the disk (as analysed) for every other file.
struct BufferFiles<'a> {
    path: &'a str,
    text: &'a str,
    disk: AnalysedFiles<'a>,
}

impl ssot_engine::analysis::FileReader for BufferFiles<'_> {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        if path == self.path {
            return Ok(self.text.as_bytes().to_vec());
        }
        self.disk.read(path)
    }
}

/// Loads the project for the server, saying on standard error how long it took.
pub fn load_for_server(args: &ProjectArgs) -> Result<WarmProject> {
    let started = std::time::Instant::now();
    let warm = WarmProject::load(args).context("cannot load the project")?;
    eprintln!(
        "ssot mcp: {} files of {} loaded in {:.2}s",
        warm.loaded.project.files.len(),
        warm.loaded.root.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(warm)
}
