//! Syntax tree to facts: one walk over a parsed module.
//!
//! The walk keeps a stack of statement contexts (scope kind, `TYPE_CHECKING`, `try`, other
//! conditions) and a tree of scopes that records which names `import` statements bind, so that
//! `M.N` attribute uses can be tied to the statement that bound `M` once the whole file is seen.

use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{self as ast, ExceptHandler, Expr, ExprContext, Parameters, Stmt};
use ruff_text_size::{Ranged, TextRange};
use rustc_hash::FxHashMap;
use ssot_facts::CompactString;
use ssot_facts::ToCompactString;
use ssot_facts::{
    AttributeAlias, AttributeRef, CallDetail, CallExtras, CallFact, ClassFacts, Definition,
    DefinitionKind, DoubleArguments, DunderAll, FileFacts, FunctionFacts, ImportErrorHandler,
    ImportKind, ImportStmt, ImportedName, LocalClass, MethodFacts, ScopeKind, SharedInstanceShape,
    Span, StmtContext, Storage, StorageKind, DOUBLE_CALLEE_HASHES, DOUBLE_CALLEE_NAMES,
    TEST_DOUBLE_WORDS,
};

use crate::calls::{
    call_arguments, double_arguments, is_double_callee, recorded_last_segment, strict_dotted,
    write_dotted,
};
use crate::positions::LineIndex;
use crate::shared_instances::{attribute_types, class_singleton, function_shape};

/// Stack headroom kept before recursing into a deeper node, and the size of each new segment.
const STACK_RED_ZONE: usize = 128 * 1024;
const STACK_GROWTH: usize = 4 * 1024 * 1024;

/// Facts of a module body, and the deepest node nesting seen (the caller needs it to drop the
/// tree safely).
pub(crate) fn extract_module(
    suite: &[Stmt],
    lines: &LineIndex<'_>,
    call_detail: CallDetail,
    is_stub: bool,
) -> (FileFacts, usize) {
    let mut extractor = Extractor {
        lines,
        is_stub,
        call_detail,
        call_names: Vec::new(),
        recent_names: [0; 64],
        facts: FileFacts::default(),
        context: StmtContext::default(),
        scopes: vec![ScopeNode {
            parent: None,
            kind: ScopeKind::Module,
            imports: FxHashMap::default(),
            globals: Vec::new(),
            locals: Vec::new(),
        }],
        current_scope: 0,
        qualname: Vec::new(),
        pending_refs: Vec::new(),
        dunder_all: AllState::Absent,
        depth: 0,
        max_depth: 0,
        pending_store: None,
        deferred_depth: 0,
        module_dicts: Vec::new(),
        registry_shapes: Vec::new(),
        pending_calls: Vec::new(),
        callee_ids: FxHashMap::default(),
        callee_buffer: String::new(),
        statements: Vec::new(),
        hasattr_guards: Vec::new(),
        dunder_all_mutated_in_function: false,
    };
    extractor.visit_body(suite);
    let max_depth = extractor.max_depth;
    (extractor.finish(), max_depth)
}

struct ScopeNode<'a> {
    parent: Option<usize>,
    kind: ScopeKind,
    /// Name bound by an `import` statement → (statement index, alias index) in source order.
    imports: FxHashMap<&'a str, Vec<(u32, u32)>>,
    /// Names declared `global` in this function.
    globals: Vec<&'a str>,
    /// Names a function binds itself (parameters, assignments): they hide module imports.
    locals: Vec<&'a str>,
}

struct PendingRef<'a> {
    scope: usize,
    root: &'a str,
    attributes: Vec<&'a str>,
    range: TextRange,
}

enum AllState {
    Absent,
    Static(Vec<String>),
    Dynamic,
}

struct Extractor<'a, 'l> {
    lines: &'l LineIndex<'l>,
    /// A `.pyi` stub, where a bare annotation (`x: int`) declares a name.
    is_stub: bool,
    /// How much of the calls to record.
    call_detail: CallDetail,
    /// [`ssot_facts::call_name_hash`] of the recorded callees' last segments, in call order;
    /// a name is left out when it is the last one seen in its slot of `recent_names`.
    call_names: Vec<u32>,
    /// A small direct-mapped cache of recently recorded name hashes (plus one; zero is
    /// empty), so that the names a file calls again and again are pushed and sorted once.
    recent_names: [u32; 64],
    facts: FileFacts,
    context: StmtContext,
    scopes: Vec<ScopeNode<'a>>,
    current_scope: usize,
    /// Names of the enclosing classes and functions.
    qualname: Vec<&'a str>,
    pending_refs: Vec<PendingRef<'a>>,
    dunder_all: AllState,
    /// Current and deepest nesting of visited nodes.
    depth: usize,
    max_depth: usize,
    /// The call that is the whole value of the assignment being visited (by address), and
    /// where its result goes.
    pending_store: Option<(usize, Storage)>,
    /// Depth of lambdas and `if __name__ == "__main__":` blocks around the current node: calls
    /// there do not run at import time.
    deferred_depth: u32,
    /// Module-level names bound to a dict (`{}`, `dict()`, `defaultdict(...)`).
    module_dicts: Vec<&'a str>,
    /// Keyed-registry shapes, kept once their registry is known to be a module-level dict.
    registry_shapes: Vec<(String, SharedInstanceShape)>,
    /// Every recorded call (its callee an index into `facts.callees`) with its rarer facts,
    /// before `finish` keeps those that can reach imported code.
    pending_calls: Vec<(CallFact, Option<Box<CallExtras>>)>,
    /// Callee text → index into `facts.callees`.
    callee_ids: FxHashMap<String, u32>,
    /// Reused to spell each callee without allocating.
    callee_buffer: String,
    /// Reused to list a function body's statements when looking for accessor shapes.
    statements: Vec<&'a Stmt>,
    /// `M.N` (dotted) for every `hasattr(M, "N")` guarding the current node (the body of an
    /// `if`, a conditional expression, the rest of an `and`): reading `M.N` there is a guarded
    /// attribute read, not an import of `N`.
    hasattr_guards: Vec<String>,
    /// A function mutates the module's `__all__` (`__all__.append(name)`): a static
    /// `__all__` is then dynamic.
    dunder_all_mutated_in_function: bool,
}

