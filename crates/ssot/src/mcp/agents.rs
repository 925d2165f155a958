//! The guide for coding agents: the `instructions` the server sends in `initialize`, and the
//! Markdown block `ssot explain --agents` prints for a project's agent instructions file
//! (AGENTS.md, CLAUDE.md and the like). Both are generated from the tool table, so they name
//! the tools the server really has.

use super::tools::TOOLS;

/// The short instructions sent to the client on `initialize`.
pub fn instructions() -> String {
    let mut text = String::from(
        "ssot knows this Python project's single sources of truth: the canonical import path \
         of every symbol and the declared concepts (one canonical class per idea).",
    );
    for tool in TOOLS {
        text.push_str(&format!(" Call {} {}.", tool.name, tool.when));
    }
    text.push_str(
        " Never add a new import path to a declared concept's canonical class, and never write a \
         second class or factory for an idea that already has one.",
    );
    text
}

/// The Markdown block for an agent instructions file.
pub fn markdown() -> String {
    let mut text = String::from(
        "## Single sources of truth (ssot)\n\n\
         This project keeps one canonical definition and one import path per concept, checked \
         by `ssot`. Its MCP server (`ssot mcp`) answers these tools:\n\n",
    );
    for tool in TOOLS {
        text.push_str(&format!(
            "- `{}`: {}: {}\n",
            tool.name, tool.title, tool.when
        ));
    }
    text.push_str(
        "\nRules:\n\n\
         - Before importing a project symbol, call `ssot_resolve` and write the `import_line` \
         it returns (the canonical path), not the first path that happens to work.\n\
         - Before creating a class, factory, manager or accessor, call `ssot_find_existing` \
         with its name (and its public methods): reuse or extend what it finds instead of \
         writing a copy.\n\
         - Never add a new import path, re-export, subclass, wrapper or factory for a declared \
         concept (`ssot_concepts` lists them); import its canonical path.\n\
         - Before finishing, run `ssot check` (or call `ssot_check_source` on each changed \
         file) and fix what it reports; `ssot fix` applies the safe fixes.\n",
    );
    text
}
