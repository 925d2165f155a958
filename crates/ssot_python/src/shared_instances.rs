//! Syntactic shapes of shared-instance accessors, and what classes keep in `self` attributes.
//!
//! Each check reads one function or class body; nothing here walks the whole tree, so the
//! extractor calls these as it meets module-level definitions and the walk stays single.

use ruff_python_ast::{self as ast, CmpOp, Expr, Stmt, UnaryOp};
use ssot_facts::ToCompactString;
use ssot_facts::{AttributeType, SharedInstanceKind};

use crate::calls::strict_dotted;

/// A shape found in a module-level function or class, before the extractor adds positions.
pub(crate) struct Shape {
    pub kind: SharedInstanceKind,
    pub state: String,
    pub builds: Option<String>,
    /// For a keyed registry: the module-level name that must be a dict for the shape to count.
    pub registry: Option<String>,
}

/// Every statement of a body, descending into `if`, `try`, `with`, `for` and `while` blocks
/// (not into nested functions or classes).
fn statements<'a>(body: &'a [Stmt], out: &mut Vec<&'a Stmt>) {
    for stmt in body {
        out.push(stmt);
        match stmt {
            Stmt::If(s) => {
                statements(&s.body, out);
                for clause in &s.elif_else_clauses {
                    statements(&clause.body, out);
                }
            }
            Stmt::Try(s) => {
                statements(&s.body, out);
                for handler in &s.handlers {
                    let ast::ExceptHandler::ExceptHandler(handler) = handler;
                    statements(&handler.body, out);
                }
                statements(&s.orelse, out);
                statements(&s.finalbody, out);
            }
            Stmt::With(s) => statements(&s.body, out),
            Stmt::For(s) => {
                statements(&s.body, out);
                statements(&s.orelse, out);
            }
            Stmt::While(s) => {
                statements(&s.body, out);
                statements(&s.orelse, out);
            }
            _ => {}
        }
    }
}

fn all_statements(body: &[Stmt]) -> Vec<&Stmt> {
    let mut out = Vec::new();
    statements(body, &mut out);
    out
}

fn is_name(expr: &Expr, expected: &str) -> bool {
    matches!(expr, Expr::Name(name) if name.id.as_str() == expected)
}

/// `X is None`, `not X`, `X is None or ...`: a test that asks whether `X` is still unset.
fn tests_unset(test: &Expr, name: &str) -> bool {
    match test {
        Expr::Compare(compare) => {
            is_name(&compare.left, name)
                && matches!(compare.ops.first(), Some(CmpOp::Is | CmpOp::Eq))
                && matches!(compare.comparators.first(), Some(Expr::NoneLiteral(_)))
        }
        Expr::UnaryOp(unary) => unary.op == UnaryOp::Not && is_name(&unary.operand, name),
        Expr::BoolOp(bool_op) => bool_op.values.iter().any(|v| tests_unset(v, name)),
        _ => false,
    }
}

/// The callee of `target = callee(...)` assignments to a plain `target` in `body` (any depth).
fn assigned_call<'a>(body: &'a [Stmt], matches_target: &dyn Fn(&Expr) -> bool) -> Option<&'a Expr> {
    all_statements(body)
        .into_iter()
        .find_map(|stmt| match stmt {
            Stmt::Assign(assign) if assign.targets.iter().any(matches_target) => {
                Some(assign.value.as_ref())
            }
            Stmt::AnnAssign(assign) if matches_target(&assign.target) => assign.value.as_deref(),
            _ => None,
        })
}

fn returns(body: &[Stmt], check: &dyn Fn(&Expr) -> bool) -> bool {
    all_statements(body)
        .into_iter()
        .any(|stmt| matches!(stmt, Stmt::Return(ret) if ret.value.as_deref().is_some_and(check)))
}

fn call_callee(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Call(call) => strict_dotted(&call.func),
        _ => None,
    }
}

