//! Output options shared by commands: format, destination, colour.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

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
    /// Colour only when writing to a terminal and `NO_COLOR` is unset.
    pub fn color(&self) -> bool {
        self.output_file.is_none()
            && std::io::stdout().is_terminal()
            && std::env::var_os("NO_COLOR").is_none()
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
