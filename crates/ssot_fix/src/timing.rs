//! `SSOT_TIMINGS=1`: how long each phase of a fix run took, wall clock and CPU (all threads),
//! on stderr, for profiling. The CPU figure is what to compare on a loaded machine.

use std::time::Instant;

/// A phase being timed: reports when [`Phase::done`] is called and `SSOT_TIMINGS` is set.
pub(crate) struct Phase {
    started: Option<(Instant, f64)>,
}

impl Phase {
    pub(crate) fn start() -> Self {
        let started = std::env::var_os("SSOT_TIMINGS")
            .is_some()
            .then(|| (Instant::now(), process_cpu_seconds()));
        Self { started }
    }

    pub(crate) fn done(self, label: &str) {
        if let Some((wall, cpu)) = self.started {
            eprintln!(
                "timing fix session: {label}: {:.3} s ({:.2} s CPU)",
                wall.elapsed().as_secs_f64(),
                process_cpu_seconds() - cpu
            );
        }
    }
}

/// User + system time of this process so far (Linux; 0 elsewhere).
fn process_cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name, which is parenthesised and may hold spaces.
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}
