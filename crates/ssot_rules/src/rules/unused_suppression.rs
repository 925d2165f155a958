//! SSOT900 unused-suppression.

pub const DOC: &str = "# unused-suppression (SSOT900)

## What it does
Reports a `# ssot: ignore` comment, or a code in a `# ssot: ignore[CODE, ...]` comment, that
suppresses nothing: no violation of that code starts on the comment's line (or, for a comment
on the first line of a multi-line import statement, inside that statement). Codes that name no
rule, codes listed twice, and suppressions on a line of their own (which apply to nothing) are
reported too.

A code is judged only when its rule ran on the file: a code deselected with `--select` or
`--ignore`, or ignored for the file by `per-file-ignores`, is kept. A bare `# ssot: ignore` is
judged only when every stable rule ran. A suppression that lists `SSOT900` itself is never
reported (except for codes that name no rule), and SSOT900 diagnostics cannot be suppressed
in any other way than by `per-file-ignores`, `--ignore` or the baseline.

## Why is this bad?
A stale suppression hides the next real violation on that line and tells readers something
that is no longer true. A misspelt code suppresses nothing at all.

## Example
```python
from app.websocket_core.unified_manager import UnifiedWebSocketManager  # ssot: ignore[SSOT101]
from app.websocket_core import UnifiedWebSocketManager as WSM  # ssot: ignore[SSOT101, SSOT10]
```

## Use instead
```python
from app.websocket_core.unified_manager import UnifiedWebSocketManager
from app.websocket_core import UnifiedWebSocketManager as WSM  # ssot: ignore[SSOT101]
```

## Fix safety
Removing the comment (or the unused codes from it, keeping the reason) is safe: it changes no
behaviour. Other comments sharing the line, such as `# noqa`, are kept.
";

use ssot_facts::Suppression;
use ssot_index::Project;

use crate::diagnostic::{Applicability, Edit, Fix};
use crate::registry::{Rule, RuleStatus, RULES};
use crate::suppression::{listed_rule, SuppressionUsage, SuppressionUse};
use crate::Diagnostic;

/// Why a listed code is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verdict {
    /// It suppressed something, or its rule did not run on the file (nothing to judge).
    Keep,
    Unused,
    Duplicate,
    Unknown,
}

/// Reports suppressions, or codes in them, that suppressed nothing.
///
/// `ran(path, rule)` says whether a rule was selected and not ignored for the file: a code
/// whose rule did not run is kept, since ssot cannot tell whether it would suppress something,
/// and a bare suppression is judged only when every stable rule ran. A suppression that lists
/// SSOT900 itself (`# ssot: ignore[SSOT101, SSOT900]`) is never reported, except for codes
/// that name no rule.
pub(crate) fn check(
    project: &Project,
    usage: &SuppressionUsage,
    ran: &dyn Fn(&str, Rule) -> bool,
    out: &mut Vec<Diagnostic>,
) {
    let mut files: Vec<_> = usage.iter().collect();
    files.sort_by_key(|(id, _)| **id);
    for (&id, uses) in files {
        let file = project.file(id);
        for (suppression, used) in file.facts.suppressions.iter().zip(uses) {
            if let Some(diagnostic) = judge(&file.path, suppression, used, ran) {
                out.push(diagnostic);
            }
        }
    }
}

fn judge(
    path: &str,
    suppression: &Suppression,
    used: &SuppressionUse,
    ran: &dyn Fn(&str, Rule) -> bool,
) -> Option<Diagnostic> {
    let remove = Fix {
        applicability: Applicability::Safe,
        edits: vec![Edit {
            span: suppression.removal,
            content: String::new(),
        }],
    };
    if suppression.own_line {
        let message = "suppression on a line of its own suppresses nothing: \
                       a suppression applies to the line it ends"
            .to_string();
        return Some(report(path, suppression, message, remove));
    }
    let verdicts = verdicts(path, suppression, used, ran);
    if suppression.codes.is_empty() {
        let every_rule_ran = RULES.iter().all(|info| {
            info.rule == Rule::UnusedSuppression
                || info.status != RuleStatus::Stable
                || ran(path, info.rule)
        });
        if used.any || !every_rule_ran {
            return None;
        }
        let message = "unused suppression: no violation on this line".to_string();
        return Some(report(path, suppression, message, remove));
    }
    let lists_itself = suppression
        .codes
        .iter()
        .any(|code| listed_rule(code) == Some(Rule::UnusedSuppression));
    let flagged = |wanted: Verdict| -> Vec<String> {
        suppression
            .codes
            .iter()
            .zip(&verdicts)
            .filter(|(_, verdict)| {
                **verdict == wanted && (!lists_itself || wanted == Verdict::Unknown)
            })
            .map(|(code, _)| format!("`{code}`"))
            .collect()
    };
    let (unused, duplicate, unknown) = (
        flagged(Verdict::Unused),
        flagged(Verdict::Duplicate),
        flagged(Verdict::Unknown),
    );
    let mut parts = Vec::new();
    if !unused.is_empty() {
        let verb = if unused.len() == 1 {
            "reports"
        } else {
            "report"
        };
        parts.push(format!("{} {verb} nothing on this line", unused.join(", ")));
    }
    if !duplicate.is_empty() {
        parts.push(format!("{} listed twice", duplicate.join(", ")));
    }
    if !unknown.is_empty() {
        let what = if unknown.len() == 1 {
            "is not a rule code"
        } else {
            "are not rule codes"
        };
        parts.push(format!("{} {what}", unknown.join(", ")));
    }
    if parts.is_empty() {
        return None;
    }
    let message = format!("unused suppression: {}", parts.join("; "));
    let kept: Vec<&str> = suppression
        .codes
        .iter()
        .zip(&verdicts)
        .filter(|(_, verdict)| {
            **verdict == Verdict::Keep || (lists_itself && **verdict != Verdict::Unknown)
        })
        .map(|(code, _)| code.as_str())
        .collect();
    let fix = if kept.is_empty() {
        remove
    } else {
        let mut directive = format!("# ssot: ignore[{}]", kept.join(", "));
        if let Some(reason) = &suppression.reason {
            directive.push_str(" -- ");
            directive.push_str(reason);
        }
        Fix {
            applicability: Applicability::Safe,
            edits: vec![Edit {
                span: suppression.span,
                content: directive,
            }],
        }
    };
    Some(report(path, suppression, message, fix))
}

/// One verdict per listed code.
fn verdicts(
    path: &str,
    suppression: &Suppression,
    used: &SuppressionUse,
    ran: &dyn Fn(&str, Rule) -> bool,
) -> Vec<Verdict> {
    let mut seen = Vec::new();
    suppression
        .codes
        .iter()
        .zip(&used.codes)
        .map(|(code, &was_used)| match listed_rule(code) {
            None => Verdict::Unknown,
            Some(rule) if seen.contains(&rule) => Verdict::Duplicate,
            Some(rule) => {
                seen.push(rule);
                if was_used || rule == Rule::UnusedSuppression || !ran(path, rule) {
                    Verdict::Keep
                } else {
                    Verdict::Unused
                }
            }
        })
        .collect()
}

fn report(path: &str, suppression: &Suppression, message: String, fix: Fix) -> Diagnostic {
    let mut diagnostic = Diagnostic::new(
        Rule::UnusedSuppression,
        path,
        suppression.span,
        suppression.position,
        message,
    );
    diagnostic.fix = Some(fix);
    diagnostic
}
