//! A warm, incrementally updated project: what a long-running front end (the editor server,
//! an agent's tool server) holds between requests.
//!
//! A [`Session`] loads the project once through a [`ProjectLoader`] (configuration, walk and
//! facts, which the front end owns), then keeps every file's facts in memory. Editor buffers
//! lie over the disk: [`Session::set_buffer`] re-extracts only that buffer's facts, and
//! [`Session::disk_changed`] only the files changed on disk that no buffer hides. Cross-file
//! work (module table, resolution, rules, compliance) is recomputed from the facts when
//! something asks for findings after a change ([`Session::analysis`]), so a finding in one file
//! caused by an edit in another shows up on the next request.
//!
//! What the session answers:
//! - [`Session::diagnostics_for`]: the findings of one file, every selected rule;
//! - [`Session::import_at`]: the import binding at a byte offset, what it resolves to, the
//!   concept it belongs to, the canonical path and that concept's compliance;
//! - [`Session::fix_file`] and [`Session::fix_diagnostic`]: the text `ssot fix` would give a
//!   file, computed by the fix engine itself over the session's facts and buffers.
//!
//! Invariants: the facts of a file are always those of the bytes [`Session::file_bytes`]
//! returns (its buffer if open, else the disk as last read); the set of files changes only
//! through a reload (a file created or deleted, a configuration change), which reloads
//! everything through the loader and lays the buffers over it again. Nothing here writes a
//! file.

pub(crate) mod incremental;
#[path = "session_snapshot.rs"]
mod snapshot;

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ssot_facts::{FileFacts, ImportKind, Position, Span};
use ssot_fix::session::{run_fixes, FixHost, FixOptions};
use ssot_fix::ImportStyle;
use ssot_index::{FileId, Origin, Project, Resolution, Resolver};
use ssot_rules::{
    resolve_concepts, Applicability, ConceptDeclaration, ConceptReport, Diagnostic, RuleSelection,
};

use crate::analysis::{Analyser, AnalysisSettings, FileReader, PerFileIgnores};
use crate::cache::ExtractOptions;
use crate::fix_diagnosis::{Diagnosis, IncrementalDiagnosis};
use crate::load::{content_hash, extract_guarded_for, FileLimits};
use incremental::{analyse_all, update, Inputs, KeptAnalysis, Update};

/// What the front end's configuration says, as far as a session needs it.
pub struct SessionSettings {
    /// The project root: every path the session takes and gives is relative to it,
    /// `/`-separated.
    pub root: PathBuf,
    pub declarations: Vec<ConceptDeclaration>,
    pub per_file_ignores: PerFileIgnores,
    pub selection: RuleSelection,
    /// Names the scope (`production`, `test` or a configured one) of a root-relative path.
    pub scope_of: Arc<dyn Fn(&str) -> String + Send + Sync>,
    /// The style rewritten imports follow (as `ssot fix` reads it).
    pub import_style: ImportStyle,
    pub limits: FileLimits,
    /// How files are extracted (the same as the loader's, so a re-extracted file has the
    /// facts a fresh load would give it).
    pub options: ExtractOptions,
}

/// A project loaded from disk by a front end.
pub struct LoadedState {
    pub settings: SessionSettings,
    /// Every analysed file's facts (filtered to first-party uses).
    pub project: Project,
    /// [`content_hash`] of each analysed file's bytes on disk, sorted by path.
    pub content_hashes: Vec<(String, u64)>,
    /// Files that could not be analysed, with why (reported as SSOT002), sorted by path.
    pub unreadable: Vec<(String, String)>,
}

/// Loads the project from disk afresh: configuration, walk and every file's facts. Called
/// once at the start and again on [`Session::reload`].
pub trait ProjectLoader: Send {
    fn load(&self) -> Result<LoadedState, String>;
}

/// Why a session could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("cannot load the project: {0}")]
    Load(String),
    #[error(transparent)]
    Analysis(#[from] crate::analysis::AnalysisError),
}

/// The findings of the whole project after the latest change.
#[derive(Clone, Debug, Default)]
pub struct SessionAnalysis {
    /// Sorted by path, then position.
    pub diagnostics: Vec<Diagnostic>,
    pub concepts: Vec<ConceptReport>,
    /// Trouble that did not stop the analysis (a file whose calls could not be checked).
    pub warnings: Vec<String>,
    /// The files whose findings this analysis recomputed, the edited ones first; `None`
    /// when it analysed every file.
    pub recomputed: Option<Vec<String>>,
}

