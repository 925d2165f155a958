//! The project held in memory between tool calls: an engine [`Session`] (every file's facts,
//! buffers over the disk, findings recomputed on demand) and what the answers read besides,
//! computed from the session's project: the declared concepts resolved, each definition's
//! references and import paths, and the discovered concept candidates.
//!
//! Agents edit files between calls, so before answering the server looks at the disk: a file
//! whose size or modification time changed is re-extracted, and a directory whose
//! modification time changed (a file created, deleted or renamed in it) reloads the project
//! (facts come from the facts cache, so only new files are parsed). Comparing every file's
//! stamps is skipped while a watch of the directories ([`super::disk_watch`]) saw nothing,
//! for at most [`STAMPS_AT_LEAST_EVERY`].
//!
//! An unsaved text of a file the project analyses is a session buffer for the length of one
//! call. A text for a file that does not exist yet is analysed on a copy of the project with
//! the file added (the session's file set changes only through a reload from disk).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result};
use rustc_hash::FxHashMap;
use ssot_engine::analysis::{AnalysisSettings, FileReader};
use ssot_engine::session::{LoadedState, ProjectLoader, Session, SessionSettings};
use ssot_index::concept_discovery::{discover_concepts_with, ConceptCandidate};
use ssot_index::{collect_references, Origin, Project, ProjectFile, Resolution, Resolver};
use ssot_rules::{
    resolve_concepts, ConceptDeclaration, ConceptReport, Diagnostic, ResolvedConcept, Rule,
    RuleSelection,
};

use crate::workspace::{load_project, ProjectArgs, ProjectLayout};

/// How a definition is used across the project.
#[derive(Clone, Debug, Default)]
pub struct OriginUses {
    /// References (import bindings) that reach it.
    pub references: u32,
    /// The `module:name` paths they go through, with how many bindings each.
    pub paths: BTreeMap<String, u32>,
}

/// What the command line knows about a load beyond what the session keeps.
struct LoadExtras {
    layout: ProjectLayout,
    baseline: PathBuf,
    scopes: Arc<crate::scopes::Scopes>,
    declarations: Vec<ConceptDeclaration>,
    per_file_ignores: ssot_engine::analysis::PerFileIgnores,
    import_style: ssot_fix::ImportStyle,
    options: ssot_engine::cache::ExtractOptions,
    max_size: u64,
}

/// Loads the project as `ssot check` does, for the session (at start and on every reload).
struct CliLoader {
    args: ProjectArgs,
    extras: Arc<Mutex<Option<LoadExtras>>>,
}

impl ProjectLoader for CliLoader {
    fn load(&self) -> Result<LoadedState, String> {
        let flatten = |err: anyhow::Error| {
            err.chain()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(": ")
        };
        let selection = RuleSelection::default_rules();
        let loaded = load_project(&self.args, Some(&selection)).map_err(flatten)?;
        let scopes = Arc::new(crate::scopes::Scopes::from_config(&loaded.config).map_err(flatten)?);
        let session_scopes = Arc::clone(&scopes);
        let declarations = crate::analysis::declarations(&loaded.config);
        let per_file_ignores =
            crate::analysis::per_file_ignores(&loaded.config).map_err(flatten)?;
        let import_style = crate::import_style::import_style(&loaded);
        let settings = SessionSettings {
            root: loaded.root.clone(),
            declarations: declarations.clone(),
            per_file_ignores: per_file_ignores.clone(),
            selection,
            scope_of: Arc::new(move |path| session_scopes.of(path).to_string()),
            import_style: import_style.clone(),
            limits: loaded.limits,
            options: loaded.extract_options,
        };
        let options = loaded.extract_options;
        let baseline = crate::analysis::baseline_path(&loaded).0;
        let unreadable = loaded
            .problems
            .iter()
            .map(|p| (p.path.clone(), p.message.clone()))
            .collect();
        let crate::workspace::LoadedProject {
            project,
            content_hashes,
            layout,
            ..
        } = loaded;
        *self.extras.lock().unwrap_or_else(|e| e.into_inner()) = Some(LoadExtras {
            layout,
            baseline,
            scopes,
            declarations,
            per_file_ignores,
            import_style,
            options,
            max_size: settings.limits.max_size,
        });
        Ok(LoadedState {
            settings,
            project,
            content_hashes,
            unreadable,
        })
    }
}

