//! `redsim exact`: exact long-run availability from the structure.

use std::path::PathBuf;

use crate::analysis;
use crate::report::export::{ExactReport, ExactService};
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
    let services = sc
        .model
        .services
        .iter()
        .zip(exact)
        .map(|(svc, exact)| ExactService {
            id: svc.id.clone(),
            exact,
        })
        .collect();
    let prov = provenance(&args.file, &sc);
    let text = report::Format::from(args.format)
        .exporter()
        .exact(&ExactReport::new(&prov, services))?;
    output::stdout(text.as_bytes())?;
    Ok(EXIT_OK)
}
