//! Thin SVD of a square and a tall matrix.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use ferroflux::linalg::svd;
use ferroflux_benches::{input, print_backend};

const SHAPES: [(usize, usize); 2] = [(500, 500), (2000, 200)];

fn bench_svd(c: &mut Criterion) {
    print_backend();
    let mut group = c.benchmark_group("svd_f64");
    group.sample_size(10);
    for &(m, n) in &SHAPES {
        let a = input::<f64>(4, m, n);
        let id = format!("{m}x{n}");
        group.bench_with_input(BenchmarkId::new("thin", &id), &id, |b, _| {
            b.iter(|| svd(&a).expect("finite input"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_svd);
criterion_main!(benches);
