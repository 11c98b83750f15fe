//! `redsim validate`: check a scenario file.

use std::path::Path;

use crate::model::ElementRole;
use crate::report::{self};

use super::EXIT_OK;
use super::common::load;
use super::output::{self};

pub(super) fn validate(file: &Path) -> anyhow::Result<u8> {
    let sc = load(file)?;
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
    let text = format!(
        "{}: ok: \"{}\": {} ({cf} can fail), {} ({lf} can fail), {}, mission {}\n",
        crate::model::shown_path(file),
        crate::model::printable(&m.name),
        plural(c, "component"),
        plural(l, "link"),
        plural(m.services.len(), "service"),
        report::hours(m.mission)
    );
    output::stdout(text.as_bytes())?;
    Ok(EXIT_OK)
}
