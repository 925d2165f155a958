//! Fixture-tree snapshots of module resolution.
//!
//! Each directory under `tests/fixtures/` is a small Python project. The harness reads it with
//! `std::fs`, extracts facts with `ssot_python`, builds the project with the fixture directory as
//! the only import root, resolves every reference and snapshots a sorted text rendering: the
//! module table, conflicts, syntax errors, every reference with where it leads, the imports that
//! leave the project, and the census. Every expected line was checked against what CPython does
//! with the same tree (see the comments in the fixtures' consumers).

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use ssot_facts::{ImportKind, ScopeKind, StmtContext};
use ssot_index::census::origin_path;
use ssot_index::modules::FileRole;
use ssot_index::{
    census, collect_references, ModuleSettings, OpenReason, Project, ProjectFile, Reference,
    Resolution, Resolver,
};
use ssot_python::SourceKind;

/// Every fixture directory; a test below fails when one exists on disk but is not listed here.
const FIXTURES: &[&str] = &[
    "binding_order",
    "conditional_imports",
    "cycles",
    "dangling",
    "dynamic_namespaces",
    "external_modules",
    "namespace_packages",
    "package_re_exports",
    "reexport_chain",
    "relative_beyond_top",
    "star_cycles",
    "star_imports",
    "syntax_error",
    "third_party_shadowing",
];

fn fixtures_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Relative, `/`-separated paths of the `.py`/`.pyi` files under `dir`, sorted.
fn python_files(root: &Path, dir: &Path, out: &mut Vec<String>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("reading {}: {err}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            if path.file_name().is_some_and(|name| name == "__pycache__") {
                continue;
            }
            python_files(root, &path, out);
        } else if path
            .extension()
            .is_some_and(|ext| ext == "py" || ext == "pyi")
        {
            let relative = path
                .strip_prefix(root)
                .expect("path under the fixture root");
            let segments: Vec<String> = relative
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            out.push(segments.join("/"));
        }
    }
}

fn is_test_path(path: &str) -> bool {
    let file_name = path.rsplit('/').next().unwrap_or(path);
    path.split('/').any(|segment| segment == "tests")
        || (file_name.starts_with("test_") && file_name.ends_with(".py"))
}

fn load_fixture(name: &str) -> Project {
    let root = fixtures_dir().join(name);
    let mut paths = Vec::new();
    python_files(&root, &root, &mut paths);
    paths.sort();
    let files = paths
        .into_iter()
        .map(|path| {
            let bytes = fs::read(root.join(&path)).expect("readable fixture file");
            let facts = ssot_python::facts_from_bytes(&bytes, SourceKind::from_path(&path))
                .unwrap_or_else(|err| panic!("decoding {path}: {err}"));
            ProjectFile {
                is_test: is_test_path(&path),
                path,
                facts,
            }
        })
        .collect();
    let mut unread_modules = Vec::new();
    extension_files(&root, &root, &mut unread_modules);
    unread_modules.sort();
    Project::with_settings(files, &unread_modules, &["".to_string()], &settings(&root))
}

/// A fixture's `settings.txt`, what `[tool.ssot]` and the project's dependencies would say:
/// lines `third-party NAME` and `external-module PATTERN`.
fn settings(root: &Path) -> ModuleSettings {
    let mut settings = ModuleSettings::default();
    let Ok(text) = fs::read_to_string(root.join("settings.txt")) else {
        return settings;
    };
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        match line.split_once(' ') {
            Some(("third-party", name)) => settings.third_party.push(name.to_string()),
            Some(("external-module", pattern)) => {
                settings.external_modules.push(pattern.to_string())
            }
            _ => panic!("unknown line in settings.txt: {line}"),
        }
    }
    settings
}

/// Cython sources in a fixture: modules with no namespace ssot can read.
fn extension_files(root: &Path, dir: &Path, out: &mut Vec<String>) {
    for entry in fs::read_dir(dir).expect("fixture directory") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            extension_files(root, &path, out);
        } else if path.extension().is_some_and(|ext| ext == "pyx") {
            let relative = path
                .strip_prefix(root)
                .expect("path under the fixture root");
            out.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}

