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

/// Products with at most this many multiply-adds (`m*n*k`) take nalgebra's
/// own product rather than BLAS (or matrixmultiply in the pure-Rust build).
///
/// Below this size the fixed cost of a BLAS call (about 45 ns: argument
/// checks and dispatch) exceeds the arithmetic. Square f64 products, median
/// ns, measured with `cargo bench -p ferroflux-benches --bench gemm --
/// gemm_crossover` (OpenBLAS 0.3.21 SkylakeX kernels, 2 cores, other jobs
/// running):
///
/// | n | nalgebra | BLAS |
/// |---|----------|------|
/// | 1 | 9.5      | 48.8 |
/// | 2 | 31.8     | 53.3 |
/// | 3 | 74.7     | 66.3 |
/// | 4 | 77.2     | 49.5 |
/// | 8 | 387      | 110  |
///
/// OpenBLAS 0.3.21 ships special kernels for small products, so BLAS wins
/// from 3x3x3 on; the rule switches above 2x2x2.
pub const NATIVE_GEMM_MAX_FLOPS: usize = 8;

/// Computes `C = alpha*op(A)*op(B) + beta*C` in place.
///
/// `op(A)` is `m x k`, `op(B)` is `k x n` and `C` is `m x n`. As in BLAS,
/// `beta = 0` overwrites `C` without reading it, so NaN in the old `C` does
/// not leak into the result. Empty dimensions give the mathematically correct
/// result: with `k = 0` the product is zero and `C` becomes `beta*C`.
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

