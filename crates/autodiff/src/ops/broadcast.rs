//! The generic rules of binary elementwise ops with broadcasting.
//!
//! Two operands combine when each dimension matches or is 1 in one of them,
//! so a column vector `m x 1` spreads over columns, a row vector `1 x n` over
//! rows and a `1 x 1` scalar over anything. Element `(i, j)` of a broadcast
//! operand with shape `(r, c)` sits at offset `(r == 1 ? 0 : i) +
//! (c == 1 ? 0 : j·r)`; the reverse rule adds into that same offset, which
//! sums the gradient over the broadcast dimension.

use ferroflux_linalg::{Float, Matrix};

use super::put;
use crate::rules::{Attrs, Jvp, Output, Vjp};
use crate::tensor::Tensor;

/// A binary elementwise op `y = f(a, b)`.
pub(crate) trait Broadcast<T: Float> {
    const NAME: &'static str;

    fn value(a: T, b: T) -> T;

    /// `∂f/∂a · t` at `(a, b)` with `y = f(a, b)`.
    fn da(t: T, a: T, b: T, y: T) -> T;

    /// `∂f/∂b · t` at `(a, b)` with `y = f(a, b)`.
    fn db(t: T, a: T, b: T, y: T) -> T;
}

/// Returns the shape of the broadcast result.
///
/// # Panics
/// If the shapes do not broadcast; the message names the op and both shapes.
#[track_caller]
pub(crate) fn broadcast_shape(op: &str, a: (usize, usize), b: (usize, usize)) -> (usize, usize) {
    let dim = |x: usize, y: usize| match (x, y) {
        _ if x == y => Some(x),
        (1, _) => Some(y),
        (_, 1) => Some(x),
        _ => None,
    };
    match (dim(a.0, b.0), dim(a.1, b.1)) {
        (Some(r), Some(c)) => (r, c),
        _ => panic!(
            "{op}: shapes {}x{} and {}x{} do not broadcast; each dimension must match or be 1 \
             (an m x 1 column spreads over columns, a 1 x n row over rows, a 1x1 scalar over \
             anything)",
            a.0, a.1, b.0, b.1
        ),
    }
}

/// Offsets of a `(rows, cols)` operand broadcast to an output with `out_rows`
/// rows: the step per output row and the start of output column `j`.
#[derive(Clone, Copy)]
struct Strides {
    row_step: usize,
    col_step: usize,
}

impl Strides {
    fn new(shape: (usize, usize)) -> Self {
        Self {
            row_step: usize::from(shape.0 != 1),
            col_step: if shape.1 == 1 { 0 } else { shape.0 },
        }
    }

    #[inline(always)]
    fn at(self, i: usize, j: usize) -> usize {
        i * self.row_step + j * self.col_step
    }
}

/// Calls `f(k, ka, kb)` for every output offset `k` with the matching offsets
/// of both operands.
#[inline(always)]
fn for_each_pair(
    out: (usize, usize),
    a: (usize, usize),
    b: (usize, usize),
    mut f: impl FnMut(usize, usize, usize),
) {
    if a == out && b == out {
        for k in 0..out.0 * out.1 {
            f(k, k, k);
        }
        return;
    }
    let (sa, sb) = (Strides::new(a), Strides::new(b));
    for j in 0..out.1 {
        for i in 0..out.0 {
            f(i + j * out.0, sa.at(i, j), sb.at(i, j));
        }
    }
}

/// Applies `B` to `a` and `b` with broadcasting, recording it when an operand
/// is tracked.
#[track_caller]
pub(crate) fn apply<T: Float, B: Broadcast<T>>(a: &Tensor<T>, b: &Tensor<T>) -> Tensor<T> {
    let shape = broadcast_shape(B::NAME, a.shape(), b.shape());
    let mut out = Output::new(&[a, b], shape.0, shape.1);
    {
        let y = out.matrix().as_mut_slice();
        let (av, bv) = (a.value.as_slice(), b.value.as_slice());
        if a.shape() == shape && b.shape() == shape {
            // Zipped slices instead of indices, so the loop has no bounds
            // checks and vectorises.
            for ((y, &a), &b) in y.iter_mut().zip(av).zip(bv) {
                *y = B::value(a, b);
            }
        } else {
            for_each_pair(shape, a.shape(), b.shape(), |k, ka, kb| {
                y[k] = B::value(av[ka], bv[kb]);
            });
        }
    }
    let rule = rule!(B::NAME, vjp::<T, B>, jvp::<T, B>);
    out.finish(&[a, b], rule, Attrs::default())
}

