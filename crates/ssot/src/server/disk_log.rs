//! The files-changed-on-disk events the analysis thread applied, in order, so that the fix
//! engine's copy of the project ([`super::fixes::FixReplica`]) can apply the same ones.

use std::sync::{Arc, Mutex};

/// One event, as the warm session takes it.
#[derive(Clone, Debug)]
pub enum DiskEvent {
    /// The configuration changed (or the project could not be loaded before): load again.
    Reload,
    /// Python files changed, were created or were deleted (root-relative paths).
    Sources(Vec<String>),
}

/// An append-only log, shared between the analysis thread (the writer) and the fix engine's
/// copy (the reader). Events are numbered from 0 for ever; those every reader has applied
/// are dropped.
#[derive(Clone, Default)]
pub struct DiskLog {
    inner: Arc<Mutex<Entries>>,
}

#[derive(Default)]
struct Entries {
    /// The number of the first event kept.
    first: usize,
    events: Vec<DiskEvent>,
}

impl DiskLog {
    /// Appends an event; returns how many events there have been.
    pub fn push(&self, event: DiskEvent) -> usize {
        let mut entries = self.lock();
        entries.events.push(event);
        entries.first + entries.events.len()
    }

    /// How many events there have been.
    pub fn len(&self) -> usize {
        let entries = self.lock();
        entries.first + entries.events.len()
    }

    /// The events numbered `from..to`, forgetting those before `from` (the one reader has
    /// applied them).
    pub fn take(&self, from: usize, to: usize) -> Vec<DiskEvent> {
        let mut entries = self.lock();
        let drop = from.saturating_sub(entries.first).min(entries.events.len());
        entries.events.drain(..drop);
        entries.first += drop;
        let start = from.saturating_sub(entries.first);
        let end = to.saturating_sub(entries.first).min(entries.events.len());
        entries
            .events
            .get(start..end.max(start))
            .map(<[DiskEvent]>::to_vec)
            .unwrap_or_default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
        // A panic while holding the lock leaves the log consistent (pushes and drains are
        // single calls), so a poisoned lock is still usable.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sources(log: &[DiskEvent]) -> Vec<String> {
        log.iter()
            .map(|event| match event {
                DiskEvent::Reload => "reload".to_string(),
                DiskEvent::Sources(paths) => paths.join(","),
            })
            .collect()
    }

    #[test]
    fn a_reader_gets_each_event_once_in_order_and_applied_ones_are_dropped() {
        let log = DiskLog::default();
        assert_eq!(log.push(DiskEvent::Sources(vec!["a.py".into()])), 1);
        assert_eq!(log.push(DiskEvent::Reload), 2);
        assert_eq!(sources(&log.take(0, 1)), ["a.py"]);
        assert_eq!(log.push(DiskEvent::Sources(vec!["b.py".into()])), 3);
        assert_eq!(sources(&log.take(1, 3)), ["reload", "b.py"]);
        assert_eq!(log.len(), 3);
        assert!(log.take(3, 3).is_empty());
        assert_eq!(log.inner.lock().unwrap().events.len(), 0);
        // A snapshot older than what was applied asks for nothing.
        assert!(log.take(3, 2).is_empty());
    }
}
