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
        match &self.output_file {
            Some(path) => {
                let file = std::fs::File::create(path)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                let mut writer = std::io::BufWriter::new(file);
                render(&mut writer)
                    .and_then(|()| writer.flush())
                    .with_context(|| format!("cannot write {}", path.display()))
            }
            None => {
                let stdout = std::io::stdout();
                let mut writer = std::io::BufWriter::new(stdout.lock());
                render(&mut writer).and_then(|()| writer.flush())?;
                Ok(())
            }
        }
    }
}
