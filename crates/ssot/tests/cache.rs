//! The facts cache: where it lives, what `--no-cache`, `--cache-dir`, `SSOT_CACHE_DIR` and
//! `ssot clean` do, bad caches, and the property that a warm run prints exactly what a run
//! without the cache prints, after any sequence of edits.

mod common;

use std::path::Path;

use common::{run, ssot};

fn write(root: &Path, path: &str, text: &str) {
    let full = root.join(path);
    std::fs::create_dir_all(full.parent().unwrap()).unwrap();
    std::fs::write(full, text).unwrap();
}

/// `check` and `scan` as JSON, each with the cache (`cache_args`) and without it; asserts
/// they agree and returns the cached run's output.
fn outputs_agree(root: &Path, cache_args: &[&str]) -> String {
    let mut combined = String::new();
    for command in [
        &["check", "--output-format", "json", "--exit-zero"][..],
        &["scan", "--output-format", "json"][..],
    ] {
        let (cold_code, cold, cold_err) =
            run(ssot().args(command).arg("--no-cache").current_dir(root));
        let (warm_code, warm, warm_err) =
            run(ssot().args(command).args(cache_args).current_dir(root));
        assert_eq!(cold_code, warm_code, "{command:?}\n{cold_err}\n{warm_err}");
        assert_eq!(cold, warm, "{command:?}: the cache changed the output");
        assert_eq!(cold_err, warm_err, "{command:?}");
        combined.push_str(&warm);
    }
    combined
}

fn small_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "pkg/__init__.py",
        "from pkg.core import Manager\n",
    );
    write(dir.path(), "pkg/core.py", "class Manager:\n    pass\n");
    write(
        dir.path(),
        "app.py",
        "import pkg.core\nfrom pkg import Manager\nx = pkg.core.Manager()\n",
    );
    dir
}

#[test]
fn the_cache_lives_in_the_project_root_and_no_cache_writes_nothing() {
    let dir = small_project();
    outputs_agree(dir.path(), &[]);
    let cache = dir.path().join(".ssot_cache");
    assert!(cache.join("CACHEDIR.TAG").is_file());
    assert_eq!(
        std::fs::read_to_string(cache.join(".gitignore"))
            .unwrap()
            .lines()
            .last(),
        Some("*")
    );
    let packs = std::fs::read_dir(cache.join("facts")).unwrap().count();
    assert!(packs >= 1);

    let fresh = small_project();
    run(ssot()
        .args(["check", "--no-cache", "--exit-zero"])
        .arg(fresh.path()));
    run(ssot().args(["scan", "--no-cache"]).arg(fresh.path()));
    assert!(!fresh.path().join(".ssot_cache").exists());

    // `ssot clean` removes it, and says so; a second clean has nothing to do.
    let (code, _, stderr) = run(ssot().arg("clean").arg(dir.path()));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("Removed"), "{stderr}");
    assert!(!cache.exists());
    let (code, _, stderr) = run(ssot().arg("clean").arg(dir.path()));
    assert_eq!((code, stderr.as_str()), (0, ""));
}

#[test]
fn cache_dir_and_ssot_cache_dir_move_it() {
    let dir = small_project();
    let elsewhere = tempfile::tempdir().unwrap();
    let by_flag = elsewhere.path().join("by-flag");
    let by_env = elsewhere.path().join("by-env");
    outputs_agree(dir.path(), &["--cache-dir", by_flag.to_str().unwrap()]);
    assert!(by_flag.join("CACHEDIR.TAG").is_file());
    run(ssot()
        .args(["check", "--exit-zero"])
        .arg(dir.path())
        .env("SSOT_CACHE_DIR", &by_env));
    assert!(by_env.join("CACHEDIR.TAG").is_file());
    assert!(!dir.path().join(".ssot_cache").exists());
    let (code, _, stderr) = run(ssot()
        .arg("clean")
        .arg(dir.path())
        .env("SSOT_CACHE_DIR", &by_env));
    assert_eq!(code, 0, "{stderr}");
    assert!(!by_env.exists());

    // `clean` never removes a directory ssot did not make.
    let precious = elsewhere.path().join("precious");
    write(&precious, "keep.txt", "mine\n");
    let (code, _, stderr) = run(ssot()
        .arg("clean")
        .arg(dir.path())
        .arg("--cache-dir")
        .arg(&precious));
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("does not look like an ssot cache"),
        "{stderr}"
    );
    assert!(precious.join("keep.txt").exists());
}

