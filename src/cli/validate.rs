//! `redsim validate`: check a scenario file.

use std::path::PathBuf;

use crate::model::ElementRole;
use crate::report::{self};

use super::EXIT_OK;
use super::common::load_set;
use super::options::Changes;
use super::output::{self};

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Scenario file (JSON, format redsim/1).
    pub file: PathBuf,
    #[command(flatten)]
    pub changes: Changes,
}

pub(super) fn validate(args: &ValidateArgs) -> anyhow::Result<u8> {
    let file = args.file.as_path();
    let sc = load_set(file, &args.changes.set)?;
    let m = &sc.model;
    let count = |link: bool| {
        let of = m
            .elements
            .iter()
            .filter(|e| matches!(e.role, ElementRole::Link { .. }) == link);
        let all = of.clone().count();
        let failing = of.filter(|e| e.life.is_some()).count();
        (all, failing)
    };
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("1 {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    let ((c, cf), (l, lf)) = (count(false), count(true));
    // The changes are named with the file: what was checked is the file with them.
    let changed: String = sc.set.iter().map(|s| format!(" --set {s}")).collect();
    let text = format!(
        "{}{}: ok: \"{}\": {} ({cf} can fail), {} ({lf} can fail), {}, mission {}\n",
        crate::model::shown_path(file),
        crate::model::printable(&changed),
        crate::model::printable(&m.name),
        plural(c, "component"),
        plural(l, "link"),
        plural(m.services.len(), "service"),
        report::hours(m.mission)
    );
    output::stdout(text.as_bytes())?;
    Ok(EXIT_OK)
}
