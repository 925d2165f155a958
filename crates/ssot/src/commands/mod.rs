//! One module per command.

pub mod baseline;
pub mod check;
pub mod clean;
pub mod explain;
pub mod fix;
pub mod init;
pub mod plan;
pub mod report;
pub mod scan;
pub mod show;
