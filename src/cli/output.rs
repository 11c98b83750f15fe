//! Where a command's outputs go: every location checked before the work,
//! everything written at the end, all or nothing.
//!
//! The rules (docs/report-format.md, "Output files"):
//!
//! - `-` is standard output (so are `/dev/stdout`, `/dev/fd/1` and
//!   `/proc/self/fd/1`); a closed pipe there is a quiet success.
//! - A regular file, or a path that does not exist yet, is replaced
//!   atomically: a temporary file in the same directory, renamed over it.
//!   A symbolic link is followed: the file it resolves to is replaced and the
//!   link is kept.
//! - Anything else (a device such as `/dev/null`, a FIFO, anything under
//!   `/dev` or `/proc`) is written straight through, never replaced.
//! - An output that is the same file as an input (the same device and
//!   inode, however it is spelt), or as another output, is refused before
//!   any work; so is a directory that does not exist or cannot be written.
//! - At the end, every temporary is written first, then the straight-through
//!   outputs and standard output, and only then are the temporaries renamed
//!   into place: a failure before the renames leaves every target as it was.
//! - SIGINT, SIGTERM and SIGHUP remove the temporaries and exit with 128 +
//!   the signal's number (130, 143, 129).

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// Temporary files that exist now, removed by the signal handler.
static TEMPS: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

fn temps() -> MutexGuard<'static, Vec<PathBuf>> {
    TEMPS.lock().unwrap_or_else(|e| e.into_inner())
}

/// Installs the handler of SIGINT, SIGTERM and SIGHUP: it removes the
/// temporary files of the outputs being written and exits with 128 + the
/// signal's number. Holding the registry's lock while it exits, it cannot
/// race a rename.
#[cfg(unix)]
pub(crate) fn install_signal_handler() {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
        return;
    };
    std::thread::spawn(move || {
        if let Some(sig) = signals.forever().next() {
            let held = temps();
            for p in held.iter() {
                let _ = fs::remove_file(p);
            }
            std::process::exit(128 + sig);
        }
    });
}

/// Signals are not handled elsewhere.
#[cfg(not(unix))]
pub(crate) fn install_signal_handler() {}

/// A temporary file beside its target, registered for the signal handler
/// and removed when dropped unless it was renamed into place.
struct Temp {
    file: Option<tempfile::NamedTempFile>,
}

impl Temp {
    fn new(dir: &Path) -> io::Result<Self> {
        let mut held = temps();
        let file = tempfile::Builder::new()
            .prefix(".redsim-")
            .suffix(".tmp")
            .tempfile_in(dir)?;
        held.push(file.path().to_path_buf());
        Ok(Self { file: Some(file) })
    }

    fn path(&self) -> &Path {
        self.file.as_ref().expect("present until persisted").path()
    }
}

/// Renames every temporary over its target, holding the registry's lock
/// throughout, so that a signal cannot land between two renames: either
/// the handler runs first and none is renamed, or all are.
///
/// # Errors
/// The first rename that fails; the temporaries not renamed are removed.
fn persist_all(staged: Vec<(Temp, PathBuf)>) -> anyhow::Result<()> {
    let mut held = temps();
    let mut result = Ok(());
    let mut rest = Vec::new();
    for (mut temp, real) in staged {
        if result.is_err() {
            rest.push(temp);
            continue;
        }
        let file = temp.file.take().expect("present until persisted");
        let path = file.path().to_path_buf();
        match file.persist(&real) {
            Ok(_) => held.retain(|p| p != &path),
            Err(e) => {
                temp.file = Some(e.file);
                result = Err(anyhow::anyhow!(
                    "cannot replace {}: {}",
                    crate::model::shown_path(&real),
                    e.error
                ));
                rest.push(temp);
            }
        }
    }
    // The rest remove themselves, which takes the lock.
    drop(held);
    drop(rest);
    result
}

impl Drop for Temp {
    fn drop(&mut self) {
        if let Some(file) = self.file.take() {
            let mut held = temps();
            held.retain(|p| p != file.path());
            drop(file);
        }
    }
}

/// Writes to standard output; a closed pipe is a quiet success.
///
/// # Errors
/// Any other write error, e.g. a full disk.
pub(crate) fn stdout(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            Err(anyhow::anyhow!("cannot write to standard output: {e}"))
        }
        _ => Ok(()),
    }
}

/// What identifies a file, whatever path names it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ident {
    /// An existing file: device and inode.
    #[cfg(unix)]
    Node(u64, u64),
    /// A file to be created: its directory's canonical path and its name.
    New(PathBuf),
}

