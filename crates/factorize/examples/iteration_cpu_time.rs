//! Measures the CPU time of one `NmfSolver::step` (cost, gradient and Adam
//! update) at the bench's two sizes, from the nanosecond CPU counters in
//! `/proc/self/task/*/schedstat` (Linux only).
//!
//! On a machine shared with other jobs, criterion's wall-clock times include
//! the time the process waits for a core. CPU time does not, so this example
//! gives an estimate of the unloaded time per iteration. It counts the
//! process's CPU time on all threads: with two BLAS threads the wall-clock
//! time on an idle machine lies between the total and half of it.
//!
//! Each case runs in [`ROUNDS`] rounds of equal length. The example prints
//! the median time per iteration and the range over the rounds, rounded to
//! the place of the range's leading digit, since the digits below it vary
//! from round to round.
//!
//! Run with `OPENBLAS_NUM_THREADS=1 cargo run --release -p ferroflux-factorize --example iteration_cpu_time`.

use std::path::Path;

use ferroflux_factorize::{CostFunction, NmfSolver};
use ferroflux_linalg::{rand_with, randn_with, rng};
use ferroflux_optim::Adam;

/// Timed rounds per case. The spread over them sets the printed digits.
const ROUNDS: usize = 5;

/// Steps of one run, after which the solver restarts from the same start,
/// as a 2000-iteration fit would.
const RUN_LENGTH: usize = 2000;

/// Returns the nanoseconds that all threads of this process have run on a
/// CPU so far.
///
/// The kernel adds a running thread's time to its counter at each scheduler
/// tick (every 1 to 10 ms, by the kernel's `CONFIG_HZ`) and at each context
/// switch, so a plain read lags by up to one tick. `sched_yield` adds the
/// calling thread's time so far whether or not another thread takes the
/// core, so yielding first makes this thread's count exact. The counts of
/// other threads, such as BLAS workers, may still lag by up to one tick
/// each if they are running at that moment.
fn process_cpu_nanos() -> u64 {
    std::thread::yield_now();
    let tasks = Path::new("/proc/self/task");
    let entries = std::fs::read_dir(tasks)
        .unwrap_or_else(|error| panic!("listing {} failed: {error}", tasks.display()));
    let mut total = 0;
    for entry in entries {
        let path = entry
            .unwrap_or_else(|error| panic!("reading {} failed: {error}", tasks.display()))
            .path()
            .join("schedstat");
        // A thread that exited since the listing has no file left, so its time is lost.
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let nanos: u64 = text
            .split_whitespace()
            .next()
            .and_then(|field| field.parse().ok())
            .unwrap_or_else(|| {
                panic!(
                    "{} does not start with a nanosecond count: {text:?}",
                    path.display()
                )
            });
        total += nanos;
    }
    total
}

/// Returns the CPU seconds per step of each of [`ROUNDS`] rounds of
/// `steps / ROUNDS` steps.
fn measure(
    rows: usize,
    series: usize,
    components: usize,
    cost: CostFunction,
    steps: usize,
) -> Vec<f64> {
    let mut generator = rng(1);
    let a = rand_with::<f64, _>(&mut generator, rows, series);
    let w = rand_with::<f64, _>(&mut generator, rows, components);
    let h_logits = randn_with::<f64, _>(&mut generator, components, series);
    let start = NmfSolver::new(a, w, h_logits, cost, Adam::default());
    let round_steps = steps / ROUNDS;
    let mut checksum = 0.0;

    let mut seconds_per_step = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        // Clone every run's start before the clock starts, so the copies are
        // not timed and the whole round needs only two clock reads.
        let run_lengths: Vec<usize> = (0..round_steps)
            .step_by(RUN_LENGTH)
            .map(|done| RUN_LENGTH.min(round_steps - done))
            .collect();
        let mut solvers = vec![start.clone(); run_lengths.len()];

        let before = process_cpu_nanos();
        for (solver, &run_length) in solvers.iter_mut().zip(&run_lengths) {
            for _ in 0..run_length {
                checksum += solver.step();
            }
        }
        let nanos = process_cpu_nanos() - before;
        seconds_per_step.push(nanos as f64 * 1e-9 / round_steps as f64);
    }
    assert!(checksum.is_finite());
    seconds_per_step
}

/// Formats the median and the range of `values` in microseconds, rounded to
/// the place of the range's leading digit, as "1.10 µs" and "1.09 to 1.11 µs".
/// The range is rounded outwards, so that it still contains every round.
fn format_micros(values: &[f64]) -> (String, String) {
    let mut sorted: Vec<f64> = values.iter().map(|v| v * 1e6).collect();
    sorted.sort_by(f64::total_cmp);
    let (min, max) = (sorted[0], sorted[sorted.len() - 1]);
    let median = sorted[sorted.len() / 2];

    // Rounds that agree closely would let the clock's nanoseconds through,
    // so the output shows at most four significant digits.
    let range = (max - min).max(median * 1e-3);
    let exponent = range.log10().floor() as i32;
    let place = 10f64.powi(exponent);
    let decimals = (-exponent).max(0) as usize;
    let median = (median / place).round() * place;
    let min = (min / place).floor() * place;
    let max = (max / place).ceil() * place;
    (
        format!("{median:.decimals$} µs"),
        format!("{min:.decimals$} to {max:.decimals$} µs"),
    )
}

fn main() {
    let costs = [
        ("seed", CostFunction::seed(0.2, 1.0)),
        (
            "gaussian",
            CostFunction::gaussian(0.01, 0.2, 0.03, 1e-3, 0.01),
        ),
    ];
    for (rows, series, components, steps) in [(20, 10, 4, 2_000_000), (1000, 500, 11, 2000)] {
        for (name, cost) in costs {
            let seconds = measure(rows, series, components, cost, steps);
            let (median, range) = format_micros(&seconds);
            println!(
                "{rows}x{series}, K = {components}, {name}: {median} CPU per iteration \
                 (median of {ROUNDS} rounds of {} steps, range {range})",
                steps / ROUNDS
            );
        }
    }
}
