//! The progress bar on stderr: shown once a run has lasted about two seconds, and only when
//! stderr is a terminal, `CI` is unset, `TERM` is not `dumb` and `--quiet` was not given.
//! Pipes, files and CI logs never see it. The report clears it before it is written.
//!
//! `SSOT_PROGRESS_DELAY_MS` changes the two seconds (a test hook: `0` shows it at once).

use std::io::IsTerminal;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use ssot_engine::events::Counter;

/// How long a run goes before the bar appears.
const DEFAULT_DELAY: Duration = Duration::from_secs(2);

static BAR: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Whether this run may show a bar at all.
fn wanted() -> bool {
    let set = |name| std::env::var_os(name).is_some_and(|value| !value.is_empty());
    std::io::stderr().is_terminal()
        && !set("CI")
        && std::env::var_os("TERM").is_none_or(|term| term != "dumb")
        && !crate::output::global().quiet
}

fn delay() -> Duration {
    std::env::var("SSOT_PROGRESS_DELAY_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(DEFAULT_DELAY, Duration::from_millis)
}

fn lock() -> std::sync::MutexGuard<'static, Option<ProgressBar>> {
    BAR.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Starts (hidden) the bar of a phase that handles `files` files, or moves the running bar to
/// that phase. Returns a counter the phase advances per file.
pub fn start(message: &'static str, files: usize) -> Counter {
    let mut slot = lock();
    if let Some(bar) = slot.as_ref() {
        bar.set_style(files_style());
        bar.set_length(files as u64);
        bar.set_position(0);
        bar.set_message(message);
        return counter(bar.clone());
    }
    if !wanted() {
        return Counter::default();
    }
    let bar = ProgressBar::with_draw_target(Some(files as u64), ProgressDrawTarget::hidden());
    bar.set_style(files_style());
    bar.set_message(message);
    let shown = bar.clone();
    let wait = delay();
    // Revealed from a thread so that a phase that advances nothing (resolution) still shows.
    let spawned = std::thread::Builder::new()
        .name("ssot-progress".to_string())
        .spawn(move || {
            std::thread::sleep(wait);
            if !shown.is_finished() {
                shown.set_draw_target(ProgressDrawTarget::stderr());
                shown.enable_steady_tick(Duration::from_millis(120));
            }
        });
    if spawned.is_err() {
        // No thread, no bar: the run itself does not need one.
        return Counter::default();
    }
    *slot = Some(bar.clone());
    counter(bar)
}

/// A phase that goes through the files: a bar with the count.
fn files_style() -> ProgressStyle {
    ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} files ({elapsed})")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

/// Names the phase the run is in now, one without a file count (resolution, the rules): a
/// spinner with the time so far.
pub fn phase(message: &'static str) {
    if let Some(bar) = lock().as_ref() {
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(message);
    }
}

/// Removes the bar from the terminal for good (before the report, an error or the end).
pub fn clear() {
    if let Some(bar) = lock().take() {
        bar.finish_and_clear();
    }
}

/// Runs `print` with the bar lifted off the terminal, so a warning does not cut through it.
pub fn suspend<T>(print: impl FnOnce() -> T) -> T {
    let bar = lock().clone();
    match bar {
        Some(bar) => bar.suspend(print),
        None => print(),
    }
}

/// The engine's per-file counter advancing `bar`.
fn counter(bar: ProgressBar) -> Counter {
    Counter::new(Arc::new(move || bar.inc(1)))
}
