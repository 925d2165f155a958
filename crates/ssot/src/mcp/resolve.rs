//! `ssot_resolve {module, name}`: where `from module import name` leads, the concept it
//! belongs to, its canonical path and the import line to write instead.

use serde_json::{json, Value};
use ssot_index::census::origin_path;
use ssot_index::modules::is_identifier;
use ssot_index::{Origin, Resolution, Resolver};

use super::canonical::{canonical_path, import_line, CanonicalSource};
use super::tools::{string_argument, ToolAnswer};
use super::warm::WarmProject;

pub fn call(warm: &WarmProject, arguments: &Value) -> Result<ToolAnswer, String> {
    let module = string_argument(arguments, "module")?;
    let name = string_argument(arguments, "name")?;
    let module = module.trim();
    let name = name.trim();
    if module.starts_with('.') {
        return Err(format!(
            "`module` must be absolute (`pkg.sub`), not relative (`{module}`): relative imports \
             depend on the importing file"
        ));
    }
    if module.split('.').any(|segment| !is_identifier(segment)) {
        return Err(format!(
            "`module` must be a dotted module name like `pkg.sub`, got `{module}`"
        ));
    }
    if name.split('.').any(|segment| !is_identifier(segment)) {
        return Err(format!(
            "`name` must be a Python name like `Manager` (or `Outer.Inner`), got `{name}`"
        ));
    }
    let given = format!("{module}:{name}");
    let project = warm.project();
    let mut resolver = Resolver::new(project);
    let first = name.split('.').next().unwrap_or(name);
    let resolution = resolver.resolve_from(module, first);
    let origin = match &resolution {
        Resolution::Definition(origin) => nested(warm, *origin, name),
        _ => None,
    };
    match (origin, resolution) {
        (Some(origin), _) => Ok(definition_answer(warm, &given, origin)),
        (None, Resolution::Definition(origin)) => Ok(not_found_answer(
            warm,
            &given,
            name,
            &format!("`{}` has no nested `{name}`", origin_path(project, origin)),
        )),
        (None, Resolution::Module(id)) => {
            let module_name = project.modules.module(id).name.clone();
            let text = format!(
                "`{given}` is the module `{module_name}`; import it as `from {module} import {name}` \
                 or `import {module_name}`"
            );
            Ok(ToolAnswer {
                text,
                structured: json!({
                    "path": given,
                    "status": "module",
                    "origin": module_name,
                    "concept": null,
                    "canonical": given,
                    "is_canonical": true,
                    "import_line": import_line(&given),
                    "candidates": [],
                }),
            })
        }
        (
            None,
            Resolution::External {
                module: external, ..
            },
        ) => {
            let text = format!(
                "`{given}` is outside the project (from `{external}`); ssot has no canonical \
                 path for it"
            );
            Ok(ToolAnswer {
                text,
                structured: json!({
                    "path": given,
                    "status": "external",
                    "origin": external,
                    "concept": null,
                    "canonical": null,
                    "is_canonical": null,
                    "import_line": import_line(&given),
                    "candidates": [],
                }),
            })
        }
        (
            None,
            Resolution::Dangling {
                reason,
                module: broken,
                name: missing,
            },
        ) => {
            let why = match (reason, missing) {
                (ssot_index::DanglingReason::NotBound, Some(missing)) => {
                    format!("`{broken}` does not bind `{missing}`")
                }
                _ => format!("there is no module `{broken}` in the project"),
            };
            Ok(not_found_answer(warm, &given, first, &why))
        }
        (None, other) => {
            let (status, why) = match other {
                Resolution::Cycle => ("cycle", "its re-exports loop".to_string()),
                Resolution::BeyondTopLevel => (
                    "beyond-top-level",
                    "it climbs above its top-level package".to_string(),
                ),
                Resolution::Open(_) => (
                    "open",
                    format!(
                        "`{module}` defines names at run time; ssot cannot know without running it"
                    ),
                ),
                _ => (
                    "module-attribute",
                    "it is an attribute every module has".to_string(),
                ),
            };
            Ok(ToolAnswer {
                text: format!("`{given}` cannot be resolved: {why}"),
                structured: json!({
                    "path": given,
                    "status": status,
                    "reason": why,
                    "origin": null,
                    "concept": null,
                    "canonical": null,
                    "is_canonical": null,
                    "import_line": null,
                    "candidates": [],
                }),
            })
        }
    }
}