fn render_resolution(project: &Project, resolution: &Resolution) -> String {
    let module_name = |id| project.modules.module(id).name.as_str();
    match resolution {
        Resolution::Definition(origin) => format!("definition {}", origin_path(project, *origin)),
        Resolution::Module(id) => format!("module {}", module_name(*id)),
        Resolution::External { module, name } => match name {
            Some(name) => format!("external {module}:{name}"),
            None => format!("external {module}"),
        },
        Resolution::Dangling {
            reason,
            module,
            name,
        } => match name {
            Some(name) => format!("dangling {} at {module}:{name}", reason.as_str()),
            None => format!("dangling {} at {module}", reason.as_str()),
        },
        Resolution::Cycle => "cycle".to_string(),
        Resolution::Open(OpenReason::ModuleGetattr(id)) => {
            format!("open module-getattr {}", module_name(*id))
        }
        Resolution::Open(OpenReason::DynamicAll(id)) => {
            format!("open dynamic-all {}", module_name(*id))
        }
        Resolution::Open(OpenReason::ExternalStar(module)) => {
            format!("open external-star {module}")
        }
        Resolution::Open(OpenReason::DynamicNamespace(id)) => {
            format!("open dynamic-namespace {}", module_name(*id))
        }
        Resolution::Open(OpenReason::DynamicModules(id)) => {
            format!("open dynamic-modules {}", module_name(*id))
        }
        Resolution::Open(OpenReason::Unread(id)) => {
            format!("open unread {}", module_name(*id))
        }
        Resolution::Open(OpenReason::AssignedElsewhere(id)) => {
            format!("open assigned-elsewhere {}", module_name(*id))
        }
        Resolution::Open(OpenReason::ExternalModule(module)) => {
            format!("open external-module {module}")
        }
        Resolution::ModuleAttribute => "module-attribute".to_string(),
        Resolution::BeyondTopLevel => "beyond-top-level".to_string(),
    }
}

/// The guards around a statement, as a bracketed suffix (empty for a plain module-level one).
fn render_context(context: &StmtContext) -> String {
    let mut tags = Vec::new();
    match context.scope {
        ScopeKind::Module => {}
        ScopeKind::Class => tags.push("class"),
        ScopeKind::Function => tags.push("function"),
    }
    if context.type_checking {
        tags.push("type-checking");
    }
    if context.guarded_by_import_error {
        tags.push("try");
    }
    if context.in_except_handler {
        tags.push("except");
    }
    if context.conditional {
        tags.push("conditional");
    }
    if tags.is_empty() {
        String::new()
    } else {
        format!("  [{}]", tags.join(", "))
    }
}

fn render_reference(project: &Project, reference: &Reference) -> (String, u32, u32, String) {
    let file = &project.file(reference.file).path;
    let attribute = if reference.via_attribute {
        " (attribute)"
    } else {
        ""
    };
    let line = format!(
        "{file}:{}  {}{attribute}  ->  {}{}",
        reference.position.line,
        reference.path,
        render_resolution(project, &reference.resolution),
        render_context(&reference.context),
    );
    (
        file.clone(),
        reference.position.line,
        reference.position.column,
        line,
    )
}

/// Import bindings that leave the project: not references, listed to show they do not dangle.
fn external_imports<'p>(project: &'p Project, resolver: &mut Resolver<'p>) -> Vec<String> {
    let mut lines = Vec::new();
    for (file_id, file) in project.files.iter().enumerate() {
        for import in &file.facts.imports {
            for imported in &import.names {
                let resolution = match &import.kind {
                    ImportKind::Import => resolver.resolve_module(&imported.name),
                    ImportKind::From { module, level } => {
                        if imported.name == "*" {
                            continue;
                        }
                        let Some(absolute) =
                            resolver.absolute_module(file_id as u32, *level, module.as_deref())
                        else {
                            continue;
                        };
                        resolver.resolve_from(&absolute, &imported.name)
                    }
                };
                if matches!(resolution, Resolution::External { .. }) {
                    lines.push(format!(
                        "{}:{}  {}",
                        file.path,
                        imported.position.line,
                        render_resolution(project, &resolution)
                    ));
                }
            }
        }
    }
    lines.sort();
    lines
}