/// What the answers read besides the session, computed from its project.
pub struct Derived {
    pub concepts: Vec<ResolvedConcept>,
    pub reports: Vec<ConceptReport>,
    pub candidates: Vec<ConceptCandidate>,
    pub uses: FxHashMap<Origin, OriginUses>,
    /// What `ssot_find_existing` compares a proposed name with.
    pub definitions: Vec<super::find_existing::IndexedDefinition>,
}

/// A warm project and the figures tool calls read.
pub struct WarmProject {
    session: Session,
    extras: Arc<Mutex<Option<LoadExtras>>>,
    derived: Derived,
    /// Size and modification time of every analysed file and of every directory holding one,
    /// when they were last read.
    stamps: DiskStamps,
}

/// What `check` reports for one file whose content is a buffer.
pub struct BufferCheck {
    /// New violations (not in the baseline), sorted, with their fixes.
    pub diagnostics: Vec<Diagnostic>,
    /// Violations the baseline already records.
    pub baselined: usize,
    /// The text `ssot fix` would give the file (safe fixes), when it would change it.
    pub fixed: Option<String>,
}

impl WarmProject {
    /// Loads and analyses the project as `ssot check` would (all default rules).
    pub fn load(args: &ProjectArgs) -> Result<Self> {
        let extras = Arc::new(Mutex::new(None));
        let loader = CliLoader {
            args: args.clone(),
            extras: Arc::clone(&extras),
        };
        let mut session =
            Session::load(Box::new(loader)).map_err(|err| anyhow::anyhow!("{err}"))?;
        let derived = derive(&mut session, &extras)?;
        let stamps = DiskStamps::of(session.root(), session.project());
        Ok(Self {
            session,
            extras,
            derived,
            stamps,
        })
    }

    pub fn project(&self) -> &Project {
        self.session.project()
    }

    pub fn root(&self) -> &Path {
        self.session.root()
    }

    pub fn derived(&self) -> &Derived {
        &self.derived
    }

    /// Brings the session up to date with the disk: re-extracts changed files, reloads when
    /// files were created or deleted, and recomputes what the answers read when anything
    /// changed.
    pub fn refresh(&mut self) -> Result<(), String> {
        let changes = self
            .stamps
            .changes(self.session.root(), self.session.project());
        if changes.is_empty() {
            return Ok(());
        }
        if changes.directories {
            self.session.reload().map_err(|err| err.to_string())?;
        } else {
            self.session
                .disk_changed(&changes.files)
                .map_err(|err| err.to_string())?;
        }
        self.derived = derive(&mut self.session, &self.extras).map_err(|err| format!("{err:#}"))?;
        self.stamps = DiskStamps::of(self.session.root(), self.session.project());
        Ok(())
    }

    /// The declared concept `origin` belongs to (canonical or competing), if any.
    pub fn declared_concept(&self, origin: Origin) -> Option<&ResolvedConcept> {
        self.derived
            .concepts
            .iter()
            .find(|concept| concept.contains(origin))
    }

    /// The discovered candidate family `origin` belongs to, if any.
    pub fn candidate_of(&self, origin: Origin) -> Option<&ConceptCandidate> {
        self.derived
            .candidates
            .iter()
            .find(|candidate| candidate.contains(origin))
    }

    /// How many references reach `origin`.
    pub fn references(&self, origin: Origin) -> u32 {
        self.derived
            .uses
            .get(&origin)
            .map_or(0, |uses| uses.references)
    }