#[test]
fn an_unwritable_cache_is_one_warning_and_the_run_goes_on() {
    let dir = small_project();
    // A file where the directory should be: nothing can be written below it, even as root.
    let blocked = dir.path().join("blocked");
    std::fs::write(&blocked, "not a directory\n").unwrap();
    let (cold_code, cold, _) = run(ssot()
        .args(["check", "--output-format", "json", "--no-cache"])
        .arg(dir.path()));
    let (code, stdout, stderr) = run(ssot()
        .args(["check", "--output-format", "json", "--cache-dir"])
        .arg(&blocked)
        .arg(dir.path()));
    assert_eq!((code, stdout), (cold_code, cold));
    assert_eq!(
        stderr.matches("warning: cannot write the cache").count(),
        1,
        "{stderr}"
    );
    assert!(
        stderr.contains("running without writing the cache"),
        "{stderr}"
    );

    // With a concept declared, check also caches call sites: still one warning.
    write(
        dir.path(),
        "pyproject.toml",
        "[tool.ssot.concepts.manager]\ncanonical = \"pkg.core:Manager\"\n",
    );
    let (_, _, stderr) = run(ssot()
        .args([
            "check",
            "--output-format",
            "json",
            "--select",
            "ALL",
            "--cache-dir",
        ])
        .arg(&blocked)
        .arg(dir.path()));
    assert_eq!(
        stderr.matches("warning: cannot write the cache").count(),
        1,
        "{stderr}"
    );
}

#[test]
fn a_corrupt_cache_is_ignored_and_rewritten() {
    let dir = small_project();
    outputs_agree(dir.path(), &[]);
    let packs = dir.path().join(".ssot_cache/facts");
    let entries: Vec<_> = std::fs::read_dir(&packs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    for pack in &entries {
        let mut bytes = std::fs::read(pack).unwrap();
        let len = bytes.len();
        for byte in &mut bytes[len / 2..] {
            *byte = byte.wrapping_add(7);
        }
        std::fs::write(pack, &bytes).unwrap();
    }
    outputs_agree(dir.path(), &[]);
    // Truncated to half, then to nothing.
    for pack in &entries {
        let bytes = std::fs::read(pack).unwrap();
        std::fs::write(pack, &bytes[..bytes.len() / 2]).unwrap();
    }
    outputs_agree(dir.path(), &[]);
    for pack in &entries {
        std::fs::write(pack, b"").unwrap();
    }
    outputs_agree(dir.path(), &[]);
}

/// How many files' facts a `check` run took from the cache (`SSOT_TIMINGS=1` says).
fn files_from_cache(root: &Path) -> usize {
    let (code, _, stderr) = run(ssot()
        .args(["check", "--exit-zero"])
        .env("SSOT_TIMINGS", "1")
        .current_dir(root));
    assert_eq!(code, 0, "{stderr}");
    let line = stderr
        .lines()
        .find(|line| line.contains(" cached, "))
        .unwrap_or_else(|| panic!("no cache figures in:\n{stderr}"));
    let (_, after) = line.split_once('(').unwrap();
    after.split_whitespace().next().unwrap().parse().unwrap()
}

/// Every file directly in `dir`.
fn files_in(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

#[cfg(unix)]
fn make_fifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let name = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: `name` is a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o644) }, 0);
}

