//! How ssot reaches its users, checked from the files that say so: the `ssot-gardener` wheel
//! (`pyproject.toml`, `python/ssot`), the pre-commit hooks (`.pre-commit-hooks.yaml`) and the
//! GitHub Action (`action.yml`). The wheel itself is built and installed by `.ci/run`.

mod common;

use std::path::{Path, PathBuf};

use common::{run, ssot};
use yaml_rust2::{Yaml, YamlLoader};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repository().join(path)).unwrap_or_else(|err| panic!("{path}: {err}"))
}

fn yaml(path: &str) -> Yaml {
    let mut documents =
        YamlLoader::load_from_str(&read(path)).unwrap_or_else(|err| panic!("{path}: {err}"));
    assert_eq!(documents.len(), 1, "{path}: one YAML document");
    documents.remove(0)
}

fn text<'a>(value: &'a Yaml, what: &str) -> &'a str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {value:?}"))
}

#[test]
fn pyproject_builds_the_ssot_binary_as_ssot_gardener() {
    let pyproject: toml::Table = read("pyproject.toml").parse().unwrap();
    assert_eq!(
        pyproject["build-system"]["build-backend"].as_str(),
        Some("maturin")
    );
    let requires = pyproject["build-system"]["requires"].as_array().unwrap();
    assert!(
        requires.iter().any(|r| r
            .as_str()
            .is_some_and(|r| r.starts_with("maturin>=") && r.contains(",<"))),
        "maturin's version range is pinned: {requires:?}"
    );
    let project = pyproject["project"].as_table().unwrap();
    assert_eq!(project["name"].as_str(), Some("ssot-gardener"));
    let maturin = pyproject["tool"]["maturin"].as_table().unwrap();
    assert_eq!(maturin["bindings"].as_str(), Some("bin"));
    assert_eq!(maturin["strip"].as_bool(), Some(true));
    let manifest = maturin["manifest-path"].as_str().unwrap();
    let cli: toml::Table = read(manifest).parse().unwrap();
    assert_eq!(cli["package"]["name"].as_str(), Some("ssot"));
    assert_eq!(cli["bin"][0]["name"].as_str(), Some("ssot"));
    let package = Path::new(maturin["python-source"].as_str().unwrap())
        .join(maturin["module-name"].as_str().unwrap());
    assert!(repository().join(&package).join("__main__.py").is_file());
}

/// The root pyproject.toml is also what ssot reads when run on this repository: it must not
/// be a configuration, nor change the Python version files are parsed for.
#[test]
fn root_pyproject_does_not_configure_ssot_on_this_repository() {
    let pyproject: toml::Table = read("pyproject.toml").parse().unwrap();
    assert!(pyproject
        .get("tool")
        .and_then(|tool| tool.get("ssot"))
        .is_none());
    let (code, stdout, stderr) = run(ssot()
        .current_dir(repository())
        .args(["check", "--show-settings"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("Configuration: none found"), "{stdout}");
    assert!(stdout.contains("(from the newest Python)"), "{stdout}");
    assert!(stdout.contains("known-third-party = []\n"), "{stdout}");
    assert!(
        stdout.contains("declared dependencies (third-party too) = []\n"),
        "{stdout}"
    );
}

#[test]
fn pre_commit_hooks_run_check_and_fix_on_the_whole_project() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hooks = hooks.as_vec().expect("a list of hooks");
    let ids: Vec<&str> = hooks.iter().map(|h| text(&h["id"], "id")).collect();
    assert_eq!(ids, ["ssot-check", "ssot-fix"]);
    for (hook, command) in hooks.iter().zip(["ssot check", "ssot fix"]) {
        assert_eq!(text(&hook["entry"], "entry"), command);
        assert_eq!(text(&hook["language"], "language"), "python");
        assert_eq!(hook["pass_filenames"].as_bool(), Some(false));
        let types: Vec<&str> = hook["types_or"]
            .as_vec()
            .unwrap()
            .iter()
            .map(|t| text(t, "type"))
            .collect();
        assert_eq!(types, ["python", "pyi"]);
        text(&hook["name"], "name");
    }
}

/// Every `${{ inputs.NAME }}` in the action's steps.
fn inputs_used(step_values: &str) -> Vec<String> {
    let mut used = Vec::new();
    let mut rest = step_values;
    while let Some(at) = rest.find("inputs.") {
        rest = &rest[at + "inputs.".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        used.push(name);
    }
    used.sort();
    used.dedup();
    used
}

fn step_with_name<'a>(steps: &'a [Yaml], name: &str) -> &'a Yaml {
    steps
        .iter()
        .find(|step| step["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no step named {name:?}"))
}