/// The identity of `path` (following links), if it exists.
#[cfg(unix)]
fn ident_of(path: &Path) -> Option<Ident> {
    use std::os::unix::fs::MetadataExt;
    let m = fs::metadata(path).ok()?;
    Some(Ident::Node(m.dev(), m.ino()))
}

/// The identity of `path` (following links), if it exists.
#[cfg(not(unix))]
fn ident_of(path: &Path) -> Option<Ident> {
    fs::canonicalize(path).ok().map(Ident::New)
}

/// Where one output goes.
#[derive(Debug, Clone)]
enum Dest {
    Stdout,
    /// Standard error, written through its descriptor (never reopened).
    Stderr,
    /// Replaced atomically; `real` is where links lead.
    Replace {
        real: PathBuf,
    },
    /// Written straight through (a device, a FIFO).
    Through,
    /// A directory of files, each replaced atomically.
    Dir,
}

#[derive(Debug)]
struct Slot {
    /// The option that names it, e.g. `--html`.
    flag: String,
    /// The path as the user wrote it.
    shown: PathBuf,
    dest: Dest,
    data: Vec<(String, Vec<u8>)>,
    /// Said on standard error once written: `redsim: NOTE PATH`.
    note: Option<String>,
}

/// One output of a command, as planned by [`Outputs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Out(usize);

/// Every output of one command: planned and checked before the work, filled
/// as results come, written by [`Outputs::commit`].
#[derive(Debug)]
pub(crate) struct Outputs {
    inputs: Vec<(PathBuf, Ident)>,
    slots: Vec<Slot>,
    problems: Vec<String>,
}

/// How a path that is not standard output resolves.
enum Resolved {
    Stdout,
    Stderr,
    /// A device, a FIFO or a file under `/dev` or `/proc`; one that does not
    /// exist is made where it is named.
    Through {
        exists: bool,
    },
    /// A regular file (existing or to be made) at `real`.
    File {
        real: PathBuf,
        exists: bool,
    },
    Dir,
}

/// The names of standard output that are not `-`.
fn is_stdout_alias(p: &Path) -> bool {
    ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"]
        .iter()
        .any(|a| p == Path::new(a))
}

/// The names of standard error.
fn is_stderr_alias(p: &Path) -> bool {
    ["/dev/stderr", "/dev/fd/2", "/proc/self/fd/2"]
        .iter()
        .any(|a| p == Path::new(a))
}

fn special(p: &Path) -> bool {
    p.starts_with("/dev") || p.starts_with("/proc")
}

/// Follows `path`'s links (at most 40) to what they lead to.
fn resolve(path: &Path) -> Result<Resolved, String> {
    if path.as_os_str() == "-" || is_stdout_alias(path) {
        return Ok(Resolved::Stdout);
    }
    let mut real = path.to_path_buf();
    for _ in 0..40 {
        if is_stdout_alias(&real) {
            return Ok(Resolved::Stdout);
        }
        if is_stderr_alias(&real) {
            return Ok(Resolved::Stderr);
        }
        if special(&real) {
            let exists = fs::metadata(&real).is_ok();
            return Ok(Resolved::Through { exists });
        }
        match fs::symlink_metadata(&real) {
            Ok(m) if m.file_type().is_symlink() => {
                let to = fs::read_link(&real).map_err(|e| format!("cannot read the link: {e}"))?;
                real = match real.parent() {
                    Some(dir) if to.is_relative() => dir.join(to),
                    _ => to,
                };
            }
            Ok(m) if m.is_file() => return Ok(Resolved::File { real, exists: true }),
            Ok(m) if m.is_dir() => return Ok(Resolved::Dir),
            Ok(_) => return Ok(Resolved::Through { exists: true }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(Resolved::File { real, exists: false });
            }
            Err(e) => return Err(e.to_string()),
        }
    }
    Err("too many levels of symbolic links".into())
}

/// The directory a file at `real` is written in.
fn parent(real: &Path) -> &Path {
    match real.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Whether a temporary file can be made in `dir`: the one sure test.
fn probe(dir: &Path) -> Result<(), String> {
    match fs::metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(format!(
                "the directory {} does not exist",
                crate::model::shown_path(dir)
            ));
        }
        Err(e) => return Err(format!("{}: {e}", crate::model::shown_path(dir))),
        Ok(m) if !m.is_dir() => return Err(format!("{} is not a directory", crate::model::shown_path(dir))),
        Ok(_) => {}
    }
    // tempfile names its temporary in the error: the directory says enough.
    Temp::new(dir).map(drop).map_err(|e| {
        let e = e.to_string();
        let why = e.split(" at path ").next().unwrap_or_default();
        format!("cannot write in {}: {why}", crate::model::shown_path(dir))
    })
}

