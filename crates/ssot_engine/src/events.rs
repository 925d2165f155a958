//! What a run tells its user while it works: warnings, verbose notes and progress. The engine
//! never prints on its own terms: a front end installs [`Hooks`] once (the CLI routes them to
//! its `--quiet`/`--verbose`/progress-bar handling; a server logs them or drops them). Without
//! hooks, warnings go to stderr as `warning: ...` and the rest is silent.

use std::fmt;
use std::sync::{Arc, OnceLock};

/// Advances a phase's progress by one file; a no-op when nobody shows progress.
#[derive(Clone, Default)]
pub struct Counter(Option<Arc<dyn Fn() + Send + Sync>>);

impl Counter {
    /// A counter that calls `advance` once per file.
    pub fn new(advance: Arc<dyn Fn() + Send + Sync>) -> Self {
        Self(Some(advance))
    }

    /// One more file done.
    pub fn advance(&self) {
        if let Some(advance) = &self.0 {
            advance();
        }
    }
}

/// The front end's handlers.
pub struct Hooks {
    /// A warning: something the user should know, the run goes on.
    pub warn: fn(fmt::Arguments<'_>),
    /// A note shown only with `--verbose`.
    pub verbose: fn(fmt::Arguments<'_>),
    /// A phase that goes through `files` files starts; the counter advances per file.
    pub start: fn(&'static str, usize) -> Counter,
    /// A phase without a file count starts.
    pub phase: fn(&'static str),
}

static HOOKS: OnceLock<Hooks> = OnceLock::new();

/// Installs the front end's handlers; the first call wins.
pub fn install(hooks: Hooks) {
    let _ = HOOKS.set(hooks);
}

/// Reports a warning.
pub fn warn(message: fmt::Arguments<'_>) {
    match HOOKS.get() {
        Some(hooks) => (hooks.warn)(message),
        None => eprintln!("warning: {message}"),
    }
}

/// Reports a note for `--verbose`.
pub fn verbose(message: fmt::Arguments<'_>) {
    if let Some(hooks) = HOOKS.get() {
        (hooks.verbose)(message);
    }
}

/// Starts a phase over `files` files.
pub fn start(message: &'static str, files: usize) -> Counter {
    HOOKS
        .get()
        .map_or_else(Counter::default, |hooks| (hooks.start)(message, files))
}

/// Starts a phase without a file count.
pub fn phase(message: &'static str) {
    if let Some(hooks) = HOOKS.get() {
        (hooks.phase)(message);
    }
}
