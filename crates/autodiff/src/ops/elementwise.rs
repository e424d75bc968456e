//! The generic rules of unary elementwise ops.
//!
//! An elementwise op `y = f(x)` has a diagonal Jacobian, so the reverse rule
//! `x̄ = f'(x)·ȳ` and the forward rule `ẏ = f'(x)·ẋ` are the same scalar map
//! applied to a cotangent or a tangent. Each op therefore supplies its value
//! and that one map.

use ferroflux_linalg::{Float, Matrix};

use crate::rules::{Attrs, Jvp, Output, Vjp};
use crate::tensor::Tensor;

/// A unary elementwise op.
pub(crate) trait Elementwise<T: Float> {
    const NAME: &'static str;

    /// `f(x)`, with the op's attributes (exponent, slope, bounds).
    fn value(x: T, attrs: &Attrs<T>) -> T;

    /// `f'(x)·t`, given `x` and `y = f(x)`. Taking `t` lets an op return 0
    /// for `t = 0` where `f'(x)` is infinite (sqrt at 0).
    fn derivative(t: T, x: T, y: T, attrs: &Attrs<T>) -> T;
}

/// Applies `E` to every element of `x`, recording it when `x` is tracked.
pub(crate) fn apply<T: Float, E: Elementwise<T>>(x: &Tensor<T>, attrs: Attrs<T>) -> Tensor<T> {
    let (rows, cols) = x.shape();
    let mut out = Output::new(&[x], rows, cols);
    for (y, &xv) in out
        .matrix()
        .as_mut_slice()
        .iter_mut()
        .zip(x.value.as_slice())
    {
        *y = E::value(xv, &attrs);
    }
    let rule = rule!(E::NAME, vjp::<T, E>, jvp::<T, E>);
    out.finish(&[x], rule, attrs)
}

fn vjp<T: Float, E: Elementwise<T>>(v: &mut Vjp<'_, T>) {
    let (x, y, ybar, attrs) = (v.x(0), v.y, v.ybar, v.attrs);
    if let Some((g, fresh)) = v.grad_uninit(0) {
        let parts = g
            .as_mut_slice()
            .iter_mut()
            .zip(x.as_slice())
            .zip(y.as_slice())
            .zip(ybar.as_slice());
        for (((g, &x), &y), &t) in parts {
            let d = E::derivative(t, x, y, &attrs);
            *g = if fresh { d } else { *g + d };
        }
    }
}

fn jvp<T: Float, E: Elementwise<T>>(j: &Jvp<'_, T>) -> Matrix<T> {
    let (x, xdot) = (j.x(0), j.xdot(0));
    let mut out = xdot.clone();
    let parts = out
        .as_mut_slice()
        .iter_mut()
        .zip(x.as_slice())
        .zip(j.y.as_slice());
    for ((t, &x), &y) in parts {
        *t = E::derivative(*t, x, y, &j.attrs);
    }
    out
}
