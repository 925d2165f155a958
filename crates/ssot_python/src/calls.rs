//! Call sites: which calls are worth a fact, and the arguments of test-double calls.
//!
//! Only calls of a name or attribute chain are kept, minus builtins and methods of
//! `self`/`cls`: the rules look for calls of first-party accessors, classes and the
//! `unittest.mock` helpers, and these filters keep the fact list short on large trees.

use ruff_python_ast::{Expr, ExprCall};
use ruff_text_size::Ranged;
use ssot_facts::{
    call_name_hash, CallArguments, DoubleArguments, Span, StringArgument, DOUBLE_CALLEE_NAMES,
};

use crate::positions::LineIndex;

/// Builtins called so often that recording them would only cost time; sorted, for a binary
/// search per call.
const BUILTINS: &[&str] = &[
    "abs",
    "all",
    "any",
    "bool",
    "bytes",
    "callable",
    "chr",
    "classmethod",
    "dict",
    "enumerate",
    "filter",
    "float",
    "format",
    "frozenset",
    "getattr",
    "hasattr",
    "hash",
    "id",
    "int",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "list",
    "map",
    "max",
    "min",
    "next",
    "object",
    "open",
    "ord",
    "print",
    "property",
    "range",
    "repr",
    "reversed",
    "round",
    "set",
    "setattr",
    "sorted",
    "staticmethod",
    "str",
    "sum",
    "super",
    "tuple",
    "type",
    "vars",
    "zip",
];

/// `a` or `a.b.c` when `expr` is only names and attributes (never through a call or
/// subscript, unlike the looser `dotted_name` used for bases).
pub(crate) fn strict_dotted(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Name(name) => Some(name.id.to_string()),
        Expr::Attribute(attribute) => {
            let mut base = strict_dotted(&attribute.value)?;
            base.push('.');
            base.push_str(&attribute.attr.id);
            Some(base)
        }
        _ => None,
    }
}

/// Writes `a` or `a.b.c` into `out` when `expr` is only names and attributes.
pub(crate) fn write_dotted(expr: &Expr, out: &mut String) -> bool {
    match expr {
        Expr::Name(name) => {
            out.push_str(&name.id);
            true
        }
        Expr::Attribute(attribute) => {
            if !write_dotted(&attribute.value, out) {
                return false;
            }
            out.push('.');
            out.push_str(&attribute.attr.id);
            true
        }
        _ => false,
    }
}

/// [`call_name_hash`] of each of [`BUILTINS`], sorted: a single-name call is compared with
/// the builtins' names only when its hash is one of these.
const BUILTIN_HASHES: [u32; BUILTINS.len()] = {
    let mut hashes = [0; BUILTINS.len()];
    let mut index = 0;
    while index < hashes.len() {
        hashes[index] = call_name_hash(BUILTINS[index]);
        index += 1;
    }
    // Insertion sort: a const context has no `sort`.
    let mut sorted = 1;
    while sorted < hashes.len() {
        let mut at = sorted;
        while at > 0 && hashes[at - 1] > hashes[at] {
            let swap = hashes[at - 1];
            hashes[at - 1] = hashes[at];
            hashes[at] = swap;
            at -= 1;
        }
        sorted += 1;
    }
    hashes
};

/// The last segment of the callee of a call worth recording (`f` of `a.b.f(...)`) and its
/// [`call_name_hash`]; `None` for builtins, `self.m()`, `cls.m()` and callees that are not
/// name chains.
pub(crate) fn recorded_last_segment(call: &ExprCall) -> Option<(&str, u32)> {
    // Decide from the root name before spelling anything: `self.x.y()` is most calls.
    let mut root = call.func.as_ref();
    while let Expr::Attribute(attribute) = root {
        root = &attribute.value;
    }
    let Expr::Name(name) = root else {
        return None;
    };
    let root = name.id.as_str();
    if matches!(root, "self" | "cls") {
        return None;
    }
    if let Expr::Attribute(attribute) = call.func.as_ref() {
        let last = attribute.attr.id.as_str();
        return Some((last, call_name_hash(last)));
    }
    let hash = call_name_hash(root);
    let builtin =
        BUILTIN_HASHES.binary_search(&hash).is_ok() && BUILTINS.binary_search(&root).is_ok();
    (!builtin).then_some((root, hash))
}