    /// The diagnostics `check` would report for `path` (root-relative) if it held `text`,
    /// with the fixes `check` shows and the text `fix` would write.
    pub fn check_buffer(&mut self, path: &str, text: &str) -> Result<BufferCheck, String> {
        let (mut diagnostics, fixed) = if self.session.contains(path) {
            self.check_session_buffer(path, text)?
        } else {
            (self.check_new_file(path, text)?, None)
        };
        // The file on disk may have been unreadable; its buffer is not.
        diagnostics.retain(|d| d.path == path && d.rule != Rule::UnreadableFile);
        let baseline_path = self
            .extras
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .map(|extras| extras.baseline.clone());
        let mut baselined = 0;
        if let Some(baseline_path) = baseline_path {
            let baseline =
                crate::analysis::read_baseline(&baseline_path).map_err(|err| format!("{err:#}"))?;
            if let Some(baseline) = baseline {
                let comparison = baseline.compare(diagnostics, &|entry| entry.path == path);
                baselined = comparison.baselined.len();
                diagnostics = comparison.new;
            }
        }
        Ok(BufferCheck {
            diagnostics,
            baselined,
            fixed,
        })
    }

    /// A file the session analyses: the text is laid over it for this call only, analysed
    /// incrementally over the session's kept analysis, which stays as it was.
    fn check_session_buffer(
        &mut self,
        path: &str,
        text: &str,
    ) -> Result<(Vec<Diagnostic>, Option<String>), String> {
        let mut diagnostics = self
            .session
            .diagnostics_with_overlay(path, text.as_bytes())
            .map_err(|err| err.to_string())?
            .unwrap_or_default();
        let style = self.with_extras(|extras| extras.import_style.clone())?;
        // The import fixes are planned over the text's own facts.
        let fixable = diagnostics.iter().any(|d| {
            d.rule == Rule::NonCanonicalImport
                || d.fix
                    .as_ref()
                    .is_some_and(|fix| fix.applicability == ssot_rules::Applicability::Safe)
        });
        if !fixable {
            return Ok((diagnostics, None));
        }
        self.session.set_buffer(path, text.as_bytes().to_vec());
        let result = (|| {
            attach_import_fixes(self.session.project(), path, text, &style, &mut diagnostics);
            // The fix engine re-analyses the project once per pass: only when there is
            // something safe to fix.
            let fixable = diagnostics.iter().any(|d| {
                d.fix
                    .as_ref()
                    .is_some_and(|fix| fix.applicability == ssot_rules::Applicability::Safe)
            });
            let fixed = if fixable {
                self.session
                    .fix_file(path, false)
                    .map_err(|err| err.to_string())?
                    .map(|fix| String::from_utf8_lossy(&fix.after).into_owned())
            } else {
                None
            };
            Ok((diagnostics, fixed))
        })();
        self.session.close_buffer(path);
        result
    }

    /// A file that does not exist yet: analysed on a copy of the project with it added.
    fn check_new_file(&mut self, path: &str, text: &str) -> Result<Vec<Diagnostic>, String> {
        let extras = self.extras.lock().unwrap_or_else(|e| e.into_inner());
        let Some(extras) = extras.as_ref() else {
            return Err("the project is not loaded".to_string());
        };
        let project = self.session.project();
        let options = extras.options;
        let mut facts = ssot_engine::load::extract_guarded_for(
            text.as_bytes(),
            path,
            options.calls,
            options.target,
        )?
        .map_err(|err| format!("cannot read the source: {err}"))?;
        ssot_index::first_party_uses::keep_first_party_uses(&mut facts, &|module| {
            project.modules.is_first_party(module)
        });
        let mut files = project.files.clone();
        files.push(ProjectFile {
            path: path.to_string(),
            facts,
            is_test: extras.layout.test_paths.is_match(path),
        });
        let mut copy = Project::with_settings(
            files,
            &extras.layout.unread_modules,
            &extras.layout.import_roots,
            &extras.layout.modules,
        );
        let scopes = Arc::clone(&extras.scopes);
        let analyser = ssot_engine::analysis::Analyser::new(AnalysisSettings {
            declarations: extras.declarations.clone(),
            per_file_ignores: extras.per_file_ignores.clone(),
            selection: RuleSelection::default_rules(),
            unreadable: Vec::new(),
            targets: vec![path.to_string()],
            scope_of: Box::new(move |path| scopes.of(path).to_string()),
            call_site_cache: None,
        });
        let reader = NewFileReader {
            path,
            text,
            root: self.session.root(),
            max_size: extras.max_size,
        };
        let analysis = analyser
            .analyse(&mut copy, &reader)
            .map_err(|err| err.to_string())?;
        let mut diagnostics = analysis.diagnostics;
        attach_import_fixes(&copy, path, text, &extras.import_style, &mut diagnostics);
        Ok(diagnostics)
    }

