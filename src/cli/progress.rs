//! Progress of long work, on standard error only: a bar on a terminal, a
//! plain line about every 10 s elsewhere (a CI log), nothing when quiet.
//! One implementation for every command that simulates; progress never
//! touches standard output or a result.

use std::io::IsTerminal;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Seconds between two progress lines when standard error is not a terminal.
const LINE_INTERVAL_S: f64 = 10.0;

/// Overrides [`LINE_INTERVAL_S`] (seconds, or a duration such as `0.1s`);
/// for tests, which cannot wait 10 s.
const INTERVAL_VAR: &str = "REDSIM_PROGRESS_INTERVAL";

/// The progress of a number of trials, updated from worker threads.
pub(crate) struct Progress {
    shown: Shown,
}

enum Shown {
    Hidden,
    Bar(indicatif::ProgressBar),
    Lines(Lines),
}

/// Plain progress lines, each at least `interval` after the one before.
struct Lines {
    done: AtomicU64,
    total: AtomicU64,
    started: Instant,
    interval: Duration,
    /// When the last line was written (or the work started).
    last: Mutex<Instant>,
    /// What the line adds after the counts (a current estimate), if anything.
    message: Mutex<String>,
}

impl Progress {
    /// Progress of `total` trials: hidden when `quiet`, a bar when standard
    /// error is a terminal, plain lines otherwise.
    pub(crate) fn new(quiet: bool, total: u64) -> Self {
        let shown = if quiet {
            Shown::Hidden
        } else if std::io::stderr().is_terminal() {
            let b = indicatif::ProgressBar::new(total);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} trials ({eta}) {msg}",
                )
                .expect("a fixed template"),
            );
            Shown::Bar(b)
        } else {
            let interval = std::env::var(INTERVAL_VAR)
                .ok()
                .and_then(|v| super::options::parse_seconds(&v).ok())
                .unwrap_or(LINE_INTERVAL_S);
            let now = Instant::now();
            Shown::Lines(Lines {
                done: AtomicU64::new(0),
                total: AtomicU64::new(total),
                started: now,
                interval: Duration::from_secs_f64(interval),
                last: Mutex::new(now),
                message: Mutex::new(String::new()),
            })
        };
        Self { shown }
    }

    /// `k` more trials done (called from worker threads).
    pub(crate) fn inc(&self, k: u64) {
        match &self.shown {
            Shown::Hidden => {}
            Shown::Bar(b) => b.inc(k),
            Shown::Lines(l) => {
                l.done.fetch_add(k, Ordering::Relaxed);
                l.maybe_write();
            }
        }
    }

    /// The total is now `len` trials (it grows as `check` and
    /// `run --precision` add batches).
    pub(crate) fn set_length(&self, len: u64) {
        match &self.shown {
            Shown::Hidden => {}
            Shown::Bar(b) => b.set_length(len),
            Shown::Lines(l) => l.total.store(len, Ordering::Relaxed),
        }
    }

    /// Text shown after the counts: a current estimate, when one is cheap.
    pub(crate) fn set_message(&self, message: String) {
        match &self.shown {
            Shown::Hidden => {}
            Shown::Bar(b) => b.set_message(message),
            Shown::Lines(l) => *l.message.lock().unwrap_or_else(|e| e.into_inner()) = message,
        }
    }

    /// The work is over: the bar is cleared (lines stay in the log).
    pub(crate) fn finish(&self) {
        if let Shown::Bar(b) = &self.shown {
            b.finish_and_clear();
        }
    }
}

impl Lines {
    /// Writes a line when the interval has passed since the last one. One
    /// thread writes it; the others, finding the lock taken, go on.
    fn maybe_write(&self) {
        let Ok(mut last) = self.last.try_lock() else {
            return;
        };
        let now = Instant::now();
        if now.duration_since(*last) < self.interval {
            return;
        }
        *last = now;
        let done = self.done.load(Ordering::Relaxed);
        let total = self.total.load(Ordering::Relaxed).max(done);
        let elapsed = now.duration_since(self.started).as_secs_f64();
        let left = if done > 0 {
            format!(
                ", about {} left",
                seconds(elapsed * (total - done) as f64 / done as f64)
            )
        } else {
            String::new()
        };
        let message = self.message.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let message = if message.is_empty() {
            message
        } else {
            format!("; {message}")
        };
        note!(
            "redsim: {} of {} trials ({:.1} %), {} elapsed{left}{message}",
            super::common::thousands(done),
            super::common::thousands(total),
            100.0 * done as f64 / total.max(1) as f64,
            seconds(elapsed)
        );
    }
}

/// A time in whole seconds, minutes or hours, as a log line reads it.
fn seconds(s: f64) -> String {
    if s < 120.0 {
        format!("{s:.0} s")
    } else if s < 7200.0 {
        format!("{:.0} min", s / 60.0)
    } else {
        format!("{:.1} h", s / 3600.0)
    }
}
