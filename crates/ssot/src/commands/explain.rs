//! `ssot explain CODE`: a rule's documentation; `--list` lists every rule.

use anyhow::{bail, Result};
use ssot_rules::{Rule, RULES};

use crate::ExitStatus;

/// Arguments of `ssot explain`.
#[derive(Clone, Debug, clap::Args)]
pub struct ExplainArgs {
    /// A rule code (`SSOT101`) or name (`non-canonical-import`), or `critical-paths`.
    #[arg(required_unless_present_any = ["list", "agents"])]
    pub code: Option<String>,
    /// List every rule with its code and name.
    #[arg(long)]
    pub list: bool,
    /// Print a Markdown block for a project's agent instructions (AGENTS.md, CLAUDE.md):
    /// when to call the `ssot mcp` tools.
    #[arg(long, conflicts_with_all = ["code", "list"])]
    pub agents: bool,
}

pub fn run(args: &ExplainArgs) -> Result<ExitStatus> {
    if args.agents {
        print!("{}", crate::mcp::agents::markdown());
        return Ok(ExitStatus::Success);
    }
    if args.list {
        for info in RULES {
            let fix = if info.fixable { "  (fixable)" } else { "" };
            println!("{}  {}{fix}", info.code, info.name);
        }
        return Ok(ExitStatus::Success);
    }
    let code = args.code.as_deref().unwrap_or_default();
    if code == "critical-paths" {
        print!("{}", crate::config::critical_paths::EXPLANATION);
        return Ok(ExitStatus::Success);
    }
    let Some(rule) = Rule::from_code_or_name(code) else {
        bail!("unknown rule `{code}`; `ssot explain --list` lists them");
    };
    print!("{}", rule.info().doc);
    Ok(ExitStatus::Success)
}
