//! `ssot_check_source {path, source}`: what `ssot check` would report for one file if it held
//! this (unsaved) text, with the fixes as edits.

use std::path::{Component, Path};

use serde_json::{json, Value};
use ssot_rules::{Applicability, Diagnostic};

use super::tools::{string_argument, ToolAnswer};
use super::warm::WarmProject;

pub fn call(warm: &mut WarmProject, arguments: &Value) -> Result<ToolAnswer, String> {
    let path = string_argument(arguments, "path")?;
    let source = string_argument(arguments, "source")?;
    let path = project_path(warm, path)?;
    let check = warm.check_buffer(&path, source)?;
    let lines = LineStarts::new(source);
    let diagnostics: Vec<Value> = check
        .diagnostics
        .iter()
        .map(|d| diagnostic_json(d, &lines))
        .collect();
    let safe_edits: Vec<Value> = safe_edits(&check.diagnostics)
        .into_iter()
        .map(|edit| edit_json(edit, &lines))
        .collect();
    let mut text = if diagnostics.is_empty() {
        format!("`{path}`: no violations")
    } else {
        let mut text = format!("`{path}`: {} violation(s)", diagnostics.len());
        for d in check.diagnostics.iter().take(20) {
            text.push_str(&format!(
                "\n{}:{}: {} {}{}",
                d.start.line,
                d.start.column,
                d.rule.code(),
                d.message,
                match &d.fix {
                    Some(fix) if fix.applicability == Applicability::Safe => " [safe fix]",
                    _ => "",
                }
            ));
        }
        text
    };
    if check.baselined > 0 {
        text.push_str(&format!(
            "\n({} more recorded in the baseline)",
            check.baselined
        ));
    }
    Ok(ToolAnswer {
        text,
        structured: json!({
            "path": path,
            "diagnostics": diagnostics,
            "safe_edits": safe_edits,
            "fixed_source": check.fixed,
            "baselined": check.baselined,
        }),
    })
}

/// The root-relative path of a Python file of the project: relative paths are relative to
/// the project root; absolute ones must lie under it.
fn project_path(warm: &WarmProject, given: &str) -> Result<String, String> {
    let given = given.trim();
    if given.is_empty() {
        return Err("`path` is empty: give the file's path relative to the project root".into());
    }
    let path = Path::new(given);
    let relative = if path.is_absolute() {
        path.strip_prefix(warm.root())
            .map_err(|_| {
                format!(
                    "`{given}` is outside the project root `{}`",
                    warm.root().display()
                )
            })?
            .to_path_buf()
    } else {
        path.to_path_buf()
    };
    let mut parts = Vec::new();
    for component in relative.components() {
        match component {
            Component::Normal(part) => parts.push(
                part.to_str()
                    .ok_or_else(|| format!("`{given}` is not a UTF-8 path"))?
                    .to_string(),
            ),
            Component::CurDir => {}
            _ => return Err(format!("`{given}` must not leave the project root (`..`)")),
        }
    }
    let joined = parts.join("/");
    if !(joined.ends_with(".py") || joined.ends_with(".pyi")) {
        return Err(format!(
            "`{given}` is not a Python file: ssot checks `.py` and `.pyi` files"
        ));
    }
    Ok(joined)
}

/// The safe fixes' edits, in order, leaving out any that overlaps one before it (the fix
/// engine applies them the same way, and a second `ssot fix` run picks up the rest).
fn safe_edits(diagnostics: &[Diagnostic]) -> Vec<&ssot_rules::Edit> {
    let mut edits: Vec<&ssot_rules::Edit> = diagnostics
        .iter()
        .filter_map(|d| d.fix.as_ref())
        .filter(|fix| fix.applicability == Applicability::Safe)
        .flat_map(|fix| fix.edits.iter())
        .collect();
    edits.sort_by_key(|edit| (edit.span.start, edit.span.end));
    edits.dedup();
    let mut kept: Vec<&ssot_rules::Edit> = Vec::new();
    for edit in edits {
        if kept
            .last()
            .is_none_or(|last| last.span.end <= edit.span.start && last.span != edit.span)
        {
            kept.push(edit);
        }
    }
    kept
}

fn diagnostic_json(d: &Diagnostic, lines: &LineStarts) -> Value {
    json!({
        "code": d.rule.code(),
        "name": d.rule.name(),
        "line": d.start.line,
        "column": d.start.column,
        "end_line": d.end.line,
        "end_column": d.end.column,
        "message": d.message,
        "concept": d.concept,
        "fix": d.fix.as_ref().map(|fix| json!({
            "applicability": fix.applicability.as_str(),
            "edits": fix.edits.iter().map(|edit| edit_json(edit, lines)).collect::<Vec<_>>(),
        })),
    })
}

/// An edit as byte offsets into the source and as 1-based line and column (in characters).
fn edit_json(edit: &ssot_rules::Edit, lines: &LineStarts) -> Value {
    let (line, column) = lines.position(edit.span.start as usize);
    let (end_line, end_column) = lines.position(edit.span.end as usize);
    json!({
        "start": edit.span.start,
        "end": edit.span.end,
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
        "content": edit.content,
    })
}

/// Byte offsets to 1-based lines and character columns.
struct LineStarts<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineStarts<'a> {
    fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(at, _)| at + 1));
        Self { text, starts }
    }

    fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&start| start <= offset) - 1;
        let start = self.starts[line];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |prefix| prefix.chars().count());
        (line + 1, column + 1)
    }
}