impl SessionAnalysis {
    /// The diagnostics of one root-relative path, in order.
    pub fn for_path(&self, path: &str) -> &[Diagnostic] {
        let start = self.diagnostics.partition_point(|d| d.path.as_str() < path);
        let end = start
            + self.diagnostics[start..]
                .iter()
                .take_while(|d| d.path == path)
                .count();
        &self.diagnostics[start..end]
    }
}

/// A place in a file of the project.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// Root-relative path.
    pub path: String,
    /// 1-based line and character column.
    pub position: Position,
    /// Bytes of the decoded text.
    pub span: Span,
}

/// The import binding at a position, and what it leads to.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportInfo {
    /// The import path as written, made absolute (`app.core:Manager`, or `app.core` for
    /// `import app.core`).
    pub import_path: String,
    /// Where the name is written in the importing file.
    pub binding: Location,
    /// What it resolves to, in words (`definition`, `module`, `external`, `dangling: ...`).
    pub resolution: String,
    /// The origin's `module:Qualified.Name` (or the module's name), when first-party.
    pub origin: Option<String>,
    /// Where the origin is defined (or the module's file), when first-party.
    pub definition: Option<Location>,
    /// The declared concept the origin belongs to, its canonical path and its compliance.
    pub concept: Option<ConceptReport>,
}

/// The text `ssot fix` would give a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileFix {
    /// Root-relative path.
    pub path: String,
    /// The bytes the fix starts from (the buffer, or the disk).
    pub before: Vec<u8>,
    /// The bytes after every fix applied.
    pub after: Vec<u8>,
    /// Safe, or unsafe when unsafe fixes were needed to get there.
    pub applicability: Applicability,
    /// How many violations, by rule code, the fix removes.
    pub fixed: BTreeMap<String, u32>,
}

/// A warm project: per-file facts in memory, buffers over the disk, findings recomputed on
/// demand.
pub struct Session {
    loader: Box<dyn ProjectLoader>,
    settings: SessionSettings,
    project: Project,
    /// Hash of the bytes each analysed file's facts come from (buffer or disk).
    hashes: BTreeMap<String, u64>,
    /// Files that could not be analysed, with why.
    unreadable: BTreeMap<String, String>,
    /// Open buffers, by root-relative path.
    buffers: BTreeMap<String, Vec<u8>>,
    /// The findings after the latest change; `None` when a change came after them.
    analysis: Option<Arc<SessionAnalysis>>,
    /// The latest analysis, kept to be brought up to date after an edit; `None` until the
    /// first analysis, and after a change that needs everything analysed again.
    kept: Option<KeptAnalysis>,
    /// Files whose facts changed since the kept analysis, with their facts as of it.
    dirty: BTreeMap<FileId, FileFacts>,
}

impl Session {
    /// Loads the project.
    pub fn load(loader: Box<dyn ProjectLoader>) -> Result<Self, SessionError> {
        let state = loader.load().map_err(SessionError::Load)?;
        let mut session = Self {
            loader,
            settings: state.settings,
            project: state.project,
            hashes: BTreeMap::new(),
            unreadable: BTreeMap::new(),
            buffers: BTreeMap::new(),
            analysis: None,
            kept: None,
            dirty: BTreeMap::new(),
        };
        session.hashes = state.content_hashes.into_iter().collect();
        session.unreadable = state.unreadable.into_iter().collect();
        Ok(session)
    }

    /// Loads the project again from disk (the configuration changed, files appeared or
    /// disappeared) and lays the open buffers over it. On error the session keeps its state.
    pub fn reload(&mut self) -> Result<(), SessionError> {
        let state = self.loader.load().map_err(SessionError::Load)?;
        self.settings = state.settings;
        self.project = state.project;
        self.hashes = state.content_hashes.into_iter().collect();
        self.unreadable = state.unreadable.into_iter().collect();
        self.kept = None;
        self.dirty.clear();
        let buffers: Vec<String> = self.buffers.keys().cloned().collect();
        for path in buffers {
            let bytes = self.buffers[&path].clone();
            self.extract_into(&path, &bytes);
        }
        self.analysis = None;
        Ok(())
    }

    /// The project root.
    pub fn root(&self) -> &Path {
        &self.settings.root
    }

    /// The current project model (facts as of the latest change).
    pub fn project(&self) -> &Project {
        &self.project
    }

