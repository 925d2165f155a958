//! Output options shared by commands: format, destination, colour, and the global
//! `--color`, `--quiet` and `--verbose` flags.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::OnceLock;

use anyhow::{Context, Result};

/// The output formats of DESIGN.md §2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Full,
    Concise,
    Json,
    Github,
    Sarif,
    Junit,
    Gitlab,
}

impl OutputFormat {
    pub fn name(self) -> &'static str {
        match self {
            OutputFormat::Full => "full",
            OutputFormat::Concise => "concise",
            OutputFormat::Json => "json",
            OutputFormat::Github => "github",
            OutputFormat::Sarif => "sarif",
            OutputFormat::Junit => "junit",
            OutputFormat::Gitlab => "gitlab",
        }
    }
}

/// The formats of the discovery report (`scan`): the census is not a list of diagnostics,
/// so the CI formats do not apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ScanFormat {
    Full,
    Concise,
    Json,
}

impl From<ScanFormat> for OutputFormat {
    fn from(format: ScanFormat) -> Self {
        match format {
            ScanFormat::Full => OutputFormat::Full,
            ScanFormat::Concise => OutputFormat::Concise,
            ScanFormat::Json => OutputFormat::Json,
        }
    }
}

/// `--output-format` (the formats `scan` writes) and `--output-file`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct ScanOutputArgs {
    /// Output format.
    #[arg(long = "output-format", value_enum)]
    pub format: Option<ScanFormat>,
    /// Write the output to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
}

impl ScanOutputArgs {
    /// The same destination and format as [`OutputArgs`].
    pub fn output(&self) -> OutputArgs {
        OutputArgs {
            format: self.format.map(OutputFormat::from),
            output_file: self.output_file.clone(),
        }
    }
}

/// `--output-format` and `--output-file`.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long = "output-format", value_enum)]
    pub format: Option<OutputFormat>,
    /// Write the output to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub output_file: Option<PathBuf>,
}

impl OutputArgs {
    /// Whether the report is coloured: see [`ColorChoice`].
    pub fn color(&self) -> bool {
        let env = |name| std::env::var_os(name).filter(|value| !value.is_empty());
        global().color.colors(
            self.output_file.is_none() && std::io::stdout().is_terminal(),
            env("NO_COLOR").is_some(),
            env("FORCE_COLOR").is_some_and(|value| value != "0"),
        )
    }

    /// Runs `render` on the destination (standard output or `--output-file`), buffered.
    pub fn write_with(
        &self,
        render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<()> {
        self.open()?.write_with(render)
    }

    /// Opens the destination before anything is rendered: for `--output-file`, a temporary
    /// file beside it, so a command that writes other files first (`fix`) learns that its
    /// report cannot be written before it writes them.
    pub fn open(&self) -> Result<Destination> {
        match &self.output_file {
            None => Ok(Destination::Stdout),
            Some(path) => {
                let describe = || format!("cannot write {}", path.display());
                let real = crate::fs::write::resolve_links(path).with_context(describe)?;
                let (directory, name) = match (real.parent(), real.file_name()) {
                    (Some(directory), Some(name)) => (directory, name.to_os_string()),
                    _ => anyhow::bail!("cannot write {}: not a file name", path.display()),
                };
                let existing = std::fs::metadata(&real).ok();
                if let Some(existing) = &existing {
                    if !existing.is_file() {
                        anyhow::bail!("cannot write {}: not a regular file", path.display());
                    }
                }
                let temporary =
                    crate::fs::temp_file::TempFile::create(directory, &name, existing.as_ref())
                        .with_context(describe)?;
                Ok(Destination::File {
                    shown: path.clone(),
                    real,
                    temporary,
                })
            }
        }
    }
}

/// Where a command's report goes, opened by [`OutputArgs::open`].
pub enum Destination {
    Stdout,
    /// `--output-file`: written to a temporary file, swapped in when complete, so a failed
    /// write leaves the previous report as it was.
    File {
        shown: PathBuf,
        real: PathBuf,
        temporary: crate::fs::temp_file::TempFile,
    },
}

impl Destination {
    /// Runs `render` on the destination, buffered. A reader of standard output that went
    /// away (`ssot check | head`) is not an error: the exit code still says whether there
    /// were violations.
    pub fn write_with(
        self,
        render: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    ) -> Result<()> {
        match self {
            Destination::File {
                shown,
                real,
                mut temporary,
            } => {
                let mut writer = std::io::BufWriter::new(&mut temporary);
                render(&mut writer)
                    .and_then(|()| writer.flush())
                    .with_context(|| format!("cannot write {}", shown.display()))?;
                drop(writer);
                temporary
                    .commit(&real)
                    .with_context(|| format!("cannot write {}", shown.display()))
            }
            Destination::Stdout => {
                // The report replaces the progress bar, not interleaves with it.
                crate::progress::clear();
                let stdout = std::io::stdout();
                let mut writer = std::io::BufWriter::new(stdout.lock());
                match render(&mut writer).and_then(|()| writer.flush()) {
                    Ok(()) => Ok(()),
                    Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => {
                        // Nothing more can reach the reader; what is buffered is dropped.
                        Ok(())
                    }
                    Err(err) => Err(err).context("cannot write to standard output"),
                }
            }
        }
    }
}

/// `--color`: whether the report is coloured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    /// Colour when standard output is a terminal (not with `--output-file`), unless
    /// `NO_COLOR` is set; `FORCE_COLOR` colours a pipe or a file too (`NO_COLOR` wins).
    #[default]
    Auto,
    /// Always colour, whatever the destination and the environment.
    Always,
    /// Never colour.
    Never,
}