/// The nested definition `Outer.Inner` below `origin` (which is `Outer`), or `origin` itself.
fn nested(warm: &WarmProject, origin: Origin, name: &str) -> Option<Origin> {
    let mut segments = name.split('.');
    segments.next();
    let mut current = origin;
    for segment in segments {
        let file = warm.project().file(current.file);
        let parent = &file.facts.definitions[current.definition as usize].qualname;
        let wanted = format!("{parent}.{segment}");
        let index = file
            .facts
            .definitions
            .iter()
            .position(|definition| definition.qualname == wanted)?;
        current = Origin {
            file: current.file,
            definition: index as u32,
        };
    }
    Some(current)
}

fn definition_answer(warm: &WarmProject, given: &str, origin: Origin) -> ToolAnswer {
    let project = warm.project();
    let defined = origin_path(project, origin);
    let file = project.file(origin.file);
    let definition = &file.facts.definitions[origin.definition as usize];
    let declared = warm.declared_concept(origin);
    let (canonical, source) = match declared {
        Some(concept) => (concept.canonical_path.clone(), CanonicalSource::Declared),
        None => canonical_path(warm, origin),
    };
    let competing = declared.is_some_and(|concept| concept.canonical != origin);
    let is_canonical = !competing && canonical == given;
    let concept = declared.map(|concept| {
        json!({
            "name": concept.name,
            "declared": true,
            "role": if competing { "competing-definition" } else { "canonical" },
        })
    });
    let concept = concept.or_else(|| {
        warm.candidate_of(origin).map(|candidate| {
            let role = candidate
                .members
                .iter()
                .find(|member| member.origin == origin)
                .map_or("member", |member| member.role.as_str());
            json!({"name": candidate.name, "declared": false, "role": role})
        })
    });
    let line = import_line(&canonical);
    let text = if competing {
        let name = &declared.map(|c| c.name.clone()).unwrap_or_default();
        format!(
            "`{given}` reaches `{defined}`, a competing definition of the concept `{name}`: use \
             the canonical `{canonical}` instead (`{line}`); the two are different objects, so \
             check the behaviour you rely on"
        )
    } else if is_canonical {
        format!("`{given}` is the canonical path of `{defined}`: `{line}`")
    } else {
        format!(
            "`{given}` reaches `{defined}`; its canonical path is `{canonical}` ({}): write `{line}`",
            source.as_str().replace('-', " ")
        )
    };
    ToolAnswer {
        text,
        structured: json!({
            "path": given,
            "status": "definition",
            "origin": defined,
            "kind": definition.kind.as_str(),
            "defined_at": {"path": file.path, "line": definition.position.line},
            "concept": concept,
            "canonical": canonical,
            "canonical_source": source.as_str(),
            "is_canonical": is_canonical,
            "import_line": line,
            "references": warm.references(origin),
            "candidates": [],
        }),
    }
}

/// A path that leads nowhere, with the definitions of that name the project does have.
fn not_found_answer(warm: &WarmProject, given: &str, name: &str, why: &str) -> ToolAnswer {
    let project = warm.project();
    let mut found: Vec<(String, u32)> = Vec::new();
    for (file_id, file) in project.files.iter().enumerate() {
        if project.modules.module_of_file(file_id as u32).is_none() {
            continue;
        }
        for (index, definition) in file.facts.definitions.iter().enumerate() {
            if definition.module_level && definition.qualname == name {
                let origin = Origin {
                    file: file_id as u32,
                    definition: index as u32,
                };
                let references = warm.references(origin);
                found.push((canonical_path(warm, origin).0, references));
            }
        }
    }
    found.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    found.dedup_by(|a, b| a.0 == b.0);
    found.truncate(10);
    let text = match found.first() {
        Some((path, _)) => format!(
            "`{given}` does not exist: {why}. The project defines `{name}` at `{path}`: write `{}`",
            import_line(path)
        ),
        None => {
            format!("`{given}` does not exist: {why}; nothing in the project is named `{name}`")
        }
    };
    ToolAnswer {
        text,
        structured: json!({
            "path": given,
            "status": "dangling",
            "reason": why,
            "origin": null,
            "concept": null,
            "canonical": found.first().map(|(path, _)| path.clone()),
            "is_canonical": false,
            "import_line": found.first().map(|(path, _)| import_line(path)),
            "candidates": found
                .iter()
                .map(|(path, references)| json!({"canonical": path, "references": references}))
                .collect::<Vec<_>>(),
        }),
    }
}