impl<'a> Extractor<'a, '_> {
    fn span(range: TextRange) -> Span {
        Span {
            start: range.start().to_u32(),
            end: range.end().to_u32(),
        }
    }

    fn visit_body(&mut self, body: &'a [Stmt]) {
        for stmt in body {
            self.visit_stmt(stmt);
        }
    }

    /// Visits `body` with `change` applied to the context, restoring it afterwards.
    fn visit_body_with(&mut self, body: &'a [Stmt], change: impl FnOnce(&mut StmtContext)) {
        let saved = self.context;
        change(&mut self.context);
        self.visit_body(body);
        self.context = saved;
    }

    fn at_module_level(&self) -> bool {
        self.context.scope == ScopeKind::Module
    }

    fn enter_scope(&mut self, kind: ScopeKind) -> (usize, StmtContext) {
        let saved = (self.current_scope, self.context);
        self.scopes.push(ScopeNode {
            parent: Some(self.current_scope),
            kind,
            imports: FxHashMap::default(),
            globals: Vec::new(),
            locals: Vec::new(),
        });
        self.current_scope = self.scopes.len() - 1;
        self.context.scope = kind;
        saved
    }

    fn leave_scope(&mut self, saved: (usize, StmtContext)) {
        self.current_scope = saved.0;
        self.context = saved.1;
    }

    fn qualified(&self, name: &str) -> String {
        if self.qualname.is_empty() {
            name.to_string()
        } else {
            let mut qualified = self.qualname.join(".");
            qualified.push('.');
            qualified.push_str(name);
            qualified
        }
    }

    fn record_import(&mut self, stmt: &'a Stmt) {
        let (kind, aliases, range) = match stmt {
            Stmt::Import(import) => (ImportKind::Import, &import.names, import.range),
            Stmt::ImportFrom(import) => (
                ImportKind::From {
                    module: import.module.as_ref().map(|m| m.id.to_compact_string()),
                    level: import.level,
                },
                &import.names,
                import.range,
            ),
            _ => return,
        };
        let statement_index = self.facts.imports.len() as u32;
        let mut names = Vec::with_capacity(aliases.len());
        for (alias_index, alias) in aliases.iter().enumerate() {
            if matches!(kind, ImportKind::Import) {
                let bound = alias.asname.as_ref().map_or_else(
                    || alias.name.id.split('.').next().unwrap_or(""),
                    |a| a.id.as_str(),
                );
                self.scopes[self.current_scope]
                    .imports
                    .entry(bound)
                    .or_default()
                    .push((statement_index, alias_index as u32));
            }
            names.push(ImportedName {
                name: alias.name.id.to_compact_string(),
                asname: alias.asname.as_ref().map(|a| a.id.to_compact_string()),
                span: Self::span(alias.range),
                position: self.lines.position(alias.range.start().to_u32()),
            });
        }
        self.facts.imports.push(ImportStmt {
            kind,
            names,
            span: Self::span(range),
            position: self.lines.position(range.start().to_u32()),
            context: self.context,
        });
    }

    fn record_definition(
        &mut self,
        name: &str,
        kind: DefinitionKind,
        range: TextRange,
        alias_of: Option<String>,
    ) {
        self.facts.definitions.push(Definition {
            name: name.to_compact_string(),
            qualname: self.qualified(name).into(),
            kind,
            alias_of: alias_of.map(Into::into),
            class: None,
            function: None,
            decorators: Vec::new(),
            module_level: self.at_module_level(),
            span: Self::span(range),
            position: self.lines.position(range.start().to_u32()),
            context: self.context,
        });
    }

    /// Records the names an assignment target binds, where they land in a namespace ssot models
    /// (the module, a class body, or the module through `global`).
    fn record_targets(&mut self, target: &'a Expr, alias_of: Option<String>) {
        match target {
            Expr::Name(name) => {
                let id = name.id.as_str();
                if self.context.scope == ScopeKind::Function && !self.declared_global(id) {
                    self.scopes[self.current_scope].locals.push(id);
                }
                match self.context.scope {
                    ScopeKind::Module => {
                        self.record_definition(id, DefinitionKind::Variable, name.range, alias_of)
                    }
                    // Class attributes are not import targets.
                    ScopeKind::Class => {}
                    ScopeKind::Function => {
                        if self.declared_global(id) {
                            self.facts.definitions.push(Definition {
                                name: id.to_compact_string(),
                                qualname: id.to_compact_string(),
                                kind: DefinitionKind::Variable,
                                alias_of: alias_of.map(Into::into),
                                class: None,
                                function: None,
                                decorators: Vec::new(),
                                module_level: true,
                                span: Self::span(name.range),
                                position: self.lines.position(name.range.start().to_u32()),
                                context: StmtContext {
                                    conditional: true,
                                    ..self.context
                                },
                            });
                        }
                    }
                }
            }
            Expr::Tuple(tuple) => {
                for element in &tuple.elts {
                    self.record_targets(element, None);
                }
            }
            Expr::List(list) => {
                for element in &list.elts {
                    self.record_targets(element, None);
                }
            }
            Expr::Starred(starred) => self.record_targets(&starred.value, None),
            _ => {}
        }
    }

    fn declared_global(&self, name: &str) -> bool {
        let mut scope = Some(self.current_scope);
        while let Some(index) = scope {
            let node = &self.scopes[index];
            if node.kind == ScopeKind::Function && node.globals.contains(&name) {
                return true;
            }
            if node.kind == ScopeKind::Function {
                return false;
            }
            scope = node.parent;
        }
        false
    }

    fn visit_class(&mut self, class: &'a ast::StmtClassDef) {
        for decorator in &class.decorator_list {
            self.visit_expr(&decorator.expression);
        }
        if let Some(arguments) = &class.arguments {
            self.visit_arguments(arguments);
        }
        if self.context.scope != ScopeKind::Function {
            self.record_class(class);
        } else if self.call_detail != CallDetail::Nothing
            // Only local classes the concept rules read: a possible test double (its name
            // carries a test-double word), or a class that binds a name to a dotted name in
            // its body (`Connection = MockConnection`).
            && (may_name_a_double(&class.name.id) || binds_dotted_attribute(&class.body))
        {
            self.facts.local_classes.push(LocalClass {
                name: class.name.id.to_compact_string(),
                qualname: self.qualified(&class.name.id).into(),
                class: self.class_facts(class),
                span: Self::span(class.name.range),
                position: self.lines.position(class.name.range.start().to_u32()),
            });
        }
        // The body of a class defined in a function runs each time the function does.
        let in_function = u32::from(self.context.scope == ScopeKind::Function);
        self.deferred_depth += in_function;
        let saved = self.enter_scope(ScopeKind::Class);
        self.qualname.push(class.name.id.as_str());
        self.visit_body(&class.body);
        self.qualname.pop();
        self.leave_scope(saved);
        self.deferred_depth -= in_function;
    }

    /// What a class statement says of the class: bases, keywords, decorators, methods, and
    /// with concept facts the attributes its methods store and its class-level aliases.
    fn class_facts(&self, class: &ast::StmtClassDef) -> ClassFacts {
        let (bases, keywords) = class
            .arguments
            .as_ref()
            .map_or_else(Default::default, |args| {
                let bases = args
                    .args
                    .iter()
                    .filter_map(dotted_name)
                    .map(Into::into)
                    .collect();
                let keywords = args
                    .keywords
                    .iter()
                    .filter_map(|keyword| {
                        let key = keyword.arg.as_ref()?;
                        Some(format!(
                            "{}={}",
                            key.id,
                            dotted_name(&keyword.value).unwrap_or_default()
                        ))
                    })
                    .map(Into::into)
                    .collect();
                (bases, keywords)
            });
        let methods = class_methods(&class.body);
        let concept_facts = self.call_detail != CallDetail::Nothing;
        let (attribute_types, (attribute_aliases, attributes), implements) = if concept_facts {
            let mut forwarded: Vec<&str> = methods
                .iter()
                .filter_map(|method| method.forwards_to.as_ref())
                .map(|(attribute, _)| attribute.as_str())
                .collect();
            forwarded.sort_unstable();
            forwarded.dedup();
            (
                attribute_types(class, &forwarded),
                class_attributes(&class.body),
                implemented_interfaces(&class.decorator_list),
            )
        } else {
            Default::default()
        };
        ClassFacts {
            fields: class_fields(&class.body)
                .into_iter()
                .map(Into::into)
                .collect(),
            declares_canonical: docstring(&class.body).is_some_and(declares_canonical),
            implements: implements.into_iter().map(Into::into).collect(),
            bases,
            keywords,
            decorators: class
                .decorator_list
                .iter()
                .filter_map(|d| dotted_name(&d.expression))
                .map(Into::into)
                .collect(),
            methods,
            attribute_types,
            attribute_aliases,
            attributes: attributes.into_iter().map(Into::into).collect(),
        }
    }

    /// Records a class defined at module level or in a class body (a class local to a function
    /// is nobody's import target).
    fn record_class(&mut self, class: &ast::StmtClassDef) {
        let facts = self.class_facts(class);
        if self.call_detail != CallDetail::Nothing && self.at_module_level() {
            if let Some(shape) = class_singleton(class) {
                self.push_shape(&class.name.id, class.name.range, shape);
            }
        }
        self.facts.definitions.push(Definition {
            name: class.name.id.to_compact_string(),
            qualname: self.qualified(&class.name.id).into(),
            kind: DefinitionKind::Class,
            alias_of: None,
            class: Some(Box::new(facts)),
            function: None,
            decorators: Vec::new(),
            module_level: self.at_module_level(),
            span: Self::span(class.name.range),
            position: self.lines.position(class.name.range.start().to_u32()),
            context: self.context,
        });
    }

    fn record_function(&mut self, function: &'a ast::StmtFunctionDef) {
        let name = function.name.id.as_str();
        let decorators: Vec<String> = function
            .decorator_list
            .iter()
            .filter_map(|d| dotted_name(&d.expression))
            .collect();
        if self.call_detail != CallDetail::Nothing {
            if let Some(shape) = function_shape(function, &decorators, &mut self.statements) {
                self.push_shape(name, function.name.range, shape);
            }
        }
        self.facts.definitions.push(Definition {
            name: name.to_compact_string(),
            qualname: self.qualified(name).into(),
            kind: DefinitionKind::Function,
            alias_of: None,
            class: None,
            function: Some(Box::new(function_facts(function))),
            decorators: decorators.into_iter().map(Into::into).collect(),
            module_level: true,
            span: Self::span(function.name.range),
            position: self.lines.position(function.name.range.start().to_u32()),
            context: self.context,
        });
    }

    fn visit_function(&mut self, function: &'a ast::StmtFunctionDef) {
        for decorator in &function.decorator_list {
            self.visit_expr(&decorator.expression);
        }
        self.visit_parameters(&function.parameters);
        if let Some(returns) = &function.returns {
            self.visit_expr(returns);
        }
        let name = function.name.id.as_str();
        if self.at_module_level() && name == "__getattr__" {
            self.facts.has_module_getattr = true;
        }
        // Only module-level functions can be imported; methods are in their class's facts
        // and functions nested in functions are nobody's import target.
        if self.at_module_level() {
            self.record_function(function);
        }
        let saved = self.enter_scope(ScopeKind::Function);
        self.scopes[self.current_scope].globals = global_names(&function.body);
        self.scopes[self.current_scope].locals = parameter_names(&function.parameters);
        self.qualname.push(name);
        // Statements in a function run only when it is called: conditions around the
        // definition no longer describe them, but the scope does.
        self.context = StmtContext {
            scope: ScopeKind::Function,
            type_checking: false,
            guarded_by_import_error: false,
            import_error_handler: ImportErrorHandler::default(),
            in_except_handler: false,
            conditional: false,
        };
        self.visit_body(&function.body);
        self.qualname.pop();
        self.leave_scope(saved);
    }

    fn visit_try(&mut self, try_stmt: &'a ast::StmtTry) {
        // The first handler that catches an `ImportError` is the one that runs; one that
        // catches only `ModuleNotFoundError` lets a name the module lacks through.
        let handlers: Vec<ImportErrorHandler> = try_stmt
            .handlers
            .iter()
            .filter_map(|handler| {
                let ExceptHandler::ExceptHandler(handler) = handler;
                match handler.type_.as_deref() {
                    None => Some(ImportErrorHandler::Bare),
                    Some(type_) => import_error_handler(type_),
                }
            })
            .collect();
        let handler = handlers
            .iter()
            .find(|&&handler| handler != ImportErrorHandler::ModuleNotFoundError)
            .or(handlers.first())
            .copied();
        let guard = |context: &mut StmtContext| {
            if let Some(handler) = handler {
                if !context.guarded_by_import_error {
                    context.import_error_handler = handler;
                }
                context.guarded_by_import_error = true;
            }
        };
        self.visit_body_with(&try_stmt.body, guard);
        for handler in &try_stmt.handlers {
            let ExceptHandler::ExceptHandler(handler) = handler;
            if let Some(type_) = &handler.type_ {
                self.visit_expr(type_);
            }
            if let Some(name) = &handler.name {
                if self.at_module_level() {
                    self.record_definition(&name.id, DefinitionKind::Variable, name.range, None);
                }
            }
            self.visit_body_with(&handler.body, |context| context.in_except_handler = true);
        }
        self.visit_body_with(&try_stmt.orelse, guard);
        self.visit_body(&try_stmt.finalbody);
    }

    fn visit_if(&mut self, if_stmt: &'a ast::StmtIf) {
        self.visit_expr(&if_stmt.test);
        let type_checking = is_type_checking(&if_stmt.test);
        let main_guard = self.at_module_level() && is_main_guard(&if_stmt.test);
        self.deferred_depth += u32::from(main_guard);
        let guards = self.push_hasattr_guards(&if_stmt.test);
        self.visit_body_with(&if_stmt.body, |context| {
            if type_checking {
                context.type_checking = true;
            } else {
                context.conditional = true;
            }
        });
        self.hasattr_guards.truncate(guards);
        self.deferred_depth -= u32::from(main_guard);
        for clause in &if_stmt.elif_else_clauses {
            if let Some(test) = &clause.test {
                self.visit_expr(test);
            }
            self.visit_body_with(&clause.body, |context| context.conditional = true);
        }
    }

    fn record_dunder_all(&mut self, stmt: &'a Stmt) -> bool {
        if !self.at_module_level() {
            // `def extend_all(m): __all__.append(...)` called at import time (numpy's
            // `numeric`): what `__all__` ends up holding is only known by running the code.
            if self.context.scope == ScopeKind::Function && mutates_dunder_all(stmt) {
                self.dunder_all_mutated_in_function = true;
            }
            return false;
        }
        match stmt {
            Stmt::Assign(assign)
                if assign.targets.len() == 1 && is_name(&assign.targets[0], "__all__") =>
            {
                self.assign_dunder_all(&assign.value);
                true
            }
            Stmt::AnnAssign(assign) if is_name(&assign.target, "__all__") => {
                if let Some(value) = &assign.value {
                    self.assign_dunder_all(value);
                }
                true
            }
            Stmt::AugAssign(assign)
                if is_name(&assign.target, "__all__") && assign.op == ast::Operator::Add =>
            {
                self.extend_dunder_all(string_sequence(&assign.value));
                true
            }
            Stmt::Expr(expr) => {
                let Expr::Call(call) = expr.value.as_ref() else {
                    return false;
                };
                let Expr::Attribute(attribute) = call.func.as_ref() else {
                    return false;
                };
                if !is_name(&attribute.value, "__all__") {
                    return false;
                }
                let argument = call.arguments.args.first();
                let names = match (attribute.attr.id.as_str(), argument) {
                    ("extend", Some(argument)) if call.arguments.len() == 1 => {
                        string_sequence(argument)
                    }
                    ("append", Some(Expr::StringLiteral(literal))) if call.arguments.len() == 1 => {
                        Some(vec![literal.value.to_str().to_string()])
                    }
                    ("remove", Some(Expr::StringLiteral(literal))) if call.arguments.len() == 1 => {
                        if let AllState::Static(names) = &mut self.dunder_all {
                            let removed = literal.value.to_str();
                            names.retain(|name| name != removed);
                        }
                        return true;
                    }
                    _ => None,
                };
                self.extend_dunder_all(names);
                true
            }
            _ => false,
        }
    }

    /// `__all__ = [...]`, or `__all__ = __all__ + [...]` which extends the current value.
    fn assign_dunder_all(&mut self, value: &Expr) {
        if let Expr::BinOp(binop) = value {
            if binop.op == ast::Operator::Add && is_name(&binop.left, "__all__") {
                self.extend_dunder_all(string_sequence(&binop.right));
                return;
            }
        }
        self.dunder_all = match string_sequence(value) {
            Some(names) => AllState::Static(names),
            None => AllState::Dynamic,
        };
    }

    fn extend_dunder_all(&mut self, names: Option<Vec<String>>) {
        self.dunder_all = match (
            std::mem::replace(&mut self.dunder_all, AllState::Dynamic),
            names,
        ) {
            (AllState::Static(mut existing), Some(names)) => {
                existing.extend(names);
                AllState::Static(existing)
            }
            (AllState::Absent, Some(names)) => AllState::Static(names),
            _ => AllState::Dynamic,
        };
    }

    /// Adds the `hasattr(M, "N")` checks a true `test` guarantees (also inside `and`) to
    /// [`Extractor::hasattr_guards`]; returns the length to truncate back to afterwards.
    fn push_hasattr_guards(&mut self, test: &Expr) -> usize {
        let before = self.hasattr_guards.len();
        hasattr_checks(test, &mut self.hasattr_guards);
        before
    }

    /// Whether `M.a.b` reads an attribute a surrounding `hasattr(M, "a")` checked.
    fn is_hasattr_guarded(&self, root: &str, attributes: &[&str]) -> bool {
        self.hasattr_guards.iter().any(|guard| {
            let Some(mut rest) = guard.strip_prefix(root) else {
                return false;
            };
            for attribute in attributes {
                if rest.is_empty() {
                    return true;
                }
                match rest
                    .strip_prefix('.')
                    .and_then(|r| r.strip_prefix(attribute))
                {
                    Some(remaining) => rest = remaining,
                    None => return false,
                }
            }
            rest.is_empty()
        })
    }

    /// Records `M.a.b` when `M` is a plain name; returns false when `expr` is not such a chain.
    fn record_attribute_chain(&mut self, expr: &'a Expr) -> bool {
        let mut attributes = Vec::new();
        let mut current = expr;
        loop {
            match current {
                Expr::Attribute(attribute) => {
                    attributes.push(attribute.attr.id.as_str());
                    current = &attribute.value;
                }
                Expr::Name(name) => {
                    if matches!(name.id.as_str(), "self" | "cls") {
                        return true;
                    }
                    attributes.reverse();
                    if !self.hasattr_guards.is_empty()
                        && self.is_hasattr_guarded(name.id.as_str(), &attributes)
                    {
                        return true;
                    }
                    self.pending_refs.push(PendingRef {
                        scope: self.current_scope,
                        root: name.id.as_str(),
                        attributes,
                        range: expr.range(),
                    });
                    return true;
                }
                _ => return false,
            }
        }
    }

    /// Ties each pending `M.a.b` to the `import` statement that binds `M` in its scope or an
    /// enclosing function or module scope (class scopes are skipped, as Python skips them).
    fn resolve_attribute_refs(&mut self) {
        let mut seen: FxHashMap<(u32, u32, Vec<&'a str>), ()> = FxHashMap::default();
        let pending = std::mem::take(&mut self.pending_refs);
        for reference in pending {
            let Some((statement, alias)) = self.import_binding(&reference) else {
                continue;
            };
            let key = (statement, alias, reference.attributes);
            if seen.contains_key(&key) {
                continue;
            }
            self.facts.attribute_refs.push(AttributeRef {
                import_index: statement,
                name_index: alias,
                attributes: key.2.iter().map(|a| CompactString::from(*a)).collect(),
                span: Self::span(reference.range),
                position: self.lines.position(reference.range.start().to_u32()),
            });
            seen.insert(key, ());
        }
    }

    fn import_binding(&self, reference: &PendingRef<'a>) -> Option<(u32, u32)> {
        let mut scope = Some(reference.scope);
        let mut first = true;
        while let Some(index) = scope {
            let node = &self.scopes[index];
            if first || node.kind != ScopeKind::Class {
                let imported = node.imports.get(reference.root);
                // A parameter or local assignment of the same name hides the module.
                if imported.is_none()
                    && node.kind == ScopeKind::Function
                    && node.locals.contains(&reference.root)
                {
                    return None;
                }
                if let Some(bindings) = imported {
                    // The last binding before the use, or the first one when all come later
                    // (a function body that runs after the module finished importing).
                    let use_start = reference.range.start().to_u32();
                    let before = bindings
                        .iter()
                        .rev()
                        .find(|(statement, _)| {
                            self.facts.imports[*statement as usize].span.start < use_start
                        })
                        .or_else(|| bindings.first());
                    return before.copied();
                }
            }
            first = false;
            scope = node.parent;
        }
        None
    }

    fn finish(mut self) -> FileFacts {
        self.resolve_attribute_refs();
        let registries = std::mem::take(&mut self.registry_shapes);
        for (registry, shape) in registries {
            if self.module_dicts.contains(&registry.as_str()) {
                self.facts.shared_instances.push(shape);
            }
        }
        self.facts
            .shared_instances
            .sort_by_key(|shape| shape.span.start);
        if self.call_detail == CallDetail::Sites {
            self.keep_imported_calls();
        }
        let mut names = std::mem::take(&mut self.call_names);
        names.sort_unstable();
        names.dedup();
        names.shrink_to_fit();
        self.facts.call_names = names;
        self.facts.call_detail = self.call_detail;
        self.facts.dunder_all = match self.dunder_all {
            AllState::Absent => DunderAll::Absent,
            AllState::Static(_) if self.dunder_all_mutated_in_function => DunderAll::Dynamic,
            AllState::Static(names) => {
                DunderAll::Static(names.into_iter().map(Into::into).collect())
            }
            AllState::Dynamic => DunderAll::Dynamic,
        };
        self.facts
    }
}

