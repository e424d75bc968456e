//! The progress bar of long fits, drawn on stderr when it is a terminal.

use std::io::IsTerminal;
use std::ops::ControlFlow;

use ferroflux::factorize::{IterationInfo, SimplexNmf};
use indicatif::{ProgressBar, ProgressStyle};

/// Fits shorter than this many iterations in total finish too fast for a bar.
const MIN_ITERATIONS: u64 = 500;

/// Fits of at least this many iterations in total can run for minutes, so
/// without a bar a note on stderr says what is running.
const LONG_ITERATIONS: u64 = 100_000;

/// Attaches a progress bar for at most `total` iterations to `builder`, if
/// stderr is a terminal and the fit is long enough. Returns the builder and
/// the bar, which the caller clears when the fit returns. A long fit without
/// a terminal gets a one-line note instead.
pub fn attach(builder: SimplexNmf, total: u64, label: &str) -> (SimplexNmf, Option<ProgressBar>) {
    if total < MIN_ITERATIONS {
        return (builder, None);
    }
    if !std::io::stderr().is_terminal() {
        if total >= LONG_ITERATIONS {
            eprintln!(
                "note: {label}: up to {total} iterations (--restarts x --iterations) may take \
                 minutes; no progress bar is drawn because stderr is not a terminal"
            );
        }
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