/// `global _x; if _x is None: _x = Cls(); return _x` in a module-level function.
fn lazy_global(function: &ast::StmtFunctionDef, statements: &[&Stmt]) -> Option<Shape> {
    let body = &function.body;
    let globals = statements.iter().filter_map(|stmt| match stmt {
        Stmt::Global(global) => Some(global.names.iter().map(|n| n.id.as_str())),
        _ => None,
    });
    for name in globals.flatten() {
        let guarded = statements.iter().find_map(|stmt| match stmt {
            Stmt::If(if_stmt) if tests_unset(&if_stmt.test, name) => {
                assigned_call(&if_stmt.body, &|target| is_name(target, name))
            }
            _ => None,
        });
        let Some(value) = guarded else {
            continue;
        };
        if !matches!(value, Expr::Call(_)) || !returns(body, &|e| is_name(e, name)) {
            continue;
        }
        return Some(Shape {
            kind: SharedInstanceKind::LazyGlobal,
            state: name.to_string(),
            builds: call_callee(value),
            registry: None,
        });
    }
    None
}

/// A `functools.lru_cache`/`functools.cache`-decorated function without required parameters.
fn cached_factory(function: &ast::StmtFunctionDef, decorators: &[String]) -> Option<Shape> {
    let cached = decorators.iter().any(|decorator| {
        matches!(
            decorator.as_str(),
            "lru_cache" | "cache" | "functools.lru_cache" | "functools.cache"
        )
    });
    let parameters = &function.parameters;
    let takes_arguments = parameters
        .posonlyargs
        .iter()
        .chain(&parameters.args)
        .chain(&parameters.kwonlyargs)
        .any(|p| p.default.is_none())
        || parameters.vararg.is_some()
        || parameters.kwarg.is_some();
    if !cached || takes_arguments {
        return None;
    }
    let builds = all_statements(&function.body)
        .into_iter()
        .find_map(|stmt| match stmt {
            Stmt::Return(ret) => ret.value.as_deref().and_then(call_callee),
            _ => None,
        });
    Some(Shape {
        kind: SharedInstanceKind::CachedFactory,
        state: format!("the cache of `{}`", function.name.id),
        builds,
        registry: None,
    })
}

