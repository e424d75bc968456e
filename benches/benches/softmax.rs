//! Column-wise softmax, log-softmax and log-sum-exp.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ferroflux::linalg::{log_softmax_into, logsumexp_into, softmax_into, Float, Matrix};
use ferroflux_benches::{input, print_backend};

/// (rows, columns): one square case and one with many short columns.
const SHAPES: [(usize, usize); 2] = [(1000, 1000), (10, 100_000)];

fn bench_type<T: Float>(c: &mut Criterion, name: &str) {
    let mut group = c.benchmark_group(format!("softmax_{name}"));
    for &(m, n) in &SHAPES {
        // Logits of the size a network produces, scaled to [-10, 10).
        let x = input::<T>(3, m, n).map(|v| v * T::cast(10.0));
        let mut out = Matrix::<T>::zeros(m, n);
        let mut row = Matrix::<T>::zeros(1, n);
        let id = format!("{m}x{n}");
        group.throughput(Throughput::Elements((m * n) as u64));
        group.bench_with_input(BenchmarkId::new("softmax", &id), &id, |b, _| {
            b.iter(|| softmax_into(&x, &mut out))
        });
        group.bench_with_input(BenchmarkId::new("log_softmax", &id), &id, |b, _| {
            b.iter(|| log_softmax_into(&x, &mut out))
        });
        group.bench_with_input(BenchmarkId::new("logsumexp", &id), &id, |b, _| {
            b.iter(|| logsumexp_into(&x, &mut row))
        });
    }
    group.finish();
}

fn bench_softmax(c: &mut Criterion) {
    print_backend();
    bench_type::<f64>(c, "f64");
    bench_type::<f32>(c, "f32");
}

criterion_group!(benches, bench_softmax);
criterion_main!(benches);