/// A pack written by another version of the cache format, and cache files that cannot be read
/// as files (a named pipe in their place, which would block a plain read forever): each is
/// ignored without a word, the output is what a run without the cache prints, and the run
/// writes the cache anew, so the next run takes every file from it again.
#[cfg(unix)]
#[test]
fn foreign_version_and_unreadable_cache_files_are_ignored_and_rewritten() {
    let dir = small_project();
    // Files change times younger than 2 s are not put in the stat index (it would not see a
    // write in the same clock tick); older ones are, so the index is written too.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    outputs_agree(dir.path(), &[]);
    let files = 3;
    assert_eq!(files_from_cache(dir.path()), files);
    let cache = dir.path().join(".ssot_cache");
    let packs = files_in(&cache.join("facts"));
    assert!(!packs.is_empty());

    // The format version follows the 8-byte magic.
    for pack in &packs {
        let mut bytes = std::fs::read(pack).unwrap();
        bytes[8] ^= 0xff;
        std::fs::write(pack, &bytes).unwrap();
    }
    outputs_agree(dir.path(), &[]);
    assert_eq!(files_from_cache(dir.path()), files);

    let stat_indexes = files_in(&cache.join("stat"));
    assert!(!stat_indexes.is_empty());
    for unreadable in packs.iter().chain(&stat_indexes) {
        std::fs::remove_file(unreadable).unwrap();
        make_fifo(unreadable);
    }
    let (_, _, stderr) = run(ssot()
        .args(["check", "--exit-zero"])
        .current_dir(dir.path()));
    assert_eq!(stderr, "", "an unreadable cache is not worth a word");
    for rewritten in packs.iter().chain(&stat_indexes) {
        assert!(
            rewritten.is_file(),
            "{} was not rewritten",
            rewritten.display()
        );
    }
    assert_eq!(files_from_cache(dir.path()), files);
    outputs_agree(dir.path(), &[]);
}

/// A small deterministic generator (xorshift64*): the property test's cases are the same on
/// every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &'a [String]) -> Option<&'a String> {
        (!items.is_empty()).then(|| &items[self.below(items.len())])
    }
}

fn python_files(root: &Path, dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if name.starts_with('.') {
            continue;
        }
        if path.is_dir() {
            python_files(root, &path, out);
        } else if name.ends_with(".py") {
            out.push(
                path.strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/"),
            );
        }
    }
    out.sort();
}

fn module_of(path: &str) -> String {
    path.trim_end_matches(".py")
        .trim_end_matches("/__init__")
        .replace('/', ".")
}

