//! One optimiser step over a million parameters.
//!
//! Adam reads x, g, m and v and writes x, m and v: 7 values per parameter,
//! 56 MB per step in f64. Descent (read x and g, write x: 24 MB) is the
//! bandwidth baseline; if Adam's bytes per second come close to Descent's,
//! Adam is memory-bound. Run with
//! `cargo bench -p ferroflux-optim --bench rules -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, Throughput,
};
use ferroflux_autodiff::{gradient, Param, Params, Tensor};
use ferroflux_linalg::{randn_with, rng, Float, Matrix};
use ferroflux_optim::{Adam, AdamW, Descent, Lion, Momentum, Optimiser, OptimiserState, Rule};

/// Parameters per step: a 1000 x 1000 matrix.
const SIDE: usize = 1000;

/// Benchmarks `rule.apply` on one `side` x `side` parameter in element type `T`.
fn bench_apply<T: Float, R: Rule<T>>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    rule: R,
    side: usize,
) {
    let mut generator = rng(17);
    let mut x: Matrix<T> = randn_with(&mut generator, side, side);
    let g: Matrix<T> = randn_with(&mut generator, side, side);
    let mut state = rule.init(x.shape());
    let id = BenchmarkId::new(format!("{name}/{}", T::NAME), side * side);
    group.bench_with_input(id, &g, |b, g| {
        b.iter(|| rule.apply(&mut state, black_box(&mut x), black_box(g)))
    });
}

/// Benchmarks `update_all` over `Params` (the train loop's path) with Adam.
fn bench_update_all(group: &mut BenchmarkGroup<'_, WallTime>) {
    let mut generator = rng(23);
    let w = Param::new(randn_with::<f64, _>(&mut generator, SIDE, SIDE));
    let ps = Params::new([&w]);
    let target = Tensor::constant(randn_with::<f64, _>(&mut generator, SIDE, SIDE));
    let grads = gradient(&ps, || w.tensor().dot(&target));
    let mut opt = OptimiserState::new(Adam::default());
    group.bench_function(BenchmarkId::new("Adam update_all/f64", SIDE * SIDE), |b| {
        b.iter(|| opt.update_all(black_box(&ps), black_box(&grads)).unwrap())
    });
}

/// Benchmarks `update_all` with Adam over the four parameters of a
/// 784-32-10 perceptron in f32 (25,450 values), where the per-parameter
/// overhead of the Optimiser layer shows next to the arithmetic.
fn bench_update_all_mlp(group: &mut BenchmarkGroup<'_, WallTime>) {
    let mut generator = rng(29);
    let shapes = [(32, 784), (32, 1), (10, 32), (10, 1)];
    let params: Vec<Param<f32>> = shapes
        .iter()
        .map(|&(r, c)| Param::new(randn_with(&mut generator, r, c)))
        .collect();
    let ps = Params::new(params.iter());
    let targets: Vec<Tensor<f32>> = shapes
        .iter()
        .map(|&(r, c)| Tensor::constant(randn_with(&mut generator, r, c)))
        .collect();
    let grads = gradient(&ps, || {
        let mut total = params[0].tensor().dot(&targets[0]);
        for (p, t) in params.iter().zip(&targets).skip(1) {
            total = total + p.tensor().dot(t);
        }
        total
    });
    let mut opt = OptimiserState::new(Adam::default());
    group.bench_function(
        BenchmarkId::new("Adam update_all mlp/f32", ps.count_elements()),
        |b| b.iter(|| opt.update_all(black_box(&ps), black_box(&grads)).unwrap()),
    );
}

fn optimiser_step(c: &mut Criterion) {
    println!("{}", ferroflux_linalg::backend());
    let mut group = c.benchmark_group("optimiser_step");
    group.throughput(Throughput::Elements((SIDE * SIDE) as u64));
    bench_apply::<f64, _>(&mut group, "Descent", Descent::new(0.01), SIDE);
    bench_apply::<f64, _>(&mut group, "Momentum", Momentum::default(), SIDE);
    bench_apply::<f64, _>(&mut group, "Adam", Adam::default(), SIDE);
    bench_apply::<f64, _>(&mut group, "AdamW", AdamW::new(0.001, 0.01), SIDE);
    bench_apply::<f64, _>(&mut group, "Lion", Lion::default(), SIDE);
    bench_update_all(&mut group);
    bench_apply::<f32, _>(&mut group, "Descent", Descent::new(0.01), SIDE);
    bench_apply::<f32, _>(&mut group, "Adam", Adam::default(), SIDE);
    // Cache-resident sizes, where arithmetic rather than memory sets the pace.
    group.throughput(Throughput::Elements(160 * 160));
    bench_apply::<f32, _>(&mut group, "Adam", Adam::default(), 160);
    bench_apply::<f32, _>(&mut group, "AdamW", AdamW::default(), 160);
    group.throughput(Throughput::Elements(25_450));
    bench_update_all_mlp(&mut group);
    group.finish();
}

criterion_group!(benches, optimiser_step);
criterion_main!(benches);
