//! What the analysing commands share: the engine's rule selection, loading and analysis
//! ([`ssot_engine::check_run`]), plus the fixes `check` shows. Commands import from here,
//! never from each other.

mod import_fixes;

pub use import_fixes::{attach_import_fixes, attach_import_fixes_with};
pub use ssot_engine::check_run::*;