    /// Whether a root-relative path is a file the project analyses.
    pub fn contains(&self, path: &str) -> bool {
        self.file_id(path).is_some() || self.unreadable.contains_key(path)
    }

    /// The open buffers' paths.
    pub fn buffers(&self) -> impl Iterator<Item = &str> {
        self.buffers.keys().map(String::as_str)
    }

    /// Opens or changes a buffer: its bytes replace the disk's and its facts are extracted
    /// again. A buffer of a file the project does not analyse (excluded, or not on disk yet)
    /// is kept but has no findings until a reload finds the file.
    pub fn set_buffer(&mut self, path: &str, bytes: Vec<u8>) {
        if self.buffers.get(path) == Some(&bytes) {
            return;
        }
        self.extract_into(path, &bytes);
        self.buffers.insert(path.to_string(), bytes);
        self.analysis = None;
    }

    /// Closes a buffer: the file's facts are those of the disk again.
    pub fn close_buffer(&mut self, path: &str) {
        if self.buffers.remove(path).is_some() {
            self.refresh_from_disk(path);
            self.analysis = None;
        }
    }

    /// Files changed on disk outside the editor (root-relative paths). A file a buffer hides
    /// keeps the buffer's facts; a changed file is re-extracted; a created or deleted file
    /// reloads the project (the module table changes). Returns whether a reload happened.
    pub fn disk_changed(&mut self, paths: &[String]) -> Result<bool, SessionError> {
        let mut needs_reload = false;
        for path in paths {
            let on_disk = self.settings.root.join(path).is_file();
            let known = self.contains(path);
            if on_disk != known {
                // Created or deleted: the project's files are not the same set any more.
                // (A created file the walk excludes is not loaded by the reload either.)
                needs_reload = true;
            } else if known && !self.buffers.contains_key(path) {
                self.refresh_from_disk(path);
                self.analysis = None;
            }
        }
        if needs_reload {
            self.reload()?;
        }
        Ok(needs_reload)
    }

    /// The bytes a file's facts come from: its buffer, else the disk.
    pub fn file_bytes(&self, path: &str) -> Result<Vec<u8>, String> {
        if let Some(buffer) = self.buffers.get(path) {
            return Ok(buffer.clone());
        }
        let full = crate::discovery::os_path(&self.settings.root, path);
        let bytes = read_limited(&full, self.settings.limits.max_size)?;
        if self.hashes.get(path) != Some(&content_hash(&bytes)) {
            return Err("the file changed on disk since it was analysed".to_string());
        }
        Ok(bytes)
    }

    /// The findings of the whole project, brought up to date if something changed since the
    /// last call: incrementally from the kept analysis when it can be, else from scratch.
    pub fn analysis(&mut self) -> Result<Arc<SessionAnalysis>, SessionError> {
        if let Some(analysis) = &self.analysis {
            if self.dirty.is_empty() {
                return Ok(Arc::clone(analysis));
            }
        }
        let unreadable = self.unreadable_files();
        let reader = SessionReader {
            buffers: &self.buffers,
            root: &self.settings.root,
            hashes: &self.hashes,
            max_size: self.settings.limits.max_size,
        };
        let inputs = Inputs {
            declarations: &self.settings.declarations,
            selection: &self.settings.selection,
            ignores: &self.settings.per_file_ignores,
            unreadable: &unreadable,
            scope_of: &*self.settings.scope_of,
            reader: &reader,
            cache: None,
        };
        let mut recomputed = None;
        if let Some(kept) = &mut self.kept {
            if !self.dirty.is_empty() {
                let dirty: Vec<(FileId, &FileFacts)> = self
                    .dirty
                    .iter()
                    .map(|(file, facts)| (*file, facts))
                    .collect();
                match update(kept, &mut self.project, &dirty, &inputs, None)?.0 {
                    Update::Done { recomputed: files } => {
                        recomputed = Some(
                            files
                                .iter()
                                .map(|&file| self.project.file(file).path.clone())
                                .collect(),
                        );
                    }
                    Update::NeedsFull => self.kept = None,
                }
            } else {
                recomputed = Some(Vec::new());
            }
        }
        if self.kept.is_none() {
            self.kept = Some(analyse_all(&mut self.project, &inputs)?);
        }
        self.dirty.clear();
        let kept = self.kept.as_ref().expect("analysed above");
        let analysis = Arc::new(SessionAnalysis {
            diagnostics: kept.diagnostics(),
            concepts: kept.reports.clone(),
            warnings: kept.warnings.clone(),
            recomputed,
        });
        self.analysis = Some(Arc::clone(&analysis));
        Ok(analysis)
    }

