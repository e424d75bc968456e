//! Gradient computations through `ferroflux::autodiff`: the simplex-NMF cost
//! step and a 784-32-10 MLP, plus the heap allocations per step counted by a
//! wrapping global allocator.
//!
//! Run with `cargo bench -p ferroflux-benches --bench autodiff`. The
//! allocation counts and the CPU time per step print to stderr before the
//! timings. On a machine shared with other jobs the wall-clock timings of
//! criterion include time spent waiting for a core. The CPU time, read from
//! the kernel's per-thread run-time counter, does not.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ferroflux::autodiff::{with_gradient, Matrix, Param, Params, Tensor};
use ferroflux_benches::{input, print_backend};

/// The system allocator, counting every allocation and reallocation.
struct CountingAllocator;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged; the counter has no effect on the memory handed out.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded; `ptr` came from `System` through `alloc` above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded as in `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded; `ptr` and `layout` describe a live `System` block.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: CountingAllocator = CountingAllocator;

/// Heap allocations per call of `step`, averaged over `steps` calls after a
/// warm-up of the same length.
fn allocations_per_step(steps: usize, mut step: impl FnMut()) -> f64 {
    for _ in 0..steps {
        step();
    }
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    for _ in 0..steps {
        step();
    }
    let after = ALLOCATIONS.load(Ordering::Relaxed);
    (after - before) as f64 / steps as f64
}

/// Nanoseconds this thread has run on a CPU, from the first field of
/// `/proc/thread-self/schedstat` (Linux only; `None` elsewhere).
///
/// The kernel brings that count up to date only at a scheduler tick or a
/// context switch, so the thread yields first. Without the yield, a reading
/// can lag by up to one tick (4 ms on the machine where this was measured).
fn thread_cpu_nanos() -> Option<u64> {
    std::thread::yield_now();
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// CPU time per call of `step` in microseconds, over `steps` calls after a
/// warm-up of the same length.
fn cpu_micros_per_step(steps: usize, mut step: impl FnMut()) -> Option<f64> {
    for _ in 0..steps {
        step();
    }
    let before = thread_cpu_nanos()?;
    for _ in 0..steps {
        step();
    }
    let after = thread_cpu_nanos()?;
    Some((after - before) as f64 / 1e3 / steps as f64)
}

/// The simplex-NMF cost and its gradient with respect to `W` and `Hbar`:
/// `‖A - W·softmax(Hbar)‖ - (α - 1)·Σ log_softmax(Hbar)`, with A 20x10,
/// W 20x4 and Hbar 4x10 as in the Flux time-series example.
struct NmfStep {
    a: Tensor,
    w: Param,
    hbar: Param,
    ps: Params,
    alpha: f64,
}

impl NmfStep {
    fn new() -> Self {
        let a = Tensor::constant(input::<f64>(11, 20, 10).map(f64::abs));
        let w = Param::new(input::<f64>(12, 20, 4).map(f64::abs));
        let hbar = Param::new(input::<f64>(13, 4, 10));
        let ps = Params::new([&w, &hbar]);
        Self {
            a,
            w,
            hbar,
            ps,
            alpha: 0.5,
        }
    }

    fn step(&self) -> f64 {
        let (cost, grads) = with_gradient(&self.ps, || {
            let hbar = self.hbar.tensor();
            let fit = (&self.a - self.w.tensor().matmul(&hbar.softmax())).norm();
            fit - hbar.log_softmax().sum() * (self.alpha - 1.0)
        });
        black_box(&grads);
        cost
    }
}

/// A 784-32-10 relu MLP with a softmax cross-entropy loss on one-hot labels.
struct MlpStep {
    x: Tensor<f32>,
    y: Tensor<f32>,
    w1: Param<f32>,
    b1: Param<f32>,
    w2: Param<f32>,
    b2: Param<f32>,
    ps: Params<f32>,
}

impl MlpStep {
    fn new(batch: usize) -> Self {
        let x = Tensor::constant(input::<f32>(21, 784, batch).map(f32::abs));
        let labels = Matrix::<f32>::from_fn(10, batch, |i, j| f32::from(u8::from(i == j % 10)));
        let scale = |fan_in: usize| 1.0 / (fan_in as f32).sqrt();
        let w1 = Param::new(input::<f32>(22, 32, 784) * scale(784));
        let b1 = Param::new(Matrix::zeros(32, 1));
        let w2 = Param::new(input::<f32>(23, 10, 32) * scale(32));
        let b2 = Param::new(Matrix::zeros(10, 1));
        let ps = Params::new([&w1, &b1, &w2, &b2]);
        Self {
            x,
            y: Tensor::constant(labels),
            w1,
            b1,
            w2,
            b2,
            ps,
        }
    }

    fn step(&self) -> f32 {
        let batch = self.x.ncols() as f32;
        let (loss, grads) = with_gradient(&self.ps, || {
            let hidden = (self.w1.tensor().matmul(&self.x) + self.b1.tensor()).relu();
            let logits = self.w2.tensor().matmul(&hidden) + self.b2.tensor();
            -(&self.y * logits.log_softmax()).sum() / batch
        });
        black_box(&grads);
        loss
    }
}

fn bench_autodiff(c: &mut Criterion) {
    print_backend();
    let nmf = NmfStep::new();
    let mlp1 = MlpStep::new(1);
    let mlp128 = MlpStep::new(128);

    eprintln!(
        "heap allocations per step: nmf_step {:.2}, mlp_f32 batch 1 {:.2}, mlp_f32 batch 128 {:.2}",
        allocations_per_step(1000, || {
            nmf.step();
        }),
        allocations_per_step(200, || {
            mlp1.step();
        }),
        allocations_per_step(20, || {
            mlp128.step();
        }),
    );

    let cpu = [
        cpu_micros_per_step(200_000, || {
            nmf.step();
        }),
        cpu_micros_per_step(20_000, || {
            mlp1.step();
        }),
        cpu_micros_per_step(500, || {
            mlp128.step();
        }),
    ];
    if let [Some(nmf_us), Some(mlp1_us), Some(mlp128_us)] = cpu {
        eprintln!(
            "CPU time per step: nmf_step {nmf_us:.3} us, mlp_f32 batch 1 {mlp1_us:.3} us, \
             mlp_f32 batch 128 {mlp128_us:.1} us (this thread only)"
        );
    }

    let mut group = c.benchmark_group("autodiff");
    group.throughput(Throughput::Elements(1));
    group.bench_function(BenchmarkId::new("nmf_step", "20x10_k4"), |b| {
        b.iter(|| black_box(nmf.step()))
    });
    for (batch, mlp) in [(1, &mlp1), (128, &mlp128)] {
        group.throughput(Throughput::Elements(batch as u64));
        group.bench_with_input(
            BenchmarkId::new("mlp_784_32_10_f32", batch),
            &batch,
            |b, _| b.iter(|| black_box(mlp.step())),
        );
    }
    group.finish();
}

criterion_group!(benches, bench_autodiff);
criterion_main!(benches);
