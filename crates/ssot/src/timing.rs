//! `SSOT_TIMINGS=1`: phase timings and resident memory on stderr, for profiling (the engine's,
//! so that its phases and the CLI's print alike).

pub use ssot_engine::timing::{note_memory, report};