    /// The findings of the whole project analysed from scratch by the engine's one-shot
    /// analysis (as `ssot check` runs it), ignoring the kept analysis: what
    /// [`Session::analysis`] must equal, for tests and for checking a suspicion.
    pub fn analysis_from_scratch(&mut self) -> Result<SessionAnalysis, SessionError> {
        let analyser = self.analyser();
        let reader = SessionReader {
            buffers: &self.buffers,
            root: &self.settings.root,
            hashes: &self.hashes,
            max_size: self.settings.limits.max_size,
        };
        let analysis = analyser.analyse(&mut self.project, &reader)?;
        Ok(SessionAnalysis {
            diagnostics: analysis.diagnostics,
            concepts: analysis.concepts,
            warnings: analysis.warnings,
            recomputed: None,
        })
    }

    /// The findings `check` would report for `path` (root-relative) if it held `bytes`: the
    /// text is laid over the file for this call only, analysed incrementally over the kept
    /// analysis, which is left as it was. `None` when the project does not analyse `path`.
    pub fn diagnostics_with_overlay(
        &mut self,
        path: &str,
        bytes: &[u8],
    ) -> Result<Option<Vec<Diagnostic>>, SessionError> {
        let Some(file) = self.file_id(path) else {
            return Ok(None);
        };
        self.analysis()?;
        let options = self.settings.options;
        let facts = if bytes.len() as u64 > self.settings.limits.max_size {
            None
        } else {
            match extract_guarded_for(bytes, path, options.calls, options.target) {
                Ok(Ok(mut facts)) => {
                    let modules = &self.project.modules;
                    ssot_index::first_party_uses::keep_first_party_uses(&mut facts, &|module| {
                        modules.is_first_party(module)
                    });
                    Some(facts)
                }
                _ => None,
            }
        };
        let Some(facts) = facts else {
            // Text ssot cannot analyse: the buffer path reports why (SSOT002).
            self.set_buffer(path, bytes.to_vec());
            let result = self.diagnostics_for(path);
            self.close_buffer(path);
            return result.map(Some);
        };
        // The project rules weigh every file (concept discovery alone costs more than the
        // rest of an update); when the text cannot hold a finding of theirs, the update
        // leaves them out, which changes no finding of this file.
        let is_test = self.project.files[file as usize].is_test;
        let test_double_calls = || {
            // As the analysis would complete the file's call sites.
            match crate::load::extract_guarded(bytes, path, ssot_facts::CallDetail::Sites) {
                Ok(Ok(mut complete)) => {
                    let modules = &self.project.modules;
                    ssot_index::first_party_uses::keep_first_party_uses(&mut complete, &|m| {
                        modules.is_first_party(m)
                    });
                    has_test_double_calls(&complete)
                }
                _ => true,
            }
        };
        let scope =
            ssot_index::concept_discovery::default_file_scope(&self.project.files[file as usize]);
        let left_out = project_rules_without_findings(&facts, is_test, scope, test_double_calls);
        let reduced = (!left_out.is_empty()).then(|| self.settings.selection.without(&left_out));
        let selection = reduced.as_ref().unwrap_or(&self.settings.selection);
        let old = std::mem::replace(&mut self.project.files[file as usize].facts, facts);
        let unreadable = self.unreadable_files();
        let reader = OverlayReader {
            path,
            bytes,
            rest: SessionReader {
                buffers: &self.buffers,
                root: &self.settings.root,
                hashes: &self.hashes,
                max_size: self.settings.limits.max_size,
            },
        };
        let inputs = Inputs {
            declarations: &self.settings.declarations,
            selection,
            ignores: &self.settings.per_file_ignores,
            unreadable: &unreadable,
            scope_of: &*self.settings.scope_of,
            reader: &reader,
            cache: None,
        };
        let kept = self.kept.as_mut().expect("analysed above");
        let result = catch_unwind(AssertUnwindSafe(|| {
            match update(
                kept,
                &mut self.project,
                &[(file, &old)],
                &inputs,
                Some(file),
            ) {
                Ok((_, Some(found))) => Ok(found),
                Ok((_, None)) => {
                    // Too wide a change for the kept analysis: a whole analysis of the
                    // overlaid project, kept apart.
                    let all = analyse_all(&mut self.project, &inputs)?;
                    Ok(all.file_diagnostics(file).to_vec())
                }
                Err(err) => Err(err),
            }
        }));
        self.project.files[file as usize].facts = old;
        if let Some(kept) = &mut self.kept {
            kept.reindex(&self.project, file);
        }
        match result {
            Ok(found) => Ok(Some(found?)),
            Err(panic) => resume_unwind(panic),
        }
    }

