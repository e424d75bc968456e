//! Runtime selection of wider vector instructions for the element loops of
//! the rules.
//!
//! The workspace builds for the baseline x86-64 target (SSE2), where the
//! square roots and divisions of the Adam family, RMSProp, AdaGrad and
//! AdaDelta, and the sign selection of Lion, run two f64 or four f32 lanes
//! at a time. [`vectorised`] runs such a loop compiled with AVX-512F or
//! AVX2 when the CPU has them. Vector square roots and divisions are
//! correctly rounded like the scalar ones, and FMA stays off, so every
//! element gets the same result as in the baseline build.

/// Runs `kernel`, compiled for AVX-512F or AVX2 when the CPU supports
/// them (detected once and cached by the standard library).
#[inline(always)]
pub(crate) fn vectorised<Out>(kernel: impl FnOnce() -> Out) -> Out {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports AVX-512F, checked just above.
            return unsafe { with_avx512(kernel) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            return unsafe { with_avx2(kernel) };
        }
    }
    kernel()
}

/// # Safety
/// The CPU must support AVX-512F.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn with_avx512<Out>(kernel: impl FnOnce() -> Out) -> Out {
    kernel()
}

/// # Safety
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn with_avx2<Out>(kernel: impl FnOnce() -> Out) -> Out {
    kernel()
}
