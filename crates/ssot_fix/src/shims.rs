//! `ssot fix --shims`: a declared shim module becomes an explicit deprecation shim.
//!
//! The shim's module-level imports that re-export a concept's canonical object are removed, and
//! a PEP 562 module `__getattr__` serves those names instead: old callers keep working, and each
//! access warns with a `DeprecationWarning` naming the canonical path. Only unconditional
//! module-level `from` imports are rewritten (an alias assignment `Old = New` or an import
//! inside `try` stays as it is), and a module that already defines `__getattr__` is left alone.
//!
//! Unsafe: the names leave the module's namespace, so `from shim import *` without `__all__`
//! no longer brings them, `dir(shim)` no longer lists them, and the canonical module is imported
//! lazily, on first access, instead of when the shim is imported.

use ssot_facts::{ImportKind, ScopeKind, Span};
use ssot_index::{FileId, Origin, Resolution, Resolver};
use ssot_rules::{Applicability, Edit, Fix};

use crate::import_text::{line_end, next_line_start, own_lines_indent};

/// A declared shim of a concept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShimRequest {
    pub concept: String,
    /// The shim module (dotted).
    pub module: String,
    /// `module:Name` of the canonical object.
    pub canonical_path: String,
    pub canonical: Origin,
}

/// One request per declared shim of each concept.
pub fn shim_requests(concepts: &[ssot_rules::ResolvedConcept]) -> Vec<ShimRequest> {
    concepts
        .iter()
        .flat_map(|concept| {
            concept.shims.iter().map(|module| ShimRequest {
                concept: concept.name.clone(),
                module: module.clone(),
                canonical_path: concept.canonical_path.clone(),
                canonical: concept.canonical,
            })
        })
        .collect()
}

/// A planned shim rewrite.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShimPlan {
    pub file: FileId,
    pub fix: Fix,
    /// The names the shim now serves through `__getattr__`.
    pub served: Vec<String>,
}

/// Plans the deprecation shim for `request`, whose module's text is `text`.
pub fn plan_shim(
    resolver: &mut Resolver<'_>,
    request: &ShimRequest,
    text: &str,
    line_ending: &str,
) -> Result<ShimPlan, String> {
    let project = resolver.project();
    let module = project
        .modules
        .get(&request.module)
        .ok_or_else(|| format!("the shim module `{}` does not exist", request.module))?;
    let file = project
        .modules
        .module(module)
        .file
        .ok_or_else(|| format!("the shim `{}` is a namespace package", request.module))?;
    let facts = &project.file(file).facts;
    if facts.definitions.iter().any(|d| d.name == "_SSOT_MOVED") {
        return Err("already a deprecation shim".to_string());
    }
    if facts.has_module_getattr {
        return Err("the module already defines `__getattr__`".to_string());
    }
    if !facts.syntax_errors.is_empty() {
        return Err("the file has syntax errors, so it is never rewritten".to_string());
    }
    let (canonical_module, canonical_name) = request
        .canonical_path
        .split_once(':')
        .ok_or_else(|| "the canonical path has no `:`".to_string())?;
    let mut edits = Vec::new();
    let mut served = Vec::new();
    for import in &facts.imports {
        let ImportKind::From {
            module: written,
            level,
        } = &import.kind
        else {
            continue;
        };
        let context = import.context;
        let unconditional = context.scope == ScopeKind::Module
            && !context.type_checking
            && !context.guarded_by_import_error
            && !context.in_except_handler
            && !context.conditional;
        if !unconditional {
            continue;
        }
        let Some(absolute) = resolver.absolute_module(file, *level, written.as_deref()) else {
            continue;
        };
        let moving: Vec<usize> = import
            .names
            .iter()
            .enumerate()
            .filter(|(_, n)| n.name != "*")
            .filter(|(_, n)| {
                resolver.resolve_from(&absolute, &n.name)
                    == Resolution::Definition(request.canonical)
            })
            .map(|(i, _)| i)
            .collect();
        if moving.is_empty() {
            continue;
        }
        served.extend(
            moving
                .iter()
                .map(|&i| import.names[i].bound_name(&import.kind).to_string()),
        );
        if moving.len() == import.names.len() {
            if own_lines_indent(text, import.span).is_none() {
                return Err("a re-export shares its line with other code".to_string());
            }
            let start = crate::import_text::line_start(text, import.span.start);
            let end = next_line_start(text, line_end(text, import.span.end));
            edits.push(Edit {
                span: Span { start, end },
                content: String::new(),
            });
        } else {
            let removed: Vec<u32> = moving.iter().map(|&i| i as u32).collect();
            edits.extend(crate::import_rewrite::removal_edits(text, import, &removed));
        }
    }
    if served.is_empty() {
        return Err(format!(
            "the shim `{}` has no module-level import of `{}` to turn into a deprecation",
            request.module, request.canonical_path
        ));
    }
    served.sort();
    served.dedup();
    let end = text.len() as u32;
    let mut block = String::new();
    if !text.is_empty() && !text.ends_with(['\n', '\r']) {
        block.push_str(line_ending);
    }
    let block_text = shim_block(
        &request.concept,
        &served,
        canonical_module,
        canonical_name,
        line_ending,
    );
    // Keep the file's quote style: the block's strings hold no quote characters.
    if text.matches('\'').count() > text.matches('"').count() {
        block.push_str(&block_text.replace('"', "'"));
    } else {
        block.push_str(&block_text);
    }
    edits.push(Edit {
        span: Span { start: end, end },
        content: block,
    });
    Ok(ShimPlan {
        file,
        fix: Fix {
            applicability: Applicability::Unsafe,
            edits,
        },
        served,
    })
}

/// The `__getattr__` that serves `names` from the canonical module with a warning.
fn shim_block(concept: &str, names: &[String], module: &str, name: &str, eol: &str) -> String {
    let mut lines = vec![
        String::new(),
        String::new(),
        format!("# Deprecation shim for concept `{concept}`, written by `ssot fix --shims`:"),
        format!("# these names moved to `{module}`."),
        "_SSOT_MOVED = {".to_string(),
    ];
    for served in names {
        lines.push(format!("    \"{served}\": (\"{module}\", \"{name}\"),"));
    }
    lines.extend(
        [
            "}",
            "",
            "",
            "def __getattr__(name):",
            "    try:",
            "        module, attribute = _SSOT_MOVED[name]",
            "    except KeyError:",
            "        raise AttributeError(f\"module {__name__!r} has no attribute {name!r}\") from None",
            "    import importlib",
            "    import warnings",
            "",
            "    warnings.warn(",
            "        f\"{__name__}.{name} is deprecated; use {module}.{attribute}\",",
            "        DeprecationWarning,",
            "        stacklevel=2,",
            "    )",
            "    return getattr(importlib.import_module(module), attribute)",
            "",
        ]
        .map(String::from),
    );
    lines.join(eol)
}
