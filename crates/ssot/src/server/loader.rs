//! Loading a project for a warm [`Session`] the way `check` loads it: the same configuration
//! discovery (or `--config`), walk, import roots, facts cache and rule selection, so the
//! server's findings are `check`'s.

use std::sync::Arc;

use ssot_engine::session::{LoadedState, ProjectLoader, Session, SessionError, SessionSettings};
use ssot_python::TargetVersion;
use ssot_rules::call_sites::call_detail_to_load;
use ssot_rules::RuleSelection;

use crate::analysis::{declarations, per_file_ignores};
use crate::config::project_metadata::read_project_metadata;
use crate::config::DEFAULT_MAX_FILE_SIZE;
use crate::scopes::Scopes;
use crate::workspace::{load_project, ProjectArgs};

/// Loads the project `args` name with `selection`, as `ssot check` would.
#[derive(Clone)]
pub struct CliLoader {
    pub args: ProjectArgs,
    pub selection: RuleSelection,
}

impl CliLoader {
    /// A session over the project, loaded once now.
    pub fn session(self) -> Result<Session, SessionError> {
        Session::load(Box::new(self))
    }
}

impl ProjectLoader for CliLoader {
    fn load(&self) -> Result<LoadedState, String> {
        let describe = |err: anyhow::Error| format!("{err:#}");
        let loaded = load_project(&self.args, Some(&self.selection)).map_err(describe)?;
        let config = &loaded.config;
        let scopes = Scopes::from_config(config).map_err(describe)?;
        let target = config
            .target_version()
            .or(read_project_metadata(&loaded.root).requires_python)
            .unwrap_or(TargetVersion::NEWEST);
        let settings = SessionSettings {
            root: loaded.root.clone(),
            declarations: declarations(config),
            per_file_ignores: per_file_ignores(config).map_err(describe)?,
            selection: self.selection.clone(),
            scope_of: Arc::new(move |path| scopes.of(path).to_string()),
            import_style: crate::import_style::import_style(&loaded),
            limits: crate::load::FileLimits {
                max_size: config.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE),
                max_tokens: config
                    .max_file_tokens
                    .unwrap_or(ssot_engine::token_budget::DEFAULT_MAX_FILE_TOKENS),
            },
            options: ssot_engine::cache::ExtractOptions {
                calls: call_detail_to_load(&self.selection, !config.concepts.is_empty()),
                target,
            },
        };
        let unreadable = loaded
            .problems
            .iter()
            .map(|problem| (problem.path.clone(), problem.message.clone()))
            .collect();
        Ok(LoadedState {
            settings,
            project: loaded.project,
            content_hashes: loaded.content_hashes,
            unreadable,
        })
    }
}