impl<'a> Visitor<'a> for Extractor<'a, '_> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        self.enter_node();
        stacker::maybe_grow(STACK_RED_ZONE, STACK_GROWTH, || self.visit_stmt_inner(stmt));
        self.depth -= 1;
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        self.enter_node();
        stacker::maybe_grow(STACK_RED_ZONE, STACK_GROWTH, || match expr {
            Expr::Attribute(attribute) if attribute.ctx == ExprContext::Load => {
                if !self.record_attribute_chain(expr) {
                    walk_expr(self, expr);
                }
            }
            Expr::Named(named) if self.context.scope != ScopeKind::Function => {
                self.record_targets(&named.target, None);
                self.visit_expr(&named.value);
            }
            Expr::Call(call) => {
                self.record_call(expr, call);
                self.record_setattr(call);
                walk_expr(self, expr);
            }
            Expr::Lambda(_) => {
                self.deferred_depth += 1;
                walk_expr(self, expr);
                self.deferred_depth -= 1;
            }
            // `M.N if hasattr(M, "N") else d`, `hasattr(M, "N") and M.N`.
            Expr::If(conditional) => {
                self.visit_expr(&conditional.test);
                let guards = self.push_hasattr_guards(&conditional.test);
                self.visit_expr(&conditional.body);
                self.hasattr_guards.truncate(guards);
                self.visit_expr(&conditional.orelse);
            }
            Expr::BoolOp(bool_op) if bool_op.op == ast::BoolOp::And => {
                let guards = self.hasattr_guards.len();
                for value in &bool_op.values {
                    self.visit_expr(value);
                    hasattr_checks(value, &mut self.hasattr_guards);
                }
                self.hasattr_guards.truncate(guards);
            }
            _ => walk_expr(self, expr),
        });
        self.depth -= 1;
    }
}

