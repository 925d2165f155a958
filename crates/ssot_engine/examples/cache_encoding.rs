//! Measures the facts cache's candidate encodings on a corpus: encoded size and the time to
//! decode every file's facts (the warm run's cost), single-threaded.
//!
//!     cargo run --release -p ssot_engine --example cache_encoding -- DIR [calls]
//!
//! `calls` is `nothing` (default, what `scan` and `check` without concepts load), `names`
//! or `sites`. BENCHMARKS.md ("Facts cache") records a run.

use std::path::Path;
use std::time::Instant;

use ssot_facts::{CallDetail, FileFacts};

fn python_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        {
            continue;
        }
        if path.is_dir() {
            python_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "py" || e == "pyi") {
            out.push(path);
        }
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .expect("usage: cache_encoding DIR [nothing|names|sites]");
    let calls = match args.next().as_deref() {
        Some("names") => CallDetail::Names,
        Some("sites") => CallDetail::Sites,
        _ => CallDetail::Nothing,
    };
    let mut paths = Vec::new();
    python_files(Path::new(&dir), &mut paths);
    paths.sort();
    let mut source_bytes = 0usize;
    let facts: Vec<FileFacts> = paths
        .iter()
        .filter_map(|path| {
            let bytes = std::fs::read(path).ok()?;
            source_bytes += bytes.len();
            ssot_python::facts_from_bytes_with(
                &bytes,
                ssot_python::SourceKind::from_path(&path.to_string_lossy()),
                calls,
            )
            .ok()
        })
        .collect();
    println!(
        "{} files, {:.1} MiB of source, calls {calls:?}",
        facts.len(),
        source_bytes as f64 / (1 << 20) as f64
    );
    type Encode = fn(&FileFacts) -> Vec<u8>;
    type Decode = fn(&[u8]) -> FileFacts;
    let encodings: [(&str, Encode, Decode); 2] = [
        (
            "postcard",
            |f| postcard::to_stdvec(f).unwrap(),
            |b| postcard::from_bytes(b).unwrap(),
        ),
        (
            "bincode (standard: varint)",
            |f| bincode::serde::encode_to_vec(f, bincode::config::standard()).unwrap(),
            |b| {
                bincode::serde::decode_from_slice(b, bincode::config::standard())
                    .unwrap()
                    .0
            },
        ),
    ];
    for (name, encode, decode) in encodings {
        let started = Instant::now();
        let encoded: Vec<Vec<u8>> = facts.iter().map(encode).collect();
        let encode_time = started.elapsed();
        let size: usize = encoded.iter().map(Vec::len).sum();
        let mut best = f64::MAX;
        for _ in 0..5 {
            let started = Instant::now();
            let decoded: Vec<FileFacts> = encoded.iter().map(|b| decode(b)).collect();
            best = best.min(started.elapsed().as_secs_f64());
            assert_eq!(decoded.len(), facts.len());
            assert!(decoded == facts, "{name} does not round-trip");
        }
        println!(
            "{name:28} size {:7.2} MiB ({:4.1}% of source)  encode {:.3} s  decode {:.3} s (best of 5)",
            size as f64 / (1 << 20) as f64,
            100.0 * size as f64 / source_bytes as f64,
            encode_time.as_secs_f64(),
            best
        );
    }
}
