//! `redsim merge`: the shard files of one run, sweep or comparison merged.

use std::path::PathBuf;

use super::EXIT_OK;
use super::common::RunSlots;
use super::options::RunOutput;
use super::output::Outputs;
use super::shard::print;

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Shard files of one run, sweep or comparison (any order); together
    /// they must hold every trial exactly once.
    #[arg(required = true, value_name = "SHARD")]
    pub shards: Vec<PathBuf>,
    #[command(flatten)]
    pub out: RunOutput,
    /// Also write the merged result (a shard file holding every trial) to
    /// this file, for `redsim report` and `redsim check --result`.
    #[arg(long, value_name = "FILE")]
    pub result: Option<PathBuf>,
    /// No notes on standard error.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `merge`: checks and merges the shards, prints the report, and writes the result file.
pub(super) fn merge(args: &MergeArgs) -> anyhow::Result<u8> {
    let mut outs = Outputs::new(args.shards.iter().map(PathBuf::as_path));
    let slots = RunSlots::plan(&mut outs, &args.out);
    let result = args.result.as_deref().map(|p| outs.file("--result", p));
    outs.check()?;
    let merged = crate::shard::merge(&args.shards)?;
    if !args.quiet {
        for n in &merged.notes {
            note!("redsim: note: {n}");
        }
    }
    if let Some(result) = result {
        outs.put(result, merged.shard.to_json(), "result written to");
    }
    print(&merged.shard, args.out.format, &mut outs, &slots)?;
    outs.commit(args.quiet)?;
    Ok(EXIT_OK)
}