fn vjp<T: Float, B: Broadcast<T>>(v: &mut Vjp<'_, T>) {
    let (a, b, y, ybar) = (v.x(0), v.x(1), v.y, v.ybar);
    let (av, bv, yv, tv) = (a.as_slice(), b.as_slice(), y.as_slice(), ybar.as_slice());
    // A fresh accumulator of an operand with the output's shape is written
    // directly; a broadcast operand sums several terms, so it starts at zero.
    let same_shape = a.shape() == y.shape() && b.shape() == y.shape();
    if let Some((g, fresh)) = v.grad_uninit(0) {
        let fresh = prepare(g, fresh, y.shape());
        let g = g.as_mut_slice();
        if same_shape {
            same_shape_vjp(g, fresh, [tv, av, bv, yv], B::da);
        } else {
            for_each_pair(y.shape(), a.shape(), b.shape(), |k, ka, kb| {
                put(fresh, &mut g[ka], B::da(tv[k], av[ka], bv[kb], yv[k]));
            });
        }
    }
    if let Some((g, fresh)) = v.grad_uninit(1) {
        let fresh = prepare(g, fresh, y.shape());
        let g = g.as_mut_slice();
        if same_shape {
            same_shape_vjp(g, fresh, [tv, av, bv, yv], B::db);
        } else {
            for_each_pair(y.shape(), a.shape(), b.shape(), |k, ka, kb| {
                put(fresh, &mut g[kb], B::db(tv[k], av[ka], bv[kb], yv[k]));
            });
        }
    }
}

/// Writes or adds `d(ȳ, a, b, y)` element by element when both operands have
/// the output's shape. `fresh` is tested once, outside the loops, so each loop
/// runs on zipped slices and vectorises.
#[inline(always)]
fn same_shape_vjp<T: Float>(
    g: &mut [T],
    fresh: bool,
    [tv, av, bv, yv]: [&[T]; 4],
    d: impl Fn(T, T, T, T) -> T,
) {
    let terms = tv.iter().zip(av).zip(bv).zip(yv);
    if fresh {
        for (g, (((&t, &a), &b), &y)) in g.iter_mut().zip(terms) {
            *g = d(t, a, b, y);
        }
    } else {
        for (g, (((&t, &a), &b), &y)) in g.iter_mut().zip(terms) {
            *g += d(t, a, b, y);
        }
    }
}

/// Zero-fills a fresh accumulator of a broadcast operand and returns whether
/// the rule may still write instead of add.
fn prepare<T: Float>(g: &mut Matrix<T>, fresh: bool, out: (usize, usize)) -> bool {
    if fresh && g.shape() != out {
        g.as_mut_slice().fill(T::zero());
        return false;
    }
    fresh
}

fn jvp<T: Float, B: Broadcast<T>>(j: &Jvp<'_, T>) -> Matrix<T> {
    let (a, b, y) = (j.x(0), j.x(1), j.y);
    let (adot, bdot) = (j.xdot(0).as_slice(), j.xdot(1).as_slice());
    let (av, bv, yv) = (a.as_slice(), b.as_slice(), y.as_slice());
    let mut out = Matrix::zeros(y.nrows(), y.ncols());
    let o = out.as_mut_slice();
    for_each_pair(y.shape(), a.shape(), b.shape(), |k, ka, kb| {
        o[k] = B::da(adot[ka], av[ka], bv[kb], yv[k]) + B::db(bdot[kb], av[ka], bv[kb], yv[k]);
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcast_shape_rules() {
        assert_eq!(broadcast_shape("add", (3, 4), (3, 4)), (3, 4));
        assert_eq!(broadcast_shape("add", (3, 4), (3, 1)), (3, 4));
        assert_eq!(broadcast_shape("add", (1, 4), (3, 4)), (3, 4));
        assert_eq!(broadcast_shape("add", (1, 1), (3, 4)), (3, 4));
        assert_eq!(broadcast_shape("add", (3, 1), (1, 4)), (3, 4));
    }

    #[test]
    #[should_panic(expected = "add: shapes 3x4 and 2x4 do not broadcast")]
    fn broadcast_shape_mismatch_names_shapes() {
        broadcast_shape("add", (3, 4), (2, 4));
    }
}