    /// The findings of one file (root-relative path).
    pub fn diagnostics_for(&mut self, path: &str) -> Result<Vec<Diagnostic>, SessionError> {
        Ok(self.analysis()?.for_path(path).to_vec())
    }

    /// The import binding written at byte `offset` of a file (of its decoded text), with its
    /// resolution, origin, definition and concept.
    pub fn import_at(
        &mut self,
        path: &str,
        offset: u32,
    ) -> Result<Option<ImportInfo>, SessionError> {
        let Some(file) = self.file_id(path) else {
            return Ok(None);
        };
        let concepts = self.analysis()?.concepts.clone();
        let project = &self.project;
        let facts = &project.file(file).facts;
        let found = facts.imports.iter().find_map(|import| {
            let name = import
                .names
                .iter()
                .find(|name| name.span.start <= offset && offset <= name.span.end)?;
            Some((import, name))
        });
        let Some((import, name)) = found else {
            return Ok(None);
        };
        let mut resolver = if path.ends_with(".pyi") {
            Resolver::for_stubs(project)
        } else {
            Resolver::new(project)
        };
        let (import_path, resolution) = match &import.kind {
            ImportKind::Import => (name.name.to_string(), resolver.resolve_module(&name.name)),
            ImportKind::From { module, level } => {
                let Some(absolute) = resolver.absolute_module(file, *level, module.as_deref())
                else {
                    return Ok(Some(ImportInfo {
                        import_path: format!(
                            "{}{}:{}",
                            ".".repeat(*level as usize),
                            module.as_deref().unwrap_or(""),
                            name.name
                        ),
                        binding: location(path, name.position, name.span),
                        resolution: "dangling: the relative import climbs above the top-level \
                                     package"
                            .to_string(),
                        origin: None,
                        definition: None,
                        concept: None,
                    }));
                };
                let resolution = resolver.resolve_from(&absolute, &name.name);
                (format!("{absolute}:{}", name.name), resolution)
            }
        };
        let (described, origin, definition, concept_origin) =
            describe_resolution(project, &resolution);
        let concept = match concept_origin {
            Some(origin) => {
                let declared = resolve_concepts(&mut resolver, &self.settings.declarations)
                    .unwrap_or_default();
                declared
                    .iter()
                    .find(|concept| concept.contains(origin))
                    .and_then(|concept| concepts.iter().find(|r| r.name == concept.name))
                    .cloned()
            }
            None => None,
        };
        Ok(Some(ImportInfo {
            import_path,
            binding: location(path, name.position, name.span),
            resolution: described,
            origin,
            definition,
            concept,
        }))
    }

    /// What `ssot fix <path>` would write to a file: every fixable finding of that file, safe
    /// fixes only unless `unsafe_fixes`. `None` when nothing would change.
    pub fn fix_file(
        &mut self,
        path: &str,
        unsafe_fixes: bool,
    ) -> Result<Option<FileFix>, SessionError> {
        self.run_fix(path, None, unsafe_fixes)
    }

    /// What fixing the one finding with this fingerprint would write to its file (the fix
    /// engine's own passes, limited to that finding). `None` when it has no fix at that
    /// applicability.
    pub fn fix_diagnostic(
        &mut self,
        path: &str,
        fingerprint: &str,
        unsafe_fixes: bool,
    ) -> Result<Option<FileFix>, SessionError> {
        self.run_fix(path, Some(fingerprint), unsafe_fixes)
    }