    fn with_extras<T>(&self, read: impl FnOnce(&LoadExtras) -> T) -> Result<T, String> {
        let extras = self.extras.lock().unwrap_or_else(|e| e.into_inner());
        extras
            .as_ref()
            .map(read)
            .ok_or_else(|| "the project is not loaded".to_string())
    }
}

/// Resolves the declared concepts, discovers candidates and counts references on the
/// session's project; the compliance figures come from the session's analysis.
fn derive(session: &mut Session, extras: &Mutex<Option<LoadExtras>>) -> Result<Derived> {
    let reports = session
        .analysis()
        .map_err(|err| anyhow::anyhow!("{err}"))?
        .concepts
        .clone();
    let extras = extras.lock().unwrap_or_else(|e| e.into_inner());
    let extras = extras.as_ref().context("the project is not loaded")?;
    let scopes = &extras.scopes;
    let declarations = &extras.declarations;
    let project = session.project();
    let mut resolver = Resolver::new(project);
    let references = collect_references(&mut resolver);
    let concepts = resolve_concepts(&mut resolver, declarations).map_err(|errors| {
        anyhow::anyhow!(
            "invalid concept configuration:\n  {}",
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n  ")
        )
    })?;
    let scope_of = |file: &ProjectFile| crate::analysis::discovery_scope(scopes, file);
    let candidates = discover_concepts_with(&mut resolver, &references, &scope_of);
    let mut uses: FxHashMap<Origin, OriginUses> = FxHashMap::default();
    for reference in &references {
        if let Resolution::Definition(origin) = reference.resolution {
            let entry = uses.entry(origin).or_default();
            entry.references += 1;
            *entry.paths.entry(reference.path.to_string()).or_default() += 1;
        }
    }
    Ok(Derived {
        definitions: super::find_existing::index_definitions(project),
        concepts,
        reports,
        candidates,
        uses,
    })
}

/// The fixes `fix` would make for SSOT101 diagnostics of `path` holding `text` (as `check`
/// shows them).
fn attach_import_fixes(
    project: &Project,
    path: &str,
    text: &str,
    style: &ssot_fix::ImportStyle,
    diagnostics: &mut [Diagnostic],
) {
    let Ok(file) = project
        .files
        .binary_search_by(|f| f.path.as_str().cmp(path))
    else {
        return;
    };
    if !project.files[file].facts.syntax_errors.is_empty() {
        return;
    }
    let indices: Vec<usize> = diagnostics
        .iter()
        .enumerate()
        .filter(|(_, d)| d.path == path && d.rule == Rule::NonCanonicalImport && d.fix.is_none())
        .map(|(index, _)| index)
        .collect();
    if indices.is_empty() {
        return;
    }
    let mut resolver = Resolver::new(project);
    let mut model = ssot_index::ImportTimeModel::new(project);
    let planned = ssot_fix::import_fixes_as_fix_would(
        &mut resolver,
        &mut model,
        file as ssot_index::FileId,
        text,
        style,
        diagnostics,
        &indices,
    );
    for (index, fix) in planned {
        diagnostics[index].fix = Some(fix);
    }
}

/// The new file's text for its path, the disk for every other file (as the session holds
/// it: [`WarmProject::refresh`] ran at the start of the call).
struct NewFileReader<'a> {
    path: &'a str,
    text: &'a str,
    root: &'a Path,
    max_size: u64,
}

impl FileReader for NewFileReader<'_> {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        if path == self.path {
            return Ok(self.text.as_bytes().to_vec());
        }
        let full = crate::discovery::os_path(self.root, path);
        let size = std::fs::metadata(&full)
            .map_err(|err| err.to_string())?
            .len();
        if size > self.max_size {
            return Err(format!("file too large: {size} bytes"));
        }
        std::fs::read(&full).map_err(|err| err.to_string())
    }
}