/// What a call passes: nothing, `None` first, a literal first, or another first argument. Constant time (the
/// first argument only), as it runs for every recorded call.
pub(crate) fn call_arguments(call: &ExprCall) -> CallArguments {
    let first = match call.arguments.args.first() {
        Some(first) => first,
        None => match call.arguments.keywords.first() {
            Some(keyword) => &keyword.value,
            None => return CallArguments::Nothing,
        },
    };
    match first {
        Expr::NoneLiteral(_) => CallArguments::ExplicitNone,
        Expr::StringLiteral(_)
        | Expr::BytesLiteral(_)
        | Expr::NumberLiteral(_)
        | Expr::BooleanLiteral(_) => CallArguments::Literal,
        _ => CallArguments::Keyed,
    }
}

/// Whether the arguments of a call to `callee` are kept for SSOT401.
pub(crate) fn is_double_callee(callee: &str) -> bool {
    let last = callee.rsplit('.').next().unwrap_or(callee);
    match last {
        "object" => callee == "patch.object" || callee.ends_with(".patch.object"),
        _ => DOUBLE_CALLEE_NAMES.contains(&last),
    }
}

/// The arguments of `Mock(spec=X)`, `create_autospec(X)`, `patch("a.b.C")`,
/// `patch.object(X, "name")`.
pub(crate) fn double_arguments(
    call: &ExprCall,
    callee: &str,
    lines: &LineIndex<'_>,
) -> DoubleArguments {
    let mut arguments = DoubleArguments::default();
    let mut positional = call.arguments.args.iter();
    if let Some(first) = positional.next() {
        arguments.first_dotted = strict_dotted(first).map(Into::into);
        arguments.first_string = string_argument(first, lines);
    }
    if let Some(second) = positional.next() {
        arguments.second_string = string_argument(second, lines);
    }
    let last = callee.rsplit('.').next().unwrap_or(callee);
    let new_at = match last {
        "patch" => Some(1),
        "object" => Some(2),
        _ => None,
    };
    if let Some(new) = new_at.and_then(|index| call.arguments.args.get(index)) {
        arguments.replacement = strict_dotted(new).map(Into::into);
    }
    for keyword in &call.arguments.keywords {
        let Some(name) = &keyword.arg else {
            continue;
        };
        if new_at.is_some() && name.id.as_str() == "new" {
            arguments.replacement = strict_dotted(&keyword.value).map(Into::into);
            continue;
        }
        if !matches!(name.id.as_str(), "spec" | "spec_set" | "autospec") {
            continue;
        }
        let disabled = match &keyword.value {
            Expr::NoneLiteral(_) => true,
            Expr::BooleanLiteral(literal) => !literal.value,
            _ => false,
        };
        if disabled {
            continue;
        }
        arguments.specced = true;
        if arguments.spec.is_none() {
            arguments.spec = strict_dotted(&keyword.value).map(Into::into);
        }
    }
    arguments
}

/// One string literal argument, with the span of its contents when they spell the value.
fn string_argument(expr: &Expr, lines: &LineIndex<'_>) -> Option<StringArgument> {
    let Expr::StringLiteral(literal) = expr else {
        return None;
    };
    let value = literal.value.to_str().to_string();
    let contents = match literal.value.as_slice() {
        [part] => Some(part),
        _ => None,
    }
    .and_then(|part| {
        let range = part.content_range();
        (range.len().to_u32() as usize == value.len()
            && value
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '.'))
        .then(|| Span {
            start: range.start().to_u32(),
            end: range.end().to_u32(),
        })
    });
    Some(StringArgument {
        value: value.into(),
        contents,
        position: lines.position(expr.range().start().to_u32()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_are_sorted_for_binary_search() {
        assert!(BUILTINS.windows(2).all(|pair| pair[0] < pair[1]));
        assert!(BUILTIN_HASHES.windows(2).all(|pair| pair[0] < pair[1]));
    }
}