    fn run_fix(
        &mut self,
        path: &str,
        fingerprint: Option<&str>,
        unsafe_fixes: bool,
    ) -> Result<Option<FileFix>, SessionError> {
        let Some(file) = self.file_id(path) else {
            return Ok(None);
        };
        // Only this file is rewritten; its facts are put back afterwards so the session keeps
        // describing the buffer, not the fixed text.
        // The fix run diagnoses from a copy of the session's analysis, brought up to date
        // pass after pass; the session's own stays the analysis of what the editor shows.
        self.analysis()?;
        let kept = self.kept.clone().expect("analysed above");
        let saved = self.project.files[file as usize].facts.clone();
        let diagnosis = IncrementalDiagnosis::seeded(self.analysis_settings(), kept);
        let host = SessionFixHost {
            diagnosis: &diagnosis,
            reader: SessionReader {
                buffers: &self.buffers,
                root: &self.settings.root,
                hashes: &self.hashes,
                max_size: self.settings.limits.max_size,
            },
            path,
            fingerprint,
            style: self.settings.import_style.clone(),
            error: std::cell::RefCell::new(None),
        };
        let options = FixOptions {
            unsafe_fixes,
            shims: false,
            ..FixOptions::default()
        };
        let outcome = run_fixes(&mut self.project, &host, options);
        let error = host.error.into_inner();
        self.project.files[file as usize].facts = saved;
        for changed in &outcome.changed {
            if changed.file != file {
                // Not expected (only this file's findings are fixed), but the session must
                // keep describing what the editor shows.
                let other = changed.path.clone();
                self.refresh_current(&other);
            }
        }
        if let Some(error) = error {
            return Err(error.into());
        }
        let Some(changed) = outcome.changed.into_iter().find(|c| c.file == file) else {
            return Ok(None);
        };
        let after = changed.source.encode(&changed.new_text);
        let fixed = changed
            .fixed
            .iter()
            .map(|(rule, count)| (rule.code().to_string(), *count))
            .collect();
        Ok(Some(FileFix {
            path: path.to_string(),
            before: changed.source.original,
            after,
            applicability: if unsafe_fixes {
                Applicability::Unsafe
            } else {
                Applicability::Safe
            },
            fixed,
        }))
    }

    /// The files that could not be read, with why, as the analysis takes them.
    fn unreadable_files(&self) -> Vec<(String, String)> {
        self.unreadable
            .iter()
            .map(|(path, message)| (path.clone(), message.clone()))
            .collect()
    }

    fn analyser(&self) -> Analyser {
        Analyser::new(self.analysis_settings())
    }

    fn analysis_settings(&self) -> AnalysisSettings {
        let scope_of = Arc::clone(&self.settings.scope_of);
        AnalysisSettings {
            declarations: self.settings.declarations.clone(),
            per_file_ignores: self.settings.per_file_ignores.clone(),
            selection: self.settings.selection.clone(),
            unreadable: self.unreadable_files(),
            targets: vec![String::new()],
            scope_of: Box::new(move |path| scope_of(path)),
            call_site_cache: None,
        }
    }

    fn file_id(&self, path: &str) -> Option<FileId> {
        self.project
            .files
            .binary_search_by(|f| f.path.as_str().cmp(path))
            .ok()
            .map(|index| index as FileId)
    }

    /// Re-extracts a file from its buffer or the disk.
    fn refresh_current(&mut self, path: &str) {
        match self.buffers.get(path).cloned() {
            Some(bytes) => self.extract_into(path, &bytes),
            None => self.refresh_from_disk(path),
        }
    }

    /// Reads a file from disk again and re-extracts it; an unreadable file becomes an SSOT002
    /// problem.
    fn refresh_from_disk(&mut self, path: &str) {
        let full = crate::discovery::os_path(&self.settings.root, path);
        match read_limited(&full, self.settings.limits.max_size) {
            Ok(bytes) => self.extract_into(path, &bytes),
            Err(message) => self.mark_unreadable(path, message),
        }
    }

    /// Replaces a loaded file's facts with those of `bytes`. A path the project does not
    /// analyse is left alone.
    fn extract_into(&mut self, path: &str, bytes: &[u8]) {
        let Some(file) = self.file_id(path) else {
            if self.unreadable.contains_key(path) {
                // Readable now, but not in the module table: the next reload takes it in.
                self.unreadable.insert(
                    path.to_string(),
                    "could not be read when the project was loaded".to_string(),
                );
            }
            return;
        };
        if bytes.len() as u64 > self.settings.limits.max_size {
            self.mark_unreadable(
                path,
                crate::source::too_large(bytes.len() as u64, self.settings.limits.max_size)
                    .to_string(),
            );
            return;
        }
        let options = self.settings.options;
        match extract_guarded_for(bytes, path, options.calls, options.target) {
            Ok(Ok(mut facts)) => {
                let modules = &self.project.modules;
                ssot_index::first_party_uses::keep_first_party_uses(&mut facts, &|module| {
                    modules.is_first_party(module)
                });
                let old = std::mem::replace(&mut self.project.files[file as usize].facts, facts);
                if self.kept.is_some() {
                    self.dirty.entry(file).or_insert(old);
                }
                self.hashes.insert(path.to_string(), content_hash(bytes));
                if self.unreadable.remove(path).is_some() {
                    // The files that cannot be read are every file's input (SSOT002).
                    self.kept = None;
                }
            }
            Ok(Err(err)) => self.mark_unreadable(path, err.to_string()),
            Err(message) => self.mark_unreadable(path, message),
        }
    }