impl Outputs {
    /// Outputs that may be none of `inputs` (files that cannot be read are
    /// left to the loader to report).
    pub(crate) fn new<'a>(inputs: impl IntoIterator<Item = &'a Path>) -> Self {
        let inputs = inputs
            .into_iter()
            .filter_map(|p| ident_of(p).map(|id| (p.to_path_buf(), id)))
            .collect();
        Self {
            inputs,
            slots: Vec::new(),
            problems: Vec::new(),
        }
    }

    fn push(&mut self, flag: &str, shown: &Path, dest: Dest) -> Out {
        self.slots.push(Slot {
            flag: flag.into(),
            shown: shown.to_path_buf(),
            dest,
            data: Vec::new(),
            note: None,
        });
        Out(self.slots.len() - 1)
    }

    /// Standard output, for a report that goes nowhere else.
    pub(crate) fn stdout(&mut self, flag: &str) -> Out {
        self.push(flag, Path::new("-"), Dest::Stdout)
    }

    /// A file named by `flag`; `-` is standard output.
    pub(crate) fn file(&mut self, flag: &str, path: &Path) -> Out {
        let problem = |what: String| format!("{flag} {}: {what}", crate::model::shown_path(path));
        let dest = match resolve(path) {
            Ok(Resolved::Stdout) => Dest::Stdout,
            Ok(Resolved::Stderr) => Dest::Stderr,
            Ok(Resolved::Through { exists }) => {
                if !exists && let Err(e) = probe(parent(path)) {
                    self.problems.push(problem(e));
                }
                Dest::Through
            }
            Ok(Resolved::Dir) => {
                self.problems.push(problem("is a directory; name a file".into()));
                Dest::Through
            }
            Ok(Resolved::File { real, .. }) => {
                if let Err(e) = probe(parent(&real)) {
                    self.problems.push(problem(e));
                }
                Dest::Replace { real }
            }
            Err(e) => {
                self.problems.push(problem(e));
                Dest::Through
            }
        };
        self.push(flag, path, dest)
    }

    /// A directory of files named by `flag`, made if it does not exist.
    pub(crate) fn dir(&mut self, flag: &str, path: &Path) -> Out {
        let problem = |what: String| format!("{flag} {}: {what}", crate::model::shown_path(path));
        match resolve(path) {
            Ok(Resolved::Dir) => {
                if let Err(e) = probe(path) {
                    self.problems.push(problem(e));
                }
            }
            Ok(Resolved::File { exists: false, .. }) => {
                // The nearest directory that exists must take the new ones.
                let mut up = path.to_path_buf();
                while !up.as_os_str().is_empty() && fs::symlink_metadata(&up).is_err() {
                    up.pop();
                }
                if up.as_os_str().is_empty() {
                    up = PathBuf::from(".");
                }
                if let Err(e) = probe(&up) {
                    self.problems.push(problem(e));
                }
            }
            Ok(Resolved::Stdout | Resolved::Stderr) => self.problems.push(problem(
                "names a directory for the plot files; `-` cannot take them".into(),
            )),
            Ok(_) => self.problems.push(problem("is not a directory".into())),
            Err(e) => self.problems.push(problem(e)),
        }
        self.push(flag, path, Dest::Dir)
    }

    /// Every problem with the planned outputs, all at once: a place that
    /// cannot be written, an input that would be overwritten, two outputs
    /// in one place, two outputs on standard output.
    ///
    /// # Errors
    /// When there is any such problem: nothing has been written.
    pub(crate) fn check(&mut self) -> anyhow::Result<()> {
        let mut problems = std::mem::take(&mut self.problems);
        for (stream, name) in [
            (Dest::Stdout, "standard output"),
            (Dest::Stderr, "standard error"),
        ] {
            let on: Vec<&Slot> = self
                .slots
                .iter()
                .filter(|s| std::mem::discriminant(&s.dest) == std::mem::discriminant(&stream))
                .collect();
            if on.len() > 1 {
                let flags: Vec<String> = on
                    .iter()
                    .map(|s| {
                        if s.flag.starts_with('-') {
                            format!("{} {}", s.flag, crate::model::shown_path(&s.shown))
                        } else {
                            s.flag.clone()
                        }
                    })
                    .collect();
                problems.push(format!(
                    "{} would all go to {name}: give all but one of them a file",
                    flags.join(" and ")
                ));
            }
            // A stream redirected into an input (`>> s.json`) must not get the report.
            let fd = if matches!(stream, Dest::Stdout) { 1 } else { 2 };
            let id = fs::metadata(format!("/proc/self/fd/{fd}"))
                .ok()
                .filter(fs::Metadata::is_file)
                .and_then(|_| ident_of(Path::new(&format!("/proc/self/fd/{fd}"))));
            if let (Some(slot), Some(id)) = (on.first(), id)
                && let Some((input, _)) = self.inputs.iter().find(|(_, i)| *i == id)
            {
                problems.push(format!(
                    "{} goes to {name}, which is the input {}: it would be overwritten; redirect it elsewhere",
                    slot.flag,
                    crate::model::shown_path(input)
                ));
            }
        }
        let mut seen: Vec<(Ident, &Slot)> = Vec::new();
        for slot in &self.slots {
            let id = match &slot.dest {
                Dest::Replace { real } => ident_of(real).or_else(|| new_ident(real)),
                Dest::Through => ident_of(&slot.shown),
                Dest::Stdout | Dest::Stderr | Dest::Dir => None,
            };
            let Some(id) = id else { continue };
            if let Some((input, _)) = self.inputs.iter().find(|(_, i)| *i == id) {
                problems.push(format!(
                    "{} {} is the input {}: it would be overwritten; write the output elsewhere",
                    slot.flag,
                    crate::model::shown_path(&slot.shown),
                    crate::model::shown_path(input)
                ));
            } else if let Some((_, other)) = seen.iter().find(|(i, _)| *i == id)
                && !matches!(slot.dest, Dest::Through)
            {
                problems.push(format!(
                    "{} {} and {} {} are the same file: give each output its own",
                    other.flag,
                    crate::model::shown_path(&other.shown),
                    slot.flag,
                    crate::model::shown_path(&slot.shown)
                ));
            }
            seen.push((id, slot));
        }
        match problems.as_slice() {
            [] => Ok(()),
            [one] => anyhow::bail!("{one}"),
            _ => {
                let body: Vec<String> = problems.iter().map(|p| format!("  - {p}")).collect();
                anyhow::bail!(
                    "{} problems with the outputs\n{}",
                    problems.len(),
                    body.join("\n")
                )
            }
        }
    }

    /// The contents of a file output, and the note said once it is written
    /// (`redsim: NOTE PATH`; none for standard output).
    pub(crate) fn put(&mut self, out: Out, bytes: impl Into<Vec<u8>>, note: impl Into<String>) {
        let slot = &mut self.slots[out.0];
        slot.data = vec![(String::new(), bytes.into())];
        slot.note = Some(note.into());
    }

    /// The files of a directory output, by name.
    pub(crate) fn put_files(&mut self, out: Out, files: Vec<(String, Vec<u8>)>, note: impl Into<String>) {
        let slot = &mut self.slots[out.0];
        slot.data = files;
        slot.note = Some(note.into());
    }

    /// Writes every output that was given contents: the temporaries, then
    /// standard output and straight-through files, then the renames. Says
    /// where each went on standard error unless `quiet`.
    ///
    /// # Errors
    /// The first output that could not be written; when it happens before
    /// the renames (all but a failed rename), no file has been replaced.
    pub(crate) fn commit(self, quiet: bool) -> anyhow::Result<()> {
        let Outputs { inputs, slots, .. } = self;
        // The files of directories are known only now: each is checked
        // against the inputs as the single files were.
        let mut staged: Vec<(Temp, PathBuf)> = Vec::new();
        let mut direct: Vec<(&Slot, &[u8])> = Vec::new();
        // Where each staged file goes, so that a plot file cannot land on
        // another output: the single files were compared in `check`.
        let mut taken: Vec<(Ident, String)> = Vec::new();
        let mut claim = |real: &Path, what: String| -> anyhow::Result<()> {
            let Some(id) = ident_of(real).or_else(|| new_ident(real)) else {
                return Ok(());
            };
            if let Some((_, other)) = taken.iter().find(|(i, _)| *i == id) {
                anyhow::bail!("{other} and {what} are the same file: give each output its own");
            }
            taken.push((id, what));
            Ok(())
        };
        for slot in &slots {
            match &slot.dest {
                Dest::Replace { real } => {
                    for (_, bytes) in &slot.data {
                        claim(
                            real,
                            format!("{} {}", slot.flag, crate::model::shown_path(&slot.shown)),
                        )?;
                        staged.push((stage(parent(real), real, bytes, slot)?, real.clone()));
                    }
                }
                Dest::Dir if slot.note.is_some() => {
                    fs::create_dir_all(&slot.shown).map_err(|e| {
                        anyhow::anyhow!(
                            "{} {}: cannot create it: {e}",
                            slot.flag,
                            crate::model::shown_path(&slot.shown)
                        )
                    })?;
                    for (name, bytes) in &slot.data {
                        let path = slot.shown.join(name);
                        let real = match resolve(&path) {
                            Ok(Resolved::File { real, .. }) => real,
                            _ => anyhow::bail!(
                                "{} {}: {} exists and is not a regular file",
                                slot.flag,
                                crate::model::shown_path(&slot.shown),
                                crate::model::shown_path(&path)
                            ),
                        };
                        if let Some(id) = ident_of(&real)
                            && let Some((input, _)) = inputs.iter().find(|(_, i)| *i == id)
                        {
                            anyhow::bail!(
                                "{} {}: {} is the input {}: it would be overwritten",
                                slot.flag,
                                crate::model::shown_path(&slot.shown),
                                crate::model::shown_path(&path),
                                crate::model::shown_path(input)
                            );
                        }
                        claim(
                            &real,
                            format!(
                                "{} {} (its file {})",
                                slot.flag,
                                crate::model::shown_path(&slot.shown),
                                crate::model::shown_path(&path)
                            ),
                        )?;
                        staged.push((stage(parent(&real), &real, bytes, slot)?, real));
                    }
                }
                Dest::Dir => {}
                Dest::Stdout | Dest::Stderr | Dest::Through => {
                    for (_, bytes) in &slot.data {
                        direct.push((slot, bytes));
                    }
                }
            }
        }
        for (slot, bytes) in direct {
            match slot.dest {
                Dest::Stdout => stdout(bytes)?,
                Dest::Stderr => {
                    let mut err = io::stderr().lock();
                    err.write_all(bytes)
                        .and_then(|()| err.flush())
                        .map_err(|e| anyhow::anyhow!("cannot write to standard error: {e}"))?;
                }
                _ => write_through(&slot.shown, bytes).map_err(|e| {
                    anyhow::anyhow!(
                        "{} {}: cannot write it: {e}",
                        slot.flag,
                        crate::model::shown_path(&slot.shown)
                    )
                })?,
            }
        }
        persist_all(staged)?;
        if !quiet {
            for slot in &slots {
                if let (Some(note), false) = (&slot.note, matches!(slot.dest, Dest::Stdout | Dest::Stderr)) {
                    super::note(format_args!(
                        "redsim: {note} {}",
                        crate::model::shown_path(&slot.shown)
                    ));
                }
            }
        }
        Ok(())
    }
}

