//! The isolation rules through the real binary: the config's `accessors` and `factory` reach
//! the rules, and symbols that do not exist are configuration errors.

mod common;

use common::{run, ssot, text_project};
use serde_json::Value;

const SOURCES: &[(&str, &str)] = &[
    ("pkg/__init__.py", ""),
    (
        "pkg/core.py",
        "class Manager:\n    def __init__(self, user_id=None):\n        self.user_id = user_id\n",
    ),
    (
        "pkg/access.py",
        "from pkg.core import Manager\n\n\
         def admin_manager():\n    return _admin\n\n\
         _by_user = {}\n\n\
         def manager_for(user_id):\n    if user_id not in _by_user:\n        _by_user[user_id] = Manager(user_id)\n    return _by_user[user_id]\n\n\
         _admin = None\n",
    ),
    (
        "app/views.py",
        "from pkg.access import admin_manager, manager_for\n\n\
         def handle(user_id):\n    admin_manager()\n    manager_for(None)\n    return manager_for(user_id)\n",
    ),
];

fn check(config: &str) -> (i32, String, String) {
    check_with_env(config, &[])
}

fn check_with_env(config: &str, env: &[(&str, &str)]) -> (i32, String, String) {
    let mut files = vec![("ssot.toml", config)];
    files.extend_from_slice(SOURCES);
    let dir = text_project(&files);
    run(ssot()
        .args(["check", "--output-format", "json", "--select", "SSOT301"])
        .envs(env.iter().copied())
        .arg(dir.path()))
}

/// The messages of a JSON report's diagnostics.
fn messages(stdout: &str) -> Vec<String> {
    let report: Value = serde_json::from_str(stdout).unwrap();
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap().to_string())
        .collect()
}

/// `admin_manager` has no shape ssot recognises, so only the declared `accessors` entry can
/// report its call; `manager_for` is a keyed registry: its call with `None` (one key every
/// such caller shares) is reported unless it is the `factory`, its call keyed by the user is
/// not.
#[test]
fn declared_accessors_are_reported_and_the_declared_factory_is_not() {
    let declared = "[concepts.manager]\ncanonical = 'pkg.core:Manager'\n\
                    accessors = ['pkg.access:admin_manager']\nfactory = 'pkg.access:manager_for'\n";
    let (code, stdout, stderr) = check(declared);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        messages(&stdout),
        vec![
            "call of accessor `pkg.access:admin_manager`, which the concept's `accessors` \
             declares to hand out one shared instance (concept `manager`; ssot does not read a \
             declared accessor's body); create one per owner with `pkg.access:manager_for`"
        ]
    );

    let undeclared = "[concepts.manager]\ncanonical = 'pkg.core:Manager'\n";
    let (code, stdout, _) = check(undeclared);
    assert_eq!(code, 1);
    assert_eq!(
        messages(&stdout),
        vec![
            "accessor `pkg.access:manager_for` called with `None` hands every such caller one \
             shared instance (concept `manager`), the one under the key `None`, kept per key in \
             the module-level dict `_by_user`"
        ]
    );
}

#[test]
fn accessor_or_factory_that_does_not_exist_is_a_configuration_error() {
    let config = "[concepts.manager]\ncanonical = 'pkg.core:Manager'\n\
                  accessors = ['pkg.access:get_manager']\nfactory = 'pkg.access:Manager.create'\n";
    let (code, _, stderr) = check(config);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(
            "accessor `pkg.access:get_manager` does not exist: `pkg.access` does not bind `get_manager`"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "factory `pkg.access:Manager.create` does not exist: neither `Manager` nor its bases define a method `create`"
        ),
        "{stderr}"
    );
}

/// A file read again for its call sites after someone changed it keeps the facts it was
/// loaded with, without call sites, and a warning says its calls were not checked.
#[test]
fn a_file_changed_after_loading_has_its_calls_unchecked_with_a_warning() {
    let declared = "[concepts.manager]\ncanonical = 'pkg.core:Manager'\n\
                    accessors = ['pkg.access:admin_manager']\n";
    let (code, stdout, stderr) = check(declared);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(messages(&stdout).len(), 2, "{stdout}");

    let (code, stdout, stderr) = check_with_env(
        declared,
        &[("SSOT_FAULT_CHANGE_AFTER_LOAD", "app/views.py")],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(messages(&stdout).is_empty(), "{stdout}");
    assert!(
        stderr.contains(
            "warning: app/views.py: its calls were not checked: the file changed since it was \
             analysed"
        ),
        "{stderr}"
    );
}
