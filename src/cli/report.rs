//! `redsim report`: the report of a result or shard file, without simulating.

use std::path::PathBuf;

use super::EXIT_OK;
use super::common::RunSlots;
use super::options::RunOutput;
use super::output::Outputs;
use super::shard::print;
use crate::shard::{Data, Shard};

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// A result file (`redsim merge --result`) or one shard file.
    pub file: PathBuf,
    #[command(flatten)]
    pub out: RunOutput,
    /// No notes on standard error.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `report`: the report of a result file, or of one shard's trials.
pub(super) fn report(args: &ReportArgs) -> anyhow::Result<u8> {
    let mut outs = Outputs::new([args.file.as_path()]);
    let slots = RunSlots::plan(&mut outs, &args.out);
    outs.check()?;
    let shard = Shard::read(&args.file)?;
    if shard.first == shard.end {
        anyhow::bail!(
            "{}: shard {} of {} holds no trials (there are more shards than trials): nothing to report",
            crate::model::shown_path(&args.file),
            shard.part.index,
            shard.part.count
        );
    }
    if !shard.is_complete() && !args.quiet {
        note!(
            "redsim: note: {} is shard {} of {}: the report is of its trials {}..{} alone, not of the run's {}; merge the shards for the whole run",
            crate::model::shown_path(&args.file),
            shard.part.index,
            shard.part.count,
            shard.first,
            shard.end,
            shard.settings.trials
        );
        match &shard.data {
            Data::Run { pilot: Some(p), .. } => note!(
                "redsim: note: the services its failure-biased trials never saw down are given the run's plain \
                 pilot figures (trials 0..{}, carried in the file): its own weighted trials bound nothing",
                p.iter().map(|t| t.trials).sum::<u64>()
            ),
            Data::Sweep { points, .. } if points.iter().any(|p| p.pilot.is_some()) => note!(
                "redsim: note: at the points whose failure-biased trials never saw a service down, that service \
                 is given the point's plain pilot figures (its first trials of the whole run, carried in the file): \
                 the shard's own weighted trials bound nothing"
            ),
            Data::Compare { pilots, .. } if pilots.iter().any(Option::is_some) => note!(
                "redsim: note: a design whose failure-biased trials never saw a service down is given, for it, the \
                 design's plain pilot figures (its first trials of the whole run, carried in the file): the \
                 shard's own weighted trials bound nothing"
            ),
            _ => {}
        }
    }
    print(&shard, args.out.format, &mut outs, &slots)?;
    outs.commit(args.quiet)?;
    Ok(EXIT_OK)
}