impl<'a> Extractor<'a, '_> {
    /// `setattr(M, "N", value)` and `monkeypatch.setattr(M, "N", value)`, anywhere: they bind
    /// `N` in `M` from outside it at run time, so they are recorded like `M.N = value`.
    fn record_setattr(&mut self, call: &ast::ExprCall) {
        let is_setattr = match call.func.as_ref() {
            Expr::Name(name) => name.id.as_str() == "setattr",
            Expr::Attribute(attribute) => attribute.attr.as_str() == "setattr",
            _ => false,
        };
        if !is_setattr {
            return;
        }
        let [object, Expr::StringLiteral(attribute), ..] = &*call.arguments.args else {
            return;
        };
        let name = attribute.value.to_str();
        if name.is_empty() || name.contains('.') {
            return;
        }
        if let Some(mut dotted) = strict_dotted(object) {
            dotted.push('.');
            dotted.push_str(name);
            self.facts.attribute_assignments.push(dotted.into());
        }
    }

    fn enter_node(&mut self) {
        self.depth += 1;
        self.max_depth = self.max_depth.max(self.depth);
    }

    /// Notes statements that change namespaces in ways no binding shows: `__getattr__ = f`,
    /// `globals()[k] = v`, `globals().update(...)`, `sys.modules[k] = m`,
    /// `sys.meta_path.append(hook)`.
    fn note_dynamic_namespace(&mut self, stmt: &Stmt) {
        let targets: &[Expr] = match stmt {
            Stmt::Assign(assign) => &assign.targets,
            Stmt::AugAssign(assign) => std::slice::from_ref(assign.target.as_ref()),
            Stmt::AnnAssign(assign) => std::slice::from_ref(assign.target.as_ref()),
            Stmt::Expr(expr) => {
                if let Expr::Call(call) = expr.value.as_ref() {
                    if let Expr::Attribute(method) = call.func.as_ref() {
                        let receiver = dotted_name(&method.value).unwrap_or_default();
                        let mutates = matches!(
                            method.attr.id.as_str(),
                            "update"
                                | "setdefault"
                                | "append"
                                | "insert"
                                | "extend"
                                | "__setitem__"
                        );
                        if mutates && is_namespace_call(&method.value) {
                            self.facts.dynamic_namespace = true;
                        }
                        if mutates
                            && (receiver.ends_with("sys.modules")
                                || receiver.ends_with("sys.meta_path")
                                || receiver == "modules"
                                || receiver == "meta_path")
                        {
                            self.facts.registers_modules = true;
                            self.facts.registers_modules_at_import |= self.at_module_level();
                        }
                    }
                }
                return;
            }
            _ => return,
        };
        for target in targets {
            match target {
                Expr::Name(name) if name.id.as_str() == "__getattr__" && self.at_module_level() => {
                    self.facts.has_module_getattr = true;
                }
                Expr::Subscript(subscript) => {
                    if is_namespace_call(&subscript.value) {
                        self.facts.dynamic_namespace = true;
                    }
                    let receiver = dotted_name(&subscript.value).unwrap_or_default();
                    if receiver.ends_with("sys.modules") || receiver == "modules" {
                        self.facts.registers_modules = true;
                        // `sys.modules[__name__] = ...` replaces the module itself: it loads
                        // nothing else.
                        let replaces_itself = matches!(
                            subscript.slice.as_ref(),
                            Expr::Name(key) if key.id.as_str() == "__name__"
                        );
                        self.facts.registers_modules_at_import |=
                            self.at_module_level() && !replaces_itself;
                    }
                }
                _ => {}
            }
        }
    }

    fn visit_stmt_inner(&mut self, stmt: &'a Stmt) {
        self.note_dynamic_namespace(stmt);
        match stmt {
            Stmt::Import(_) | Stmt::ImportFrom(_) => self.record_import(stmt),
            Stmt::ClassDef(class) => self.visit_class(class),
            Stmt::FunctionDef(function) => self.visit_function(function),
            Stmt::Try(try_stmt) => self.visit_try(try_stmt),
            Stmt::If(if_stmt) => self.visit_if(if_stmt),
            Stmt::Assign(assign) => {
                self.note_store(assign.targets.first(), &assign.value);
                self.visit_expr(&assign.value);
                self.pending_store = None;
                if !self.record_dunder_all(stmt) {
                    let alias_of = if assign.targets.len() == 1 {
                        dotted_name(&assign.value).filter(|_| is_reference(&assign.value))
                    } else {
                        None
                    };
                    for target in &assign.targets {
                        self.record_targets(target, alias_of.clone());
                        self.visit_target_expressions(target);
                    }
                }
            }
            Stmt::AnnAssign(assign) => {
                self.visit_expr(&assign.annotation);
                if let Some(value) = &assign.value {
                    self.note_store(Some(&assign.target), value);
                    self.visit_expr(value);
                    self.pending_store = None;
                    if !self.record_dunder_all(stmt) {
                        let alias_of = dotted_name(value).filter(|_| is_reference(value));
                        self.record_targets(&assign.target, alias_of);
                    }
                } else if self.is_stub && self.context.scope != ScopeKind::Function {
                    // In a stub `x: int` declares `x`; in a module it binds nothing at run time.
                    self.record_targets(&assign.target, None);
                }
                self.visit_target_expressions(&assign.target);
            }
            Stmt::AugAssign(assign) => {
                self.visit_expr(&assign.value);
                if !self.record_dunder_all(stmt) {
                    self.record_targets(&assign.target, None);
                }
                self.visit_target_expressions(&assign.target);
            }
            Stmt::Expr(_) => {
                self.record_dunder_all(stmt);
                walk_stmt(self, stmt);
            }
            Stmt::For(for_stmt) => {
                self.visit_expr(&for_stmt.iter);
                self.record_targets(&for_stmt.target, None);
                self.visit_target_expressions(&for_stmt.target);
                self.visit_body_with(&for_stmt.body, |c| c.conditional = true);
                self.visit_body_with(&for_stmt.orelse, |c| c.conditional = true);
            }
            Stmt::While(while_stmt) => {
                self.visit_expr(&while_stmt.test);
                self.visit_body_with(&while_stmt.body, |c| c.conditional = true);
                self.visit_body_with(&while_stmt.orelse, |c| c.conditional = true);
            }
            Stmt::With(with_stmt) => {
                for item in &with_stmt.items {
                    self.visit_expr(&item.context_expr);
                    if let Some(vars) = &item.optional_vars {
                        self.record_targets(vars, None);
                        self.visit_target_expressions(vars);
                    }
                }
                self.visit_body_with(&with_stmt.body, |c| c.conditional = true);
            }
            Stmt::Match(match_stmt) => {
                self.visit_expr(&match_stmt.subject);
                for case in &match_stmt.cases {
                    self.visit_pattern(&case.pattern);
                    if let Some(guard) = &case.guard {
                        self.visit_expr(guard);
                    }
                    self.visit_body_with(&case.body, |c| c.conditional = true);
                }
            }
            Stmt::TypeAlias(alias) => {
                if let Expr::Name(name) = alias.name.as_ref() {
                    if self.at_module_level() {
                        self.record_definition(
                            &name.id,
                            DefinitionKind::Variable,
                            name.range,
                            None,
                        );
                    }
                }
                walk_stmt(self, stmt);
            }
            _ => walk_stmt(self, stmt),
        }
    }

    /// Visits the load-context parts of an assignment target (`a.b[c] = ...` reads `a.b` and `c`).
    fn visit_target_expressions(&mut self, target: &'a Expr) {
        match target {
            Expr::Name(_) => {}
            Expr::Tuple(tuple) => {
                for element in &tuple.elts {
                    self.visit_target_expressions(element);
                }
            }
            Expr::List(list) => {
                for element in &list.elts {
                    self.visit_target_expressions(element);
                }
            }
            Expr::Starred(starred) => self.visit_target_expressions(&starred.value),
            Expr::Attribute(attribute) => {
                if self.at_module_level() {
                    if let Some(dotted) = dotted_name(target).filter(|_| is_reference(target)) {
                        self.facts.attribute_assignments.push(dotted.into());
                    }
                }
                self.visit_expr(&attribute.value)
            }
            Expr::Subscript(subscript) => {
                self.visit_expr(&subscript.value);
                self.visit_expr(&subscript.slice);
            }
            other => self.visit_expr(other),
        }
    }
}

