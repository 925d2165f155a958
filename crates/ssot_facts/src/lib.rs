//! Per-file facts about Python source: the data every layer of ssot shares.
//!
//! `ssot_python` is the only crate that produces these from a syntax tree; every other crate
//! reads them. Facts are plain owned data (no parser types), so they can be cached, sent across
//! threads and built by hand in tests. Byte offsets are into the decoded source text; lines and
//! columns are 1-based, columns counted in characters.
//!
//! Every field is always serialized (no `skip_serializing_if`): the facts cache stores them in
//! a format that is not self-describing, where a skipped field would shift every later one.
//!
//! Text is [`CompactString`]: most of it is names of 24 bytes or fewer, kept inline rather
//! than in an allocation of their own, which is most of what decoding a warm run's cached
//! facts allocates otherwise. It encodes exactly as `String` does.

pub use compact_str::{CompactString, ToCompactString};
use serde::{Deserialize, Serialize};

/// A byte range in the decoded source text.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

/// A 1-based line and character column.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// Everything ssot needs to know about one source file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FileFacts {
    /// Every import statement at any depth, in source order.
    pub imports: Vec<ImportStmt>,
    /// What the module namespace can bind, in source order: module-level classes, functions and
    /// assigned names (also through `global`), and classes nested in classes. Methods are in
    /// their class's [`ClassFacts`]; definitions local to a function are not recorded here (classes
    /// among them are [`FileFacts::local_classes`]).
    pub definitions: Vec<Definition>,
    /// `import M` bindings used as `M.N`: one entry per (import statement, attribute chain) use site.
    pub attribute_refs: Vec<AttributeRef>,
    /// The module's `__all__`.
    pub dunder_all: DunderAll,
    /// The module defines a module-level `__getattr__` (PEP 562): any name may resolve at run time.
    pub has_module_getattr: bool,
    /// The module writes its own namespace at run time (`globals()[name] = ...`,
    /// `locals().update(...)`): names it does not bind visibly may still exist.
    pub dynamic_namespace: bool,
    /// The module registers modules at run time (`sys.modules[...] = ...`, an import hook on
    /// `sys.meta_path`): submodules that have no file may still import.
    pub registers_modules: bool,
    /// Of those registrations, one runs while the module body runs (a module-level statement,
    /// not one inside a function): the module may load others at import time.
    #[serde(default)]
    pub registers_modules_at_import: bool,
    /// Module-level assignments to an attribute of a name (`base.dialect = X`), and
    /// `setattr(M, "N", v)` / `monkeypatch.setattr(M, "N", v)` calls anywhere: when the name
    /// is a module, they bind a name in that module from outside it. Dotted, root first.
    pub attribute_assignments: Vec<CompactString>,
    /// Syntax errors; the other facts are what the parser recovered.
    pub syntax_errors: Vec<SyntaxErrorFact>,
    /// `# ssot: ignore[...]` comments, in source order (at most one per comment).
    pub suppressions: Vec<Suppression>,
    /// Calls of a name or attribute chain (`f(...)`, `a.b.f(...)`) whose root name is bound by
    /// an import from a first-party module or by a module-level class, function or alias (or
    /// may be bound by a first-party star import), and every `unittest.mock` call SSOT401
    /// reads, in source order. Other calls (builtins,
    /// standard-library and third-party names, local variables, `self.m()`) are left out.
    pub calls: Vec<CallFact>,
    /// The distinct callees of [`FileFacts::calls`], dotted as written (`get_manager`,
    /// `mock.patch.object`): calls refer to them by index, since large trees hold millions of
    /// calls and far fewer distinct callees per file.
    pub callees: Vec<CompactString>,
    /// What only a few calls have (a stored result, test-double arguments), by call index,
    /// sorted: kept apart so that the common call stays small.
    pub call_extras: Vec<CallExtras>,
    /// How much of the file's calls was extracted: [`FileFacts::calls`] and its companions are
    /// only filled at [`CallDetail::Sites`].
    pub call_detail: CallDetail,
    /// The [`call_name_hash`] of the last segment of every callee a full extraction would
    /// consider (`get_manager` for `app.core.get_manager()`), and of every segment of the
    /// names test-double calls spell in their arguments (`legacy` and `Manager` for
    /// `Mock(spec=legacy.Manager)` or `patch("legacy.Manager")`), sorted and deduplicated;
    /// empty at [`CallDetail::Nothing`]. A file whose call sites matter to a rule (it can
    /// call a concept's class or accessor) is found by these names, then extracted again in
    /// full.
    pub call_names: Vec<u32>,
    /// Module-level functions and classes shaped like shared-instance accessors, in source
    /// order.
    pub shared_instances: Vec<SharedInstanceShape>,
    /// Classes defined inside a function (a test's own fake, a fixture's stub), in source
    /// order: nobody's import target, so not among [`FileFacts::definitions`]. Recorded only
    /// when calls are ([`CallDetail::Names`] and up), since only the concept rules read them.
    pub local_classes: Vec<LocalClass>,
}

