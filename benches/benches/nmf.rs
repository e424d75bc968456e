//! One simplex NMF iteration: cost, gradient and the Adam update of `W` and
//! `H̄`, as `NmfSolver::step` runs it inside `SimplexNmf::fit`.
//!
//! Each timed run restarts from the same seeded start every 2000 steps (the
//! restart is not timed). Under the Seed cost the logits drift without bound
//! over millions of steps, and a run that long would time subnormal
//! arithmetic that no real fit reaches.

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ferroflux::factorize::{CostFunction, NmfSolver};
use ferroflux::linalg::Float;
use ferroflux::optim::Adam;
use ferroflux_benches::{input, print_backend};

/// (T, n, K): the Flux example (20 x 10, k + 1 = 4) and a large problem
/// (1000 x 500, k = 10 plus one extra component).
const SHAPES: [(usize, usize, usize); 2] = [(20, 10, 4), (1000, 500, 11)];

/// Steps between restarts from the seeded start, as in a 2000-iteration fit.
const RUN_LENGTH: u64 = 2000;

fn solver<T: Float>(
    rows: usize,
    series: usize,
    components: usize,
    cost: CostFunction<T>,
) -> NmfSolver<T> {
    // A in [0, 2), W in [0, 1), logits in [-1, 1): the ranges of a fit's start.
    let a = input::<T>(1, rows, series).map(|x| x + T::one());
    let w = input::<T>(2, rows, components).map(|x| (x + T::one()) * T::cast(0.5));
    let h_logits = input::<T>(3, components, series);
    NmfSolver::new(a, w, h_logits, cost, Adam::default())
}

fn time_steps<T: Float>(start: &NmfSolver<T>, iterations: u64) -> Duration {
    let mut total = Duration::ZERO;
    let mut done = 0;
    while done < iterations {
        let steps = RUN_LENGTH.min(iterations - done);
        let mut run = start.clone();
        let clock = Instant::now();
        for _ in 0..steps {
            std::hint::black_box(run.step());
        }
        total += clock.elapsed();
        done += steps;
    }
    total
}

fn bench_type<T: Float>(c: &mut Criterion) {
    let mut group = c.benchmark_group(format!("nmf_{}", T::NAME));
    let costs = [
        ("seed", CostFunction::<T>::seed(0.2, 1.0)),
        (
            "gaussian",
            CostFunction::<T>::gaussian(0.01, 0.2, 0.3, 1e-3, 0.01),
        ),
    ];
    for &(rows, series, components) in &SHAPES {
        let id = format!("{rows}x{series}x{components}");
        group.throughput(Throughput::Elements((rows * series) as u64));
        for (name, cost) in costs {
            let start = solver(rows, series, components, cost);
            group.bench_with_input(BenchmarkId::new(name, &id), &id, |b, _| {
                b.iter_custom(|iterations| time_steps(&start, iterations))
            });
        }
    }
    group.finish();
}

fn bench_nmf(c: &mut Criterion) {
    print_backend();
    bench_type::<f64>(c);
    bench_type::<f32>(c);
}

criterion_group!(benches, bench_nmf);
criterion_main!(benches);