/// Public and private methods of a class body (including ones under `if`), with required
/// parameters other than the bound first one.
fn class_methods(body: &[Stmt]) -> Vec<MethodFacts> {
    let mut methods = Vec::new();
    for stmt in body {
        match stmt {
            Stmt::FunctionDef(function) => {
                let is_static = function
                    .decorator_list
                    .iter()
                    .any(|d| dotted_name(&d.expression).as_deref() == Some("staticmethod"));
                methods.push(MethodFacts {
                    name: function.name.id.to_compact_string(),
                    required_params: required_params(&function.parameters, !is_static)
                        .into_iter()
                        .map(Into::into)
                        .collect(),
                    is_async: function.is_async,
                    forwards_to: forwarded_call(&function.body).map(|(a, m)| (a.into(), m.into())),
                    variadic: function.parameters.vararg.is_some()
                        || function.parameters.kwarg.is_some(),
                    is_property: function
                        .decorator_list
                        .iter()
                        .any(|d| is_property_decorator(&d.expression)),
                    returns_awaitable: function
                        .returns
                        .as_deref()
                        .is_some_and(is_awaitable_annotation),
                    has_logic: without_docstring(&function.body).len() > 1,
                });
            }
            Stmt::If(if_stmt) => {
                methods.extend(class_methods(&if_stmt.body));
                for clause in &if_stmt.elif_else_clauses {
                    methods.extend(class_methods(&clause.body));
                }
            }
            _ => {}
        }
    }
    methods
}