    /// A loaded file that cannot be analysed any more keeps its place in the module table
    /// with no facts, and is reported as SSOT002.
    fn mark_unreadable(&mut self, path: &str, message: String) {
        self.kept = None;
        self.dirty.clear();
        if let Some(file) = self.file_id(path) {
            self.project.files[file as usize].facts = FileFacts::default();
            self.hashes.remove(path);
        }
        self.unreadable.insert(path.to_string(), message);
    }
}

/// The project rules that cannot report a finding in a file with these facts. Each reports
/// only at a class of the file: undeclared-duplicate at a class of a production file (by
/// the default scopes its concept discovery uses), interface-drift and test-double-bypass
/// at any class (a drifting member, a test double), and test-double-bypass also at a
/// test-double call of a test file, whose call sites the analysis may still have to
/// complete (`test_double_calls` says whether the complete ones hold one). A suppression
/// comment of the file could be reported unused when a rule did not run: then every rule
/// runs.
fn project_rules_without_findings(
    facts: &FileFacts,
    is_test: bool,
    scope: ssot_index::concept_discovery::FileScope,
    test_double_calls: impl FnOnce() -> bool,
) -> Vec<ssot_rules::Rule> {
    use ssot_rules::Rule;
    if !facts.suppressions.is_empty() {
        return Vec::new();
    }
    let classes = facts.definitions.iter().any(|d| d.class.is_some());
    let mut left_out = Vec::new();
    if !classes || scope != ssot_index::concept_discovery::FileScope::Production {
        left_out.push(Rule::UndeclaredDuplicate);
    }
    let doubles = classes
        || !facts.local_classes.is_empty()
        || has_test_double_calls(facts)
        || (is_test && facts.call_detail != ssot_facts::CallDetail::Sites && test_double_calls());
    if !doubles {
        left_out.extend([Rule::InterfaceDrift, Rule::TestDoubleBypass]);
    }
    debug_assert!(left_out
        .iter()
        .all(|rule| incremental::PROJECT_RULES.contains(rule)));
    left_out
}

/// Whether a file's call sites hold a test-double call (`patch(...)`, `Mock(spec=...)`).
fn has_test_double_calls(facts: &FileFacts) -> bool {
    facts
        .call_extras
        .iter()
        .any(|extras| extras.double.is_some())
}

fn location(path: &str, position: Position, span: Span) -> Location {
    Location {
        path: path.to_string(),
        position,
        span,
    }
}

/// A resolution in words, the origin's name, where it is defined, and the definition a
/// concept may contain.
fn describe_resolution(
    project: &Project,
    resolution: &Resolution,
) -> (String, Option<String>, Option<Location>, Option<Origin>) {
    let module_name = |file: FileId| {
        project
            .modules
            .module_of_file(file)
            .map(|id| project.modules.module(id).name.clone())
            .unwrap_or_default()
    };
    match resolution {
        Resolution::Definition(origin) => {
            let file = project.file(origin.file);
            let definition = &file.facts.definitions[origin.definition as usize];
            (
                format!("{} `{}`", definition.kind.as_str(), definition.qualname),
                Some(format!(
                    "{}:{}",
                    module_name(origin.file),
                    definition.qualname
                )),
                Some(location(&file.path, definition.position, definition.span)),
                Some(*origin),
            )
        }
        Resolution::Module(id) => {
            let module = project.modules.module(*id);
            let definition = module.file.map(|file| {
                location(
                    &project.file(file).path,
                    Position { line: 1, column: 1 },
                    Span { start: 0, end: 0 },
                )
            });
            let kind = if module.file.is_none() {
                "namespace package"
            } else if module.is_package {
                "package"
            } else {
                "module"
            };
            (
                format!("{kind} `{}`", module.name),
                Some(module.name.clone()),
                definition,
                None,
            )
        }
        Resolution::ModuleAttribute => ("a module attribute".to_string(), None, None, None),
        Resolution::External { module, name } => (
            match name {
                Some(name) => format!("outside the project: `{module}:{name}`"),
                None => format!("outside the project: `{module}`"),
            },
            None,
            None,
            None,
        ),
        Resolution::Dangling {
            reason,
            module,
            name,
        } => (
            format!(
                "dangling ({}): `{module}{}`",
                reason.as_str(),
                name.as_deref()
                    .map(|name| format!(":{name}"))
                    .unwrap_or_default()
            ),
            None,
            None,
            None,
        ),
        other => (format!("{other:?}").to_lowercase(), None, None, None),
    }
}

