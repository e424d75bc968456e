//! Matrix products `op(A)·op(B)` with optional transposes.
//!
//! For `Y = op(A)·op(B)` the rules are
//! - forward: `Ẏ = op(Ȧ)·op(B) + op(A)·op(Ḃ)`;
//! - reverse: `∂op(A) = Ȳ·op(B)ᵀ` and `∂op(B) = op(A)ᵀ·Ȳ`, transposed back
//!   when the operand entered transposed, so `Ā += op(B)·Ȳᵀ` for `op(A) = Aᵀ`
//!   and `B̄ += Ȳᵀ·op(A)` for `op(B) = Bᵀ`.
//!
//! Every product is one `gemm` call with `beta = 1` into the accumulator.
//!
//! [`Tensor::affine`] fuses `W·x .+ b`, the core of a dense layer, into one
//! node: the bias is added in place into the product's buffer, and the
//! reverse rule reads ȳ directly instead of a copy made by a separate
//! broadcast addition. Its values and gradients are bit-identical to
//! `w.matmul(x) + b`.

use ferroflux_linalg::{gemm, Float, Matrix, Transpose};

use crate::rules::{Attrs, Jvp, Output, Rule, Vjp};
use crate::tensor::Tensor;

fn flag(t: Transpose) -> usize {
    usize::from(t == Transpose::Yes)
}

fn transpose_of(flag: usize) -> Transpose {
    if flag == 1 {
        Transpose::Yes
    } else {
        Transpose::No
    }
}

fn flip(t: Transpose) -> Transpose {
    match t {
        Transpose::No => Transpose::Yes,
        Transpose::Yes => Transpose::No,
    }
}

fn op_shape<T: Float>(m: &Matrix<T>, t: Transpose) -> (usize, usize) {
    match t {
        Transpose::No => m.shape(),
        Transpose::Yes => (m.ncols(), m.nrows()),
    }
}

#[track_caller]
fn product<T: Float>(
    rule: &'static Rule<T>,
    a: &Tensor<T>,
    ta: Transpose,
    b: &Tensor<T>,
    tb: Transpose,
) -> Tensor<T> {
    let (m, k) = op_shape(&a.value, ta);
    let (kb, n) = op_shape(&b.value, tb);
    let name = rule.name;
    assert!(
        k == kb,
        "{name}: the left operand is {}x{} and the right operand is {}x{}, so the inner \
         dimensions {k} and {kb} differ",
        a.nrows(),
        a.ncols(),
        b.nrows(),
        b.ncols()
    );
    let mut out = Output::new(&[a, b], m, n);
    gemm(
        T::one(),
        &a.value,
        ta,
        &b.value,
        tb,
        T::zero(),
        out.matrix(),
    );
    out.finish(&[a, b], rule, Attrs::ints([flag(ta), flag(tb), 0]))
}

fn vjp<T: Float>(v: &mut Vjp<'_, T>) {
    let (ta, tb) = (transpose_of(v.attrs.ints[0]), transpose_of(v.attrs.ints[1]));
    let (a, b, ybar) = (v.x(0), v.x(1), v.ybar);
    let one = T::one();
    // A fresh accumulator is overwritten (beta = 0, which BLAS never reads).
    let beta = |fresh: bool| if fresh { T::zero() } else { one };
    if let Some((g, fresh)) = v.grad_uninit(0) {
        match ta {
            Transpose::No => gemm(one, ybar, Transpose::No, b, flip(tb), beta(fresh), g),
            Transpose::Yes => gemm(one, b, tb, ybar, Transpose::Yes, beta(fresh), g),
        }
    }
    if let Some((g, fresh)) = v.grad_uninit(1) {
        match tb {
            Transpose::No => gemm(one, a, flip(ta), ybar, Transpose::No, beta(fresh), g),
            Transpose::Yes => gemm(one, ybar, Transpose::Yes, a, ta, beta(fresh), g),
        }
    }
}

fn jvp<T: Float>(j: &Jvp<'_, T>) -> Matrix<T> {
    let (ta, tb) = (transpose_of(j.attrs.ints[0]), transpose_of(j.attrs.ints[1]));
    let mut out = Matrix::zeros(j.y.nrows(), j.y.ncols());
    let one = T::one();
    gemm(one, j.xdot(0), ta, j.x(1), tb, T::zero(), &mut out);
    gemm(one, j.x(0), ta, j.xdot(1), tb, one, &mut out);
    out
}

/// Computes `W·x .+ b`: the product, then the bias added to each column,
/// in the order `w.matmul(x) + b` uses.
#[track_caller]
fn affine<T: Float>(w: &Tensor<T>, x: &Tensor<T>, b: &Tensor<T>) -> Tensor<T> {
    let (m, k) = w.shape();
    assert!(
        x.nrows() == k && b.shape() == (m, 1),
        "affine: W is {m}x{k}, x is {}x{} and b is {}x{}; x needs {k} rows and b must be a \
         {m}x1 column",
        x.nrows(),
        x.ncols(),
        b.nrows(),
        b.ncols()
    );
    let n = x.ncols();
    let mut out = Output::new(&[w, x, b], m, n);
    let y = out.matrix();
    gemm(
        T::one(),
        &w.value,
        Transpose::No,
        &x.value,
        Transpose::No,
        T::zero(),
        y,
    );
    let bias = b.value.as_slice();
    if m > 0 {
        for column in y.as_mut_slice().chunks_exact_mut(m) {
            for (yi, &bi) in column.iter_mut().zip(bias) {
                *yi += bi;
            }
        }
    }
    let rule = rule!("affine", affine_vjp::<T>, affine_jvp::<T>);
    out.finish(&[w, x, b], rule, Attrs::default())
}