#[test]
fn action_is_composite_and_uses_every_input() {
    let action = yaml("action.yml");
    text(&action["name"], "name");
    text(&action["description"], "description");
    let inputs = action["inputs"].as_hash().expect("inputs");
    let mut declared: Vec<String> = inputs
        .keys()
        .map(|k| text(k, "input").to_string())
        .collect();
    declared.sort();
    assert_eq!(declared, ["args", "version", "working-directory"]);
    for (name, input) in inputs {
        text(&input["description"], "description");
        assert_eq!(input["required"].as_bool(), Some(false), "{name:?}");
    }
    assert_eq!(text(&action["runs"]["using"], "using"), "composite");
    let steps = action["runs"]["steps"].as_vec().expect("steps");
    let mut all = String::new();
    for step in steps {
        assert_eq!(text(&step["shell"], "shell"), "bash", "{step:?}");
        let mut emitter_out = String::new();
        yaml_rust2::YamlEmitter::new(&mut emitter_out)
            .dump(step)
            .unwrap();
        all.push_str(&emitter_out);
    }
    assert_eq!(
        inputs_used(&all),
        declared,
        "every input used, none undeclared"
    );

    let install = step_with_name(steps, "Install ssot");
    let script = text(&install["run"], "run");
    assert!(
        script.contains("\"ssot-gardener==$SSOT_VERSION\""),
        "{script}"
    );
    assert!(
        script.contains("install --quiet \"$SSOT_ACTION_PATH\""),
        "{script}"
    );
    assert!(script.contains(">> \"$GITHUB_PATH\""), "{script}");
    assert_eq!(
        text(&install["env"]["SSOT_VERSION"], "env"),
        "${{ inputs.version }}"
    );

    let check = step_with_name(steps, "ssot check");
    assert!(text(&check["run"], "run").contains("ssot check --output-format github $SSOT_ARGS"));
    assert_eq!(
        text(&check["env"]["SSOT_ARGS"], "env"),
        "${{ inputs.args }}"
    );
    assert_eq!(
        text(&check["working-directory"], "working-directory"),
        "${{ inputs.working-directory }}"
    );

    let summary = step_with_name(steps, "ssot report in the job summary");
    let script = text(&summary["run"], "run");
    assert!(script.contains("if ssot report --help"), "{script}");
    assert!(
        script.contains("ssot report --format markdown >> \"$GITHUB_STEP_SUMMARY\""),
        "{script}"
    );
    // The summary is wanted most when the check failed.
    assert!(text(&summary["if"], "if").contains("!cancelled()"));
}

