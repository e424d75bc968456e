//! Elementwise `maximum`, `minimum` (with broadcasting) and `clamp`.

use ferroflux_linalg::Float;

use super::broadcast::{self, Broadcast};
use super::elementwise::{self, Elementwise};
use super::nan_or;
use crate::rules::Attrs;
use crate::tensor::Tensor;

struct Maximum;
struct Minimum;
struct Clamp;

/// 1 when `cond` holds and 0 otherwise, NaN when `y` is NaN.
fn indicator<T: Float>(cond: bool, y: T) -> T {
    nan_or(y, if cond { T::one() } else { T::zero() })
}

fn min_nan<T: Float>(a: T, b: T) -> T {
    -(-a).max_nan(-b)
}

impl<T: Float> Broadcast<T> for Maximum {
    const NAME: &'static str = "maximum";
    fn value(a: T, b: T) -> T {
        a.max_nan(b)
    }
    // The larger operand receives the cotangent; a tie goes to the first.
    fn da(t: T, a: T, b: T, y: T) -> T {
        t * indicator(a >= b, y)
    }
    fn db(t: T, a: T, b: T, y: T) -> T {
        t * indicator(a < b, y)
    }
}

impl<T: Float> Broadcast<T> for Minimum {
    const NAME: &'static str = "minimum";
    fn value(a: T, b: T) -> T {
        min_nan(a, b)
    }
    // The smaller operand receives the cotangent; a tie goes to the first.
    fn da(t: T, a: T, b: T, y: T) -> T {
        t * indicator(a <= b, y)
    }
    fn db(t: T, a: T, b: T, y: T) -> T {
        t * indicator(a > b, y)
    }
}

impl<T: Float> Elementwise<T> for Clamp {
    const NAME: &'static str = "clamp";
    fn value(x: T, p: &Attrs<T>) -> T {
        min_nan(x.max_nan(p.scalars[0]), p.scalars[1])
    }
    // 1 on the closed interval [lo, hi], 0 outside.
    fn derivative(t: T, x: T, _: T, p: &Attrs<T>) -> T {
        t * indicator(p.scalars[0] <= x && x <= p.scalars[1], x)
    }
}

impl<T: Float> Tensor<T> {
    /// Returns the elementwise maximum of `self` and `rhs`, broadcasting like
    /// `+`. At a tie the gradient goes to `self`; NaN in either gives NaN.
    ///
    /// # Panics
    /// If the shapes do not broadcast; the message names both.
    #[track_caller]
    pub fn maximum(&self, rhs: &Tensor<T>) -> Tensor<T> {
        broadcast::apply::<T, Maximum>(self, rhs)
    }

    /// Returns the elementwise minimum of `self` and `rhs`, broadcasting like
    /// `+`. At a tie the gradient goes to `self`; NaN in either gives NaN.
    ///
    /// # Panics
    /// If the shapes do not broadcast; the message names both.
    #[track_caller]
    pub fn minimum(&self, rhs: &Tensor<T>) -> Tensor<T> {
        broadcast::apply::<T, Minimum>(self, rhs)
    }

    /// Returns `min(max(x, lo), hi)` elementwise. The derivative is 1 on the
    /// closed interval `[lo, hi]` and 0 outside; NaN stays NaN.
    ///
    /// # Panics
    /// If `lo > hi` or a bound is NaN.
    #[track_caller]
    pub fn clamp(&self, lo: T, hi: T) -> Tensor<T> {
        assert!(
            lo <= hi,
            "clamp: the lower bound {lo} must not exceed the upper bound {hi}"
        );
        let attrs = Attrs {
            scalars: [lo, hi],
            ints: [0; 3],
        };
        elementwise::apply::<T, Clamp>(self, attrs)
    }
}
