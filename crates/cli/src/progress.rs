//! Progress of long fits on stderr: a bar when stderr is a terminal, and
//! otherwise a note when a fit has been running for a while.

use std::io::IsTerminal;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use ferroflux::factorize::{IterationInfo, SimplexNmf};
use indicatif::{ProgressBar, ProgressStyle};

/// Fits shorter than this many iterations in total finish too fast for a bar.
const MIN_ITERATIONS: u64 = 500;

/// Running time after which a fit without a bar prints its first note.
const FIRST_NOTE: Duration = Duration::from_secs(10);

/// Running time between later notes of a fit without a bar.
const NOTE_INTERVAL: Duration = Duration::from_secs(60);

/// Iterations between two reads of the clock, so that the check costs far
/// less than an iteration: 400000 iterations of the synthetic problem took
/// 0.50 s to 0.52 s with and without it.
const CLOCK_STRIDE: u64 = 64;

/// Attaches a progress bar for at most `total` iterations to `builder`, if
/// stderr is a terminal and the fit is long enough. Returns the builder and
/// the bar, which the caller clears when the fit returns. Without a
/// terminal the fit instead prints a note once it has run for
/// [`FIRST_NOTE`], and again every [`NOTE_INTERVAL`].
pub fn attach(builder: SimplexNmf, total: u64, label: &str) -> (SimplexNmf, Option<ProgressBar>) {
    if !std::io::stderr().is_terminal() {
        let mut notes = SlowFitNotes::new(label, total, Instant::now());
        let mut done = 0;
        let builder = builder.callback(move |_: &IterationInfo| {
            done += 1;
            if done % CLOCK_STRIDE == 0 {
                if let Some(note) = notes.check(Instant::now(), done) {
                    eprintln!("{note}");
                }
            }
            ControlFlow::Continue(())
        });
        return (builder, None);
    }
    if total < MIN_ITERATIONS {
        return (builder, None);
    }
    let bar = ProgressBar::new(total);
    let style = ProgressStyle::with_template(
        "{prefix} [{bar:32}] {pos}/{len} iterations, {elapsed} ({msg})",
    )
    .expect("the progress template is valid")
    .progress_chars("=> ");
    bar.set_style(style);
    bar.set_prefix(label.to_string());
    let handle = bar.clone();
    let builder = builder.callback(move |info: &IterationInfo| {
        handle.inc(1);
        if info.iteration.is_multiple_of(50) {
            handle.set_message(format!("run {}, cost {:.4e}", info.restart + 1, info.cost));
        }
        ControlFlow::Continue(())
    });
    (builder, Some(bar))
}

/// The notes of a fit that runs without a progress bar.
struct SlowFitNotes {
    /// The fit's name in the note.
    label: String,
    /// The iteration limit over all runs.
    total: u64,
    /// When the fit started.
    start: Instant,
    /// Running time at which the next note is due.
    due: Duration,
}

impl SlowFitNotes {
    fn new(label: &str, total: u64, start: Instant) -> Self {
        SlowFitNotes {
            label: label.to_string(),
            total,
            start,
            due: FIRST_NOTE,
        }
    }

    /// Returns the note to print at `now`, after `done` iterations, if one
    /// is due.
    fn check(&mut self, now: Instant, done: u64) -> Option<String> {
        let elapsed = now.saturating_duration_since(self.start);
        if elapsed < self.due {
            return None;
        }
        while self.due <= elapsed {
            self.due += NOTE_INTERVAL;
        }
        Some(format!(
            "note: {}: still running after {} s, at iteration {done} of at most {} \
             (--restarts x --iterations); no progress bar is drawn because stderr is not a \
             terminal",
            self.label,
            elapsed.as_secs(),
            self.total
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_fit_notes_are_spaced() {
        let start = Instant::now();
        let mut notes = SlowFitNotes::new("fit", 200_000, start);
        assert_eq!(notes.check(start + Duration::from_secs(9), 640), None);

        let first = notes.check(start + Duration::from_secs(10), 704).unwrap();
        assert_eq!(
            first,
            "note: fit: still running after 10 s, at iteration 704 of at most 200000 \
             (--restarts x --iterations); no progress bar is drawn because stderr is not a \
             terminal"
        );
        assert_eq!(notes.check(start + Duration::from_secs(69), 4096), None);
        let second = notes.check(start + Duration::from_secs(70), 4160);
        assert!(second.unwrap().contains("after 70 s"));

        // A note that came late does not make the next one come early.
        let late = notes.check(start + Duration::from_secs(200), 9000);
        assert!(late.unwrap().contains("after 200 s"));
        assert_eq!(notes.check(start + Duration::from_secs(245), 9500), None);
        assert!(notes
            .check(start + Duration::from_secs(250), 9600)
            .is_some());
    }
}
