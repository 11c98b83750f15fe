//! The scenario file format (`redsim/1`): loading, and validation into a
//! [`Model`].
//!
//! Loading never panics on bad input. Every problem found is collected and
//! reported together, each with its JSON path, the component id where there is
//! one, what is wrong and, where possible, how to fix it.

mod resolve;
pub mod units;
pub mod wire;

use std::fmt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::model::Model;

pub use wire::{FORMAT, schema};

/// One thing wrong with a scenario.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Problem {
    /// Where: a JSON path such as `components[3].mtbf` (empty for the whole file).
    pub path: String,
    /// The component, link or service id concerned, when known.
    pub id: Option<String>,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when there is something to say.
    pub hint: Option<String>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.path.is_empty(), &self.id) {
            (true, None) => {}
            (true, Some(id)) => write!(f, "`{id}`: ")?,
            (false, None) => write!(f, "{}: ", self.path)?,
            (false, Some(id)) => write!(f, "{} (`{id}`): ", self.path)?,
        }
        f.write_str(&self.message)?;
        if let Some(h) = &self.hint {
            write!(f, "\n    hint: {h}")?;
        }
        Ok(())
    }
}

/// Why a scenario could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("cannot read {}", file.display())]
    Read { file: PathBuf, source: std::io::Error },
    #[error("{}: {}", file.display(), list(problems))]
    Invalid { file: PathBuf, problems: Vec<Problem> },
}

fn list(problems: &[Problem]) -> String {
    let head = match problems.len() {
        1 => "1 problem".to_string(),
        n => format!("{n} problems"),
    };
    let body: Vec<String> = problems.iter().map(|p| format!("  - {p}")).collect();
    format!("{head}\n{}", body.join("\n"))
}

impl ScenarioError {
    /// The problems found (empty for a read error).
    pub fn problems(&self) -> &[Problem] {
        match self {
            Self::Read { .. } => &[],
            Self::Invalid { problems, .. } => problems,
        }
    }
}

/// A loaded, validated scenario.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Where it was read from.
    pub file: PathBuf,
    /// SHA-256 of the file's bytes, hex.
    pub sha256: String,
    pub model: Model,
}

/// Reads and validates a scenario file.
///
/// # Errors
/// [`ScenarioError::Read`] when the file cannot be read;
/// [`ScenarioError::Invalid`] listing every problem found in it.
pub fn load(file: &Path) -> Result<Scenario, ScenarioError> {
    let bytes = std::fs::read(file).map_err(|source| ScenarioError::Read {
        file: file.into(),
        source,
    })?;
    let text = String::from_utf8(bytes.clone()).map_err(|e| ScenarioError::Invalid {
        file: file.into(),
        problems: vec![Problem {
            path: String::new(),
            id: None,
            message: format!(
                "the file is not UTF-8 text (bad byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
            hint: Some("save the scenario as UTF-8 JSON".into()),
        }],
    })?;
    let model = parse(&text).map_err(|problems| ScenarioError::Invalid {
        file: file.into(),
        problems,
    })?;
    Ok(Scenario {
        file: file.into(),
        sha256: hex(&Sha256::digest(&bytes)),
        model,
    })
}

/// Parses and validates scenario text.
///
/// # Errors
/// Every problem found, each once, in the order the checks find them (syntax
/// and ids first, then links, laws, requirements and services).
pub fn parse(text: &str) -> Result<Model, Vec<Problem>> {
    // Some editors start UTF-8 files with a byte-order mark; JSON allows a
    // reader to ignore it (RFC 8259, section 8.1).
    resolve::resolve(text.strip_prefix('\u{feff}').unwrap_or(text))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
