//! `redsim graph`: the topology as Graphviz DOT (rendered by `dot` on request).

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::analysis;
use crate::report::{self};

use super::EXIT_OK;
use super::common::{load_set, report_out};
use super::options::Changes;
use super::output::Outputs;

#[derive(Debug, clap::Args)]
pub struct GraphArgs {
    /// Scenario file (JSON, format redsim/1).
    pub file: PathBuf,
    #[command(flatten)]
    pub changes: Changes,
    /// Output file: `.dot`/`.gv` for DOT text, `.svg`, `.png` or `.pdf` to
    /// render with Graphviz `dot` (default: DOT on standard output).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Draw only what this service depends on, in red its single points of failure.
    #[arg(long, value_name = "ID")]
    pub service: Option<String>,
    /// Leave out the dashed requirement arrows (power, racks, other failure domains).
    #[arg(long)]
    pub hide_requirements: bool,
}

pub(super) fn graph(args: &GraphArgs) -> anyhow::Result<u8> {
    let sc = load_set(&args.file, &args.changes.set)?;
    let mut outs = Outputs::new([args.file.as_path()]);
    let out = report_out(&mut outs, args.output.as_deref());
    outs.check()?;
    let m = &sc.model;
    let service = match &args.service {
        None => None,
        Some(id) => Some(m.services.iter().position(|s| s.id == *id).ok_or_else(|| {
            let ids: Vec<&str> = m.services.iter().map(|s| s.id.as_str()).collect();
            anyhow::anyhow!(
                "--service: no service `{}` in the scenario (services: {})",
                crate::model::printable(id),
                ids.join(", ")
            )
        })?),
    };
    let st = analysis::structure::Structure::new(m);
    let mut spofs = vec![false; m.elements.len()];
    let wanted: Vec<bool> = (0..m.services.len())
        .map(|s| service.is_none_or(|w| w == s))
        .collect();
    st.spofs_where(&wanted)
        .into_iter()
        .flatten()
        .for_each(|e| spofs[e] = true);
    let view = report::DotView {
        only: service.map(|s| (m.depends_on(s), m.services[s].id.clone())),
        hide_requirements: args.hide_requirements,
    };
    let dot = report::to_dot_view(m, &spofs, &view);
    let format = args
        .output
        .as_deref()
        .and_then(Path::extension)
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match (format.as_deref(), args.output.as_deref()) {
        (Some("svg" | "png" | "pdf"), Some(path)) => {
            let kind = format.as_deref().unwrap_or("svg");
            let rendered = render(&dot, kind)
                .with_context(|| format!("cannot render {}", crate::model::shown_path(path)))?;
            outs.put(out, rendered, "written to");
        }
        (Some("dot" | "gv") | None, _) => outs.put(out, dot, "written to"),
        (Some(other), _) => anyhow::bail!(
            "cannot tell what to write from the extension `.{other}`: use .dot or .gv (DOT text), or .svg, .png or .pdf (rendered by Graphviz)"
        ),
    }
    outs.commit(false)?;
    Ok(EXIT_OK)
}

/// Renders DOT text with Graphviz `dot -T<kind>`.
pub(super) fn render(dot: &str, kind: &str) -> anyhow::Result<Vec<u8>> {
    use std::io::Write as _;
    let mut child = match std::process::Command::new("dot")
        .arg(format!("-T{kind}"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => anyhow::bail!(
            "Graphviz `dot` is not installed (or not on PATH): install Graphviz, or write DOT text with `-o FILE.dot` and render it elsewhere"
        ),
        Err(e) => return Err(e).context("cannot run Graphviz `dot`"),
    };
    // `dot` may stop reading early (an unknown format, say): its own message
    // then says more than the broken pipe.
    let sent = child.stdin.take().expect("piped").write_all(dot.as_bytes());
    let out = child.wait_with_output().context("`dot` did not finish")?;
    if !out.status.success() {
        anyhow::bail!("`dot` failed: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    sent.context("cannot send the graph to `dot`")?;
    Ok(out.stdout)
}
