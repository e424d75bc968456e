//! The one scalar trait for `f32` and `f64`.

use std::fmt;

use nalgebra::RealField;

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A floating-point scalar that ferroflux computes with: `f32` or `f64`.
///
/// It ties nalgebra's [`RealField`] to the BLAS and LAPACK entry points of the
/// same precision. The trait is sealed, so mixing precisions is a compile
/// error rather than a silent conversion.
pub trait Float:
    RealField
    + Copy
    + Default
    + Send
    + Sync
    + fmt::Debug
    + fmt::Display
    + fmt::LowerExp
    + PartialOrd
    + 'static
    + sealed::Sealed
{
    /// `"f32"` or `"f64"`, as safetensors and reports spell it.
    const NAME: &'static str;
    /// Machine epsilon, the gap between 1 and the next larger number.
    const EPSILON: Self;
    /// Positive infinity.
    const INFINITY: Self;
    /// Negative infinity.
    const NEG_INFINITY: Self;
    /// A quiet NaN.
    const NAN: Self;
    /// The smallest positive normal number; below it values are subnormal.
    const MIN_POSITIVE: Self;

    /// Converts from `f64`, rounding to nearest for `f32`.
    fn cast(x: f64) -> Self;
    /// Converts to `f64` exactly.
    fn to_f64(self) -> f64;
    /// Converts from a count or index.
    fn cast_usize(n: usize) -> Self {
        Self::cast(n as f64)
    }
    /// Returns `true` unless the value is NaN or infinite.
    fn finite(self) -> bool;
    /// Returns `true` for NaN.
    fn nan(self) -> bool;
    /// Larger of two values. NaN in either argument gives NaN.
    fn max_nan(self, other: Self) -> Self;
    /// Replaces each element with its exponential (the vectorised kernel of
    /// [`crate::exp_in_place`]).
    #[doc(hidden)]
    fn exp_slice(xs: &mut [Self]);

    /// Calls `cblas_?gemm` on column-major buffers.
    ///
    /// # Safety
    /// The caller guarantees that the buffers and leading dimensions describe
    /// valid column-major matrices of the stated shapes, as [`crate::gemm`]
    /// checks before it calls this.
    #[cfg(feature = "openblas")]
    #[doc(hidden)]
    #[allow(clippy::too_many_arguments)]
    unsafe fn cblas_gemm(
        trans_a: bool,
        trans_b: bool,
        m: usize,
        n: usize,
        k: usize,
        alpha: Self,
        a: &[Self],
        lda: usize,
        b: &[Self],
        ldb: usize,
        beta: Self,
        c: &mut [Self],
        ldc: usize,
    );

    /// Calls LAPACK `?gesdd` with `jobz = 'S'` on a column-major `m x n`
    /// buffer, filling the thin `U`, the singular values and `V^T`.
    #[cfg(feature = "openblas")]
    #[doc(hidden)]
    fn lapack_gesdd(
        m: usize,
        n: usize,
        a: &mut [Self],
        s: &mut [Self],
        u: &mut [Self],
        vt: &mut [Self],
    ) -> Result<(), crate::LinalgError>;
}

macro_rules! impl_float {
    ($t:ty, $name:literal, $exp:path, $gemm:path, $gesdd:path) => {
        impl Float for $t {
            const NAME: &'static str = $name;
            const EPSILON: Self = <$t>::EPSILON;
            const INFINITY: Self = <$t>::INFINITY;
            const NEG_INFINITY: Self = <$t>::NEG_INFINITY;
            const NAN: Self = <$t>::NAN;
            const MIN_POSITIVE: Self = <$t>::MIN_POSITIVE;

            #[inline(always)]
            fn cast(x: f64) -> Self {
                x as $t
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn finite(self) -> bool {
                <$t>::is_finite(self)
            }
            #[inline(always)]
            fn nan(self) -> bool {
                <$t>::is_nan(self)
            }
            #[inline(always)]
            fn max_nan(self, other: Self) -> Self {
                if self.is_nan() || other.is_nan() {
                    <$t>::NAN
                } else if self >= other {
                    self
                } else {
                    other
                }
            }

            fn exp_slice(xs: &mut [Self]) {
                $exp(xs)
            }

            #[cfg(feature = "openblas")]
            unsafe fn cblas_gemm(
                trans_a: bool,
                trans_b: bool,
                m: usize,
                n: usize,
                k: usize,
                alpha: Self,
                a: &[Self],
                lda: usize,
                b: &[Self],
                ldb: usize,
                beta: Self,
                c: &mut [Self],
                ldc: usize,
            ) {
                // SAFETY: forwarded; the caller upholds the buffer contract.
                unsafe {
                    $gemm(
                        trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc,
                    )
                }
            }

            #[cfg(feature = "openblas")]
            fn lapack_gesdd(
                m: usize,
                n: usize,
                a: &mut [Self],
                s: &mut [Self],
                u: &mut [Self],
                vt: &mut [Self],
            ) -> Result<(), crate::LinalgError> {
                $gesdd(m, n, a, s, u, vt)
            }
        }
    };
}

impl_float!(
    f32,
    "f32",
    crate::exp::exp_f32_slice,
    crate::blas::sgemm,
    crate::lapack::sgesdd
);
impl_float!(
    f64,
    "f64",
    crate::exp::exp_f64_slice,
    crate::blas::dgemm,
    crate::lapack::dgesdd
);

/// `C = alpha*op(A)*op(B) + beta*C` through matrixmultiply, which takes
/// arbitrary strides, so a transpose costs nothing.
#[cfg(not(feature = "openblas"))]
pub(crate) fn pure_gemm<T: Float>(
    alpha: T,
    a: &crate::Matrix<T>,
    trans_a: bool,
    b: &crate::Matrix<T>,
    trans_b: bool,
    beta: T,
    c: &mut crate::Matrix<T>,
) {
    use std::any::TypeId;
    let (m, n) = (c.nrows(), c.ncols());
    let k = if trans_a { a.nrows() } else { a.ncols() };
    // Column-major strides: element (i, j) of a matrix with r rows sits at
    // i + j*r. A transpose swaps the row and column strides.
    let strides = |rows: usize, t: bool| -> (isize, isize) {
        if t {
            (rows as isize, 1)
        } else {
            (1, rows as isize)
        }
    };
    let (rsa, csa) = strides(a.nrows(), trans_a);
    let (rsb, csb) = strides(b.nrows(), trans_b);
    let (rsc, csc) = (1isize, m as isize);
    if TypeId::of::<T>() == TypeId::of::<f64>() {
        let cast = |x: T| x.to_f64();
        // SAFETY: the pointers cover the full column-major buffers of a, b and
        // c, whose shapes gemm checked, and the strides stay inside them; T is
        // f64 here, so the pointer casts are identities.
        unsafe {
            matrixmultiply::dgemm(
                m,
                k,
                n,
                cast(alpha),
                a.as_ptr() as *const f64,
                rsa,
                csa,
                b.as_ptr() as *const f64,
                rsb,
                csb,
                cast(beta),
                c.as_mut_ptr() as *mut f64,
                rsc,
                csc,
            );
        }
    } else {
        let cast = |x: T| x.to_f64() as f32;
        // SAFETY: as above, with T = f32.
        unsafe {
            matrixmultiply::sgemm(
                m,
                k,
                n,
                cast(alpha),
                a.as_ptr() as *const f32,
                rsa,
                csa,
                b.as_ptr() as *const f32,
                rsb,
                csb,
                cast(beta),
                c.as_mut_ptr() as *mut f32,
                rsc,
                csc,
            );
        }
    }
}