/// A class defined inside a function.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LocalClass {
    pub name: CompactString,
    /// Dotted path from the module through the enclosing functions (`test_send.FakeManager`).
    pub qualname: CompactString,
    pub class: ClassFacts,
    pub span: Span,
    pub position: Position,
}

/// How much of a file's calls an extraction records. Most runs need no call sites at all
/// (`scan`, or `check` without a declared concept), and with concepts declared only the few
/// files that can reach them do, so loading records names only and the rules' callers extract
/// those files again in full.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CallDetail {
    /// No call facts, nor the other facts only the concept rules read:
    /// [`FileFacts::shared_instances`] and [`ClassFacts::attribute_types`] stay empty.
    Nothing,
    /// [`FileFacts::call_names`] only.
    Names,
    /// Call sites too: [`FileFacts::calls`], [`FileFacts::callees`],
    /// [`FileFacts::call_extras`], and the names.
    #[default]
    Sites,
}

/// Words that mark a test double in a class name (`MockManager`, `fake_client`), lower case.
pub const TEST_DOUBLE_WORDS: &[&str] = &["mock", "fake", "stub", "dummy", "spy"];

/// The last segments of the `unittest.mock` callables whose arguments are kept as
/// [`DoubleArguments`] (`object` for `patch.object`).
pub const DOUBLE_CALLEE_NAMES: &[&str] = &[
    "Mock",
    "MagicMock",
    "AsyncMock",
    "NonCallableMock",
    "NonCallableMagicMock",
    "create_autospec",
    "patch",
    "object",
];

/// A stable 32-bit hash of a callee's last segment (FNV-1a), as stored in
/// [`FileFacts::call_names`].
pub const fn call_name_hash(name: &str) -> u32 {
    let bytes = name.as_bytes();
    let mut hash: u32 = 0x811c_9dc5;
    let mut index = 0;
    while index < bytes.len() {
        hash ^= bytes[index] as u32;
        hash = hash.wrapping_mul(0x0100_0193);
        index += 1;
    }
    hash
}

/// [`call_name_hash`] of each of [`DOUBLE_CALLEE_NAMES`]: a call is checked against the
/// names only when its hash is one of these.
pub const DOUBLE_CALLEE_HASHES: [u32; DOUBLE_CALLEE_NAMES.len()] = {
    let mut hashes = [0; DOUBLE_CALLEE_NAMES.len()];
    let mut index = 0;
    while index < hashes.len() {
        hashes[index] = call_name_hash(DOUBLE_CALLEE_NAMES[index]);
        index += 1;
    }
    hashes
};

/// Which kind of scope a statement sits in.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum ScopeKind {
    #[default]
    Module,
    Class,
    Function,
}

