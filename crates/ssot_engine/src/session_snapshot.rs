//! What a front end copies out of a [`Session`] to answer read-only requests from another
//! thread while the session goes on changing: every import binding of a file with what it
//! resolves to, computed at once over one resolver (what [`Session::import_at`] answers for
//! one position, for all positions of the file).
//!
//! The editor server calls this after each analysis for the open documents and keeps the
//! result in an immutable snapshot, so hover and go-to-definition never wait for the next
//! analysis.

use ssot_facts::ImportKind;
use ssot_index::Resolver;
use ssot_rules::{resolve_concepts, ResolvedConcept};

use super::{describe_resolution, location, ImportInfo, Session, SessionError};

impl Session {
    /// Every import binding written in a file (root-relative path), in the order of the
    /// file's import statements and names, each as [`Session::import_at`] describes it at
    /// its name's position. Empty when the project does not analyse `path`.
    pub fn imports_of(&mut self, path: &str) -> Result<Vec<ImportInfo>, SessionError> {
        Ok(self.imports_of_files(&[path])?.pop().unwrap_or_default())
    }

    /// [`Session::imports_of`] for several files at once, over one resolver (building one
    /// reads every file's facts): one list per path, in the order given.
    pub fn imports_of_files(
        &mut self,
        paths: &[&str],
    ) -> Result<Vec<Vec<ImportInfo>>, SessionError> {
        let concepts = self.analysis()?.concepts.clone();
        let project = &self.project;
        let declarations = &self.settings.declarations;
        // One resolver for `.py` files and one for stubs, each made when first needed, and
        // the declared concepts resolved once per resolver.
        let mut resolvers: [Option<(Resolver<'_>, Option<Vec<ResolvedConcept>>)>; 2] = [None, None];
        let mut all = Vec::with_capacity(paths.len());
        for &path in paths {
            let mut infos = Vec::new();
            let Some(file) = self.file_id(path) else {
                all.push(infos);
                continue;
            };
            let facts = &project.file(file).facts;
            if facts.imports.is_empty() {
                all.push(infos);
                continue;
            }
            let stub = path.ends_with(".pyi");
            let (resolver, declared) = resolvers[usize::from(stub)].get_or_insert_with(|| {
                let resolver = if stub {
                    Resolver::for_stubs(project)
                } else {
                    Resolver::new(project)
                };
                (resolver, None)
            });
            for import in &facts.imports {
                for name in &import.names {
                    let binding = location(path, name.position, name.span);
                    let (import_path, resolution) = match &import.kind {
                        ImportKind::Import => {
                            (name.name.to_string(), resolver.resolve_module(&name.name))
                        }
                        ImportKind::From { module, level } => {
                            let Some(absolute) =
                                resolver.absolute_module(file, *level, module.as_deref())
                            else {
                                infos.push(ImportInfo {
                                    import_path: format!(
                                        "{}{}:{}",
                                        ".".repeat(*level as usize),
                                        module.as_deref().unwrap_or(""),
                                        name.name
                                    ),
                                    binding,
                                    resolution: "dangling: the relative import climbs above \
                                                 the top-level package"
                                        .to_string(),
                                    origin: None,
                                    definition: None,
                                    concept: None,
                                });
                                continue;
                            };
                            let resolution = resolver.resolve_from(&absolute, &name.name);
                            (format!("{absolute}:{}", name.name), resolution)
                        }
                    };
                    let (described, origin, definition, concept_origin) =
                        describe_resolution(project, &resolution);
                    let concept = match concept_origin {
                        Some(origin) => {
                            let declared = declared.get_or_insert_with(|| {
                                resolve_concepts(resolver, declarations).unwrap_or_default()
                            });
                            declared
                                .iter()
                                .find(|concept| concept.contains(origin))
                                .and_then(|concept| {
                                    concepts.iter().find(|r| r.name == concept.name)
                                })
                                .cloned()
                        }
                        None => None,
                    };
                    infos.push(ImportInfo {
                        import_path,
                        binding,
                        resolution: described,
                        origin,
                        definition,
                        concept,
                    });
                }
            }
            all.push(infos);
        }
        Ok(all)
    }
}
