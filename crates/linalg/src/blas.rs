//! The CBLAS calls. Every `unsafe` BLAS call of the crate lives here.

// Linking: `blas-src` with its `openblas` feature pulls in `openblas-src`,
// whose `system` feature links the OpenBLAS installed on the machine. The
// `extern crate` keeps the linker from dropping them, as blas-src's
// documentation requires.
extern crate blas_src;
extern crate openblas_src;

use std::os::raw::c_int;

use cblas_sys::{CblasColMajor, CblasNoTrans, CblasTrans, CBLAS_TRANSPOSE};

fn flag(transpose: bool) -> CBLAS_TRANSPOSE {
    if transpose {
        CblasTrans
    } else {
        CblasNoTrans
    }
}

/// Converts a dimension to the `int` CBLAS takes, panicking on overflow
/// rather than passing a wrapped value.
fn to_int(name: &str, value: usize) -> c_int {
    c_int::try_from(value).unwrap_or_else(|_| {
        panic!(
            "gemm: {name} = {value} exceeds the largest CBLAS int ({})",
            c_int::MAX
        )
    })
}

/// Checks the buffer lengths that the column-major contract implies.
#[allow(clippy::too_many_arguments)]
fn check_buffers<T>(
    trans_a: bool,
    trans_b: bool,
    m: usize,
    n: usize,
    k: usize,
    a: &[T],
    lda: usize,
    b: &[T],
    ldb: usize,
    c: &[T],
    ldc: usize,
) {
    // op(A) is m x k, so A itself is m x k or k x m.
    let (a_rows, a_cols) = if trans_a { (k, m) } else { (m, k) };
    let (b_rows, b_cols) = if trans_b { (n, k) } else { (k, n) };
    assert!(
        m > 0 && n > 0 && k > 0,
        "gemm: BLAS path reached with an empty dimension"
    );
    assert!(lda >= a_rows.max(1) && a.len() >= lda * (a_cols - 1) + a_rows);
    assert!(ldb >= b_rows.max(1) && b.len() >= ldb * (b_cols - 1) + b_rows);
    assert!(ldc >= m.max(1) && c.len() >= ldc * (n - 1) + m);
}

macro_rules! gemm_fn {
    ($name:ident, $t:ty, $cblas:path) => {
        /// `C = alpha*op(A)*op(B) + beta*C` on column-major buffers.
        ///
        /// # Safety
        /// Sound for any input: the buffer lengths and leading dimensions are
        /// checked here and a violation panics before CBLAS is called. It is
        /// `unsafe` only to mark the FFI boundary.
        #[allow(clippy::too_many_arguments)]
        pub(crate) unsafe fn $name(
            trans_a: bool,
            trans_b: bool,
            m: usize,
            n: usize,
            k: usize,
            alpha: $t,
            a: &[$t],
            lda: usize,
            b: &[$t],
            ldb: usize,
            beta: $t,
            c: &mut [$t],
            ldc: usize,
        ) {
            check_buffers(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc);
            // SAFETY: check_buffers proved that every dimension is positive, that
            // each leading dimension is at least the stored row count, and that
            // each buffer covers `ld * (cols - 1) + rows` elements, which is every
            // element CBLAS reads or writes for these shapes.
            unsafe {
                $cblas(
                    CblasColMajor,
                    flag(trans_a),
                    flag(trans_b),
                    to_int("m", m),
                    to_int("n", n),
                    to_int("k", k),
                    alpha,
                    a.as_ptr(),
                    to_int("lda", lda),
                    b.as_ptr(),
                    to_int("ldb", ldb),
                    beta,
                    c.as_mut_ptr(),
                    to_int("ldc", ldc),
                )
            }
        }
    };
}

gemm_fn!(sgemm, f32, cblas_sys::cblas_sgemm);
gemm_fn!(dgemm, f64, cblas_sys::cblas_dgemm);

extern "C" {
    fn openblas_get_config() -> *const std::os::raw::c_char;
    fn openblas_get_num_threads() -> c_int;
    fn openblas_get_corename() -> *const std::os::raw::c_char;
}

fn c_string(ptr: *const std::os::raw::c_char) -> String {
    if ptr.is_null() {
        return String::new();
    }
    // SAFETY: OpenBLAS returns a pointer to a static, NUL-terminated string
    // that lives for the whole program; null was handled above.
    unsafe { std::ffi::CStr::from_ptr(ptr) }
        .to_string_lossy()
        .into_owned()
}

/// OpenBLAS's build configuration string, such as `OpenBLAS 0.3.21 DYNAMIC_ARCH ...`.
pub(crate) fn openblas_config() -> String {
    // SAFETY: a plain query with no arguments that returns a static string.
    c_string(unsafe { openblas_get_config() })
}

/// Returns the CPU core OpenBLAS picked its kernels for, such as `Haswell`.
pub(crate) fn openblas_core() -> String {
    // SAFETY: a plain query with no arguments that returns a static string.
    c_string(unsafe { openblas_get_corename() })
}

/// The number of threads OpenBLAS will use.
pub(crate) fn openblas_threads() -> usize {
    // SAFETY: a plain query with no arguments.
    let n = unsafe { openblas_get_num_threads() };
    n.max(1) as usize
}