/// The interfaces of `@implementer(...)` decorators (any callee whose last segment is
/// `implementer`).
fn implemented_interfaces(decorators: &[ast::Decorator]) -> Vec<String> {
    let mut out = Vec::new();
    for decorator in decorators {
        let Expr::Call(call) = &decorator.expression else {
            continue;
        };
        let is_implementer = match call.func.as_ref() {
            Expr::Name(name) => name.id.as_str() == "implementer",
            Expr::Attribute(attribute) => attribute.attr.id.as_str() == "implementer",
            _ => false,
        };
        if is_implementer {
            out.extend(call.arguments.args.iter().filter_map(dotted_name));
        }
    }
    out
}

/// Whether a class name may carry a test-double word (`Mock`, `Fake`, `Stub`, `Dummy`, `Spy`,
/// in any case): a superset of the names the concept rules take for doubles.
fn may_name_a_double(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    TEST_DOUBLE_WORDS.iter().any(|word| lower.contains(word))
}

/// The targets and value of an assignment statement (`a = b = value`, `a: T = value`, or
/// `a: T` without a value).
fn assignment(stmt: &Stmt) -> Option<(&[Expr], Option<&Expr>)> {
    match stmt {
        Stmt::Assign(assign) => Some((&assign.targets, Some(&assign.value))),
        Stmt::AnnAssign(assign) => Some((
            std::slice::from_ref(assign.target.as_ref()),
            assign.value.as_deref(),
        )),
        _ => None,
    }
}

/// Whether a class body binds a name to a dotted name (`Connection = MockConnection`).
fn binds_dotted_attribute(body: &[Stmt]) -> bool {
    body.iter()
        .filter_map(assignment)
        .any(|(_, value)| value.and_then(strict_dotted).is_some())
}

/// The names a class body binds by assignment, and among them those bound to a dotted name
/// (`attribute = dotted`, every target of a chained assignment).
fn class_attributes(body: &[Stmt]) -> (Vec<AttributeAlias>, Vec<String>) {
    let mut aliases = Vec::new();
    let mut names: Vec<String> = Vec::new();
    for (targets, value) in body.iter().filter_map(assignment) {
        let dotted = value.and_then(strict_dotted);
        for target in targets {
            let Expr::Name(name) = target else {
                continue;
            };
            if !names.iter().any(|known| known == name.id.as_str()) {
                names.push(name.id.to_string());
            }
            if let Some(dotted) = &dotted {
                aliases.push(AttributeAlias {
                    attribute: name.id.to_compact_string(),
                    dotted: dotted.to_compact_string(),
                });
            }
        }
    }
    (aliases, names)
}

/// `property`, `functools.cached_property`, `abc.abstractproperty`, or a property's
/// `x.setter`/`x.getter`/`x.deleter`: the method is read as an attribute.
fn is_property_decorator(decorator: &Expr) -> bool {
    match decorator {
        Expr::Name(name) => matches!(
            name.id.as_str(),
            "property" | "cached_property" | "abstractproperty"
        ),
        Expr::Attribute(attribute) => matches!(
            attribute.attr.id.as_str(),
            "property" | "cached_property" | "abstractproperty" | "setter" | "getter" | "deleter"
        ),
        _ => false,
    }
}

/// A return annotation that promises an awaitable: `Awaitable[...]`, `Coroutine[...]`,
/// `Future[...]` (possibly dotted or quoted).
fn is_awaitable_annotation(annotation: &Expr) -> bool {
    let outer = match annotation {
        Expr::Subscript(subscript) => subscript.value.as_ref(),
        other => other,
    };
    let written = match outer {
        Expr::StringLiteral(literal) => {
            let text = literal.value.to_str();
            text.split('[').next().unwrap_or(text).trim().to_string()
        }
        other => dotted_name(other).unwrap_or_default(),
    };
    let last = written.rsplit('.').next().unwrap_or(&written);
    matches!(last, "Awaitable" | "Coroutine" | "Future")
}

/// The data fields a class body declares: annotated names and assignments to names that are
/// not dunders, in source order without repeats.
fn class_fields(body: &[Stmt]) -> Vec<String> {
    let mut fields: Vec<String> = Vec::new();
    for (targets, _) in body.iter().filter_map(assignment) {
        for target in targets {
            let Expr::Name(name) = target else {
                continue;
            };
            let id = name.id.as_str();
            if id.starts_with("__") || fields.iter().any(|known| known == id) {
                continue;
            }
            fields.push(id.to_string());
        }
    }
    fields
}