/// A file that does not exist yet: its directory's canonical path and name.
fn new_ident(real: &Path) -> Option<Ident> {
    let dir = fs::canonicalize(parent(real)).ok()?;
    Some(Ident::New(dir.join(real.file_name()?)))
}

/// Writes `bytes` to a temporary file in `dir`, with the permissions of the
/// file it will replace (or 0644).
fn stage(dir: &Path, real: &Path, bytes: &[u8], slot: &Slot) -> anyhow::Result<Temp> {
    let fail = |e: io::Error| {
        anyhow::anyhow!(
            "{} {}: cannot write it: {e}",
            slot.flag,
            crate::model::shown_path(&slot.shown)
        )
    };
    let temp = Temp::new(dir).map_err(fail)?;
    let mut f = fs::OpenOptions::new()
        .write(true)
        .open(temp.path())
        .map_err(fail)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let perms = fs::metadata(real)
            .map(|m| m.permissions())
            .unwrap_or_else(|_| fs::Permissions::from_mode(0o644));
        f.set_permissions(perms).map_err(fail)?;
    }
    #[cfg(not(unix))]
    let _ = real;
    f.write_all(bytes).and_then(|()| f.sync_all()).map_err(fail)?;
    Ok(temp)
}

/// Writes to a device or FIFO as it is, never replacing it.
fn write_through(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)?;
    f.write_all(bytes)?;
    f.flush()
}