/// Reads a file, refusing more than `max_size` bytes.
fn read_limited(path: &Path, max_size: u64) -> Result<Vec<u8>, String> {
    let metadata = std::fs::metadata(path).map_err(|err| err.to_string())?;
    if metadata.len() > max_size {
        return Err(crate::source::too_large(metadata.len(), max_size).to_string());
    }
    std::fs::read(path).map_err(|err| err.to_string())
}

/// Reads files for the analysis and the fix engine: buffers first, else the disk, refusing
/// bytes that are not the ones analysed.
struct SessionReader<'a> {
    buffers: &'a BTreeMap<String, Vec<u8>>,
    root: &'a Path,
    hashes: &'a BTreeMap<String, u64>,
    max_size: u64,
}

impl FileReader for SessionReader<'_> {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        if let Some(buffer) = self.buffers.get(path) {
            return Ok(buffer.clone());
        }
        let bytes = read_limited(&crate::discovery::os_path(self.root, path), self.max_size)?;
        if self.hashes.get(path) != Some(&content_hash(&bytes)) {
            return Err("the file changed since it was analysed".to_string());
        }
        Ok(bytes)
    }
}

/// The session's reader with one file's text laid over it.
struct OverlayReader<'a> {
    path: &'a str,
    bytes: &'a [u8],
    rest: SessionReader<'a>,
}

impl FileReader for OverlayReader<'_> {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        if path == self.path {
            return Ok(self.bytes.to_vec());
        }
        self.rest.read(path)
    }
}

/// The fix engine's view of a session: one file's findings (or one finding) only.
struct SessionFixHost<'a> {
    diagnosis: &'a IncrementalDiagnosis,
    reader: SessionReader<'a>,
    path: &'a str,
    fingerprint: Option<&'a str>,
    style: ImportStyle,
    error: std::cell::RefCell<Option<crate::analysis::AnalysisError>>,
}

impl FixHost for SessionFixHost<'_> {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        self.reader.read(path)
    }

    fn diagnose(&self, project: &mut Project) -> Vec<Diagnostic> {
        let diagnosis = self.diagnosis.diagnose(project, &self.reader);
        self.this_file(diagnosis)
    }

    fn diagnose_changed(
        &self,
        project: &mut Project,
        changed: &[(FileId, &FileFacts)],
    ) -> Vec<Diagnostic> {
        let diagnosis = self
            .diagnosis
            .diagnose_changed(project, &self.reader, changed);
        self.this_file(diagnosis)
    }

    fn import_style(&self) -> ImportStyle {
        self.style.clone()
    }
}

impl SessionFixHost<'_> {
    /// The findings of the file being fixed (or the one finding asked for).
    fn this_file(
        &self,
        diagnosis: Result<Diagnosis, crate::analysis::AnalysisError>,
    ) -> Vec<Diagnostic> {
        match diagnosis {
            Ok(analysis) => analysis
                .diagnostics
                .into_iter()
                .filter(|d| d.path == self.path)
                .filter(|d| self.fingerprint.is_none_or(|f| d.fingerprint == f))
                .collect(),
            Err(err) => {
                self.error.borrow_mut().get_or_insert(err);
                Vec::new()
            }
        }
    }
}

/// Paths changed on disk that are configuration, not source: ssot's own (`ssot.toml`,
/// `pyproject.toml`), the import style's (`ruff.toml`, `.ruff.toml`) and the walk's
/// (`.gitignore`). A change reloads the project.
pub fn is_configuration_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    matches!(
        name,
        "pyproject.toml" | "ssot.toml" | "ruff.toml" | ".ruff.toml" | ".gitignore"
    )
}

/// The paths of `changed` a session must look at: Python sources and configuration.
pub fn relevant_changes(changed: &[String]) -> (bool, Vec<String>) {
    let config = changed.iter().any(|path| is_configuration_file(path));
    let sources: BTreeSet<String> = changed
        .iter()
        .filter(|path| path.ends_with(".py") || path.ends_with(".pyi"))
        .cloned()
        .collect();
    (config, sources.into_iter().collect())
}
