//! General matrix-matrix multiply with transposes, alpha and beta.

use crate::{Float, Matrix};

/// Whether an operand enters a product as it is or transposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transpose {
    /// Use the matrix as it is: `op(A) = A`.
    No,
    /// Use its transpose: `op(A) = A^T`.
    Yes,
}

impl Transpose {
    fn is_yes(self) -> bool {
        self == Transpose::Yes
    }
}

/// Products with at most this many multiply-adds (`m*n*k`) take the native
/// loop kernel rather than BLAS or matrixmultiply.
///
/// Below this size the fixed cost of a BLAS call (argument checks, thread
/// dispatch, packing of the operands) exceeds the arithmetic. Measured with
/// `cargo bench -p ferroflux-benches --bench gemm -- crossover` (f64, OpenBLAS
/// 0.3.21, 2 cores): see `docs/benchmarks.md` for the table behind this value.
pub const NATIVE_GEMM_MAX_FLOPS: usize = 16 * 16 * 16;

/// Computes `C = alpha*op(A)*op(B) + beta*C` in place.
///
/// `op(A)` is `m x k`, `op(B)` is `k x n` and `C` is `m x n`. As in BLAS,
/// `beta = 0` overwrites `C` without reading it, so NaN in the old `C` does
/// not leak into the result. Empty dimensions give the mathematically right
/// answer: with `k = 0` the product is zero and `C` becomes `beta*C`.
///
/// # Panics
/// If the shapes do not agree; the message names both operands' shapes.
#[track_caller]
pub fn gemm<T: Float>(
    alpha: T,
    a: &Matrix<T>,
    trans_a: Transpose,
    b: &Matrix<T>,
    trans_b: Transpose,
    beta: T,
    c: &mut Matrix<T>,
) {
    let (m, k) = op_shape(a, trans_a);
    let (kb, n) = op_shape(b, trans_b);
    assert!(
        k == kb && c.nrows() == m && c.ncols() == n,
        "gemm: op(A) is {m}x{k} (A {}x{}, {trans_a:?} transpose), op(B) is {kb}x{n} \
         (B {}x{}, {trans_b:?} transpose) and C is {}x{}; need op(A) m x k, op(B) k x n, C m x n",
        a.nrows(),
        a.ncols(),
        b.nrows(),
        b.ncols(),
        c.nrows(),
        c.ncols(),
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 || alpha == T::zero() {
        scale(c, beta);
        return;
    }
    if m * n * k <= NATIVE_GEMM_MAX_FLOPS {
        native_gemm(alpha, a, trans_a, b, trans_b, beta, c);
    } else {
        library_gemm(alpha, a, trans_a, b, trans_b, beta, c);
    }
}

/// Returns `A*B` in a new matrix.
///
/// # Panics
/// If `a.ncols() != b.nrows()`; the message names both shapes.
#[track_caller]
pub fn matmul<T: Float>(a: &Matrix<T>, b: &Matrix<T>) -> Matrix<T> {
    product(a, Transpose::No, b, Transpose::No)
}

/// Returns `A^T*B` in a new matrix.
#[track_caller]
pub fn matmul_tn<T: Float>(a: &Matrix<T>, b: &Matrix<T>) -> Matrix<T> {
    product(a, Transpose::Yes, b, Transpose::No)
}

/// Returns `A*B^T` in a new matrix.
#[track_caller]
pub fn matmul_nt<T: Float>(a: &Matrix<T>, b: &Matrix<T>) -> Matrix<T> {
    product(a, Transpose::No, b, Transpose::Yes)
}

#[track_caller]
fn product<T: Float>(a: &Matrix<T>, ta: Transpose, b: &Matrix<T>, tb: Transpose) -> Matrix<T> {
    let (m, k) = op_shape(a, ta);
    let (kb, n) = op_shape(b, tb);
    assert!(
        k == kb,
        "matmul: op(A) is {m}x{k} and op(B) is {kb}x{n} (A {}x{}, B {}x{}); the inner dimensions differ",
        a.nrows(),
        a.ncols(),
        b.nrows(),
        b.ncols(),
    );
    let mut c = Matrix::zeros(m, n);
    gemm(T::one(), a, ta, b, tb, T::zero(), &mut c);
    c
}

fn op_shape<T: Float>(a: &Matrix<T>, t: Transpose) -> (usize, usize) {
    if t.is_yes() {
        (a.ncols(), a.nrows())
    } else {
        (a.nrows(), a.ncols())
    }
}

fn scale<T: Float>(c: &mut Matrix<T>, beta: T) {
    if beta == T::zero() {
        c.fill(T::zero());
    } else if beta != T::one() {
        c.iter_mut().for_each(|x| *x *= beta);
    }
}

/// The loop kernel for tiny products, column by column of `C`.
fn native_gemm<T: Float>(
    alpha: T,
    a: &Matrix<T>,
    trans_a: Transpose,
    b: &Matrix<T>,
    trans_b: Transpose,
    beta: T,
    c: &mut Matrix<T>,
) {
    let (m, k) = op_shape(a, trans_a);
    let n = c.ncols();
    let (a_s, b_s) = (a.as_slice(), b.as_slice());
    let (lda, ldb) = (a.nrows(), b.nrows());
    // op(B)[p, j]: B is stored k x n (no transpose) or n x k (transpose).
    let b_at = |p: usize, j: usize| {
        if trans_b.is_yes() {
            b_s[p * ldb + j]
        } else {
            b_s[j * ldb + p]
        }
    };
    for j in 0..n {
        let c_col = &mut c.as_mut_slice()[j * m..(j + 1) * m];
        scale_slice(c_col, beta);
        if trans_a.is_yes() {
            // op(A)[i, :] is column i of A, contiguous: a dot product per entry.
            for (i, c_ij) in c_col.iter_mut().enumerate() {
                let a_col = &a_s[i * lda..i * lda + k];
                let mut acc = T::zero();
                for (p, &a_pi) in a_col.iter().enumerate() {
                    acc += a_pi * b_at(p, j);
                }
                *c_ij += alpha * acc;
            }
        } else {
            // C[:, j] += alpha * sum_p A[:, p] * op(B)[p, j]: axpy on columns.
            for p in 0..k {
                let factor = alpha * b_at(p, j);
                let a_col = &a_s[p * lda..p * lda + m];
                for (c_ij, &a_ip) in c_col.iter_mut().zip(a_col) {
                    *c_ij += factor * a_ip;
                }
            }
        }
    }
}

fn scale_slice<T: Float>(c: &mut [T], beta: T) {
    if beta == T::zero() {
        c.fill(T::zero());
    } else if beta != T::one() {
        c.iter_mut().for_each(|x| *x *= beta);
    }
}

#[cfg(feature = "openblas")]
fn library_gemm<T: Float>(
    alpha: T,
    a: &Matrix<T>,
    trans_a: Transpose,
    b: &Matrix<T>,
    trans_b: Transpose,
    beta: T,
    c: &mut Matrix<T>,
) {
    let (m, k) = op_shape(a, trans_a);
    let n = c.ncols();
    let (lda, ldb, ldc) = (a.nrows(), b.nrows(), c.nrows());
    // SAFETY: nalgebra stores DMatrix contiguously in column-major order with
    // leading dimension nrows, which is the contract of cblas_gemm; gemm
    // checked that every dimension is positive and the shapes agree.
    unsafe {
        T::cblas_gemm(
            trans_a.is_yes(),
            trans_b.is_yes(),
            m,
            n,
            k,
            alpha,
            a.as_slice(),
            lda,
            b.as_slice(),
            ldb,
            beta,
            c.as_mut_slice(),
            ldc,
        );
    }
}

#[cfg(not(feature = "openblas"))]
fn library_gemm<T: Float>(
    alpha: T,
    a: &Matrix<T>,
    trans_a: Transpose,
    b: &Matrix<T>,
    trans_b: Transpose,
    beta: T,
    c: &mut Matrix<T>,
) {
    crate::float::pure_gemm(alpha, a, trans_a.is_yes(), b, trans_b.is_yes(), beta, c);
}
