//! `ssot init`: a starting `[tool.ssot]` section written from `ssot scan`'s concept candidates.
//!
//! Decisions (README.md, "`ssot init`"):
//! - the target is `ssot.toml` in the project directory when it exists (ssot reads it before
//!   `pyproject.toml`), else `pyproject.toml` when it exists, else a new `ssot.toml`; `--config`
//!   names another file (a file named `pyproject.toml` gets `[tool.ssot]`, any other name the
//!   keys at top level);
//! - the project is analysed with the settings that will be in force once the section is
//!   written: the existing section's settings when it is replaced, the defaults otherwise;
//! - `--force` replaces the `[tool.ssot]` and `[tool.ssot.*]` tables and keeps every other byte;
//!   settings other than concepts (`src`, `exclude`, `per-file-ignores`, ...) are carried over
//!   into the new section, concepts are regenerated;
//! - every symbol written is resolved against the project first, and the new file is parsed
//!   again (the section as a configuration, the rest compared with the old file) before it
//!   replaces the old one atomically.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::io::Write as _;
use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use ssot_facts::DefinitionKind;
use ssot_index::concept_discovery::{discover_concepts, ConceptCandidate, MemberRole};
use ssot_index::concept_names::split_words;
use ssot_index::{collect_references, Origin, Project, Resolver};
use ssot_rules::concepts::resolve_symbol;

use crate::config::Config;
use crate::workspace::{load_project, ProjectArgs};
use crate::ExitStatus;

/// Arguments of `ssot init`.
#[derive(Clone, Debug, clap::Args)]
pub struct InitArgs {
    /// The project directory (default: the current directory).
    pub path: Option<PathBuf>,
    /// Print the section to standard output and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Replace an existing `[tool.ssot]` section (or `ssot.toml`); the rest of the file is kept.
    #[arg(long)]
    pub force: bool,
    /// How many concepts to declare.
    #[arg(long, value_name = "N", default_value_t = 5,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub top: u32,
    /// Write to this file instead of `ssot.toml` / `pyproject.toml` in the project directory.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Test doubles listed by name in a concept's comment; the rest are counted.
const LISTED_TEST_DOUBLES: usize = 5;
/// Width of generated prose comments.
const COMMENT_WIDTH: usize = 99;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TargetKind {
    /// `[tool.ssot]` inside `pyproject.toml`.
    PyProject,
    /// `ssot.toml` or another file given with `--config`: the keys at top level.
    Standalone,
}

impl TargetKind {
    fn of(path: &Path) -> Self {
        if path.file_name().is_some_and(|n| n == "pyproject.toml") {
            TargetKind::PyProject
        } else {
            TargetKind::Standalone
        }
    }

    /// What table names start with: `tool.ssot.` or nothing.
    fn prefix(self) -> &'static str {
        match self {
            TargetKind::PyProject => "tool.ssot.",
            TargetKind::Standalone => "",
        }
    }
}

