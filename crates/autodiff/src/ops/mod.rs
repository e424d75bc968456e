//! The differentiable ops. Each file holds one family; each op defines its
//! value, its reverse rule (VJP) and its forward rule (JVP) side by side.
//!
//! Elementwise ops implement `Elementwise` or `Broadcast`, whose generic
//! rules in `elementwise.rs` and `broadcast.rs` turn a scalar derivative into
//! both matrix rules.

/// Returns the `&'static Rule` of the op `name` with reverse rule `vjp` and
/// forward rule `jvp`, built at compile time for the caller's `T`.
macro_rules! rule {
    ($name:expr, $vjp:expr, $jvp:expr) => {
        const {
            &$crate::rules::Rule {
                name: $name,
                vjp: $vjp,
                jvp: $jvp,
            }
        }
    };
}

mod activation;
mod arith;
mod broadcast;
mod elementwise;
mod math;
mod matmul;
mod minmax;
mod operators;
mod reduce;
mod shape;
mod softmax;

use ferroflux_linalg::Float;

/// NaN when `x` is NaN, otherwise `v`: keeps NaN flowing through the
/// piecewise derivatives (relu, abs, clamp) whose comparisons would
/// otherwise turn it into a number.
#[inline(always)]
pub(crate) fn nan_or<T: Float>(x: T, v: T) -> T {
    if x.nan() {
        x
    } else {
        v
    }
}

/// Writes `d` into a fresh gradient accumulator or adds it to a used one.
#[inline(always)]
pub(crate) fn put<T: Float>(fresh: bool, g: &mut T, d: T) {
    *g = if fresh { d } else { *g + d };
}

/// Returns `Σ aᵢ`, added in four partial sums like [`slice_dot`]. A single
/// running sum waits for each addition to finish (about 4 cycles each), so
/// the partial sums make long sums faster and split the rounding error four
/// ways.
#[inline]
pub(crate) fn slice_sum<T: Float>(a: &[T]) -> T {
    let mut acc = [T::zero(); 4];
    let chunks = a.chunks_exact(4);
    let tail: T = chunks.remainder().iter().fold(T::zero(), |s, &x| s + x);
    for x in chunks {
        for k in 0..4 {
            acc[k] += x[k];
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// `Σ aᵢ·bᵢ` over two slices of equal length, with four partial sums so the
/// loop vectorises.
#[inline]
pub(crate) fn slice_dot<T: Float>(a: &[T], b: &[T]) -> T {
    debug_assert_eq!(a.len(), b.len());
    let mut acc = [T::zero(); 4];
    let (ac, bc) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: T = ac
        .remainder()
        .iter()
        .zip(bc.remainder())
        .fold(T::zero(), |s, (&x, &y)| s + x * y);
    for (x, y) in ac.zip(bc) {
        for k in 0..4 {
            acc[k] += x[k] * y[k];
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}