impl ColorChoice {
    /// The decision, from the destination and the environment (`NO_COLOR` and `FORCE_COLOR`
    /// count when set to a non-empty value; `FORCE_COLOR=0` does not force).
    pub fn colors(self, terminal: bool, no_color: bool, force_color: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => !no_color && (force_color || terminal),
        }
    }
}

/// Flags every command takes, before or after its name (`ssot -q check`, `ssot check -q`).
#[derive(Clone, Copy, Debug, Default, clap::Args)]
pub struct GlobalArgs {
    /// Colour the report: `auto` colours a terminal (honouring `NO_COLOR` and `FORCE_COLOR`).
    #[arg(
        long,
        value_enum,
        value_name = "WHEN",
        default_value_t,
        global = true,
        help_heading = "Global options"
    )]
    pub color: ColorChoice,
    /// Print the report and errors only: no warnings, notes or progress.
    #[arg(
        short,
        long,
        global = true,
        conflicts_with = "verbose",
        help_heading = "Global options"
    )]
    pub quiet: bool,
    /// Also print what was analysed and where the configuration came from, on stderr.
    #[arg(short, long, global = true, help_heading = "Global options")]
    pub verbose: bool,
}

static GLOBAL: OnceLock<GlobalArgs> = OnceLock::new();

/// Records the global flags; called once, before any command runs.
pub fn set_global(args: GlobalArgs) {
    let _ = GLOBAL.set(args);
}

/// The global flags (their defaults before [`set_global`]).
pub fn global() -> GlobalArgs {
    GLOBAL.get().copied().unwrap_or_default()
}

/// Prints a warning on stderr, unless `--quiet`.
pub fn warn(message: std::fmt::Arguments<'_>) {
    if !global().quiet {
        crate::progress::suspend(|| eprintln!("warning: {message}"));
    }
}

/// Prints a note about what the command did on stderr, unless `--quiet`. The progress bar is
/// done by then: it is cleared first.
pub fn note(message: std::fmt::Arguments<'_>) {
    crate::progress::clear();
    if !global().quiet {
        eprintln!("{message}");
    }
}

/// Prints a note on stderr with `--verbose`.
pub fn verbose(message: std::fmt::Arguments<'_>) {
    if global().verbose {
        crate::progress::suspend(|| eprintln!("ssot: {message}"));
    }
}

#[cfg(test)]
mod tests {
    use super::ColorChoice;

    #[test]
    fn auto_colours_a_terminal_unless_no_color() {
        assert!(ColorChoice::Auto.colors(true, false, false));
        assert!(!ColorChoice::Auto.colors(true, true, false));
        assert!(!ColorChoice::Auto.colors(false, false, false));
    }

    #[test]
    fn force_color_colours_a_pipe_but_no_color_wins() {
        assert!(ColorChoice::Auto.colors(false, false, true));
        assert!(!ColorChoice::Auto.colors(false, true, true));
    }

    #[test]
    fn explicit_choice_overrides_the_environment() {
        assert!(ColorChoice::Always.colors(false, true, false));
        assert!(!ColorChoice::Never.colors(true, false, true));
    }
}
