//! Fingerprints the extraction code (the facts types and the Python front end) so that a
//! development build whose extraction changed never reads facts a previous build cached under
//! the same version number.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let mut files = Vec::new();
    for crate_dir in ["../ssot_facts", "../ssot_python"] {
        let dir = manifest.join(crate_dir);
        println!("cargo:rerun-if-changed={}", dir.join("src").display());
        println!(
            "cargo:rerun-if-changed={}",
            dir.join("Cargo.toml").display()
        );
        collect(&dir.join("src"), &mut files);
        files.push(dir.join("Cargo.toml"));
    }
    files.sort();
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for file in &files {
        if let Ok(bytes) = std::fs::read(file) {
            file.strip_prefix(&manifest)
                .unwrap_or(file)
                .hash(&mut hasher);
            bytes.hash(&mut hasher);
        }
    }
    println!(
        "cargo:rustc-env=SSOT_EXTRACTION_FINGERPRINT={:016x}",
        hasher.finish()
    );
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}
