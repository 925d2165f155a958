//! Which commits a trend over git history looks at, read from the repository with `git`
//! (never a checkout: bare clones work the same).
//!
//! The history is the first-parent chain of `--until` (default `HEAD`), limited by `--since`
//! (a date, or a revision whose commit and ancestors are left out), sampled evenly down to at
//! most `max_commits`, always keeping the newest. A shallow clone has fewer commits than the
//! project's real history; the sample is taken from the ones that exist and says so.

pub mod facts;
pub mod tree;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Why the history could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("cannot run git: {0}")]
    Spawn(#[source] std::io::Error),
    #[error("{path} is not inside a git repository (`--history` reads the commits of one)")]
    NotARepository { path: PathBuf },
    #[error("git {command} failed: {message}")]
    Git { command: String, message: String },
    #[error("`{revision}` is not a commit of this repository")]
    UnknownRevision { revision: String },
}

/// Where a project sits in its repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repository {
    /// What `git -C` is given: the work tree's top level, or the bare repository.
    pub dir: PathBuf,
    /// The project root's path inside the tree (`""` for the top level), `/`-separated.
    pub prefix: String,
    pub bare: bool,
    /// The clone is shallow: older commits are missing.
    pub shallow: bool,
}

/// One commit of the history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryCommit {
    /// Full hexadecimal id.
    pub id: String,
    /// Committer date, strict ISO 8601.
    pub date: String,
    /// First line of the message.
    pub subject: String,
}

/// The commits to analyse, oldest first, and how many the range held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sample {
    pub commits: Vec<HistoryCommit>,
    /// First-parent commits in the range before sampling.
    pub in_range: usize,
}

/// What to sample.
#[derive(Clone, Debug, Default)]
pub struct HistoryRange {
    /// A date git understands (`2024-01-31`, `3.months.ago`) or a revision.
    pub since: Option<String>,
    /// The newest commit (default `HEAD`).
    pub until: Option<String>,
    pub max_commits: usize,
}

fn git(dir: &Path, args: &[&str]) -> Result<std::process::Output, HistoryError> {
    Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(HistoryError::Spawn)
}

