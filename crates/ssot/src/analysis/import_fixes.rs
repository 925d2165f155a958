//! The fixes `check` shows beside SSOT101: the same import rewrites `fix` would make.

use std::collections::BTreeMap;

use ssot_rules::{Diagnostic, Rule};

use crate::fs::{FileSystem, RealFileSystem};

/// Gives `check`'s SSOT101 diagnostics the fix `ssot fix` would apply (unverified: `fix`
/// verifies before writing), so reports can mark them fixable and JSON carries the edits.
pub fn attach_import_fixes(
    loaded: &crate::workspace::LoadedProject,
    diagnostics: &mut [Diagnostic],
) {
    if !diagnostics
        .iter()
        .any(|d| d.rule == Rule::NonCanonicalImport && d.fix.is_none())
    {
        return;
    }
    let style = crate::import_style::import_style(loaded);
    let fs = RealFileSystem::from_env();
    let max_file_size = loaded
        .config
        .max_file_size
        .unwrap_or(crate::config::DEFAULT_MAX_FILE_SIZE);
    let read = |path: &str| {
        let analysed = loaded
            .content_hashes
            .binary_search_by(|(p, _)| p.as_str().cmp(path))
            .ok()
            .map(|i| loaded.content_hashes[i].1);
        let bytes = fs.read(&loaded.absolute_path(path), max_file_size).ok()?;
        (analysed == Some(crate::load::content_hash(&bytes))).then_some(bytes)
    };
    attach_import_fixes_with(&loaded.project, &style, &read, diagnostics);
}

/// [`attach_import_fixes`] for any source of files: `read` gives the bytes a file's facts
/// were extracted from (`None` when it cannot: the file gets no fix).
pub fn attach_import_fixes_with(
    project: &ssot_index::Project,
    style: &ssot_fix::ImportStyle,
    read: &dyn Fn(&str) -> Option<Vec<u8>>,
    diagnostics: &mut [Diagnostic],
) {
    let mut by_path: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (index, diagnostic) in diagnostics.iter().enumerate() {
        if diagnostic.rule == Rule::NonCanonicalImport && diagnostic.fix.is_none() {
            by_path
                .entry(diagnostic.path.as_str())
                .or_default()
                .push(index);
        }
    }
    if by_path.is_empty() {
        return;
    }
    let mut resolver = ssot_index::Resolver::new(project);
    let mut model = ssot_index::ImportTimeModel::new(project);
    let mut planned: Vec<(usize, ssot_rules::Fix)> = Vec::new();
    for (path, indices) in by_path {
        let Ok(file) = project
            .files
            .binary_search_by(|f| f.path.as_str().cmp(path))
        else {
            continue;
        };
        if !project.files[file].facts.syntax_errors.is_empty() {
            continue;
        }
        let Some(bytes) = read(path) else {
            continue;
        };
        let Ok(source) = ssot_fix::SourceFile::from_bytes(bytes) else {
            continue;
        };
        planned.extend(ssot_fix::import_fixes_as_fix_would(
            &mut resolver,
            &mut model,
            file as ssot_index::FileId,
            &source.text,
            style,
            diagnostics,
            &indices,
        ));
    }
    for (index, fix) in planned {
        diagnostics[index].fix = Some(fix);
    }
}
