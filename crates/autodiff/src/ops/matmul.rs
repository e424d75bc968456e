//! Matrix products `op(A)·op(B)` with optional transposes.
//!
//! For `Y = op(A)·op(B)` the rules are
//! - forward: `Ẏ = op(Ȧ)·op(B) + op(A)·op(Ḃ)`;
//! - reverse: `∂op(A) = Ȳ·op(B)ᵀ` and `∂op(B) = op(A)ᵀ·Ȳ`, transposed back
//!   when the operand entered transposed, so `Ā += op(B)·Ȳᵀ` for `op(A) = Aᵀ`
//!   and `B̄ += Ȳᵀ·op(A)` for `op(B) = Bᵀ`.
//!
//! Every product is one `gemm` call with `beta = 1` into the accumulator.

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
    name: &'static str,
    a: &Tensor<T>,
    ta: Transpose,
    b: &Tensor<T>,
    tb: Transpose,
) -> Tensor<T> {
    let (m, k) = op_shape(&a.value, ta);
    let (kb, n) = op_shape(&b.value, tb);
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
    let rule = Rule {
        name,
        vjp: vjp::<T>,
        jvp: jvp::<T>,
    };
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

impl<T: Float> Tensor<T> {
    /// Returns the matrix product `self·rhs`: `(m x k)·(k x n) → m x n`.
    ///
    /// # Panics
    /// If `self.ncols() != rhs.nrows()`; the message names both shapes.
    #[track_caller]
    pub fn matmul(&self, rhs: &Tensor<T>) -> Tensor<T> {
        product("matmul", self, Transpose::No, rhs, Transpose::No)
    }

    /// Returns `selfᵀ·rhs` without forming the transpose:
    /// `(k x m)ᵀ·(k x n) → m x n`.
    ///
    /// # Panics
    /// If `self.nrows() != rhs.nrows()`; the message names both shapes.
    #[track_caller]
    pub fn matmul_tn(&self, rhs: &Tensor<T>) -> Tensor<T> {
        product("matmul_tn", self, Transpose::Yes, rhs, Transpose::No)
    }

    /// Returns `self·rhsᵀ` without forming the transpose:
    /// `(m x k)·(n x k)ᵀ → m x n`.
    ///
    /// # Panics
    /// If `self.ncols() != rhs.ncols()`; the message names both shapes.
    #[track_caller]
    pub fn matmul_nt(&self, rhs: &Tensor<T>) -> Tensor<T> {
        product("matmul_nt", self, Transpose::No, rhs, Transpose::Yes)
    }
}
