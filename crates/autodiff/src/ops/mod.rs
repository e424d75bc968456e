//! The differentiable ops. Each file holds one family; each op defines its
//! value, its reverse rule (VJP) and its forward rule (JVP) side by side.
//!
//! Elementwise ops implement `Elementwise` or `Broadcast`, whose generic
//! rules in `elementwise.rs` and `broadcast.rs` turn a scalar derivative into
//! both matrix rules.

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
