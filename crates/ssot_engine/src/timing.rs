//! `SSOT_TIMINGS=1`: phase timings and resident memory on stderr, for profiling.

/// Prints the resident set size with a label when `SSOT_TIMINGS` is set (Linux only).
pub fn note_memory(label: &str) {
    if std::env::var_os("SSOT_TIMINGS").is_none() {
        return;
    }
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return;
    };
    for line in status.lines() {
        if line.starts_with("VmRSS") || line.starts_with("VmHWM") {
            eprintln!(
                "memory {label}: {}",
                line.split_whitespace().collect::<Vec<_>>().join(" ")
            );
        }
    }
}

/// Prints how long a phase took with a label when `SSOT_TIMINGS` is set.
pub fn report(label: &str, elapsed: std::time::Duration) {
    if std::env::var_os("SSOT_TIMINGS").is_some() {
        eprintln!("timing {label}: {:.3} s", elapsed.as_secs_f64());
    }
}