pub fn run(args: &InitArgs) -> Result<ExitStatus> {
    let cwd = std::env::current_dir().context("cannot determine the current directory")?;
    let root = match &args.path {
        Some(path) => cwd.join(path),
        None => cwd.clone(),
    };
    if !root.is_dir() {
        bail!(
            "{}: not a directory; `ssot init` takes the project directory",
            root.display()
        );
    }
    let target = match &args.config {
        Some(path) => cwd.join(path),
        None if root.join("ssot.toml").is_file() => root.join("ssot.toml"),
        None if root.join("pyproject.toml").is_file() => root.join("pyproject.toml"),
        None => root.join("ssot.toml"),
    };
    let kind = TargetKind::of(&target);
    let shown = display_path(&target, &cwd);
    let original = read_existing(&target)?;
    let existing = match &original {
        Some(text) => existing_section(text, kind, &shown)?,
        None => None,
    };
    if existing.is_some() && !args.force && !args.dry_run {
        match kind {
            TargetKind::PyProject => bail!(
                "{shown} already has a [tool.ssot] section; edit it, or run `ssot init --force` \
                 to replace it (the rest of the file is kept)"
            ),
            TargetKind::Standalone => bail!(
                "{shown} already exists and is not empty; edit it, or run `ssot init --force` \
                 to replace it"
            ),
        }
    }

    // Analyse with the settings that will be in force: the existing file's (its section is
    // replaced but its settings are carried over), or the defaults, rooted at the project
    // directory either way.
    let defaults = if original.is_none() {
        Some(EmptyConfig::create()?)
    } else {
        None
    };
    let config_for_loading = defaults
        .as_ref()
        .map_or_else(|| target.clone(), |d| d.path.clone());
    let loaded = load_project(&ProjectArgs {
        paths: vec![root.clone()],
        config: Some(config_for_loading),
        ..ProjectArgs::default()
    })?;
    drop(defaults);
    let candidates = {
        let mut resolver = Resolver::new(&loaded.project);
        let references = collect_references(&mut resolver);
        discover_concepts(&mut resolver, &references)
    };
    let plans = plan_concepts(&loaded.project, &candidates);
    let (accepted, notes) = verify(&loaded.project, &plans, args.top as usize);
    for note in &notes {
        eprintln!("ssot init: {note}");
    }
    if accepted.is_empty() {
        eprintln!(
            "ssot init: no concept candidates in {}; nothing to write",
            display_path(&loaded.root, &cwd)
        );
        return Ok(ExitStatus::Success);
    }

    let carried = existing.as_ref().map(|section| carried_settings(section));
    let section = render_section(&accepted, kind, carried.as_ref());

    if args.dry_run {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(section.as_bytes())?;
        stdout.flush()?;
        let verb = if existing.is_some() {
            "would replace the section in"
        } else {
            "would write to"
        };
        eprintln!("ssot init: dry run: {verb} {shown}; nothing written");
        return Ok(ExitStatus::Success);
    }

    let old = original.as_deref().unwrap_or("");
    let new_text = splice(old, &section, kind, existing.is_some(), &shown)?;
    check_new_text(old, &new_text, kind, &shown)?;
    if read_existing(&target)? != original {
        bail!("{shown} changed while `ssot init` was running; nothing written, run it again");
    }
    write_atomically(&target, &new_text)?;
    let count = accepted.len();
    eprintln!(
        "ssot init: {} {count} concept{} in {shown}; review it, then run `ssot check`",
        if existing.is_some() {
            "replaced the section with"
        } else {
            "declared"
        },
        if count == 1 { "" } else { "s" },
    );
    Ok(if loaded.internal_error {
        ExitStatus::Error
    } else {
        ExitStatus::Success
    })
}

fn display_path(path: &Path, cwd: &Path) -> String {
    path.strip_prefix(cwd)
        .map_or_else(|_| path.display().to_string(), |p| p.display().to_string())
}

fn read_existing(path: &Path) -> Result<Option<String>> {
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| anyhow::anyhow!("{}: not valid UTF-8", path.display())),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// The existing ssot settings of a target file, if it has any.
fn existing_section(text: &str, kind: TargetKind, shown: &str) -> Result<Option<toml::Table>> {
    match kind {
        TargetKind::PyProject => {
            let document: toml::Table = toml::from_str(text)
                .map_err(|err| anyhow::anyhow!("{shown}: {}", err.to_string().trim_end()))?;
            Ok(document
                .get("tool")
                .and_then(|tool| tool.get("ssot"))
                .map(|ssot| ssot.as_table().cloned().unwrap_or_default()))
        }
        TargetKind::Standalone if text.trim().is_empty() => Ok(None),
        TargetKind::Standalone => toml::from_str(text)
            .map(Some)
            .map_err(|err| anyhow::anyhow!("{shown}: {}", err.to_string().trim_end())),
    }
}

/// An empty configuration file in the temporary directory, so the project loads with the
/// default settings and is rooted at the directory given; removed when dropped.
struct EmptyConfig {
    path: PathBuf,
}

impl EmptyConfig {
    fn create() -> Result<Self> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let path = std::env::temp_dir().join(format!(
            "ssot-init-defaults-{}-{nanos}.toml",
            std::process::id()
        ));
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        Ok(Self { path })
    }
}

impl Drop for EmptyConfig {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

// ---------------------------------------------------------------------------------------------
// From candidates to concept declarations.

/// A candidate made into a declaration, before its symbols are checked.
struct Plan<'c> {
    candidate: &'c ConceptCandidate,
    /// Competing production definitions.
    members: Vec<String>,
    /// Subclasses and wrappers: listed in a comment for the user to decide.
    consider: Vec<(String, MemberRole)>,
    shims: Vec<String>,
    accessors: Vec<String>,
}

/// A declaration whose symbols all resolve, with a unique TOML key.
struct Accepted<'c> {
    key: String,
    candidate: &'c ConceptCandidate,
    members: Vec<String>,
    consider: Vec<(String, MemberRole)>,
    shims: Vec<String>,
    accessors: Vec<String>,
}