/// Loads the project for the server, saying on standard error how long it took.
pub fn load_for_server(args: &ProjectArgs) -> Result<WarmProject> {
    let started = std::time::Instant::now();
    let warm = WarmProject::load(args).context("cannot load the project")?;
    eprintln!(
        "ssot mcp: {} files of {} loaded in {:.2}s",
        warm.project().files.len(),
        warm.root().display(),
        started.elapsed().as_secs_f64()
    );
    Ok(warm)
}

/// How long a quiet watch may stand in for comparing the stamps: changes it cannot see (a
/// hard link written elsewhere, a network file system) are noticed within this time.
const STAMPS_AT_LEAST_EVERY: Duration = Duration::from_secs(2);

/// A file's or directory's size and modification time.
type Stamp = (u64, Option<SystemTime>);

fn stamp(path: &Path) -> Option<Stamp> {
    let metadata = std::fs::metadata(path).ok()?;
    Some((metadata.len(), metadata.modified().ok()))
}

/// What changed on disk since the stamps were taken.
#[derive(Default)]
struct DiskChanges {
    /// Analysed files whose size or modification time changed (root-relative).
    files: Vec<String>,
    /// A directory holding analysed files changed: files were created, deleted or renamed.
    directories: bool,
}

impl DiskChanges {
    fn is_empty(&self) -> bool {
        self.files.is_empty() && !self.directories
    }
}

/// The stamps of a project's files and of the directories holding them.
struct DiskStamps {
    files: Vec<Option<Stamp>>,
    directories: BTreeMap<PathBuf, Option<Stamp>>,
    /// Activity in those directories since the stamps were taken or last compared.
    watch: Option<super::disk_watch::DirectoryWatch>,
    /// When the stamps were last taken or compared.
    compared: Instant,
}

impl DiskStamps {
    fn of(root: &Path, project: &Project) -> Self {
        let mut directories = BTreeMap::new();
        directories.insert(root.to_path_buf(), None);
        for file in &project.files {
            let full = crate::discovery::os_path(root, &file.path);
            let mut directory = full.parent();
            while let Some(dir) = directory {
                if directories.contains_key(dir) || !dir.starts_with(root) {
                    break;
                }
                directories.insert(dir.to_path_buf(), None);
                directory = dir.parent();
            }
        }
        // Watched before the stamps are taken: a change made while they are taken is
        // activity the next call sees.
        let watch =
            super::disk_watch::DirectoryWatch::new(directories.keys().map(PathBuf::as_path));
        let compared = Instant::now();
        use rayon::prelude::*;
        let files = project
            .files
            .par_iter()
            .map(|file| stamp(&crate::discovery::os_path(root, &file.path)))
            .collect();
        directories
            .par_iter_mut()
            .for_each(|(directory, value)| *value = stamp(directory));
        Self {
            files,
            directories,
            watch,
            compared,
        }
    }

    fn changes(&mut self, root: &Path, project: &Project) -> DiskChanges {
        let quiet = self.compared.elapsed() < STAMPS_AT_LEAST_EVERY
            && self
                .watch
                .as_mut()
                .is_some_and(|watch| !watch.saw_activity());
        if quiet && self.files.len() == project.files.len() {
            return DiskChanges::default();
        }
        // From here on, a change is either seen by this comparison or queued for the next.
        self.compared = Instant::now();
        use rayon::prelude::*;
        let mut changes = DiskChanges::default();
        if self.files.len() != project.files.len() {
            changes.directories = true;
            return changes;
        }
        changes.directories = self
            .directories
            .par_iter()
            .any(|(directory, before)| stamp(directory) != *before);
        if changes.directories {
            return changes;
        }
        // One `stat` per file, in parallel: on a large project the calls add up.
        changes.files = project
            .files
            .par_iter()
            .zip(&self.files)
            .filter(|(file, before)| {
                stamp(&crate::discovery::os_path(root, &file.path)) != **before
            })
            .map(|(file, _)| file.path.clone())
            .collect();
        changes
    }
}
