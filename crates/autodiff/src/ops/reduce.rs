//! Reductions: sums and means (of all elements, per column, per row), the
//! Frobenius norm and the dot product.

use ferroflux_linalg::{Float, Matrix};

use super::{put, slice_dot, slice_sum};
use crate::rules::{Attrs, Jvp, Output, Vjp};
use crate::tensor::Tensor;

/// The elements a sum adds up, as Flux's `dims` selects them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Axis {
    /// Everything, giving `1 x 1`.
    All = 0,
    /// Each column (`dims = 1`), giving `1 x n`.
    Columns = 1,
    /// Each row (`dims = 2`), giving `m x 1`.
    Rows = 2,
}

impl Axis {
    fn from_attr(v: usize) -> Self {
        match v {
            0 => Axis::All,
            1 => Axis::Columns,
            _ => Axis::Rows,
        }
    }

    fn output_shape(self, (m, n): (usize, usize)) -> (usize, usize) {
        match self {
            Axis::All => (1, 1),
            Axis::Columns => (1, n),
            Axis::Rows => (m, 1),
        }
    }
}

/// `scale · Σ x` over `axis` into `out`, which must have the reduced shape.
fn reduce_into<T: Float>(x: &Matrix<T>, axis: Axis, scale: T, out: &mut Matrix<T>) {
    let rows = x.nrows().max(1);
    let xs = x.as_slice();
    let o = out.as_mut_slice();
    let column_sum = slice_sum::<T>;
    match axis {
        Axis::All => o[0] = column_sum(xs) * scale,
        Axis::Columns => {
            for (o, col) in o.iter_mut().zip(xs.chunks_exact(rows)) {
                *o = column_sum(col) * scale;
            }
        }
        Axis::Rows => {
            o.fill(T::zero());
            for col in xs.chunks_exact(rows) {
                o.iter_mut().zip(col).for_each(|(o, &v)| *o += v);
            }
            o.iter_mut().for_each(|v| *v *= scale);
        }
    }
}

fn sum_op<T: Float>(x: &Tensor<T>, axis: Axis, scale: T) -> Tensor<T> {
    let (r, c) = axis.output_shape(x.shape());
    let mut out = Output::new(&[x], r, c);
    reduce_into(&x.value, axis, scale, out.matrix());
    let rule = rule!("sum", sum_vjp::<T>, sum_jvp::<T>);
    let attrs = Attrs {
        scalars: [scale, T::zero()],
        ints: [axis as usize, 0, 0],
    };
    out.finish(&[x], rule, attrs)
}

// y = s·Σ x over the axis, so every x_ij receives s times the cotangent of
// the output element it was added into.
fn sum_vjp<T: Float>(v: &mut Vjp<'_, T>) {
    let (axis, scale, ybar) = (Axis::from_attr(v.attrs.ints[0]), v.attrs.scalars[0], v.ybar);
    let Some((g, fresh)) = v.grad_uninit(0) else {
        return;
    };
    let rows = g.nrows().max(1);
    let t = ybar.as_slice();
    let columns = g.as_mut_slice().chunks_exact_mut(rows);
    match axis {
        Axis::All => {
            let s = scale * t[0];
            columns.for_each(|col| col.iter_mut().for_each(|g| put(fresh, g, s)));
        }
        Axis::Columns => {
            for (col, &tj) in columns.zip(t) {
                let s = scale * tj;
                col.iter_mut().for_each(|g| put(fresh, g, s));
            }
        }
        Axis::Rows => {
            for col in columns {
                col.iter_mut()
                    .zip(t)
                    .for_each(|(g, &ti)| put(fresh, g, scale * ti));
            }
        }
    }
}

fn sum_jvp<T: Float>(j: &Jvp<'_, T>) -> Matrix<T> {
    let axis = Axis::from_attr(j.attrs.ints[0]);
    let mut out = Matrix::zeros(j.y.nrows(), j.y.ncols());
    reduce_into(j.xdot(0), axis, j.attrs.scalars[0], &mut out);
    out
}

fn count<T: Float>(n: usize) -> T {
    T::one() / T::cast_usize(n)
}

fn norm_vjp<T: Float>(v: &mut Vjp<'_, T>) {
    // ∂‖x‖/∂x = x/‖x‖; at the zero matrix the gradient is taken as 0.
    let (x, y, t) = (v.x(0), v.y[0], v.ybar[0]);
    if y == T::zero() {
        return;
    }
    if let Some((g, fresh)) = v.grad_uninit(0) {
        let s = t / y;
        g.as_mut_slice()
            .iter_mut()
            .zip(x.as_slice())
            .for_each(|(g, &x)| put(fresh, g, s * x));
    }
}