/// Candidates with a production duplicate or a wrapper first, the others (test doubles,
/// subclasses or aliases only) after them, each group in `scan`'s order.
fn plan_concepts<'c>(project: &Project, candidates: &'c [ConceptCandidate]) -> Vec<Plan<'c>> {
    let has_production_copy = |c: &ConceptCandidate| {
        c.production_duplicates > 0 || c.members.iter().any(|m| m.role == MemberRole::Wrapper)
    };
    let accessors = AccessorIndex::build(project);
    candidates
        .iter()
        .filter(|c| has_production_copy(c))
        .chain(candidates.iter().filter(|c| !has_production_copy(c)))
        .map(|candidate| Plan {
            candidate,
            members: candidate
                .members
                .iter()
                .filter(|m| m.role == MemberRole::Definition)
                .map(|m| m.symbol.clone())
                .collect(),
            consider: candidate
                .members
                .iter()
                .filter(|m| matches!(m.role, MemberRole::Subclass | MemberRole::Wrapper))
                .map(|m| (m.symbol.clone(), m.role))
                .collect(),
            shims: candidate.re_exporting_modules.clone(),
            accessors: accessors.suspects(candidate),
        })
        .collect()
}

/// Module-level functions of production modules named `get_...`, indexed by name.
struct AccessorIndex {
    /// `(module, name)` of every `get_` function.
    functions: Vec<(String, String)>,
    /// The words after `get_` run together (`websocketmanager`) → functions.
    by_key: HashMap<String, Vec<usize>>,
    /// Each word after `get_` → functions.
    by_word: HashMap<String, Vec<usize>>,
}

impl AccessorIndex {
    fn build(project: &Project) -> Self {
        let mut index = Self {
            functions: Vec::new(),
            by_key: HashMap::new(),
            by_word: HashMap::new(),
        };
        for (file_id, file) in project.files.iter().enumerate() {
            if file.is_test {
                continue;
            }
            let Some(module) = project.modules.module_of_file(file_id as u32) else {
                continue;
            };
            let module = project.modules.module(module);
            if module.file != Some(file_id as u32) {
                continue;
            }
            for definition in &file.facts.definitions {
                if definition.kind != DefinitionKind::Function
                    || !definition.module_level
                    || definition.qualname != definition.name
                {
                    continue;
                }
                let Some(rest) = definition.name.strip_prefix("get_") else {
                    continue;
                };
                let words: Vec<String> = split_words(rest);
                if words.is_empty() {
                    continue;
                }
                let id = index.functions.len();
                index
                    .functions
                    .push((module.name.clone(), definition.name.clone()));
                index.by_key.entry(words.concat()).or_default().push(id);
                for word in BTreeSet::from_iter(words) {
                    index.by_word.entry(word).or_default().push(id);
                }
            }
        }
        index
    }

    /// Functions named `get_<a member's or the concept's name>` anywhere in the project, and
    /// `get_..._<head word>_...` in the packages of the canonical and the production members.
    fn suspects(&self, candidate: &ConceptCandidate) -> Vec<String> {
        let production = candidate.members.iter().filter(|m| {
            !matches!(m.role, MemberRole::TestDouble | MemberRole::Wrapper)
        });
        let mut names: BTreeSet<String> = production
            .clone()
            .filter_map(|m| m.symbol.split_once(':').map(|(_, name)| name))
            .chain(candidate.canonical.split_once(':').map(|(_, name)| name))
            .map(|name| split_words(name).concat())
            .collect();
        names.insert(candidate.name.replace('-', ""));
        let mut found: BTreeSet<usize> = names
            .iter()
            .filter_map(|key| self.by_key.get(key))
            .flatten()
            .copied()
            .collect();
        let packages: BTreeSet<&str> = production
            .filter_map(|m| m.symbol.split_once(':').map(|(module, _)| module))
            .chain(candidate.canonical.split_once(':').map(|(module, _)| module))
            .map(|module| module.rsplit_once('.').map_or(module, |(parent, _)| parent))
            .collect();
        let head = candidate.name.rsplit('-').next().unwrap_or_default();
        for &id in self.by_word.get(head).into_iter().flatten() {
            let module = self.functions[id].0.as_str();
            let inside = packages.iter().any(|package| {
                module == *package
                    || module
                        .strip_prefix(package)
                        .is_some_and(|rest| rest.starts_with('.'))
            });
            if inside {
                found.insert(id);
            }
        }
        let mut symbols: Vec<String> = found
            .into_iter()
            .map(|id| format!("{}:{}", self.functions[id].0, self.functions[id].1))
            .collect();
        symbols.sort();
        symbols
    }
}