/// The action's shell steps run as the runner would run them, with ssot on the `PATH` and
/// the runner's files in a temporary directory: the check's exit code and annotations, and
/// arguments split on whitespace without glob expansion.
#[test]
fn action_check_step_runs_ssot_with_the_given_arguments() {
    let action = yaml("action.yml");
    let steps = action["runs"]["steps"].as_vec().unwrap();
    let script = text(&step_with_name(steps, "ssot check")["run"], "run");
    let project = common::text_project(&[
        ("ssot.toml", ""),
        ("pkg/__init__.py", ""),
        ("pkg/a.py", "from pkg.missing import thing\n"),
        ("pkg/b.py", "from pkg.gone import other\n"),
    ]);
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_ssot")).parent().unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap());
    let run_step = |args: &str| {
        run(std::process::Command::new("bash")
            .args(["-c", script])
            .current_dir(project.path())
            .env("PATH", &path)
            .env("NO_COLOR", "1")
            .env("SSOT_ARGS", args))
    };
    let (code, stdout, _) = run_step("");
    assert_eq!(code, 1);
    assert_eq!(stdout.matches("::error ").count(), 2, "{stdout}");
    let (code, stdout, _) = run_step("--exit-zero  pkg/a.py");
    assert_eq!(code, 0);
    assert_eq!(stdout.matches("::error ").count(), 1, "{stdout}");
    // `*` reaches ssot as written (no such file), not as the files bash would list.
    let (code, _, stderr) = run_step("pkg/*");
    assert_eq!(code, 2);
    assert!(stderr.contains("pkg/*: no such file"), "{stderr}");
}

/// A YAML document as the JSON value GitHub reads from it (keys are strings).
fn yaml_to_json(value: &Yaml) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Yaml::Real(s) => s
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| Value::String(s.clone()), Value::Number),
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Integer(i) => Value::from(*i),
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Array(items) => Value::Array(items.iter().map(yaml_to_json).collect()),
        Yaml::Hash(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let key = match k {
                        Yaml::String(s) | Yaml::Real(s) => s.clone(),
                        Yaml::Integer(i) => i.to_string(),
                        Yaml::Boolean(b) => b.to_string(),
                        other => panic!("a key GitHub cannot read: {other:?}"),
                    };
                    (key, yaml_to_json(v))
                })
                .collect(),
        ),
        Yaml::Null => Value::Null,
        other => panic!("a YAML value GitHub cannot read: {other:?}"),
    }
}

/// `action.yml` is valid action metadata: SchemaStore's schema of GitHub's metadata syntax
/// (allowed keys, input fields, composite steps with a shell, branding icons and colours).
#[test]
fn action_metadata_is_valid_against_the_action_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("data/github-action-schema.json")).unwrap();
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .build(&schema)
        .expect("the action metadata schema compiles");
    let action = yaml_to_json(&yaml("action.yml"));
    let errors: Vec<String> = validator
        .iter_errors(&action)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");

    // The schema catches what GitHub rejects: a misspelt input field, a step without a
    // shell, an icon GitHub does not have.
    let mut broken = action.clone();
    broken["inputs"]["args"]["requird"] = serde_json::Value::Bool(false);
    assert!(!validator.is_valid(&broken));
    let mut broken = action.clone();
    broken["runs"]["steps"][0]
        .as_object_mut()
        .unwrap()
        .remove("shell");
    assert!(!validator.is_valid(&broken));
    let mut broken = action;
    broken["branding"]["icon"] = serde_json::Value::String("checkmark-circle".to_string());
    assert!(!validator.is_valid(&broken));
}

/// The README's workflow passes the action only inputs it declares.
#[test]
fn readme_workflow_uses_only_the_actions_inputs() {
    let readme = read("README.md");
    let section = readme
        .split("## GitHub Actions")
        .nth(1)
        .expect("a GitHub Actions section");
    let block = section
        .split("```yaml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a YAML block");
    let workflow = YamlLoader::load_from_str(block).unwrap().remove(0);
    let steps = workflow["jobs"]["ssot"]["steps"].as_vec().expect("steps");
    let step = steps
        .iter()
        .find(|s| s["uses"].as_str().is_some_and(|u| u.contains("/ssot@")))
        .expect("a step using the action");
    let action = yaml("action.yml");
    let inputs = action["inputs"].as_hash().unwrap();
    let with = step["with"].as_hash().expect("with:");
    assert!(!with.is_empty());
    for key in with.keys() {
        assert!(
            inputs.contains_key(key),
            "{key:?} is not an input of action.yml"
        );
    }
}
