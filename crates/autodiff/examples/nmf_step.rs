//! Runs the simplex-NMF cost and gradient of the `autodiff` bench (A 20x10,
//! W 20x4, H̄ 4x10, f64) a given number of times, for instruction counts:
//!
//! ```sh
//! cargo build --release -p ferroflux-autodiff --example nmf_step
//! valgrind --tool=callgrind target/release/examples/nmf_step 20000
//! ```
//!
//! The first argument is the number of steps (default 100000). It prints the
//! last cost and the CPU time per step of this thread (Linux only).

use std::hint::black_box;

use ferroflux_autodiff::{with_gradient, Matrix, Param, Params, Tensor};
use ferroflux_linalg::{rand_with, rng};

/// Returns uniform entries in `[-1, 1)` from a seeded generator, as the benches use.
fn input(seed: u64, rows: usize, cols: usize) -> Matrix<f64> {
    rand_with::<f64, _>(&mut rng(seed), rows, cols).map(|x| x + x - 1.0)
}

/// Returns the nanoseconds this thread has run on a CPU, from `/proc/thread-self/schedstat`.
///
/// The kernel brings that count up to date only at a scheduler tick or a
/// context switch, so the thread yields first. Without the yield, a reading
/// can lag by up to one tick (4 ms on the machine where this was measured).
fn thread_cpu_nanos() -> Option<u64> {
    std::thread::yield_now();
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

fn main() {
    let steps: usize = match std::env::args().nth(1) {
        Some(arg) => arg
            .parse()
            .unwrap_or_else(|_| panic!("the step count must be a whole number, not {arg:?}")),
        None => 100_000,
    };
    let a = Tensor::constant(input(11, 20, 10).map(f64::abs));
    let w = Param::new(input(12, 20, 4).map(f64::abs));
    let hbar = Param::new(input(13, 4, 10));
    let ps = Params::new([&w, &hbar]);
    let alpha = 0.5;

    let step = || {
        let (cost, grads) = with_gradient(&ps, || {
            let h = hbar.tensor();
            let fit = (&a - w.tensor().matmul(&h.softmax())).norm();
            fit - h.log_softmax().sum() * (alpha - 1.0)
        });
        black_box(&grads);
        cost
    };

    let start = thread_cpu_nanos();
    let mut cost = 0.0;
    for _ in 0..steps {
        cost = step();
    }
    let end = thread_cpu_nanos();
    println!("cost {cost:.15e} after {steps} steps");
    if let (Some(start), Some(end)) = (start, end) {
        let micros = (end - start) as f64 / 1e3 / steps.max(1) as f64;
        println!("CPU time per step: {micros:.3} us (this thread only)");
    }
}
