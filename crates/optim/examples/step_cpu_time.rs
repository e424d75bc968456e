//! Measures the CPU time of one optimiser step over a million parameters.
//!
//! Criterion reports wall-clock time, which on a shared machine includes the
//! time other processes hold the cores. This example reads the thread's
//! own CPU time from `/proc/thread-self/schedstat` (Linux) instead, so it
//! shows what a step costs when it runs. Run with
//! `cargo run --release -p ferroflux-optim --example step_cpu_time`.

use ferroflux_linalg::{randn_with, rng, Float, Matrix};
use ferroflux_optim::{Adam, AdamW, Descent, Lion, Momentum, Rule};

/// Parameters per step.
const SIDE: usize = 1000;
/// Steps timed per rule, after 3 warm-up steps.
const STEPS: u32 = 100;

/// Returns the CPU time of the calling thread in nanoseconds.
///
/// The kernel brings that count up to date only at a scheduler tick or a
/// context switch, so the thread yields first. Without the yield, a reading
/// can lag by up to one tick (4 ms on the machine where this was measured).
fn thread_cpu_nanoseconds() -> Result<u64, String> {
    std::thread::yield_now();
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").map_err(|error| {
        format!("cannot read /proc/thread-self/schedstat (Linux only): {error}")
    })?;
    let first = text.split_whitespace().next().unwrap_or_default();
    first
        .parse()
        .map_err(|error| format!("unexpected schedstat content {text:?}: {error}"))
}

/// Times `STEPS` applications of `rule` and prints the CPU time per step
/// and the bytes per second for `values_moved` values read or written per
/// parameter.
fn time_rule<T: Float, R: Rule<T>>(name: &str, rule: R, values_moved: usize) -> Result<(), String> {
    let mut generator = rng(17);
    let mut x: Matrix<T> = randn_with(&mut generator, SIDE, SIDE);
    let g: Matrix<T> = randn_with(&mut generator, SIDE, SIDE);
    let mut state = rule.init(x.shape());
    for _ in 0..3 {
        rule.apply(&mut state, &mut x, &g);
    }

    let start = thread_cpu_nanoseconds()?;
    for _ in 0..STEPS {
        rule.apply(&mut state, &mut x, &g);
    }
    let nanoseconds = (thread_cpu_nanoseconds()? - start) as f64 / f64::from(STEPS);

    let bytes = (values_moved * SIDE * SIDE * std::mem::size_of::<T>()) as f64;
    println!(
        "{name:<8} {:<4} {:>9.1} us per step  {:>5.1} GB/s",
        T::NAME,
        nanoseconds / 1e3,
        bytes / nanoseconds
    );
    Ok(())
}

fn main() -> Result<(), String> {
    println!("{}", ferroflux_linalg::backend());
    println!(
        "one step over {} parameters, CPU time of this thread",
        SIDE * SIDE
    );
    // Values moved per parameter: Descent reads x and g and writes x (3),
    // Momentum and Lion add one state read and write (5), Adam and AdamW add
    // two (7).
    time_rule::<f64, _>("Descent", Descent::new(0.01), 3)?;
    time_rule::<f64, _>("Momentum", Momentum::default(), 5)?;
    time_rule::<f64, _>("Lion", Lion::default(), 5)?;
    time_rule::<f64, _>("Adam", Adam::default(), 7)?;
    time_rule::<f64, _>("AdamW", AdamW::new(0.001, 0.01), 7)?;
    time_rule::<f32, _>("Descent", Descent::new(0.01), 3)?;
    time_rule::<f32, _>("Adam", Adam::default(), 7)?;
    Ok(())
}
