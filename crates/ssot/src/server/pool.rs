//! A small fixed pool of threads for read-only requests. Each task answers one request; the
//! answer goes back to the main loop, which sends it unless the request was cancelled
//! meanwhile. A task whose request was cancelled before it started does not run.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crossbeam_channel::Sender;
use lsp_server::{ErrorCode, RequestId, Response};

use super::scheduler::Event;

/// Set when the client cancels the request; checked before a task starts and between the
/// steps of a long one.
pub type Cancelled = Arc<AtomicBool>;

/// The work of a task: the answer to its request, or `None` for background work that answers
/// nothing.
type Work = Box<dyn FnOnce(&Cancelled) -> Option<Response> + Send + 'static>;

struct Task {
    id: RequestId,
    cancelled: Cancelled,
    work: Work,
}

pub struct Pool {
    tasks: Sender<Task>,
}

impl Pool {
    /// Starts `threads` threads named `name-N` that send their answers to `events`.
    pub fn new(name: &str, threads: usize, events: Sender<Event>) -> Self {
        let (tasks, receiver) = crossbeam_channel::unbounded::<Task>();
        for number in 0..threads.max(1) {
            let receiver = receiver.clone();
            let events = events.clone();
            std::thread::Builder::new()
                .name(format!("{name}-{number}"))
                .spawn(move || {
                    for task in receiver {
                        if task.cancelled.load(Ordering::Relaxed) {
                            continue;
                        }
                        let Task {
                            id,
                            cancelled,
                            work,
                        } = task;
                        let response = catch_unwind(AssertUnwindSafe(|| work(&cancelled)))
                            .unwrap_or_else(|panic| {
                                Some(Response::new_err(
                                    id,
                                    ErrorCode::InternalError as i32,
                                    format!("ssot: internal error: {}", panic_message(&panic)),
                                ))
                            });
                        let Some(response) = response else {
                            continue;
                        };
                        if events.send(Event::Respond(response)).is_err() {
                            break;
                        }
                    }
                })
                .expect("a request thread starts");
        }
        Self { tasks }
    }

    /// Queues the work answering request `id` (for background work, an id nobody waits
    /// for, and work that returns `None`).
    pub fn spawn(
        &self,
        id: RequestId,
        cancelled: Cancelled,
        work: impl FnOnce(&Cancelled) -> Option<Response> + Send + 'static,
    ) {
        // The threads end only when this sender is dropped.
        let _ = self.tasks.send(Task {
            id,
            cancelled,
            work: Box::new(work),
        });
    }
}

pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}