/// Resolves every symbol of the plans, in order, until `top` are accepted: a candidate whose
/// canonical does not resolve to its definition is skipped, other symbols that do not resolve
/// (or are the canonical object itself) are left out. Returns the accepted declarations and
/// notes about what was left out.
fn verify<'c>(
    project: &Project,
    plans: &'c [Plan<'c>],
    top: usize,
) -> (Vec<Accepted<'c>>, Vec<String>) {
    let mut resolver = Resolver::new(project);
    let mut accepted = Vec::new();
    let mut notes = Vec::new();
    let mut keys = BTreeSet::new();
    for plan in plans {
        if accepted.len() >= top {
            break;
        }
        let candidate = plan.candidate;
        match resolve_symbol(&mut resolver, &candidate.canonical) {
            Ok(origin) if origin == candidate.canonical_origin => {}
            Ok(_) => {
                notes.push(format!(
                    "left out candidate `{}`: `{}` reaches another definition",
                    candidate.name, candidate.canonical
                ));
                continue;
            }
            Err(problem) => {
                notes.push(format!(
                    "left out candidate `{}`: `{}` {problem}",
                    candidate.name, candidate.canonical
                ));
                continue;
            }
        }
        let mut seen: BTreeSet<Origin> = BTreeSet::from([candidate.canonical_origin]);
        let mut keep = |symbol: &'c str, notes: &mut Vec<String>| match resolve_symbol(
            &mut resolver,
            symbol,
        ) {
            Ok(origin) => seen.insert(origin),
            Err(problem) => {
                notes.push(format!("concept `{}`: left out `{symbol}`: {problem}", candidate.name));
                false
            }
        };
        let members: Vec<String> = plan
            .members
            .iter()
            .filter(|symbol| keep(symbol, &mut notes))
            .cloned()
            .collect();
        let consider: Vec<(String, MemberRole)> = plan
            .consider
            .iter()
            .filter(|(symbol, _)| keep(symbol, &mut notes))
            .cloned()
            .collect();
        let accessors: Vec<String> = plan
            .accessors
            .iter()
            .filter(|symbol| keep(symbol, &mut notes))
            .cloned()
            .collect();
        let shims: Vec<String> = plan
            .shims
            .iter()
            .filter(|module| project.modules.get(module).is_some())
            .cloned()
            .collect();
        let key = unique_key(&candidate.name, &mut keys);
        accepted.push(Accepted {
            key,
            candidate,
            members,
            consider,
            shims,
            accessors,
        });
    }
    (accepted, notes)
}

/// A TOML bare key in kebab case (`[a-z0-9-]`), not yet used.
fn unique_key(name: &str, used: &mut BTreeSet<String>) -> String {
    let mut key = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            key.push(c);
        } else if !key.is_empty() && !key.ends_with('-') {
            key.push('-');
        }
    }
    let base = match key.trim_end_matches('-') {
        "" => "concept".to_string(),
        trimmed => trimmed.to_string(),
    };
    let mut key = base.clone();
    let mut counter = 2;
    while !used.insert(key.clone()) {
        key = format!("{base}-{counter}");
        counter += 1;
    }
    key
}

// ---------------------------------------------------------------------------------------------
// Rendering.

/// A TOML basic string.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

/// A TOML key: bare when it can be, quoted otherwise.
fn toml_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if bare {
        key.to_string()
    } else {
        quoted(key)
    }
}

fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// The settings of an existing section other than concepts, kept by `--force`.
fn carried_settings(section: &toml::Table) -> toml::Table {
    section
        .iter()
        .filter(|(key, _)| key.as_str() != "concepts")
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect()
}

