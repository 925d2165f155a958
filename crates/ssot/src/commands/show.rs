//! `check --show-settings` and `check --show-files`: what a run would use and analyse, read
//! from the configuration and the walk alone (no source file is parsed).

use std::io::Write;

use anyhow::Result;

use crate::config::{DEFAULT_MAX_FILE_SIZE, DEFAULT_TEST_PATHS};
use crate::output::OutputArgs;
use crate::scopes::Scopes;
use crate::workspace::{path_in_targets, survey, ProjectArgs, Survey};

/// Prints the resolved configuration, the file it came from, and the declared concepts.
pub fn show_settings(project: &ProjectArgs, output: &OutputArgs) -> Result<()> {
    let survey = survey(project)?;
    let scopes = Scopes::from_config(&survey.config)?;
    output.write_with(|out| render_settings(&survey, &scopes, out))
}

/// Prints every file a run would analyse (those in the paths given), with its scope.
pub fn show_files(project: &ProjectArgs, output: &OutputArgs) -> Result<()> {
    let survey = survey(project)?;
    let scopes = Scopes::from_config(&survey.config)?;
    output.write_with(|out| {
        let shown: Vec<(&str, &str)> = survey
            .files
            .iter()
            .filter(|file| path_in_targets(&survey.targets, &file.relative))
            .map(|file| (scopes.of(&file.relative), file.relative.as_str()))
            .collect();
        let width = shown
            .iter()
            .map(|(scope, _)| scope.len())
            .max()
            .unwrap_or(0);
        for (scope, path) in &shown {
            writeln!(out, "{scope:<width$}  {path}")?;
        }
        Ok(())
    })
}

fn list(values: impl IntoIterator<Item = impl AsRef<str>>) -> String {
    let quoted: Vec<String> = values
        .into_iter()
        .map(|value| format!("{:?}", value.as_ref()))
        .collect();
    format!("[{}]", quoted.join(", "))
}

fn render_settings(survey: &Survey, scopes: &Scopes, out: &mut dyn Write) -> std::io::Result<()> {
    let config = &survey.config;
    writeln!(out, "Project root: {}", survey.root.display())?;
    match &survey.config_source {
        Some(source) => writeln!(out, "Configuration: {}", source.display())?,
        None => writeln!(
            out,
            "Configuration: none found (no ssot.toml, no pyproject.toml with [tool.ssot]); defaults"
        )?,
    }
    writeln!(out)?;
    writeln!(out, "Settings")?;
    let roots = survey.import_roots.iter().map(|root| {
        if root.is_empty() {
            ".".to_string()
        } else {
            root.clone()
        }
    });
    let how = if config.src.is_some() {
        "configured"
    } else {
        "auto-detected"
    };
    writeln!(out, "  src = {} ({how})", list(roots))?;
    writeln!(out, "  exclude = {}", list(&survey.excludes))?;
    let test_paths: Vec<&str> = match &config.test_paths {
        Some(globs) => globs.iter().map(String::as_str).collect(),
        None => DEFAULT_TEST_PATHS.to_vec(),
    };
    writeln!(out, "  test-paths = {}", list(test_paths))?;
    let named = scopes.names();
    writeln!(
        out,
        "  scopes = {} (a file is in the first configured scope that matches it, else `test`, \
         else `production`)",
        list(named)
    )?;
    let (version, source) = survey.target_version;
    writeln!(
        out,
        "  target-version = py{}{} (from {source})",
        version.major, version.minor
    )?;
    writeln!(
        out,
        "  known-third-party = {}",
        list(&config.known_third_party)
    )?;
    writeln!(
        out,
        "  declared dependencies (third-party too) = {}",
        list(&survey.dependencies)
    )?;
    writeln!(
        out,
        "  external-modules = {}",
        list(&config.external_modules)
    )?;
    let baseline = config
        .baseline
        .clone()
        .unwrap_or_else(|| ssot_rules::baseline::DEFAULT_BASELINE_FILE.to_string());
    let exists = if survey.root.join(&baseline).is_file() {
        "present"
    } else {
        "absent"
    };
    writeln!(out, "  baseline = {baseline:?} ({exists})")?;
    writeln!(
        out,
        "  max-file-size = {}",
        config.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE)
    )?;
    writeln!(
        out,
        "  max-file-tokens = {}",
        config
            .max_file_tokens
            .unwrap_or(ssot_engine::token_budget::DEFAULT_MAX_FILE_TOKENS)
    )?;
    writeln!(out, "  follow-links = {}", config.follow_links)?;
    if config.per_file_ignores.is_empty() {
        writeln!(out, "  per-file-ignores = {{}}")?;
    } else {
        writeln!(out, "  per-file-ignores:")?;
        for (glob, codes) in &config.per_file_ignores {
            writeln!(out, "    {glob:?} = {}", list(codes))?;
        }
    }
    match &survey.cache_dir {
        Some(dir) => writeln!(
            out,
            "  cache: {}",
            crate::workspace::normalize(dir).display()
        )?,
        None => writeln!(out, "  cache: off (--no-cache)")?,
    }
    writeln!(out, "  files: {} found", survey.files.len())?;
    writeln!(out)?;
    writeln!(out, "Concepts ({})", config.concepts.len())?;
    for (name, concept) in &config.concepts {
        writeln!(out, "  {name}")?;
        writeln!(out, "    canonical = {:?}", concept.canonical)?;
        let lists = [
            ("members", &concept.members),
            ("accessors", &concept.accessors),
            ("shims", &concept.shims),
            ("allow", &concept.allow),
        ];
        for (key, values) in lists {
            if !values.is_empty() {
                writeln!(out, "    {key} = {}", list(values))?;
            }
        }
        if let Some(factory) = &concept.factory {
            writeln!(out, "    factory = {factory:?}")?;
        }
    }
    Ok(())
}