fn norm_jvp<T: Float>(j: &Jvp<'_, T>) -> Matrix<T> {
    // ẏ = ⟨x, ẋ⟩/‖x‖, and 0 at the zero matrix.
    let y = j.y[0];
    let d = if y == T::zero() {
        T::zero()
    } else {
        slice_dot(j.x(0).as_slice(), j.xdot(0).as_slice()) / y
    };
    Matrix::from_element(1, 1, d)
}

fn dot_vjp<T: Float>(v: &mut Vjp<'_, T>) {
    // y = Σ a∘b: ā += ȳ·b, b̄ += ȳ·a
    let (a, b, t) = (v.x(0), v.x(1), v.ybar[0]);
    if let Some((g, fresh)) = v.grad_uninit(0) {
        g.as_mut_slice()
            .iter_mut()
            .zip(b.as_slice())
            .for_each(|(g, &b)| put(fresh, g, t * b));
    }
    if let Some((g, fresh)) = v.grad_uninit(1) {
        g.as_mut_slice()
            .iter_mut()
            .zip(a.as_slice())
            .for_each(|(g, &a)| put(fresh, g, t * a));
    }
}

fn dot_jvp<T: Float>(j: &Jvp<'_, T>) -> Matrix<T> {
    let (a, b) = (j.x(0).as_slice(), j.x(1).as_slice());
    let d = slice_dot(j.xdot(0).as_slice(), b) + slice_dot(a, j.xdot(1).as_slice());
    Matrix::from_element(1, 1, d)
}

impl<T: Float> Tensor<T> {
    /// Returns the sum of all elements as `1 x 1`.
    pub fn sum(&self) -> Tensor<T> {
        sum_op(self, Axis::All, T::one())
    }

    /// Returns the mean of all elements as `1 x 1` (NaN for an empty tensor).
    pub fn mean(&self) -> Tensor<T> {
        sum_op(self, Axis::All, count(self.len()))
    }

    /// Returns the sum of each column as `1 x n` (Flux's `sum(x; dims = 1)`).
    pub fn sum_cols(&self) -> Tensor<T> {
        sum_op(self, Axis::Columns, T::one())
    }

    /// Returns the sum of each row as `m x 1` (Flux's `sum(x; dims = 2)`).
    pub fn sum_rows(&self) -> Tensor<T> {
        sum_op(self, Axis::Rows, T::one())
    }

    /// Returns the mean of each column as `1 x n` (Flux's `mean(x; dims = 1)`).
    pub fn mean_cols(&self) -> Tensor<T> {
        sum_op(self, Axis::Columns, count(self.nrows()))
    }

    /// Returns the mean of each row as `m x 1` (Flux's `mean(x; dims = 2)`).
    pub fn mean_rows(&self) -> Tensor<T> {
        sum_op(self, Axis::Rows, count(self.ncols()))
    }

    /// Returns the Frobenius norm `‖x‖ = √(Σ x²)` as `1 x 1`.
    ///
    /// The derivative `x/‖x‖` is undefined at the zero matrix; there the
    /// gradient is zero rather than NaN, a subgradient of the norm.
    pub fn norm(&self) -> Tensor<T> {
        let mut out = Output::new(&[self], 1, 1);
        let x = self.value.as_slice();
        out.matrix()[0] = slice_dot(x, x).sqrt();
        let rule = rule!("norm", norm_vjp::<T>, norm_jvp::<T>);
        out.finish(&[self], rule, Attrs::default())
    }

    /// Returns `Σ self∘rhs`, the sum of elementwise products, as `1 x 1`.
    ///
    /// # Panics
    /// If the shapes differ; the message names both.
    #[track_caller]
    pub fn dot(&self, rhs: &Tensor<T>) -> Tensor<T> {
        assert!(
            self.shape() == rhs.shape(),
            "dot: the operands are {}x{} and {}x{}; they must have the same shape",
            self.nrows(),
            self.ncols(),
            rhs.nrows(),
            rhs.ncols()
        );
        let mut out = Output::new(&[self, rhs], 1, 1);
        out.matrix()[0] = slice_dot(self.value.as_slice(), rhs.value.as_slice());
        let rule = rule!("dot", dot_vjp::<T>, dot_jvp::<T>);
        out.finish(&[self, rhs], rule, Attrs::default())
    }
}
