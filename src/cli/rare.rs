//! `--rare` on the command line: what was asked, and the notes that say
//! what `--rare auto` chose.

use crate::analysis;
use crate::engine::{self};

use super::options::{Rare, SimOptions};
use super::progress::Progress;

/// What `--rare` asks of a command, checked against its other flags.
#[derive(Debug)]
pub(super) enum RareRequest {
    /// Plain Monte Carlo.
    Off,
    /// Failure biasing with these settings.
    On(engine::RareOptions),
    /// A plain pilot decides; biasing with `opts` if it switches.
    Auto {
        opts: engine::RareOptions,
        /// `--rare-bias`, when given: noted as unused if the run stays plain.
        bias: Option<f64>,
    },
}

/// The failure-biasing settings of a simulating command, or why they
/// cannot be honoured (`--rare-bias` with `--rare off`).
pub(super) fn rare_request(rare: Rare, bias: Option<f64>) -> anyhow::Result<RareRequest> {
    let opts = engine::RareOptions {
        p_bias: bias.unwrap_or(engine::DEFAULT_P_BIAS),
        ..Default::default()
    };
    match rare {
        Rare::Off => {
            if bias.is_some() {
                anyhow::bail!(
                    "--rare-bias cannot be used with --rare off: it sets how strongly failures are biased \
                     (with --rare on or auto)"
                );
            }
            Ok(RareRequest::Off)
        }
        Rare::On => Ok(RareRequest::On(opts)),
        Rare::Auto => Ok(RareRequest::Auto { opts, bias }),
    }
}

/// The progress of the plain pilot of `--rare auto` for an estimate on `trials` trials.
pub(super) fn pilot_progress(quiet: bool, trials: u64) -> Progress {
    let bar = Progress::new(quiet, analysis::rare::pilot_trials(trials));
    bar.set_message("(plain pilot of --rare auto)".into());
    bar
}

/// Settles `--rare auto` from its pilot's choice: failure biasing (`opts`)
/// or plain (`None`), with a note on standard error unless `quiet` when
/// the pilot saw too few outages (biasing chosen, or kept plain by the
/// model).
pub(super) fn settle_auto(
    auto: &analysis::rare::Auto,
    opts: engine::RareOptions,
    bias: Option<f64>,
    quiet: bool,
) -> Option<engine::RareOptions> {
    let chosen = settle_auto_quietly(auto, opts, quiet);
    if chosen.is_none() {
        note_unused_bias(bias, quiet);
    }
    chosen
}

/// Notes on standard error, unless `quiet`, that `--rare-bias` (when
/// given) went unused: `--rare auto` kept the command plain.
pub(super) fn note_unused_bias(bias: Option<f64>, quiet: bool) {
    if let (Some(p), false) = (bias, quiet) {
        note!(
            "redsim: --rare auto stayed plain: --rare-bias {p} has no effect (it sets how strongly failure \
             biasing favours failures; --rare on biases from the start)"
        );
    }
}

pub(super) fn settle_auto_quietly(
    auto: &analysis::rare::Auto,
    opts: engine::RareOptions,
    quiet: bool,
) -> Option<engine::RareOptions> {
    if !auto.bias {
        if auto.few && !quiet {
            note!("redsim: --rare auto: {}: plain simulation", auto.why);
        }
        return None;
    }
    if !quiet {
        note!("redsim: --rare auto: {}: failure biasing", auto.why);
    }
    Some(opts)
}

/// Settles `--rare` for a command that simulates several models on the
/// same trials (compare's designs, sweep's points): under `auto` each
/// model's plain pilot is run, and all are biased when one of them
/// projects too few outages (a comparison or sweep has one method).
pub(super) fn rare_over_models(
    req: RareRequest,
    models: impl Iterator<Item = anyhow::Result<crate::model::Model>>,
    sim: &SimOptions,
    quiet: bool,
) -> anyhow::Result<Option<engine::RareOptions>> {
    let (opts, bias) = match req {
        RareRequest::Off => return Ok(None),
        RareRequest::On(opts) => return Ok(Some(opts)),
        RareRequest::Auto { opts, bias } => (opts, bias),
    };
    let chosen =
        analysis::adaptive::choose_over_models(models, &sim.config(), &opts, sim.trials, sim.confidence)?;
    let settled = chosen.and_then(|auto| settle_auto(&auto, opts, None, quiet));
    if settled.is_none() {
        note_unused_bias(bias, quiet);
    }
    Ok(settled)
}