/// Where a statement sits: its scope and the guards around it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StmtContext {
    pub scope: ScopeKind,
    /// Under `if TYPE_CHECKING:` (or `typing.TYPE_CHECKING`): never executed at run time.
    pub type_checking: bool,
    /// In the body of a `try` whose handlers catch `ImportError` (or something broader).
    pub guarded_by_import_error: bool,
    /// The first handler of that `try` that catches an `ImportError`, when
    /// [`StmtContext::guarded_by_import_error`] is set: what the dangling-import message names.
    #[serde(default)]
    pub import_error_handler: ImportErrorHandler,
    /// In the body of an `except` handler (a fallback binding).
    pub in_except_handler: bool,
    /// Under any other condition (`if`, `while`, `for`, `with`, `match`, a version guard).
    pub conditional: bool,
}

/// The `except` clause that catches a failed import.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum ImportErrorHandler {
    /// `except ImportError` (also in a tuple with other exceptions).
    #[default]
    ImportError,
    /// `except ModuleNotFoundError`: catches a missing module, not a name the module lacks.
    ModuleNotFoundError,
    /// `except Exception`.
    Exception,
    /// `except BaseException`.
    BaseException,
    /// A bare `except:`.
    Bare,
}

impl ImportErrorHandler {
    /// The handler as written: `except ImportError`, `except:`.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportErrorHandler::ImportError => "except ImportError",
            ImportErrorHandler::ModuleNotFoundError => "except ModuleNotFoundError",
            ImportErrorHandler::Exception => "except Exception",
            ImportErrorHandler::BaseException => "except BaseException",
            ImportErrorHandler::Bare => "except:",
        }
    }
}

/// One import statement.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImportStmt {
    pub kind: ImportKind,
    pub names: Vec<ImportedName>,
    pub span: Span,
    pub position: Position,
    pub context: StmtContext,
}

/// `import a.b` or `from .a import b`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ImportKind {
    /// `import a.b [as c], d`
    Import,
    /// `from [.level]module import names`
    From {
        /// The module as written, without leading dots (`None` for `from . import x`).
        module: Option<CompactString>,
        /// The number of leading dots.
        level: u32,
    },
}

/// One alias of an import statement: `name [as asname]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedName {
    /// The imported name (`a.b.c` for `import a.b.c`, `*` for a star import).
    pub name: CompactString,
    pub asname: Option<CompactString>,
    pub span: Span,
    pub position: Position,
}

impl ImportedName {
    /// The local name this alias binds (`a` for `import a.b`, `c` for `... as c`).
    pub fn bound_name(&self, kind: &ImportKind) -> &str {
        if let Some(asname) = &self.asname {
            return asname;
        }
        match kind {
            ImportKind::Import => self.name.split('.').next().unwrap_or(&self.name),
            ImportKind::From { .. } => &self.name,
        }
    }
}

/// What a definition binds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DefinitionKind {
    Class,
    Function,
    Variable,
}

impl DefinitionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DefinitionKind::Class => "class",
            DefinitionKind::Function => "function",
            DefinitionKind::Variable => "variable",
        }
    }
}

/// A class, function or assigned name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Definition {
    /// The bound name.
    pub name: CompactString,
    /// Dotted path from the module (`Outer.method` for nested definitions).
    pub qualname: CompactString,
    pub kind: DefinitionKind,
    /// For `X = Y` or `X = a.b.Y`: the dotted expression on the right.
    pub alias_of: Option<CompactString>,
    /// For classes: bases, decorators, methods.
    pub class: Option<Box<ClassFacts>>,
    /// For functions: decorators as dotted names.
    pub decorators: Vec<CompactString>,
    /// For module-level functions: what concept discovery reads of a function (parameters,
    /// `async`, what it returns).
    #[serde(default)]
    pub function: Option<Box<FunctionFacts>>,
    /// Binds a name in the module namespace (at module level, or through `global`).
    pub module_level: bool,
    pub span: Span,
    pub position: Position,
    pub context: StmtContext,
}

