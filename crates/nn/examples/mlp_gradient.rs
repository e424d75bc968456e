//! Runs the loss and gradient of the 784-32-10 MLP of the `train_step`
//! bench (`Chain(Dense(784 => 32, relu), Dense(32 => 10))`, f32, logit
//! cross-entropy on one-hot labels) a given number of times, for
//! instruction counts:
//!
//! ```sh
//! cargo build --release -p ferroflux-nn --example mlp_gradient
//! OPENBLAS_NUM_THREADS=1 valgrind --tool=callgrind target/release/examples/mlp_gradient 128 200
//! ```
//!
//! The arguments are the batch size (default 128) and the number of steps
//! (default 1000). It prints the last loss and the CPU time per step of the
//! calling thread (Linux only), which leaves out OpenBLAS's worker threads.

use std::hint::black_box;

use ferroflux_autodiff::{with_gradient, Tensor};
use ferroflux_linalg::{rand_with, rng, Matrix};
use ferroflux_nn::{logit_cross_entropy, one_hot, relu, Chain, Dense, Layer};

/// Builds a seeded batch: `784 x size` uniform pixels and one-hot labels of 10 classes.
fn batch(seed: u64, size: usize) -> (Matrix<f32>, Matrix<f32>) {
    let mut generator = rng(seed);
    let x = rand_with::<f32, _>(&mut generator, 784, size);
    let classes = rand_with::<f64, _>(&mut generator, 1, size);
    let labels: Vec<usize> = classes.iter().map(|u| (u * 10.0) as usize).collect();
    (x, one_hot(&labels, 10).expect("labels lie in 0..10"))
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

/// Parses the whole-number argument at `position`, or returns `default`.
fn argument(position: usize, name: &str, default: usize) -> usize {
    match std::env::args().nth(position) {
        Some(arg) => arg
            .parse()
            .unwrap_or_else(|_| panic!("the {name} must be a whole number, not {arg:?}")),
        None => default,
    }
}

fn main() {
    let size = argument(1, "batch size", 128);
    let steps = argument(2, "step count", 1000);
    let model = Chain::new((
        Dense::builder(784, 32).activation(relu).seed(1).build(),
        Dense::builder(32, 10).seed(2).build(),
    ));
    let ps = model.params();
    let (x, y) = batch(3, size);
    let (x, y) = (Tensor::constant(x), Tensor::constant(y));

    let start = thread_cpu_nanos();
    let mut loss = 0.0;
    for _ in 0..steps {
        let (value, grads) = with_gradient(&ps, || logit_cross_entropy(&model.apply(&x), &y));
        black_box(&grads);
        loss = value;
    }
    let end = thread_cpu_nanos();
    println!("loss {loss:.9e} after {steps} steps at batch {size}");
    if let (Some(start), Some(end)) = (start, end) {
        let micros = (end - start) as f64 / 1e3 / steps.max(1) as f64;
        println!("CPU time per step: {micros:.2} us (this thread only)");
    }
}