/// Computes a tiny product with nalgebra's own product, which has no call
/// overhead to amortise. Public only so that the crossover bench can time it
/// against BLAS; call [`gemm`].
#[doc(hidden)]
pub fn native_gemm<T: Float>(
    alpha: T,
    a: &Matrix<T>,
    trans_a: Transpose,
    b: &Matrix<T>,
    trans_b: Transpose,
    beta: T,
    c: &mut Matrix<T>,
) {
    if beta == T::zero() {
        // BLAS semantics: the old C is not read, so NaN in it cannot leak.
        c.fill(T::zero());
    }
    match (trans_a, trans_b) {
        (Transpose::No, Transpose::No) => c.gemm(alpha, a, b, beta),
        (Transpose::Yes, Transpose::No) => c.gemm_tr(alpha, a, b, beta),
        // nalgebra has no kernel with a transposed right operand; at these
        // sizes the copy costs a few nanoseconds.
        (Transpose::No, Transpose::Yes) => c.gemm(alpha, a, &b.transpose(), beta),
        (Transpose::Yes, Transpose::Yes) => c.gemm_tr(alpha, a, &b.transpose(), beta),
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
    if trans_a.is_yes() && copies_transposed_left(m, n, k) {
        copied_left_gemm(alpha, a, (m, n, k), b, trans_b, beta, c);
        return;
    }
    blas_gemm(alpha, a.as_slice(), trans_a, (m, n, k), b, trans_b, beta, c);
}

/// Calls `cblas_?gemm` for `C = alpha*op(A)*op(B) + beta*C`, with `a` the
/// column-major storage of `A` (k x m when transposed, m x k otherwise).
///
/// # Panics
/// If `a` does not have `m*k` elements.
#[cfg(feature = "openblas")]
#[allow(clippy::too_many_arguments)]
fn blas_gemm<T: Float>(
    alpha: T,
    a: &[T],
    trans_a: Transpose,
    (m, n, k): (usize, usize, usize),
    b: &Matrix<T>,
    trans_b: Transpose,
    beta: T,
    c: &mut Matrix<T>,
) {
    assert_eq!(a.len(), m * k, "gemm: the left operand's storage");
    let lda = if trans_a.is_yes() { k } else { m };
    let (ldb, ldc) = (b.nrows(), c.nrows());
    // SAFETY: `a` has m*k elements in column-major order with leading
    // dimension lda (checked above), and nalgebra stores B and C the same
    // way with leading dimension nrows, which is the contract of
    // cblas_gemm. gemm checked that every dimension is positive and that
    // the shapes agree.
    unsafe {
        T::cblas_gemm(
            trans_a.is_yes(),
            trans_b.is_yes(),
            m,
            n,
            k,
            alpha,
            a,
            lda,
            b.as_slice(),
            ldb,
            beta,
            c.as_mut_slice(),
            ldc,
        );
    }
}

/// The largest left operand, in elements, that [`copies_transposed_left`]
/// copies: 8 KiB in f64, on the stack.
#[cfg(feature = "openblas")]
const COPIED_LEFT_MAX_LEN: usize = 1024;

/// Returns whether `A^T*op(B)` runs faster with `A^T` copied out first.
///
/// OpenBLAS 0.3.21 takes `A^T*B` through its general path, which packs both
/// operands and locks a buffer, also where `A*B` of the same size gets a
/// small-matrix kernel. When `op(A)` has few rows the copy is cheap and
/// the product gets the faster kernel. Median ns, f64, A stored k x m,
/// best of 5 loops, measured on OpenBLAS 0.3.21 with SkylakeX kernels by a
/// throwaway program that timed both forms side by side (two runs):
///
/// | k x m, n | `A^T*B` | copy, then `A*B` |
/// |---|---|---|
/// | 20x4, 10 | 193 | 128 |
/// | 4x10, 10 | 144 | 79 |
/// | 24x11, 500 | 11962 | 6737 |
/// | 20x11, 1000 | 21076 | 11373 |
/// | 10x32, 1 | 144 | 200 |
/// | 20x50, 10 | 724 | 848 |
/// | 24x1000, 8 | 13321 | 16809 |
///
/// The rule keeps to the first kind: at most 16 rows, at least 2 columns
/// and a copy of at most [`COPIED_LEFT_MAX_LEN`] elements.
#[cfg(feature = "openblas")]
fn copies_transposed_left(m: usize, n: usize, k: usize) -> bool {
    m <= 16 && n >= 2 && m * k <= COPIED_LEFT_MAX_LEN
}

/// Computes `C = alpha*A^T*op(B) + beta*C` with `A^T` copied to the stack
/// first (see [`copies_transposed_left`]). Kept out of line, so that other
/// products do not pay for the buffer's stack frame.
#[cfg(feature = "openblas")]
#[inline(never)]
fn copied_left_gemm<T: Float>(
    alpha: T,
    a: &Matrix<T>,
    (m, n, k): (usize, usize, usize),
    b: &Matrix<T>,
    trans_b: Transpose,
    beta: T,
    c: &mut Matrix<T>,
) {
    let mut buffer = [std::mem::MaybeUninit::<T>::uninit(); COPIED_LEFT_MAX_LEN];
    let at = transpose_into(a, &mut buffer[..m * k]);
    blas_gemm(alpha, at, Transpose::No, (m, n, k), b, trans_b, beta, c);
}

/// Writes `A^T` (m x k when `A` is k x m) into `buffer`, whose length must
/// be `m*k`, and returns it as a column-major slice.
#[cfg(feature = "openblas")]
fn transpose_into<'a, T: Float>(
    a: &Matrix<T>,
    buffer: &'a mut [std::mem::MaybeUninit<T>],
) -> &'a [T] {
    let (k, m) = a.shape();
    assert_eq!(buffer.len(), m * k, "transpose_into: buffer length");
    for (j, column) in a.as_slice().chunks_exact(k.max(1)).enumerate() {
        for (i, &v) in column.iter().enumerate() {
            buffer[j + i * m].write(v);
        }
    }
    // SAFETY: the loops wrote all m*k elements (column j of A, entry i, goes
    // to row j, column i of A^T), and MaybeUninit<T> has the layout of T.
    unsafe { std::slice::from_raw_parts(buffer.as_ptr().cast::<T>(), buffer.len()) }
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