/// `return REGISTRY[key]`, `.get(key)` or `.setdefault(key, ...)` of a global name, `key` a
/// parameter.
fn keyed_registry(function: &ast::StmtFunctionDef, statements: &[&Stmt]) -> Option<Shape> {
    let parameters: Vec<&str> = function
        .parameters
        .posonlyargs
        .iter()
        .chain(&function.parameters.args)
        .chain(&function.parameters.kwonlyargs)
        .map(|p| p.parameter.name.id.as_str())
        .collect();
    let is_key = |expr: &Expr| matches!(expr, Expr::Name(n) if parameters.contains(&n.id.as_str()));
    let body = &function.body;
    let mut registry = None;
    let mut builds = None;
    for stmt in statements {
        let Stmt::Return(ret) = stmt else {
            continue;
        };
        match ret.value.as_deref() {
            Some(Expr::Subscript(subscript)) if is_key(&subscript.slice) => {
                if let Expr::Name(name) = subscript.value.as_ref() {
                    registry = Some(name.id.to_string());
                }
            }
            Some(Expr::Call(call)) => {
                let Expr::Attribute(method) = call.func.as_ref() else {
                    continue;
                };
                let Expr::Name(name) = method.value.as_ref() else {
                    continue;
                };
                let key_first = call.arguments.args.first().is_some_and(is_key);
                match method.attr.id.as_str() {
                    "get" if key_first => registry = Some(name.id.to_string()),
                    "setdefault" if key_first => {
                        registry = Some(name.id.to_string());
                        builds = call.arguments.args.get(1).and_then(call_callee);
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        if registry.is_some() {
            break;
        }
    }
    let registry = registry?;
    if parameters.contains(&registry.as_str()) {
        return None;
    }
    if builds.is_none() {
        builds = assigned_call(
            body,
            &|target| matches!(target, Expr::Subscript(s) if is_name(&s.value, &registry)),
        )
        .and_then(call_callee);
    }
    Some(Shape {
        kind: SharedInstanceKind::KeyedRegistry,
        state: registry.clone(),
        builds,
        registry: Some(registry),
    })
}

/// The shared-instance shapes of a module-level function (at most one).
/// `scratch` is reused across calls to hold the body's statements.
pub(crate) fn function_shape<'a>(
    function: &'a ast::StmtFunctionDef,
    decorators: &[String],
    scratch: &mut Vec<&'a Stmt>,
) -> Option<Shape> {
    scratch.clear();
    statements(&function.body, scratch);
    lazy_global(function, scratch)
        .or_else(|| cached_factory(function, decorators))
        .or_else(|| keyed_registry(function, scratch))
}

/// Whether a function's parameters after the first `skip` positional ones include one
/// without a default.
fn requires_arguments(parameters: &ast::Parameters, skip: usize) -> bool {
    parameters
        .posonlyargs
        .iter()
        .chain(&parameters.args)
        .skip(skip)
        .chain(&parameters.kwonlyargs)
        .any(|p| p.default.is_none())
}

/// A class keeping its one instance in a class attribute: `__new__` that stores and returns
/// `cls.X`, or a classmethod without required parameters that does; or a classmethod or
/// staticmethod without required parameters that keeps it in a module global, as
/// [`lazy_global`] does.
pub(crate) fn class_singleton(class: &ast::StmtClassDef) -> Option<Shape> {
    for stmt in &class.body {
        let Stmt::FunctionDef(method) = stmt else {
            continue;
        };
        let name = method.name.id.as_str();
        let decorated = |decorator: &str| {
            method
                .decorator_list
                .iter()
                .any(|d| is_name(&d.expression, decorator))
        };
        let is_classmethod = decorated("classmethod");
        let is_staticmethod = decorated("staticmethod");
        if name != "__new__" && !is_classmethod && !is_staticmethod {
            continue;
        }
        let parameters = &method.parameters;
        // The class as the method names it; a staticmethod has none (`__new__` is one
        // implicitly, but takes the class first all the same).
        let cls = if is_staticmethod && name != "__new__" {
            None
        } else {
            match parameters.posonlyargs.iter().chain(&parameters.args).next() {
                Some(first) => Some(first.parameter.name.id.as_str()),
                None => continue,
            }
        };
        let takes_arguments = requires_arguments(parameters, usize::from(cls.is_some()));
        if name != "__new__" && takes_arguments {
            continue;
        }
        let statements = all_statements(&method.body);
        if name != "__new__" {
            if let Some(shape) = lazy_global(method, &statements) {
                return Some(Shape {
                    kind: SharedInstanceKind::GlobalMethod {
                        method: name.to_compact_string(),
                    },
                    // `cls()`: the class itself.
                    builds: shape.builds.filter(|callee| Some(callee.as_str()) != cls),
                    ..shape
                });
            }
        }
        let Some(cls) = cls else {
            continue;
        };
        let class_attribute = |expr: &Expr| match expr {
            Expr::Attribute(attribute) if is_name(&attribute.value, cls) => {
                Some(attribute.attr.id.to_string())
            }
            _ => None,
        };
        let stored = statements.iter().find_map(|stmt| match stmt {
            Stmt::Assign(assign) => assign
                .targets
                .iter()
                .find_map(class_attribute)
                .map(|attr| (attr, assign.value.as_ref())),
            _ => None,
        });
        let Some((attribute, value)) = stored else {
            continue;
        };
        let returned = returns(&method.body, &|e| {
            class_attribute(e).is_some_and(|a| a == attribute)
        });
        if !returned {
            continue;
        }
        // `cls()`, `super().__new__(cls)`, `object.__new__(cls)`: the class itself.
        let builds =
            call_callee(value).filter(|callee| callee != cls && !callee.ends_with("__new__"));
        return Some(Shape {
            kind: SharedInstanceKind::ClassSingleton {
                method: name.to_compact_string(),
            },
            state: format!("{}.{attribute}", class.name.id),
            builds,
            registry: None,
        });
    }
    None
}

/// `X`, `Optional[X]`, `X | None` (as a dotted name) of an annotation.
fn annotated_class(annotation: &Expr) -> Option<String> {
    match annotation {
        Expr::BinOp(bin_op) => annotated_class(&bin_op.left)
            .filter(|name| name != "None")
            .or_else(|| annotated_class(&bin_op.right).filter(|name| name != "None")),
        Expr::Subscript(subscript)
            if strict_dotted(&subscript.value)
                .is_some_and(|s| s == "Optional" || s.ends_with(".Optional")) =>
        {
            annotated_class(&subscript.slice)
        }
        Expr::NoneLiteral(_) => None,
        other => strict_dotted(other),
    }
}

/// The classes a value may be: callees of calls, annotated parameters, through `a or b` and
/// `a if c else b`.
fn value_classes(value: &Expr, parameters: &[(&str, String)], out: &mut Vec<String>) {
    match value {
        Expr::Call(call) => out.extend(strict_dotted(&call.func)),
        Expr::Name(name) => out.extend(
            parameters
                .iter()
                .filter(|(parameter, _)| *parameter == name.id.as_str())
                .map(|(_, class)| class.clone()),
        ),
        Expr::If(if_exp) => {
            value_classes(&if_exp.body, parameters, out);
            value_classes(&if_exp.orelse, parameters, out);
        }
        Expr::BoolOp(bool_op) => {
            for value in &bool_op.values {
                value_classes(value, parameters, out);
            }
        }
        _ => {}
    }
}

/// What the methods of a class store in `self.attribute`, for the attributes in `wanted`
/// (the ones some method forwards to: nothing else needs them, and classes hold many
/// attributes), sorted and without duplicates.
pub(crate) fn attribute_types(class: &ast::StmtClassDef, wanted: &[&str]) -> Vec<AttributeType> {
    if wanted.is_empty() {
        return Vec::new();
    }
    let mut types = Vec::new();
    for stmt in &class.body {
        let Stmt::FunctionDef(method) = stmt else {
            continue;
        };
        let bound_to_class = method.decorator_list.iter().any(|d| {
            is_name(&d.expression, "classmethod") || is_name(&d.expression, "staticmethod")
        });
        if bound_to_class {
            continue;
        }
        let all: Vec<&ast::ParameterWithDefault> = method
            .parameters
            .posonlyargs
            .iter()
            .chain(&method.parameters.args)
            .chain(&method.parameters.kwonlyargs)
            .collect();
        let Some(receiver) = all.first().map(|p| p.parameter.name.id.as_str()) else {
            continue;
        };
        let parameters: Vec<(&str, String)> = all
            .iter()
            .skip(1)
            .filter_map(|p| {
                let annotation = p.parameter.annotation.as_deref()?;
                Some((p.parameter.name.id.as_str(), annotated_class(annotation)?))
            })
            .collect();
        let self_attribute = |expr: &Expr| match expr {
            Expr::Attribute(attribute) if is_name(&attribute.value, receiver) => {
                Some(attribute.attr.id.to_string())
            }
            _ => None,
        };
        for stmt in all_statements(&method.body) {
            let mut classes = Vec::new();
            let attribute = match stmt {
                Stmt::Assign(assign) => {
                    let Some(attribute) = assign
                        .targets
                        .iter()
                        .filter_map(self_attribute)
                        .find(|attribute| wanted.contains(&attribute.as_str()))
                    else {
                        continue;
                    };
                    value_classes(&assign.value, &parameters, &mut classes);
                    attribute
                }
                Stmt::AnnAssign(assign) => {
                    let Some(attribute) = self_attribute(&assign.target)
                        .filter(|attribute| wanted.contains(&attribute.as_str()))
                    else {
                        continue;
                    };
                    classes.extend(annotated_class(&assign.annotation));
                    if let Some(value) = &assign.value {
                        value_classes(value, &parameters, &mut classes);
                    }
                    attribute
                }
                _ => continue,
            };
            types.extend(classes.into_iter().map(|dotted| AttributeType {
                attribute: attribute.to_compact_string(),
                dotted: dotted.into(),
            }));
        }
    }
    types.sort_by(|a, b| (&a.attribute, &a.dotted).cmp(&(&b.attribute, &b.dotted)));
    types.dedup();
    types
}