/// What a module-level function looks like from outside: enough to tell a factory or an
/// accessor of a class and to compare two definitions of one function.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionFacts {
    /// Every parameter name, in order (`*args` and `**kwargs` without their stars).
    pub params: Vec<CompactString>,
    pub is_async: bool,
    /// What its `return` statements hand back, as dotted names written in the module: the
    /// callee of `return X(...)` and a returned name (`return _instance`), in source order
    /// without repeats.
    pub returns: Vec<CompactString>,
}

/// What a class looks like from outside.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ClassFacts {
    /// Base class expressions as dotted names (`Base`, `mod.Base`; subscripts keep their value).
    pub bases: Vec<CompactString>,
    /// Keyword arguments of the class statement other than bases (`metaclass=...`), as `key=dotted`.
    pub keywords: Vec<CompactString>,
    pub decorators: Vec<CompactString>,
    /// Methods defined in the class body, in source order.
    pub methods: Vec<MethodFacts>,
    /// What the class's methods store in the attributes of `self` that some method forwards
    /// to (see [`MethodFacts::forwards_to`]), as far as the source says.
    pub attribute_types: Vec<AttributeType>,
    /// Class attributes bound to a dotted name in the class body (`Connection = Connection`,
    /// `Pool = BlockingPool = MockPool`), in source order. Recorded only when calls are
    /// ([`CallDetail::Names`] and up).
    pub attribute_aliases: Vec<AttributeAlias>,
    /// Every name the class body binds by assignment (`timeout = 5`, `seconds =
    /// staticmethod(now)`), in source order without repeats: attributes of the class that
    /// are not `def` methods. Recorded only when calls are ([`CallDetail::Names`] and up).
    pub attributes: Vec<CompactString>,
    /// The interfaces a `@implementer(IFoo, IBar)` class decorator (zope.interface's) declares,
    /// as dotted names written in the class's module. Recorded only when calls are
    /// ([`CallDetail::Names`] and up).
    pub implements: Vec<CompactString>,
    /// The data fields the class body declares, in source order without repeats: annotated
    /// names (`port: int`, with or without a value) and plain assignments to names that are
    /// not dunders (enum members, `NamedTuple` defaults). What data-shape duplicates are
    /// compared by.
    #[serde(default)]
    pub fields: Vec<CompactString>,
    /// The class docstring declares the class a single source of truth ("single source of
    /// truth", "SSOT", "canonical").
    #[serde(default)]
    pub declares_canonical: bool,
}

/// `attribute = dotted` in a class body: the class attribute names what `dotted` names.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeAlias {
    pub attribute: CompactString,
    /// The value as a dotted name written in the class's module.
    pub dotted: CompactString,
}

/// `self.attribute = Cls(...)`, `self.attribute = param` with `param: Cls`, or
/// `self.attribute: Cls = ...` in a method: a class the attribute may hold.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeType {
    pub attribute: CompactString,
    /// The class (or factory) as a dotted name written in the class's module.
    pub dotted: CompactString,
}

/// A method's name and its required parameters (excluding `self`/`cls`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodFacts {
    pub name: CompactString,
    pub required_params: Vec<CompactString>,
    pub is_async: bool,
    /// The body only forwards to a method of one attribute (`return self.inner.send(...)`,
    /// after an optional docstring): `(attribute, method)`.
    pub forwards_to: Option<(CompactString, CompactString)>,
    /// Takes `*args` or `**kwargs`: its required parameters do not say what it accepts.
    pub variadic: bool,
    /// Decorated as a property (`property`, `functools.cached_property`, `x.setter`): read as
    /// an attribute, not called.
    pub is_property: bool,
    /// Annotated to return an awaitable (`-> Awaitable[...]`, `Coroutine`, `Future`): called
    /// like an `async def`.
    pub returns_awaitable: bool,
    /// The body has more than one statement after an optional docstring: the method does
    /// work of its own, beyond one call or one return.
    pub has_logic: bool,
}

