//! One training step of a 784-32-10 MLP in f32: forward pass, gradient of
//! the logit cross-entropy with respect to all four parameters, and an Adam
//! update, at batch sizes 1, 32, 128 and 1024.
//!
//! The workload is the `mlp-b*` one of the peer comparison in
//! `benches/peers`: `Chain(Dense(784 => 32, relu), Dense(32 => 10))`,
//! inputs `X ~ U[0, 1)`, uniformly random one-hot targets, Glorot-uniform
//! weights, zero biases, Adam with η = 1e-3, and every step trains on the
//! same batch. `mlp_784_32_10_gradient` times the loss and gradient
//! without the update, `mlp_784_32_10_adam` the whole step.
//!
//! Run with `cargo bench -p ferroflux-benches --bench train_step`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ferroflux::autodiff::{with_gradient, Tensor};
use ferroflux::linalg::{rand_with, rng, Matrix};
use ferroflux::nn::{logit_cross_entropy, one_hot, relu, Chain, Dense, Layer};
use ferroflux::optim::{Adam, Optimiser};
use ferroflux_benches::print_backend;

const BATCH_SIZES: [usize; 4] = [1, 32, 128, 1024];

/// A seeded batch: `784 x batch` uniform pixels and one-hot labels of 10 classes.
fn batch(seed: u64, size: usize) -> (Matrix<f32>, Matrix<f32>) {
    let mut generator = rng(seed);
    let x = rand_with::<f32, _>(&mut generator, 784, size);
    let classes = rand_with::<f64, _>(&mut generator, 1, size);
    let labels: Vec<usize> = classes.iter().map(|u| (u * 10.0) as usize).collect();
    (x, one_hot(&labels, 10).expect("labels lie in 0..10"))
}

fn train_step(c: &mut Criterion) {
    print_backend();
    let mut group = c.benchmark_group("train_step");
    for size in BATCH_SIZES {
        let model = Chain::new((
            Dense::builder(784, 32).activation(relu).seed(1).build(),
            Dense::builder(32, 10).seed(2).build(),
        ));
        let ps = model.params();
        let mut opt = Adam::default();
        let (x, y) = batch(3, size);
        let (x, y) = (Tensor::constant(x), Tensor::constant(y));

        group.throughput(Throughput::Elements(size as u64));
        // The loss and gradient alone, to separate the model from the optimiser.
        group.bench_with_input(
            BenchmarkId::new("mlp_784_32_10_gradient", size),
            &size,
            |b, _| b.iter(|| with_gradient(&ps, || logit_cross_entropy(&model.apply(&x), &y))),
        );
        group.bench_with_input(
            BenchmarkId::new("mlp_784_32_10_adam", size),
            &size,
            |b, _| {
                b.iter(|| {
                    let (loss, grads) =
                        with_gradient(&ps, || logit_cross_entropy(&model.apply(&x), &y));
                    opt.update_all(&ps, &grads)
                        .expect("Adam accepts finite gradients");
                    black_box(loss)
                })
            },
        );
    }
    group.finish();
}

criterion_group!(benches, train_step);
criterion_main!(benches);