/// The docstring of a body, if it starts with one.
fn docstring(body: &[Stmt]) -> Option<String> {
    match body.first() {
        Some(Stmt::Expr(e)) => match e.value.as_ref() {
            Expr::StringLiteral(literal) => Some(literal.value.to_str().to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// Whether a docstring declares its class the single source of truth.
fn declares_canonical(text: String) -> bool {
    let lower = text.to_lowercase();
    lower.contains("single source of truth")
        || lower.contains("canonical")
        || text
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|word| word == "SSOT")
}

/// What concept discovery reads of a module-level function.
fn function_facts(function: &ast::StmtFunctionDef) -> FunctionFacts {
    let mut returns = Vec::new();
    returned_names(&function.body, &mut returns);
    FunctionFacts {
        params: parameter_names(&function.parameters)
            .into_iter()
            .map(str::to_string)
            .map(Into::into)
            .collect(),
        is_async: function.is_async,
        returns: returns.into_iter().map(Into::into).collect(),
    }
}

/// The callees of `return X(...)` and the names of `return name` in a body, without
/// descending into nested functions or classes.
fn returned_names(body: &[Stmt], out: &mut Vec<String>) {
    for stmt in body {
        match stmt {
            Stmt::Return(ret) => {
                let value = match ret.value.as_deref() {
                    Some(Expr::Await(inner)) => Some(inner.value.as_ref()),
                    other => other,
                };
                let dotted = match value {
                    Some(Expr::Call(call)) => dotted_name(&call.func),
                    Some(value @ (Expr::Name(_) | Expr::Attribute(_))) => dotted_name(value),
                    _ => None,
                };
                if let Some(dotted) = dotted {
                    if !out.contains(&dotted) {
                        out.push(dotted);
                    }
                }
            }
            Stmt::If(if_stmt) => {
                returned_names(&if_stmt.body, out);
                for clause in &if_stmt.elif_else_clauses {
                    returned_names(&clause.body, out);
                }
            }
            Stmt::For(for_stmt) => {
                returned_names(&for_stmt.body, out);
                returned_names(&for_stmt.orelse, out);
            }
            Stmt::While(while_stmt) => {
                returned_names(&while_stmt.body, out);
                returned_names(&while_stmt.orelse, out);
            }
            Stmt::With(with_stmt) => returned_names(&with_stmt.body, out),
            Stmt::Try(try_stmt) => {
                returned_names(&try_stmt.body, out);
                for handler in &try_stmt.handlers {
                    let ExceptHandler::ExceptHandler(handler) = handler;
                    returned_names(&handler.body, out);
                }
                returned_names(&try_stmt.orelse, out);
                returned_names(&try_stmt.finalbody, out);
            }
            _ => {}
        }
    }
}

/// A body's statements after its docstring, if it starts with one.
fn without_docstring(body: &[Stmt]) -> &[Stmt] {
    match body.first() {
        Some(Stmt::Expr(e)) if matches!(e.value.as_ref(), Expr::StringLiteral(_)) => &body[1..],
        _ => body,
    }
}

/// `(attribute, method)` when a method body is only `[return] [await] self.attr.method(...)`,
/// after an optional docstring.
fn forwarded_call(body: &[Stmt]) -> Option<(String, String)> {
    let [statement] = without_docstring(body) else {
        return None;
    };
    let expression = match statement {
        Stmt::Return(ret) => ret.value.as_deref()?,
        Stmt::Expr(expr) => expr.value.as_ref(),
        _ => return None,
    };
    let expression = match expression {
        Expr::Await(await_expr) => await_expr.value.as_ref(),
        other => other,
    };
    let Expr::Call(call) = expression else {
        return None;
    };
    let Expr::Attribute(method) = call.func.as_ref() else {
        return None;
    };
    let Expr::Attribute(attribute) = method.value.as_ref() else {
        return None;
    };
    if !is_name(&attribute.value, "self") {
        return None;
    }
    Some((attribute.attr.id.to_string(), method.attr.id.to_string()))
}

fn required_params(parameters: &Parameters, skip_first: bool) -> Vec<String> {
    parameters
        .posonlyargs
        .iter()
        .chain(&parameters.args)
        .skip(usize::from(skip_first))
        .chain(&parameters.kwonlyargs)
        .filter(|parameter| parameter.default.is_none())
        .map(|parameter| parameter.parameter.name.id.to_string())
        .collect()
}

fn parameter_names(parameters: &Parameters) -> Vec<&str> {
    parameters
        .posonlyargs
        .iter()
        .chain(&parameters.args)
        .chain(&parameters.kwonlyargs)
        .map(|p| p.parameter.name.id.as_str())
        .chain(parameters.vararg.iter().map(|p| p.name.id.as_str()))
        .chain(parameters.kwarg.iter().map(|p| p.name.id.as_str()))
        .collect()
}

fn global_names(body: &[Stmt]) -> Vec<&str> {
    let mut names = Vec::new();
    collect_globals(body, &mut names);
    names
}

fn collect_globals<'a>(body: &'a [Stmt], names: &mut Vec<&'a str>) {
    for stmt in body {
        match stmt {
            Stmt::Global(global) => names.extend(global.names.iter().map(|n| n.id.as_str())),
            Stmt::If(if_stmt) => {
                collect_globals(&if_stmt.body, names);
                for clause in &if_stmt.elif_else_clauses {
                    collect_globals(&clause.body, names);
                }
            }
            Stmt::Try(try_stmt) => {
                collect_globals(&try_stmt.body, names);
                for handler in &try_stmt.handlers {
                    let ExceptHandler::ExceptHandler(handler) = handler;
                    collect_globals(&handler.body, names);
                }
                collect_globals(&try_stmt.orelse, names);
                collect_globals(&try_stmt.finalbody, names);
            }
            Stmt::For(s) => {
                collect_globals(&s.body, names);
                collect_globals(&s.orelse, names);
            }
            Stmt::While(s) => {
                collect_globals(&s.body, names);
                collect_globals(&s.orelse, names);
            }
            Stmt::With(s) => collect_globals(&s.body, names),
            Stmt::Match(s) => {
                for case in &s.cases {
                    collect_globals(&case.body, names);
                }
            }
            _ => {}
        }
    }
}

/// `a`, `a.b.c`, the callee of a call, or the value of a subscript, as a dotted name.
pub(crate) fn dotted_name(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Name(name) => Some(name.id.to_string()),
        Expr::Attribute(attribute) => {
            let mut base = dotted_name(&attribute.value)?;
            base.push('.');
            base.push_str(&attribute.attr.id);
            Some(base)
        }
        Expr::Call(call) => dotted_name(&call.func),
        Expr::Subscript(subscript) => dotted_name(&subscript.value),
        _ => None,
    }
}

/// `globals()`, `locals()` or `vars()`: the module namespace as a dictionary.
fn is_namespace_call(expr: &Expr) -> bool {
    matches!(expr, Expr::Call(call)
        if matches!(call.func.as_ref(), Expr::Name(name) if matches!(name.id.as_str(), "globals" | "locals" | "vars")))
}

/// A plain name or attribute chain: the forms that make `X = Y` an alias.
fn is_reference(expr: &Expr) -> bool {
    match expr {
        Expr::Name(_) => true,
        Expr::Attribute(attribute) => is_reference(&attribute.value),
        _ => false,
    }
}

fn is_name(expr: &Expr, expected: &str) -> bool {
    matches!(expr, Expr::Name(name) if name.id.as_str() == expected)
}

fn is_type_checking(test: &Expr) -> bool {
    match test {
        Expr::Name(name) => name.id.as_str() == "TYPE_CHECKING",
        Expr::Attribute(attribute) => attribute.attr.id.as_str() == "TYPE_CHECKING",
        _ => false,
    }
}

/// `__all__ += ...`, `__all__.append(...)`, `.extend`, `.insert`, `.remove`.
fn mutates_dunder_all(stmt: &Stmt) -> bool {
    match stmt {
        Stmt::AugAssign(assign) => is_name(&assign.target, "__all__"),
        Stmt::Expr(expr) => {
            let Expr::Call(call) = expr.value.as_ref() else {
                return false;
            };
            let Expr::Attribute(attribute) = call.func.as_ref() else {
                return false;
            };
            is_name(&attribute.value, "__all__")
                && matches!(
                    attribute.attr.id.as_str(),
                    "append" | "extend" | "insert" | "remove"
                )
        }
        _ => false,
    }
}

/// The `M.N` of every `hasattr(M, "N")` that `test` being true guarantees: the call itself,
/// or one of the operands of an `and`.
fn hasattr_checks(test: &Expr, out: &mut Vec<String>) {
    match test {
        Expr::BoolOp(bool_op) if bool_op.op == ast::BoolOp::And => {
            for value in &bool_op.values {
                hasattr_checks(value, out);
            }
        }
        Expr::Call(call) if is_name(&call.func, "hasattr") => {
            let [object, Expr::StringLiteral(attribute)] = &*call.arguments.args else {
                return;
            };
            if let Some(mut dotted) = strict_dotted(object) {
                dotted.push('.');
                dotted.push_str(attribute.value.to_str());
                out.push(dotted);
            }
        }
        _ => {}
    }
}

/// Which of the exceptions an `except` clause names catches a failed import, the narrowest
/// first (`except (ImportError, Exception)` is an `ImportError` handler).
fn import_error_handler(type_: &Expr) -> Option<ImportErrorHandler> {
    match type_ {
        Expr::Tuple(tuple) => tuple.elts.iter().filter_map(import_error_handler).min(),
        other => dotted_name(other).and_then(|name| {
            let last = name.rsplit('.').next().unwrap_or(&name);
            match last {
                "ImportError" => Some(ImportErrorHandler::ImportError),
                "ModuleNotFoundError" => Some(ImportErrorHandler::ModuleNotFoundError),
                "Exception" => Some(ImportErrorHandler::Exception),
                "BaseException" => Some(ImportErrorHandler::BaseException),
                _ => None,
            }
        }),
    }
}

/// A list or tuple of string literals (or a sum of such), as `__all__` is usually written.
fn string_sequence(expr: &Expr) -> Option<Vec<String>> {
    let elements: &[Expr] = match expr {
        Expr::List(list) => &list.elts,
        Expr::Tuple(tuple) => &tuple.elts,
        Expr::BinOp(binop) if binop.op == ast::Operator::Add => {
            let mut left = string_sequence(&binop.left)?;
            left.extend(string_sequence(&binop.right)?);
            return Some(left);
        }
        _ => return None,
    };
    elements
        .iter()
        .map(|element| match element {
            Expr::StringLiteral(literal) => Some(literal.value.to_str().to_string()),
            _ => None,
        })
        .collect()
}

impl<'a> Extractor<'a, '_> {
    /// Records a shared-instance shape found in a module-level function or class.
    fn push_shape(&mut self, name: &str, range: TextRange, shape: crate::shared_instances::Shape) {
        let fact = SharedInstanceShape {
            accessor: name.to_compact_string(),
            kind: shape.kind,
            state: shape.state.into(),
            builds: shape.builds.map(Into::into),
            span: Self::span(range),
            position: self.lines.position(range.start().to_u32()),
        };
        match shape.registry {
            Some(registry) => self.registry_shapes.push((registry, fact)),
            None => self.facts.shared_instances.push(fact),
        }
    }

    /// Before visiting an assignment's value: when the value is a call and the target a plain
    /// name at module level, in a class body or declared `global`, remembers where the call's
    /// result goes; also notes module-level dicts.
    fn note_store(&mut self, target: Option<&'a Expr>, value: &'a Expr) {
        let Some(Expr::Name(name)) = target else {
            return;
        };
        let id = name.id.as_str();
        if self.at_module_level() && is_dict_value(value) {
            self.module_dicts.push(id);
        }
        if !matches!(value, Expr::Call(_)) {
            return;
        }
        let kind = match self.context.scope {
            ScopeKind::Module => StorageKind::ModuleName,
            ScopeKind::Class => StorageKind::ClassAttribute,
            ScopeKind::Function if self.declared_global(id) => StorageKind::Global,
            ScopeKind::Function => return,
        };
        self.pending_store = Some((
            value as *const Expr as usize,
            Storage {
                kind,
                name: id.to_compact_string(),
            },
        ));
    }

    fn record_call(&mut self, expr: &'a Expr, call: &'a ast::ExprCall) {
        let stored = match self.pending_store.take() {
            Some((address, storage)) if address == expr as *const Expr as usize => Some(storage),
            other => {
                self.pending_store = other;
                None
            }
        };
        if self.call_detail == CallDetail::Nothing {
            return;
        }
        let Some((last, hash)) = recorded_last_segment(call) else {
            return;
        };
        let key = hash.wrapping_add(1);
        let slot = &mut self.recent_names[(hash >> 26) as usize];
        if key == 0 || *slot != key {
            *slot = key;
            self.call_names.push(hash);
        }
        let maybe_double =
            DOUBLE_CALLEE_HASHES.contains(&hash) && DOUBLE_CALLEE_NAMES.contains(&last);
        if self.call_detail == CallDetail::Names && !maybe_double {
            return;
        }
        // `recorded_last_segment` found a name chain, so this spells it.
        let mut buffer = std::mem::take(&mut self.callee_buffer);
        buffer.clear();
        if !write_dotted(&call.func, &mut buffer) {
            self.callee_buffer = buffer;
            return;
        }
        let double = (maybe_double && is_double_callee(&buffer))
            .then(|| double_arguments(call, &buffer, self.lines));
        if let Some(arguments) = &double {
            self.note_argument_names(arguments);
        }
        if self.call_detail == CallDetail::Names {
            self.callee_buffer = buffer;
            return;
        }
        let callee = match self.callee_ids.get(buffer.as_str()) {
            Some(&id) => id,
            None => {
                let id = self.facts.callees.len() as u32;
                self.facts.callees.push(buffer.to_compact_string());
                self.callee_ids.insert(buffer.clone(), id);
                id
            }
        };
        self.callee_buffer = buffer;
        let scope = if self.deferred_depth > 0 {
            ScopeKind::Function
        } else {
            self.context.scope
        };
        let stored = stored.filter(|_| self.deferred_depth == 0);
        let extras = (stored.is_some() || double.is_some()).then(|| {
            Box::new(CallExtras {
                call: 0,
                stored,
                double,
            })
        });
        let range = call.func.range();
        self.pending_calls.push((
            CallFact {
                callee,
                span: Self::span(range),
                // Computed in `finish` for the calls kept: most are dropped.
                position: ssot_facts::Position::default(),
                scope,
                arguments: call_arguments(call),
            },
            extras,
        ));
    }
}