fn git_text(dir: &Path, args: &[&str]) -> Result<String, HistoryError> {
    let output = git(dir, args)?;
    if !output.status.success() {
        return Err(HistoryError::Git {
            command: args.join(" "),
            message: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

impl Repository {
    /// The repository holding `root` (a directory of a work tree, or a bare repository).
    pub fn discover(root: &Path) -> Result<Self, HistoryError> {
        let output = git(
            root,
            &[
                "rev-parse",
                "--is-bare-repository",
                "--is-shallow-repository",
                "--show-prefix",
            ],
        )?;
        if !output.status.success() {
            return Err(HistoryError::NotARepository {
                path: root.to_path_buf(),
            });
        }
        let text = String::from_utf8_lossy(&output.stdout);
        let mut lines = text.lines();
        let bare = lines.next() == Some("true");
        let shallow = lines.next() == Some("true");
        let prefix = lines
            .next()
            .unwrap_or_default()
            .trim_end_matches('/')
            .to_string();
        Ok(Self {
            dir: root.to_path_buf(),
            prefix,
            bare,
            shallow,
        })
    }

    /// The commit a revision names, or why not.
    pub fn commit_id(&self, revision: &str) -> Result<String, HistoryError> {
        let spec = format!("{revision}^{{commit}}");
        let output = git(&self.dir, &["rev-parse", "--verify", "--quiet", &spec])?;
        if !output.status.success() {
            return Err(HistoryError::UnknownRevision {
                revision: revision.to_string(),
            });
        }
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
    }

    /// The bytes of a file of a commit's tree (a path relative to the project root), or
    /// `None` when the tree has no such file.
    pub fn file_at(&self, commit: &str, path: &str) -> Option<Vec<u8>> {
        let full = if self.prefix.is_empty() {
            path.to_string()
        } else {
            format!("{}/{path}", self.prefix)
        };
        let output = git(
            &self.dir,
            &["cat-file", "blob", &format!("{commit}:{full}")],
        )
        .ok()?;
        output.status.success().then_some(output.stdout)
    }

    /// The first-parent commits of the range, sampled evenly, oldest first.
    pub fn sample(&self, range: &HistoryRange) -> Result<Sample, HistoryError> {
        let until = range.until.as_deref().unwrap_or("HEAD");
        let until_id = self.commit_id(until)?;
        let mut args: Vec<String> = vec![
            "log".into(),
            "--first-parent".into(),
            "--format=%H%x00%cI%x00%s".into(),
        ];
        let mut revisions = vec![until_id];
        if let Some(since) = &range.since {
            match self.commit_id(since) {
                Ok(id) => revisions.push(format!("^{id}")),
                // Not a revision: a date (git reports dates it cannot read as errors below
                // only by matching nothing, so an unreadable one is refused here).
                Err(_) if looks_like_date(since) => {
                    args.push(format!("--since={}", start_of_day(since)))
                }
                Err(err) => return Err(err),
            }
        }
        args.extend(revisions);
        args.push("--".into());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let text = git_text(&self.dir, &args)?;
        let mut newest_first: Vec<HistoryCommit> = text
            .lines()
            .filter_map(|line| {
                let mut fields = line.splitn(3, '\0');
                Some(HistoryCommit {
                    id: fields.next()?.to_string(),
                    date: fields.next()?.to_string(),
                    subject: fields.next().unwrap_or_default().to_string(),
                })
            })
            .collect();
        let in_range = newest_first.len();
        newest_first.reverse();
        let commits = sample_evenly(newest_first, range.max_commits);
        Ok(Sample { commits, in_range })
    }
}

/// A calendar date alone (`2024-01-31`) is the start of that day, in the time zone git reads
/// dates in. Git itself would keep the current time of day (`git log --since=2024-01-31` run
/// at 15:00 starts at 15:00 that day), so a report would depend on when it ran. Anything
/// else (`2024-01-31 12:00`, `3.months.ago`) is git's to read.
fn start_of_day(since: &str) -> String {
    let bytes = since.as_bytes();
    let is_calendar_date = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    if is_calendar_date {
        format!("{since} 00:00:00")
    } else {
        since.to_string()
    }
}

/// Whether `text` reads as a date rather than a mistyped revision: it has a digit and git's
/// approxidate words or separators (`2024-01-31`, `3.months.ago`, `last week` is refused).
fn looks_like_date(text: &str) -> bool {
    text.chars().any(|c| c.is_ascii_digit())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':' | ' ' | '/' | '+'))
}

/// At most `max` of `commits` (oldest first), evenly spaced, always the newest and, with two
/// or more, the oldest.
pub fn sample_evenly<T>(commits: Vec<T>, max: usize) -> Vec<T> {
    let count = commits.len();
    if max == 0 {
        return Vec::new();
    }
    if count <= max {
        return commits;
    }
    if max == 1 {
        return commits.into_iter().last().into_iter().collect();
    }
    // Index i of the sample is round(i * (count - 1) / (max - 1)): strictly increasing because
    // count > max, ending at the newest.
    let wanted: Vec<usize> = (0..max)
        .map(|i| (i * (count - 1) + (max - 1) / 2) / (max - 1))
        .collect();
    let mut next = wanted.iter().peekable();
    commits
        .into_iter()
        .enumerate()
        .filter_map(|(index, commit)| {
            if next.peek() == Some(&&index) {
                next.next();
                Some(commit)
            } else {
                None
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampling_keeps_the_newest_and_the_oldest_evenly() {
        let all: Vec<usize> = (0..10).collect();
        assert_eq!(sample_evenly(all.clone(), 4), vec![0, 3, 6, 9]);
        assert_eq!(sample_evenly(all.clone(), 1), vec![9]);
        assert_eq!(sample_evenly(all.clone(), 10), all);
        assert_eq!(sample_evenly(all.clone(), 50), all);
        assert_eq!(sample_evenly(all.clone(), 0), Vec::<usize>::new());
        let sampled = sample_evenly((0..101).collect::<Vec<_>>(), 30);
        assert_eq!(sampled.len(), 30);
        assert_eq!(sampled.last(), Some(&100));
        assert!(sampled.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn a_calendar_date_starts_at_midnight() {
        assert_eq!(start_of_day("2024-01-31"), "2024-01-31 00:00:00");
        assert_eq!(start_of_day("2024-01-31 12:30"), "2024-01-31 12:30");
        assert_eq!(start_of_day("3.months.ago"), "3.months.ago");
        assert_eq!(start_of_day("20240131"), "20240131");
    }

    #[test]
    fn dates_and_revisions_are_told_apart() {
        assert!(looks_like_date("2024-01-31"));
        assert!(looks_like_date("3.months.ago"));
        assert!(!looks_like_date("main"));
        assert!(!looks_like_date("HEAD~3^"));
    }
}
