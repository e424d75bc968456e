//! GEMM through ferroflux's dispatch against OpenBLAS called directly on the
//! same buffers and against nalgebra's own product.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ferroflux::linalg::{gemm, native_gemm, Float, Matrix, Transpose};
use ferroflux_benches::{input, print_backend};

const SIZES: [usize; 10] = [4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048];
/// Sizes around the native/BLAS crossover, timed with both paths forced.
const CROSSOVER_SIZES: [usize; 9] = [1, 2, 3, 4, 6, 8, 12, 16, 32];

fn bench_gemm_type<T: Float>(c: &mut Criterion, name: &str)
where
    Matrix<T>: std::ops::Mul<Output = Matrix<T>>,
    for<'a> &'a Matrix<T>: std::ops::Mul<&'a Matrix<T>, Output = Matrix<T>>,
{
    let mut group = c.benchmark_group(format!("gemm_{name}"));
    for &n in &SIZES {
        let a = input::<T>(1, n, n);
        let b = input::<T>(2, n, n);
        let mut out = Matrix::<T>::zeros(n, n);
        group.throughput(Throughput::Elements((2 * n * n * n) as u64));
        if n >= 1024 {
            group.sample_size(10);
        }
        group.bench_with_input(BenchmarkId::new("ferroflux", n), &n, |bench, _| {
            bench.iter(|| {
                gemm(
                    T::one(),
                    &a,
                    Transpose::No,
                    &b,
                    Transpose::No,
                    T::zero(),
                    &mut out,
                )
            })
        });
        #[cfg(feature = "openblas")]
        group.bench_with_input(BenchmarkId::new("cblas_direct", n), &n, |bench, _| {
            bench.iter(|| direct::gemm(&a, &b, &mut out))
        });
        if n <= 256 {
            group.bench_with_input(BenchmarkId::new("nalgebra", n), &n, |bench, _| {
                bench.iter(|| out.gemm(T::one(), &a, &b, T::zero()))
            });
        }
    }
    group.finish();
}

/// The crossover between the native kernel and BLAS: both forced on the same
/// small square products.
fn bench_crossover(c: &mut Criterion) {
    let mut group = c.benchmark_group("gemm_crossover_f64");
    for &n in &CROSSOVER_SIZES {
        let a = input::<f64>(1, n, n);
        let b = input::<f64>(2, n, n);
        let mut out = Matrix::<f64>::zeros(n, n);
        group.throughput(Throughput::Elements((2 * n * n * n) as u64));
        group.bench_with_input(BenchmarkId::new("dispatch", n), &n, |bench, _| {
            bench.iter(|| gemm(1.0, &a, Transpose::No, &b, Transpose::No, 0.0, &mut out))
        });
        group.bench_with_input(BenchmarkId::new("native", n), &n, |bench, _| {
            bench.iter(|| native_gemm(1.0, &a, Transpose::No, &b, Transpose::No, 0.0, &mut out))
        });
        #[cfg(feature = "openblas")]
        group.bench_with_input(BenchmarkId::new("blas", n), &n, |bench, _| {
            bench.iter(|| direct::gemm(&a, &b, &mut out))
        });
        group.bench_with_input(BenchmarkId::new("nalgebra", n), &n, |bench, _| {
            bench.iter(|| out.gemm(1.0, &a, &b, 0.0))
        });
    }
    group.finish();
}

#[cfg(feature = "openblas")]
mod direct {
    use ferroflux::linalg::{Float, Matrix};

    /// `C = A*B` by a direct `cblas_?gemm` call, the baseline for the
    /// dispatch overhead.
    pub fn gemm<T: Float>(a: &Matrix<T>, b: &Matrix<T>, c: &mut Matrix<T>) {
        let (m, k, n) = (a.nrows(), a.ncols(), b.ncols());
        let (m_i, k_i, n_i) = (m as i32, k as i32, n as i32);
        use cblas_sys::{CblasColMajor, CblasNoTrans};
        use std::any::TypeId;
        // SAFETY: a is m x k, b is k x n and c is m x n, all contiguous
        // column-major with leading dimension equal to their row counts; T is
        // checked to be f64 or f32 before each pointer cast.
        unsafe {
            if TypeId::of::<T>() == TypeId::of::<f64>() {
                cblas_sys::cblas_dgemm(
                    CblasColMajor,
                    CblasNoTrans,
                    CblasNoTrans,
                    m_i,
                    n_i,
                    k_i,
                    1.0,
                    a.as_ptr() as *const f64,
                    m_i,
                    b.as_ptr() as *const f64,
                    k_i,
                    0.0,
                    c.as_mut_ptr() as *mut f64,
                    m_i,
                );
            } else {
                cblas_sys::cblas_sgemm(
                    CblasColMajor,
                    CblasNoTrans,
                    CblasNoTrans,
                    m_i,
                    n_i,
                    k_i,
                    1.0,
                    a.as_ptr() as *const f32,
                    m_i,
                    b.as_ptr() as *const f32,
                    k_i,
                    0.0,
                    c.as_mut_ptr() as *mut f32,
                    m_i,
                );
            }
        }
    }
}

fn bench_gemm(c: &mut Criterion) {
    print_backend();
    bench_crossover(c);
    bench_gemm_type::<f64>(c, "f64");
    bench_gemm_type::<f32>(c, "f32");
}

criterion_group!(benches, bench_gemm);
criterion_main!(benches);