impl Extractor<'_, '_> {
    /// Adds every segment of the names a test-double call's arguments spell
    /// (`spec=legacy.Manager`, `patch("legacy.Manager.send")`) to the call names: the rules
    /// judge those calls by the class the arguments lead to.
    fn note_argument_names(&mut self, arguments: &DoubleArguments) {
        let written = [
            arguments.first_dotted.as_deref(),
            arguments.spec.as_deref(),
            arguments.first_string.as_ref().map(|s| s.value.as_str()),
            arguments.second_string.as_ref().map(|s| s.value.as_str()),
        ];
        for text in written.into_iter().flatten() {
            self.call_names
                .extend(text.split(['.', ':']).map(ssot_facts::call_name_hash));
        }
    }
}

/// `{}`, `{...: ...}`, `dict(...)`, `defaultdict(...)`, `WeakValueDictionary()`.
fn is_dict_value(value: &Expr) -> bool {
    match value {
        Expr::Dict(_) => true,
        Expr::Call(call) => dotted_name(&call.func).is_some_and(|callee| {
            let last = callee.rsplit('.').next().unwrap_or(&callee);
            matches!(
                last,
                "dict" | "defaultdict" | "OrderedDict" | "WeakValueDictionary"
            )
        }),
        _ => false,
    }
}

/// `__name__ == "__main__"` (either way round).
fn is_main_guard(test: &Expr) -> bool {
    let Expr::Compare(compare) = test else {
        return false;
    };
    let is_main = |e: &Expr| matches!(e, Expr::StringLiteral(s) if s.value.to_str() == "__main__");
    matches!(compare.ops.first(), Some(ast::CmpOp::Eq))
        && compare.comparators.len() == 1
        && ((is_name(&compare.left, "__name__") && is_main(&compare.comparators[0]))
            || (is_main(&compare.left) && is_name(&compare.comparators[0], "__name__")))
}

impl Extractor<'_, '_> {
    /// Keeps the calls that can reach another module's code: those whose root name an import
    /// binds somewhere in the file, or that a module-level class, function or alias binds,
    /// plus the `unittest.mock` calls. In a file with a star import, any name may come from
    /// it, so every call is kept. Calls of builtins and of local variables are most call sites
    /// and no rule needs them. Which imports are first-party is project state, not this
    /// file's: the index drops the calls of third-party names
    /// (`ssot_index::first_party_uses`).
    fn keep_imported_calls(&mut self) {
        let mut roots: rustc_hash::FxHashSet<&str> = rustc_hash::FxHashSet::default();
        let mut star = false;
        for import in &self.facts.imports {
            for name in &import.names {
                if name.name == "*" {
                    star = true;
                } else {
                    roots.insert(name.bound_name(&import.kind));
                }
            }
        }
        for definition in &self.facts.definitions {
            let binds_callable = matches!(
                definition.kind,
                DefinitionKind::Class | DefinitionKind::Function
            ) || definition.alias_of.is_some();
            if definition.module_level && binds_callable {
                roots.insert(definition.name.as_str());
            }
        }
        let roots: rustc_hash::FxHashSet<String> = roots.into_iter().map(str::to_string).collect();
        self.callee_ids = FxHashMap::default();
        // Which callees to keep, then their new indices: every file's facts stay in memory
        // until the whole project is resolved, so only kept callees stay, with exact
        // capacities.
        let mut all_callees = std::mem::take(&mut self.facts.callees);
        let pending = std::mem::take(&mut self.pending_calls);
        let mut keep_callee: Vec<bool> = all_callees
            .iter()
            .map(|text| {
                let root = text.split('.').next().unwrap_or(text);
                star || roots.contains(root)
            })
            .collect();
        for (call, extras) in &pending {
            if extras.as_deref().is_some_and(|e| e.double.is_some()) {
                keep_callee[call.callee as usize] = true;
            }
        }
        // Kept callees move (no copies) to their new indices, and every vector gets its exact
        // size up front: the facts of every file stay in memory until the whole project is
        // resolved, so neither slack nor fragments should.
        let mut new_ids: Vec<u32> = vec![u32::MAX; all_callees.len()];
        let mut callees = Vec::with_capacity(keep_callee.iter().filter(|k| **k).count());
        for (index, text) in all_callees.iter_mut().enumerate() {
            if keep_callee[index] {
                new_ids[index] = callees.len() as u32;
                callees.push(std::mem::take(text));
            }
        }
        let kept = pending
            .iter()
            .filter(|(call, _)| keep_callee[call.callee as usize])
            .count();
        let extras_kept = pending
            .iter()
            .filter(|(call, extras)| keep_callee[call.callee as usize] && extras.is_some())
            .count();
        let mut calls = Vec::with_capacity(kept);
        let mut call_extras = Vec::with_capacity(extras_kept);
        for (mut call, extras) in pending {
            let new_id = new_ids[call.callee as usize];
            if new_id == u32::MAX {
                continue;
            }
            call.callee = new_id;
            call.position = self.lines.position(call.span.start);
            if let Some(extras) = extras {
                let mut extras = *extras;
                extras.call = calls.len() as u32;
                call_extras.push(extras);
            }
            calls.push(call);
        }
        self.facts.calls = calls;
        self.facts.callees = callees;
        self.facts.call_extras = call_extras;
    }
}