fn affine_vjp<T: Float>(v: &mut Vjp<'_, T>) {
    let (w, x, ybar) = (v.x(0), v.x(1), v.ybar);
    let one = T::one();
    let beta = |fresh: bool| if fresh { T::zero() } else { one };
    if let Some((g, fresh)) = v.grad_uninit(0) {
        gemm(one, ybar, Transpose::No, x, Transpose::Yes, beta(fresh), g);
    }
    if let Some((g, fresh)) = v.grad_uninit(1) {
        gemm(one, w, Transpose::Yes, ybar, Transpose::No, beta(fresh), g);
    }
    if let Some((g, fresh)) = v.grad_uninit(2) {
        // Row sums of ȳ, accumulated column by column from zero as the
        // broadcast rule of `+` does, so the result matches it bit for bit.
        if fresh {
            g.as_mut_slice().fill(T::zero());
        }
        let m = ybar.nrows();
        if m > 0 {
            let g = g.as_mut_slice();
            for column in ybar.as_slice().chunks_exact(m) {
                for (gi, &t) in g.iter_mut().zip(column) {
                    *gi += t;
                }
            }
        }
    }
}

fn affine_jvp<T: Float>(j: &Jvp<'_, T>) -> Matrix<T> {
    let one = T::one();
    let mut out = Matrix::zeros(j.y.nrows(), j.y.ncols());
    gemm(
        one,
        j.xdot(0),
        Transpose::No,
        j.x(1),
        Transpose::No,
        T::zero(),
        &mut out,
    );
    gemm(
        one,
        j.x(0),
        Transpose::No,
        j.xdot(1),
        Transpose::No,
        one,
        &mut out,
    );
    let bdot = j.xdot(2).as_slice();
    let m = out.nrows();
    if m > 0 {
        for column in out.as_mut_slice().chunks_exact_mut(m) {
            for (o, &d) in column.iter_mut().zip(bdot) {
                *o += d;
            }
        }
    }
    out
}

impl<T: Float> Tensor<T> {
    /// Returns `self·x .+ b`, the affine map of a dense layer, as one op:
    /// `(m x k)·(k x n)` plus the column `b` (`m x 1`) added to every column.
    ///
    /// The result and its derivatives equal `self.matmul(x) + b` bit for
    /// bit, but a gradient computation records one node instead of two, so
    /// it skips a pass over the `m x n` output and a buffer of its size.
    ///
    /// # Panics
    /// If `x` does not have `self.ncols()` rows or `b` is not `m x 1`; the
    /// message names all three shapes.
    ///
    /// # Examples
    /// ```
    /// use ferroflux_autodiff::{Matrix, Tensor};
    ///
    /// let w = Tensor::constant(Matrix::from_row_slice(2, 2, &[1.0, 2.0, 3.0, 4.0]));
    /// let x = Tensor::constant(Matrix::from_column_slice(2, 1, &[1.0, 1.0]));
    /// let b = Tensor::constant(Matrix::from_column_slice(2, 1, &[0.5, -0.5]));
    /// assert_eq!(w.affine(&x, &b).value().as_slice(), &[3.5, 6.5]);
    /// ```
    #[track_caller]
    pub fn affine(&self, x: &Tensor<T>, b: &Tensor<T>) -> Tensor<T> {
        affine(self, x, b)
    }

    /// Returns the matrix product `self·rhs`: `(m x k)·(k x n) → m x n`.
    ///
    /// # Panics
    /// If `self.ncols() != rhs.nrows()`; the message names both shapes.
    #[track_caller]
    pub fn matmul(&self, rhs: &Tensor<T>) -> Tensor<T> {
        let rule = rule!("matmul", vjp::<T>, jvp::<T>);
        product(rule, self, Transpose::No, rhs, Transpose::No)
    }

    /// Returns `selfᵀ·rhs` without forming the transpose:
    /// `(k x m)ᵀ·(k x n) → m x n`.
    ///
    /// # Panics
    /// If `self.nrows() != rhs.nrows()`; the message names both shapes.
    #[track_caller]
    pub fn matmul_tn(&self, rhs: &Tensor<T>) -> Tensor<T> {
        let rule = rule!("matmul_tn", vjp::<T>, jvp::<T>);
        product(rule, self, Transpose::Yes, rhs, Transpose::No)
    }

    /// Returns `self·rhsᵀ` without forming the transpose:
    /// `(m x k)·(n x k)ᵀ → m x n`.
    ///
    /// # Panics
    /// If `self.ncols() != rhs.ncols()`; the message names both shapes.
    #[track_caller]
    pub fn matmul_nt(&self, rhs: &Tensor<T>) -> Tensor<T> {
        let rule = rule!("matmul_nt", vjp::<T>, jvp::<T>);
        product(rule, self, Transpose::No, rhs, Transpose::Yes)
    }
}