impl MethodFacts {
    /// Public: no leading underscore.
    pub fn is_public(&self) -> bool {
        !self.name.starts_with('_')
    }
}

/// `__all__` as far as it can be known without running code.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum DunderAll {
    #[default]
    Absent,
    /// Built from literal lists and tuples, `+=`, `.extend([...])` and `.append("...")`.
    Static(Vec<CompactString>),
    /// Some form ssot cannot evaluate statically.
    Dynamic,
}

/// A use `M.a.b` of a name bound by `import M` (or `import M as X`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeRef {
    /// Index into [`FileFacts::imports`] of the statement that binds the root name.
    pub import_index: u32,
    /// Index into that statement's names.
    pub name_index: u32,
    /// The attributes after the root name, outermost last (`["a", "b"]` for `M.a.b`).
    pub attributes: Vec<CompactString>,
    pub span: Span,
    pub position: Position,
}

/// A syntax error reported by the parser.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyntaxErrorFact {
    pub position: Position,
    pub span: Span,
    pub message: CompactString,
}

/// A suppression comment: `# ssot: ignore` (every code) or `# ssot: ignore[CODE, ...]`,
/// optionally followed by `-- reason`.
///
/// It applies to diagnostics that start on its line, and, when it sits on the first line of a
/// multi-line import statement, to every name of that statement. Found in comment tokens only,
/// so text inside string literals never counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppression {
    /// Where the directive's `#` is; `position.line` is the line it applies to.
    pub position: Position,
    /// The codes (or rule names) as written, in order; empty for a bare `# ssot: ignore`.
    pub codes: Vec<CompactString>,
    /// The text after `--`, trimmed; `None` when absent or empty.
    pub reason: Option<CompactString>,
    /// The directive: from its `#` to the end of its codes or reason (other comments sharing
    /// the comment token are outside it).
    pub span: Span,
    /// What deleting the directive removes: the directive plus the whitespace joining it to the
    /// code or comment before it, or the whole line when the comment stands alone on its line.
    pub removal: Span,
    /// The comment stands alone on its line, so it can apply to nothing.
    pub own_line: bool,
}

/// Where the result of a call is stored when the call is the whole right-hand side of an
/// assignment to a plain name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StorageKind {
    /// A module-level name.
    ModuleName,
    /// A name in a class body: a class attribute.
    ClassAttribute,
    /// A name a function declared `global`.
    Global,
}

/// The name a call's result is bound to, and where that name lives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Storage {
    pub kind: StorageKind,
    pub name: CompactString,
}

/// One call `f(...)` or `a.b.f(...)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallFact {
    /// Index into [`FileFacts::callees`].
    pub callee: u32,
    /// The callee expression.
    pub span: Span,
    pub position: Position,
    /// Where the call runs: at import time (module level or a class body, default argument
    /// values included) or when a function runs (function bodies, lambdas, bodies of classes
    /// defined in functions, and the body of `if __name__ == "__main__":`, which runs once as
    /// a script).
    pub scope: ScopeKind,
    /// What the call passes, as far as SSOT301 tells accessor calls apart.
    pub arguments: CallArguments,
}

/// What a call passes, in the terms SSOT301 judges an accessor call by. One byte per call:
/// the first argument is all that is looked at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CallArguments {
    /// `f()`.
    #[default]
    Nothing,
    /// The first argument (positional, else the first keyword) is the literal `None`:
    /// `f(None)`, `f(user=None)`.
    ExplicitNone,
    /// The first argument is a literal string, bytes, number or boolean: every call that
    /// passes the same literal selects the same instance (`manager_named("admin")`).
    Literal,
    /// The first argument is anything else (a name, an attribute, a call, `*args`): it may
    /// select a per-owner instance (`get_manager(user_id)`).
    Keyed,
}

