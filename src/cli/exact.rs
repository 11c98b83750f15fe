//! `redsim exact`: exact long-run availability from the structure.

use std::path::PathBuf;

use crate::analysis;
use crate::report::{self};

use super::EXIT_OK;
use super::common::{load_set, provenance};
use super::options::{Changes, Format};
use super::output::{self};

#[derive(Debug, clap::Args)]
pub struct ExactArgs {
    /// Scenario file (JSON, format redsim/1).
    pub file: PathBuf,
    #[command(flatten)]
    pub changes: Changes,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub(super) fn exact(args: &ExactArgs) -> anyhow::Result<u8> {
    let sc = load_set(&args.file, &args.changes.set)?;
    let (exact, _) = analysis::structure::exact_all(&sc.model, analysis::structure::EXACT_WORK);
    let rows: Vec<(String, analysis::structure::Exact)> = sc
        .model
        .services
        .iter()
        .map(|svc| svc.id.clone())
        .zip(exact)
        .collect();
    let text = match args.format {
        Format::Json => {
            let services: Vec<serde_json::Value> = rows
                .iter()
                .map(|(id, e)| serde_json::json!({"id": id, "exact": e}))
                .collect();
            let doc = serde_json::json!({"format": "redsim-exact/1", "scenario": provenance(&args.file, &sc),
                "services": services});
            crate::model::json_escaped(serde_json::to_string_pretty(&doc)?) + "\n"
        }
        Format::Table => {
            let mut text = String::new();
            for (id, e) in &rows {
                let line = match e {
                    analysis::structure::Exact::Solved(x) => format!(
                        "{id}: availability {:.12}, unavailability {:.6e}, {} downtime per year",
                        x.availability,
                        x.unavailability,
                        report::hours(x.downtime_hours_per_year)
                    ),
                    other => format!("{id}: {}", other.explanation().unwrap_or_default()),
                };
                text.push_str(&line);
                text.push('\n');
            }
            text
        }
    };
    output::stdout(text.as_bytes())?;
    Ok(EXIT_OK)
}