fn render_fixture(name: &str) -> String {
    let project = load_fixture(name);
    let mut out = String::new();

    writeln!(out, "## modules").unwrap();
    let mut modules: Vec<_> = project.modules.modules.iter().collect();
    modules.sort_by(|a, b| a.name.cmp(&b.name));
    for module in modules {
        let file = module
            .file
            .map_or("(namespace)", |file| project.file(file).path.as_str());
        let package = if module.is_package { "  package" } else { "" };
        let stub = module
            .stub
            .map(|stub| format!("  stub {}", project.file(stub).path))
            .unwrap_or_default();
        writeln!(out, "{}  {file}{package}{stub}", module.name).unwrap();
    }

    let scripts: Vec<&str> = project
        .modules
        .file_roles
        .iter()
        .enumerate()
        .filter(|(_, role)| **role == FileRole::Script)
        .map(|(file, _)| project.files[file].path.as_str())
        .collect();
    if !scripts.is_empty() {
        writeln!(out, "\n## scripts").unwrap();
        for script in scripts {
            writeln!(out, "{script}").unwrap();
        }
    }

    if !project.modules.conflicts.is_empty() {
        writeln!(out, "\n## conflicts").unwrap();
        for conflict in &project.modules.conflicts {
            writeln!(
                out,
                "{}: {} shadows {}",
                conflict.module,
                project.file(conflict.winner).path,
                project.file(conflict.shadowed).path
            )
            .unwrap();
        }
    }

    let syntax_errors: Vec<String> = project
        .files
        .iter()
        .flat_map(|file| {
            file.facts.syntax_errors.iter().map(move |error| {
                format!(
                    "{}:{}:{}  {}",
                    file.path, error.position.line, error.position.column, error.message
                )
            })
        })
        .collect();
    if !syntax_errors.is_empty() {
        writeln!(out, "\n## syntax errors").unwrap();
        for error in syntax_errors {
            writeln!(out, "{error}").unwrap();
        }
    }

    let mut resolver = Resolver::new(&project);
    let references = collect_references(&mut resolver);
    writeln!(out, "\n## references").unwrap();
    let mut lines: Vec<_> = references
        .iter()
        .map(|reference| render_reference(&project, reference))
        .collect();
    lines.sort();
    for (_, _, _, line) in lines {
        writeln!(out, "{line}").unwrap();
    }

    let externals = external_imports(&project, &mut resolver);
    if !externals.is_empty() {
        writeln!(out, "\n## external imports (not references)").unwrap();
        for line in externals {
            writeln!(out, "{line}").unwrap();
        }
    }

    let census = census(&project, &references);
    writeln!(out, "\n## census").unwrap();
    let render_counts = |counts: &ssot_index::PathCounts| {
        format!(
            "files={} test_files={} statements={} test_statements={} guarded={}",
            counts.files,
            counts.test_files,
            counts.statements,
            counts.test_statements,
            counts.guarded_statements
        )
    };
    for symbol in &census.symbols {
        writeln!(
            out,
            "symbol {} ({} at {}:{}) files={}",
            symbol.origin_path,
            symbol.kind.as_str(),
            symbol.defined_at.path,
            symbol.defined_at.line,
            symbol.files
        )
        .unwrap();
        for path in &symbol.paths {
            writeln!(out, "  {}  {}", path.path, render_counts(&path.counts)).unwrap();
        }
        for re_export in &symbol.re_exported_by {
            writeln!(
                out,
                "  re-exported as {} at {}:{}",
                re_export.path, re_export.at.path, re_export.at.line
            )
            .unwrap();
        }
    }
    for dangling in &census.dangling {
        writeln!(
            out,
            "dangling {} {}  {}",
            dangling.path,
            dangling.reason_text(),
            render_counts(&dangling.counts)
        )
        .unwrap();
    }
    out
}

macro_rules! fixture_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                insta::assert_snapshot!(stringify!($name), render_fixture(stringify!($name)));
            }
        )*
    };
}

fixture_tests!(
    binding_order,
    conditional_imports,
    cycles,
    dangling,
    dynamic_namespaces,
    external_modules,
    namespace_packages,
    package_re_exports,
    reexport_chain,
    relative_beyond_top,
    star_cycles,
    star_imports,
    syntax_error,
    third_party_shadowing,
);

#[test]
fn every_fixture_directory_has_a_snapshot_test() {
    let mut on_disk: Vec<String> = fs::read_dir(fixtures_dir())
        .expect("fixtures directory")
        .map(|entry| entry.expect("directory entry"))
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    assert_eq!(on_disk, FIXTURES);
}

/// Asks `reference`'s path of `resolver`, as a caller that starts there would.
fn ask<'p>(project: &'p Project, resolver: &mut Resolver<'p>, reference: &Reference) {
    let facts = &project.file(reference.file).facts;
    let import = &facts.imports[reference.statement as usize];
    let imported = &import.names[reference.name as usize];
    if reference.via_attribute {
        let Some(module) = project.modules.get(&reference.path.module) else {
            return;
        };
        let attribute = facts
            .attribute_refs
            .iter()
            .flat_map(|attribute_ref| &attribute_ref.attributes)
            .find(|attribute| Some(attribute.as_str()) == reference.path.name.as_deref())
            .expect("an attribute reference names a recorded attribute");
        resolver.resolve_member(module, attribute);
    } else if reference.path.name.is_some() {
        resolver.resolve_from(&reference.path.module, &imported.name);
    } else {
        resolver.resolve_module(&reference.path.module);
    }
}

/// The memo must not make an answer depend on which path was asked first: for every reference,
/// a fresh resolver asked that reference's path first gives the same resolutions everywhere.
#[test]
fn resolution_does_not_depend_on_query_order() {
    for name in FIXTURES {
        let project = load_fixture(name);
        let expected = collect_references(&mut Resolver::new(&project));
        for first in &expected {
            let mut resolver = Resolver::new(&project);
            ask(&project, &mut resolver, first);
            let actual = collect_references(&mut resolver);
            assert_eq!(expected.len(), actual.len());
            let differences: Vec<String> = expected
                .iter()
                .zip(&actual)
                .filter(|(a, b)| a.resolution != b.resolution)
                .map(|(a, b)| {
                    format!(
                        "{} {}: {} in file order, {} when {} is asked first",
                        project.file(a.file).path,
                        a.path,
                        render_resolution(&project, &a.resolution),
                        render_resolution(&project, &b.resolution),
                        first.path,
                    )
                })
                .collect();
            assert!(
                differences.is_empty(),
                "{name}:\n{}",
                differences.join("\n")
            );
        }
    }
}