/// The rarer facts of a call.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallExtras {
    /// Index into [`FileFacts::calls`].
    pub call: u32,
    /// Set when the call is the whole value of an assignment to a module-level name, a class
    /// attribute or a `global` name.
    pub stored: Option<Storage>,
    /// The arguments test-double calls are judged by; only for callees whose last segment is
    /// `Mock`, `MagicMock`, `AsyncMock`, `NonCallableMock`, `NonCallableMagicMock`,
    /// `create_autospec`, `patch` or `object` (of `patch.object`).
    pub double: Option<DoubleArguments>,
}

impl FileFacts {
    /// The callee of one of this file's calls, dotted as written.
    pub fn callee(&self, call: &CallFact) -> &str {
        self.callees
            .get(call.callee as usize)
            .map_or("", CompactString::as_str)
    }

    /// The rarer facts of `calls[call]`, if it has any.
    pub fn call_extras(&self, call: usize) -> Option<&CallExtras> {
        let index = self
            .call_extras
            .binary_search_by_key(&call, |extras| extras.call as usize)
            .ok()?;
        self.call_extras.get(index)
    }
}

/// The arguments of `Mock(spec=X)`, `create_autospec(X)`, `patch("a.b.C")`,
/// `patch.object(X, "name")`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoubleArguments {
    /// The first positional argument, when it is a name or attribute chain.
    pub first_dotted: Option<CompactString>,
    /// The first positional argument, when it is one string literal.
    pub first_string: Option<StringArgument>,
    /// The second positional argument, when it is one string literal.
    pub second_string: Option<StringArgument>,
    /// The value of `spec=` or `spec_set=` (or `new_callable`-free `autospec=X`), when it is a
    /// name or attribute chain.
    pub spec: Option<CompactString>,
    /// A `spec`, `spec_set` or `autospec` keyword is given with a value other than `None` or
    /// `False`.
    pub specced: bool,
    /// What a `patch()` puts in place of its target (the second positional argument, the
    /// third of `patch.object()`, or `new=`), when it is a name or attribute chain.
    pub replacement: Option<CompactString>,
}

/// A string literal argument.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StringArgument {
    pub value: CompactString,
    /// The bytes between the quotes, when they spell `value` exactly (no escapes, one
    /// literal): what an edit may replace.
    pub contents: Option<Span>,
    pub position: Position,
}

/// How an accessor keeps the one instance it hands out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SharedInstanceKind {
    /// `global _x; if _x is None: _x = Cls(); return _x` in a module-level function.
    LazyGlobal,
    /// A `functools.lru_cache`/`cache`-decorated module-level function without required
    /// parameters: the cache holds its one result.
    CachedFactory,
    /// A class that keeps its one instance in a class attribute, handed out by `__new__`
    /// (so every `Cls()` call) or by a classmethod (`Cls.instance()`): `method` says which.
    ClassSingleton { method: CompactString },
    /// A classmethod or staticmethod without required parameters that keeps its one
    /// instance in a module global, as [`SharedInstanceKind::LazyGlobal`] does
    /// (`Scope.get_global_scope()`).
    GlobalMethod { method: CompactString },
    /// A module-level function returning `registry[key]` (or `.get(key)`,
    /// `.setdefault(key, ...)`) of a module-level dict: one instance per key for everybody.
    KeyedRegistry,
}

/// A module-level function or class that hands out one shared instance.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharedInstanceShape {
    /// The function's or class's name (module-level only).
    pub accessor: CompactString,
    pub kind: SharedInstanceKind,
    /// Where the instance lives: the global's name, `cache`, `Cls._instance`, the registry.
    pub state: CompactString,
    /// What builds the instance, dotted as written in the module (`Manager`,
    /// `factory.create_manager`), when the source shows it; `None` for a class singleton
    /// built by `cls()`/`super().__new__(cls)` (the class itself).
    pub builds: Option<CompactString>,
    /// The name of the function or class.
    pub span: Span,
    pub position: Position,
}