fn render_section(
    concepts: &[Accepted<'_>],
    kind: TargetKind,
    carried: Option<&toml::Table>,
) -> String {
    let mut out = String::new();
    if kind == TargetKind::PyProject {
        out.push_str("[tool.ssot]\n");
    }
    out.push_str(
        "# Generated by `ssot init` from `ssot scan` evidence. Review it before relying on it:\n\
         # the concepts below were inferred from names, subclasses, aliases, method sets and\n\
         # delegation, not declared by anyone. Check that each `canonical` is the definition\n\
         # everybody should use and that `members` are copies to retire; prune `shims` and\n\
         # `accessors`; then run `ssot check`. `ssot scan` shows the full evidence.\n",
    );
    let carried = carried.filter(|table| !table.is_empty());
    let mut tables = Vec::new();
    if let Some(table) = carried {
        out.push_str("# Settings kept from the previous section:\n");
        for (key, value) in table {
            match value {
                toml::Value::Table(inner) => tables.push((key, inner)),
                other => {
                    let _ = writeln!(out, "{} = {other}", toml_key(key));
                }
            }
        }
        for (key, inner) in tables {
            let _ = writeln!(out, "\n[{}{}]", kind.prefix(), toml_key(key));
            for (inner_key, value) in inner {
                let _ = writeln!(out, "{} = {value}", toml_key(inner_key));
            }
        }
    }
    for concept in concepts {
        out.push('\n');
        render_concept(&mut out, concept, kind);
    }
    out
}

fn render_concept(out: &mut String, concept: &Accepted<'_>, kind: TargetKind) {
    let candidate = concept.candidate;
    let count = |role: MemberRole| candidate.members.iter().filter(|m| m.role == role).count();
    let roles = [
        (MemberRole::Definition, "competing production definition", "competing production definitions"),
        (MemberRole::Subclass, "subclass", "subclasses"),
        (MemberRole::Wrapper, "wrapper", "wrappers"),
        (MemberRole::Alias, "alias", "aliases"),
        (MemberRole::TestDouble, "test double", "test doubles"),
    ];
    let mut found: Vec<String> = roles
        .iter()
        .filter(|(role, _, _)| count(*role) > 0)
        .map(|(role, one, many)| plural(count(*role), one, many))
        .collect();
    if found.is_empty() {
        found.push("no other members".to_string());
    }
    comment(
        out,
        &format!(
            "{}: referenced from {} in {}; {}.",
            concept.key,
            plural(candidate.files as usize, "file", "files"),
            plural(candidate.directories as usize, "directory", "directories"),
            found.join(", "),
        ),
    );
    comment(out, &format!("Canonical proposed because: {}.", candidate.reason));
    out.push_str("# Evidence:\n");
    let mut doubles = 0;
    for member in &candidate.members {
        if member.role == MemberRole::TestDouble {
            doubles += 1;
            if doubles > LISTED_TEST_DOUBLES {
                continue;
            }
        }
        let evidence: Vec<String> = member
            .evidence
            .iter()
            .filter(|e| {
                !matches!(e, ssot_index::concept_discovery::Evidence::Alias(_))
            })
            .map(|e| e.describe())
            .collect();
        let mut details = vec![plural(member.references as usize, "binding", "bindings")];
        details.extend(evidence);
        let _ = writeln!(
            out,
            "#   {:<12} {}  ({})",
            member.role.as_str(),
            member.symbol,
            details.join("; ")
        );
    }
    if doubles > LISTED_TEST_DOUBLES {
        let _ = writeln!(
            out,
            "#   ... and {} more test doubles (`ssot scan` lists them all)",
            doubles - LISTED_TEST_DOUBLES
        );
    }
    let _ = writeln!(out, "[{}concepts.{}]", kind.prefix(), concept.key);
    let _ = writeln!(out, "canonical = {}", quoted(&candidate.canonical));
    out.push_str("# Competing production definitions to retire.\n");
    if concept.consider.is_empty() {
        render_list(out, "members", &concept.members);
    } else {
        out.push_str("members = [\n");
        for member in &concept.members {
            let _ = writeln!(out, "    {},", quoted(member));
        }
        out.push_str("    # Built on a member rather than copied from it; uncomment to retire them too:\n");
        for (symbol, role) in &concept.consider {
            let _ = writeln!(out, "    # {},  # {}", quoted(symbol), role.as_str());
        }
        out.push_str("]\n");
    }
    out.push_str(
        "# Legacy re-exporting modules; remove from the list to report them as non-canonical.\n",
    );
    render_list(out, "shims", &concept.shims);
    out.push_str(
        "# Suspected shared-instance accessors, by name only (`get_...` functions): keep those\n\
         # that hand every caller one shared instance.\n",
    );
    render_list(out, "accessors", &concept.accessors);
}

/// Prose as `#` comment lines of at most [`COMMENT_WIDTH`] columns (a longer word stays whole).
fn comment(out: &mut String, text: &str) {
    let mut line = String::from("#");
    for word in text.split(' ') {
        if line.len() > 2 && line.len() + 1 + word.len() > COMMENT_WIDTH {
            out.push_str(&line);
            out.push('\n');
            line = String::from("#  ");
        }
        line.push(' ');
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
}

fn render_list(out: &mut String, key: &str, items: &[String]) {
    if items.is_empty() {
        let _ = writeln!(out, "{key} = []");
        return;
    }
    let _ = writeln!(out, "{key} = [");
    for item in items {
        let _ = writeln!(out, "    {},", quoted(item));
    }
    out.push_str("]\n");
}

// ---------------------------------------------------------------------------------------------
// Editing the file.

/// One table header: where its line starts and its key path.
#[derive(Debug, PartialEq, Eq)]
struct Header {
    line_start: usize,
    path: Vec<String>,
}

/// The table headers of a TOML document (`[a.b]`, `[[a.b]]`), skipping brackets inside
/// strings, comments, arrays and inline tables.
fn table_headers(text: &str) -> Vec<Header> {
    let bytes = text.as_bytes();
    let mut headers = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    let mut line_start = true;
    while i < bytes.len() {
        let b = bytes[i];
        if line_start {
            if b == b' ' || b == b'\t' {
                i += 1;
                continue;
            }
            line_start = false;
            if b == b'[' && depth == 0 {
                let start = text[..i].rfind('\n').map_or(0, |n| n + 1);
                if let Some(path) = parse_header(&text[i..]) {
                    headers.push(Header {
                        line_start: start,
                        path,
                    });
                }
                i = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
                continue;
            }
        }
        match b {
            b'\n' => {
                line_start = true;
                i += 1;
            }
            b'#' => i = text[i..].find('\n').map_or(bytes.len(), |n| i + n),
            b'"' | b'\'' => i = skip_string(bytes, i),
            b'[' | b'{' => {
                depth += 1;
                i += 1;
            }
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            _ => i += 1,
        }
    }
    headers
}

/// The index just after the string starting at `start` (basic, literal, multi-line or not).
fn skip_string(bytes: &[u8], start: usize) -> usize {
    let quote = bytes[start];
    let escapes = quote == b'"';
    let triple = bytes.get(start..start + 3) == Some(&[quote, quote, quote][..]);
    let mut i = start + if triple { 3 } else { 1 };
    while i < bytes.len() {
        let b = bytes[i];
        if escapes && b == b'\\' {
            i += 2;
            continue;
        }
        if triple {
            if bytes.get(i..i + 3) == Some(&[quote, quote, quote][..]) {
                i += 3;
                // Up to two more quotes belong to the string's content.
                let mut extra = 0;
                while extra < 2 && bytes.get(i) == Some(&quote) {
                    i += 1;
                    extra += 1;
                }
                return i;
            }
        } else if b == quote || b == b'\n' {
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

/// The key path of a header line starting with `[`.
fn parse_header(line: &str) -> Option<Vec<String>> {
    let mut rest = line.strip_prefix('[')?;
    rest = rest.strip_prefix('[').unwrap_or(rest);
    let mut path = Vec::new();
    loop {
        rest = rest.trim_start_matches([' ', '\t']);
        let segment;
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut value = String::new();
            let mut chars = quoted.char_indices();
            let mut end = None;
            while let Some((index, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, escaped)) = chars.next() {
                            value.push(match escaped {
                                'n' => '\n',
                                't' => '\t',
                                other => other,
                            });
                        }
                    }
                    '"' => {
                        end = Some(index);
                        break;
                    }
                    other => value.push(other),
                }
            }
            let end = end?;
            segment = value;
            rest = &quoted[end + 1..];
        } else if let Some(literal) = rest.strip_prefix('\'') {
            let end = literal.find('\'')?;
            segment = literal[..end].to_string();
            rest = &literal[end + 1..];
        } else {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                .unwrap_or(rest.len());
            if end == 0 {
                return None;
            }
            segment = rest[..end].to_string();
            rest = &rest[end..];
        }
        path.push(segment);
        rest = rest.trim_start_matches([' ', '\t']);
        if let Some(after) = rest.strip_prefix('.') {
            rest = after;
        } else if rest.starts_with(']') {
            return Some(path);
        } else {
            return None;
        }
    }
}

/// The byte ranges of the `[tool.ssot]` and `[tool.ssot.*]` tables: from a header to the next
/// table that is not ssot's, without the comment lines directly above that table (they
/// describe it) and the blank lines before them.
fn ssot_regions(text: &str) -> Vec<Range<usize>> {
    let headers = table_headers(text);
    let is_ssot = |h: &Header| h.path.len() >= 2 && h.path[0] == "tool" && h.path[1] == "ssot";
    let mut regions: Vec<Range<usize>> = Vec::new();
    let mut index = 0;
    while index < headers.len() {
        if !is_ssot(&headers[index]) {
            index += 1;
            continue;
        }
        let start = headers[index].line_start;
        let mut next = index + 1;
        while next < headers.len() && is_ssot(&headers[next]) {
            next += 1;
        }
        let last_header = headers[next - 1].line_start;
        let mut end = headers.get(next).map_or(text.len(), |h| h.line_start);
        if next < headers.len() {
            let floor = text[last_header..]
                .find('\n')
                .map_or(text.len(), |n| last_header + n + 1);
            end = back_over(text, end, floor, |line| line.trim_start().starts_with('#'));
            end = back_over(text, end, floor, |line| line.trim().is_empty());
        }
        regions.push(start..end);
        index = next;
    }
    regions
}

/// Moves `end` (a line start) back over whole lines matching `matches`, not below `floor`.
fn back_over(text: &str, mut end: usize, floor: usize, matches: impl Fn(&str) -> bool) -> usize {
    while end > floor {
        let previous_start = text[..end - 1].rfind('\n').map_or(0, |n| n + 1);
        if previous_start < floor || !matches(&text[previous_start..end]) {
            break;
        }
        end = previous_start;
    }
    end
}

fn ends_with_blank_line(text: &str) -> bool {
    text.ends_with("\n\n") || text.ends_with("\n\r\n")
}

fn starts_with_blank_line(text: &str) -> bool {
    text.starts_with('\n') || text.starts_with("\r\n")
}

/// The new file text: `old` with the section appended, or with the old ssot tables replaced
/// (the first one by the section, the others removed).
fn splice(old: &str, section: &str, kind: TargetKind, replace: bool, shown: &str) -> Result<String> {
    let newline = if old.find('\n').is_some_and(|n| old[..n].ends_with('\r')) {
        "\r\n"
    } else {
        "\n"
    };
    let section = if newline == "\n" {
        section.to_string()
    } else {
        section.replace('\n', "\r\n")
    };
    if kind == TargetKind::Standalone {
        // The whole file is ssot's: replaced when asked, otherwise it was empty.
        return Ok(section);
    }
    let regions = if replace { ssot_regions(old) } else { Vec::new() };
    if regions.is_empty() {
        if replace {
            bail!(
                "{shown}: the [tool.ssot] settings are not written as `[tool.ssot]` tables \
                 (dotted keys or an inline table under [tool]); remove them by hand, then run \
                 `ssot init` again"
            );
        }
        let mut text = old.to_string();
        if !text.is_empty() {
            if !text.ends_with('\n') {
                text.push_str(newline);
            }
            if !ends_with_blank_line(&text) {
                text.push_str(newline);
            }
        }
        text.push_str(&section);
        return Ok(text);
    }
    let mut text = String::with_capacity(old.len() + section.len());
    let mut position = 0;
    for (index, region) in regions.iter().enumerate() {
        text.push_str(&old[position..region.start]);
        if index == 0 {
            if !text.is_empty() && !ends_with_blank_line(&text) {
                text.push_str(newline);
            }
            text.push_str(&section);
            if region.end < old.len() && !starts_with_blank_line(&old[region.end..]) {
                text.push_str(newline);
            }
        }
        position = region.end;
    }
    text.push_str(&old[position..]);
    Ok(text)
}

/// The new text must parse, its ssot settings must load, and everything else must mean what
/// it meant before.
fn check_new_text(old: &str, new: &str, kind: TargetKind, shown: &str) -> Result<()> {
    let parse = |text: &str| -> Result<toml::Table> {
        toml::from_str(text).map_err(|err| {
            anyhow::anyhow!(
                "cannot add the section to {shown}: the result would not be valid TOML ({}); \
                 nothing written",
                err.to_string().trim_end()
            )
        })
    };
    let mut document = parse(new)?;
    let section = match kind {
        TargetKind::Standalone => toml::Value::Table(document),
        TargetKind::PyProject => {
            let mut before = if old.trim().is_empty() {
                toml::Table::new()
            } else {
                parse(old)?
            };
            let section = take_ssot(&mut document).unwrap_or(toml::Value::Table(Default::default()));
            take_ssot(&mut before);
            if before != document {
                bail!(
                    "cannot add the section to {shown} without changing its other tables; \
                     nothing written (run `ssot init --dry-run` and add the section by hand)"
                );
            }
            section
        }
    };
    section
        .try_into::<Config>()
        .map(drop)
        .map_err(|err| anyhow::anyhow!("internal error: the generated section does not load: {err}"))
}

/// Removes `tool.ssot` (and `tool` when nothing else is left in it).
fn take_ssot(document: &mut toml::Table) -> Option<toml::Value> {
    let tool = document.get_mut("tool")?.as_table_mut()?;
    let section = tool.remove("ssot");
    if tool.is_empty() {
        document.remove("tool");
    }
    section
}

/// Writes through a temporary file in the same directory, keeping the old file's permissions.
fn write_atomically(path: &Path, text: &str) -> Result<()> {
    let file_name = path
        .file_name()
        .map_or_else(|| "config".into(), |n| n.to_string_lossy().into_owned());
    let temporary = path.with_file_name(format!(".{file_name}.ssot-init.{}.tmp", std::process::id()));
    let permissions = std::fs::metadata(path).ok().map(|m| m.permissions());
    let written = (|| -> std::io::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temporary)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        drop(file);
        if let Some(permissions) = permissions {
            std::fs::set_permissions(&temporary, permissions)?;
        }
        std::fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written.with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_kebab_case_and_unique() {
        let mut used = BTreeSet::new();
        assert_eq!(unique_key("web-socket-manager", &mut used), "web-socket-manager");
        assert_eq!(unique_key("web-socket-manager", &mut used), "web-socket-manager-2");
        assert_eq!(unique_key("web-socket-manager", &mut used), "web-socket-manager-3");
        assert_eq!(unique_key("größe-manager", &mut used), "gr-e-manager");
        assert_eq!(unique_key("ü", &mut used), "concept");
        assert_eq!(unique_key("http_client", &mut used), "http-client");
    }

    #[test]
    fn headers_skip_strings_arrays_and_comments() {
        let text = "[project]\nname = \"x\"\ndeps = [\n  [1, 2],\n  \"[tool.ssot]\",\n]\n\
                    doc = \"\"\"\n[tool.ssot]\n\"\"\"\n# [tool.ssot]\n  [ tool . \"ssot\" ]  # c\n\
                    a = 1\n[[tool.ssot.list]]\n[tool.black]\n";
        let paths: Vec<Vec<String>> = table_headers(text).into_iter().map(|h| h.path).collect();
        assert_eq!(
            paths,
            vec![
                vec!["project".to_string()],
                vec!["tool".to_string(), "ssot".to_string()],
                vec!["tool".to_string(), "ssot".to_string(), "list".to_string()],
                vec!["tool".to_string(), "black".to_string()],
            ]
        );
    }

    #[test]
    fn regions_leave_the_next_tables_comments() {
        let text = "[project]\nname = 'x'\n\n[tool.ssot]\nsrc = ['.']\n\n[tool.ssot.concepts.a]\n\
                    canonical = 'a:B'\n\n# Black's settings\n[tool.black]\nline-length = 99\n";
        let regions = ssot_regions(text);
        assert_eq!(regions.len(), 1);
        assert_eq!(
            &text[regions[0].clone()],
            "[tool.ssot]\nsrc = ['.']\n\n[tool.ssot.concepts.a]\ncanonical = 'a:B'\n"
        );
    }

    #[test]
    fn splice_appends_after_a_blank_line_and_replaces_in_place() {
        let section = "[tool.ssot]\nx = 1\n";
        let appended = splice("[project]\nname = 'x'", section, TargetKind::PyProject, false, "p")
            .unwrap();
        assert_eq!(appended, "[project]\nname = 'x'\n\n[tool.ssot]\nx = 1\n");
        let old = "[tool.ssot]\nsrc = 1\n[tool.black]\na = 1\n[tool.ssot.concepts.b]\nc = 2\n";
        let replaced = splice(old, section, TargetKind::PyProject, true, "p").unwrap();
        assert_eq!(replaced, "[tool.ssot]\nx = 1\n\n[tool.black]\na = 1\n");
        let crlf = splice("[project]\r\nname = 'x'\r\n", section, TargetKind::PyProject, false, "p")
            .unwrap();
        assert_eq!(crlf, "[project]\r\nname = 'x'\r\n\r\n[tool.ssot]\r\nx = 1\r\n");
    }

    #[test]
    fn dotted_ssot_keys_cannot_be_replaced() {
        let old = "[tool]\nssot.src = ['.']\n";
        assert!(splice(old, "[tool.ssot]\n", TargetKind::PyProject, true, "p").is_err());
    }

    #[test]
    fn other_tables_must_keep_their_meaning() {
        let old = "tool = { black = { a = 1 } }\n";
        let new = splice(old, "[tool.ssot]\n", TargetKind::PyProject, false, "p").unwrap();
        assert!(check_new_text(old, &new, TargetKind::PyProject, "p").is_err());
    }

    #[test]
    fn carried_settings_render_as_toml() {
        let section: toml::Table = toml::from_str(
            "src = ['.', 'src']\nmax-file-size = 10\n[per-file-ignores]\n\"tests/**\" = ['SSOT101']\n\
             [concepts.old]\ncanonical = 'a:B'\n",
        )
        .unwrap();
        let carried = carried_settings(&section);
        let text = render_section(&[], TargetKind::PyProject, Some(&carried));
        let parsed: toml::Table = toml::from_str(&text).unwrap();
        let ssot = parsed["tool"]["ssot"].as_table().unwrap();
        assert_eq!(ssot["src"], section["src"]);
        assert_eq!(ssot["max-file-size"], section["max-file-size"]);
        assert_eq!(ssot["per-file-ignores"], section["per-file-ignores"]);
        assert!(!ssot.contains_key("concepts"));
    }
}