/// One random edit: imports added or removed, files added, removed or renamed, an
/// `__init__.py` added or removed, the configuration changed.
fn random_edit(root: &Path, rng: &mut Rng) -> String {
    let mut files = Vec::new();
    python_files(root, root, &mut files);
    let names = ["Manager", "Client", "helper", "Store", "CONSTANT"];
    let name = names[rng.below(names.len())];
    match rng.below(9) {
        0 | 1 => {
            let Some(file) = rng.pick(&files).cloned() else {
                return "nothing".into();
            };
            let Some(target) = rng.pick(&files).cloned() else {
                return "nothing".into();
            };
            let module = module_of(&target);
            let line = match rng.below(5) {
                0 => format!("from {module} import {name}\n"),
                1 => format!("import {module}\nvalue = {module}.{name}\n"),
                2 => format!("from {module} import *\n"),
                3 => format!("try:\n    from {module} import {name} as Alias\nexcept ImportError:\n    Alias = None\n"),
                _ => format!("def use():\n    from {module} import {name}\n    return {name}()\n"),
            };
            let mut text =
                String::from_utf8_lossy(&std::fs::read(root.join(&file)).unwrap()).into_owned();
            text.push_str(&line);
            std::fs::write(root.join(&file), text).unwrap();
            format!("import into {file}: {line:?}")
        }
        2 => {
            let Some(file) = rng.pick(&files).cloned() else {
                return "nothing".into();
            };
            let text =
                String::from_utf8_lossy(&std::fs::read(root.join(&file)).unwrap()).into_owned();
            let lines: Vec<&str> = text.lines().collect();
            if lines.is_empty() {
                return "nothing".into();
            }
            let cut = rng.below(lines.len());
            let kept: Vec<&str> = lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != cut)
                .map(|(_, l)| *l)
                .collect();
            std::fs::write(root.join(&file), kept.join("\n") + "\n").unwrap();
            format!("line {cut} removed from {file}")
        }
        3 => {
            let package = ["pkg", "pkg/sub", "other", ""][rng.below(4)];
            let path = format!(
                "{}mod{}.py",
                if package.is_empty() {
                    String::new()
                } else {
                    format!("{package}/")
                },
                rng.below(20)
            );
            write(
                root,
                &path,
                &format!("class {name}:\n    def run(self):\n        return 1\n\ndef helper():\n    return {name}()\n"),
            );
            format!("added {path}")
        }
        4 => match rng.pick(&files).cloned() {
            Some(file) => {
                std::fs::remove_file(root.join(&file)).unwrap();
                format!("removed {file}")
            }
            None => "nothing".into(),
        },
        5 => match rng.pick(&files).cloned() {
            Some(file) if !file.ends_with("__init__.py") => {
                let renamed = file.replace(".py", &format!("_{}.py", rng.below(3)));
                std::fs::rename(root.join(&file), root.join(&renamed)).unwrap();
                format!("renamed {file} to {renamed}")
            }
            _ => "nothing".into(),
        },
        6 => {
            let package = ["pkg", "pkg/sub", "other"][rng.below(3)];
            let init = root.join(package).join("__init__.py");
            if init.exists() {
                std::fs::remove_file(&init).unwrap();
                format!("removed {package}/__init__.py")
            } else {
                write(
                    root,
                    &format!("{package}/__init__.py"),
                    &format!("from .mod1 import {name}\n"),
                );
                format!("added {package}/__init__.py")
            }
        }
        7 => {
            // Bytes that are not UTF-8, and a syntax error: problems, still cached alike.
            let path = format!("pkg/odd{}.py", rng.below(3));
            let bytes: &[u8] = if rng.below(2) == 0 {
                b"x = '\xff\xfe'\n"
            } else {
                b"def broken(:\n    from pkg import Manager\n"
            };
            std::fs::create_dir_all(root.join("pkg")).unwrap();
            std::fs::write(root.join(&path), bytes).unwrap();
            format!("odd bytes in {path}")
        }
        _ => {
            let config = match rng.below(4) {
                0 => String::new(),
                1 => "[tool.ssot]\ntarget-version = \"py38\"\n".to_string(),
                2 => "[tool.ssot]\nknown-third-party = [\"other\"]\n".to_string(),
                _ => format!("[tool.ssot.concepts.thing]\ncanonical = \"pkg.core:{name}\"\n"),
            };
            std::fs::write(root.join("pyproject.toml"), &config).unwrap();
            format!("config {config:?}")
        }
    }
}

#[test]
fn warm_runs_print_what_runs_without_the_cache_print_after_random_edits() {
    let cases: u64 = std::env::var("SSOT_CACHE_PROPERTY_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6);
    let steps = 6;
    for case in 0..cases {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "pkg/__init__.py",
            "from pkg.core import Manager\nfrom .util import *\n",
        );
        write(
            root,
            "pkg/core.py",
            "class Manager:\n    def run(self):\n        return 1\n\nCONSTANT = 1\n",
        );
        write(root, "pkg/util.py", "__all__ = ['helper']\n\ndef helper():\n    from pkg.core import Manager\n    return Manager()\n");
        write(root, "pkg/sub/__init__.py", "");
        write(root, "pkg/sub/client.py", "import pkg.core\nfrom pkg import Manager as M\n\nclass Client(pkg.core.Manager):\n    pass\n");
        write(root, "tests/test_core.py", "from unittest import mock\nfrom pkg.core import Manager\nm = mock.Mock(spec=Manager)\n");
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (case + 1).wrapping_mul(0x1000_0000_01b3));
        let mut history = Vec::new();
        outputs_agree(root, &[]);
        for _ in 0..steps {
            history.push(random_edit(root, &mut rng));
            let result = std::panic::catch_unwind(|| outputs_agree(root, &[]));
            if let Err(panic) = result {
                eprintln!("case {case}, edits:\n  {}", history.join("\n  "));
                std::panic::resume_unwind(panic);
            }
        }
    }
}
