//! `redsim spof`: single points of failure, cut sets and exposure.

use std::path::PathBuf;

use crate::analysis;
use crate::report::export::Exporter;
use crate::report::{self};

use super::common::{commit_decided, load_set, provenance, report_out};
use super::options::{Changes, Format};
use super::output::Outputs;
use super::{EXIT_CHECK_FAILED, EXIT_OK};

#[derive(Debug, clap::Args)]
pub struct SpofArgs {
    /// Scenario file (JSON, format redsim/1).
    pub file: PathBuf,
    #[command(flatten)]
    pub changes: Changes,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Exit with code 1 when any service has a single point of failure (for CI).
    #[arg(long)]
    pub fail_on_spof: bool,
    /// Cut sets and importance rows shown per service in the tables (every
    /// single point of failure is listed; JSON has all).
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Largest order of the minimal cut sets searched for.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=6))]
    pub order: u64,
    /// Write the report to this file (atomically) instead of standard output.
    #[arg(long, short)]
    pub output: Option<PathBuf>,
}

pub(super) fn spof(args: &SpofArgs) -> anyhow::Result<u8> {
    let sc = load_set(&args.file, &args.changes.set)?;
    let mut outs = Outputs::new([args.file.as_path()]);
    let report = report_out(&mut outs, args.output.as_deref());
    outs.check()?;
    let prov = provenance(&args.file, &sc);
    let rep = report::SpofReport::new(
        &prov,
        analysis::structure::analyse(&sc.model, args.order as usize, analysis::structure::EXACT_WORK),
    );
    let text = match args.format {
        Format::Table => report::export::Table { top: args.top }.spof(&rep)?,
        f => report::Format::from(f).exporter().spof(&rep)?,
    };
    outs.put(report, text, "written to");
    if args.fail_on_spof && rep.has_spof() {
        let named: Vec<String> = rep
            .services
            .iter()
            .filter(|s| !s.spofs.is_empty())
            .map(|s| {
                let ids: Vec<&str> = s.spofs.iter().map(|n| n.id.as_str()).collect();
                format!("{}: {}", s.id, ids.join(", "))
            })
            .collect();
        let code = commit_decided(outs, EXIT_CHECK_FAILED, false);
        note!("redsim: single points of failure found ({})", named.join("; "));
        return Ok(code);
    }
    outs.commit(false)?;
    Ok(EXIT_OK)
}
