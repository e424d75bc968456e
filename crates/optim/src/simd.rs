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

use ferroflux_linalg::Matrix;

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

/// The slices that one step of a rule works on: [`crate::Rule::apply`]
/// subtracts each element's step from the parameter, and
/// [`crate::Rule::transform`] writes it over the gradient buffer.
pub(crate) enum Target<'a, T> {
    /// x ← x − step(x, g).
    Apply { x: &'a mut [T], g: &'a [T] },
    /// dx ← step(x, dx), with the parameter read-only.
    Transform { x: &'a [T], dx: &'a mut [T] },
}

impl<'a, T: ferroflux_linalg::Float> Target<'a, T> {
    /// Creates the target of [`crate::Rule::apply`].
    pub(crate) fn apply(x: &'a mut Matrix<T>, g: &'a Matrix<T>) -> Self {
        Self::Apply {
            x: x.as_mut_slice(),
            g: g.as_slice(),
        }
    }

    /// Creates the target of [`crate::Rule::transform`].
    pub(crate) fn transform(x: &'a Matrix<T>, dx: &'a mut Matrix<T>) -> Self {
        Self::Transform {
            x: x.as_slice(),
            dx: dx.as_mut_slice(),
        }
    }
}

/// Runs `step(x, g, s)` for every element, with `s` the element's state
/// from `state`, in a [`vectorised`] loop, and delivers each result to
/// `target`. One rule body thus serves both `apply` and `transform`, and the
/// two give bit-identical steps.
#[inline(always)]
pub(crate) fn for_each_step<T: ferroflux_linalg::Float, S>(
    target: Target<'_, T>,
    state: impl Iterator<Item = S>,
    mut step: impl FnMut(T, T, S) -> T,
) {
    // Both closures own their captures, so that after inlining the step's
    // constants are locals that cannot alias the slices and the loop
    // vectorises.
    vectorised(
        #[inline(always)]
        move || match target {
            Target::Apply { x, g } => {
                for ((x, &g), s) in x.iter_mut().zip(g).zip(state) {
                    *x -= step(*x, g, s);
                }
            }
            Target::Transform { x, dx } => {
                for ((&x, dx), s) in x.iter().zip(dx.iter_mut()).zip(state) {
                    *dx = step(x, *dx, s);
                }
            }
        },
    );
}

/// Replaces a subnormal value with zero.
///
/// Optimiser state such as Adam's moments decays geometrically wherever a
/// gradient entry stays zero (a dead ReLU unit, for example) and, in f32,
/// reaches the subnormal range after a few hundred steps. Arithmetic on
/// subnormals takes a slow microcode path on x86 CPUs, which made a whole
/// Adam step about 15 times slower in the `train_step` bench. A subnormal
/// moment changes a parameter by less than 1e-30, so zero is as good, and
/// XLA flushes the same way by default. The select compiles to a compare
/// and a mask, so the loops stay vectorised.
#[inline(always)]
pub(crate) fn flush_subnormal<T: ferroflux_linalg::Float>(x: T) -> T {
    if x.abs() < T::MIN_POSITIVE {
        T::zero()
    } else {
        x
    }
}

#[cfg(test)]
mod tests {
    use ferroflux_linalg::Matrix;

    use super::flush_subnormal;
    use crate::{Adam, Rule};

    #[test]
    fn flush_keeps_normal_values() {
        assert_eq!(flush_subnormal(f32::MIN_POSITIVE), f32::MIN_POSITIVE);
        assert_eq!(flush_subnormal(-1.5f64), -1.5);
        assert_eq!(flush_subnormal(f32::MIN_POSITIVE / 2.0), 0.0);
        assert!(flush_subnormal(f64::NAN).is_nan());
    }

    #[test]
    fn adam_moments_never_subnormal() {
        // One unit gradient, then zeros: m decays by beta1 = 0.9 per step
        // and without the flush would sit near 1e-42, a subnormal, after 900
        // steps (it passes 1.2e-38 after about 810).
        let rule = Adam::default();
        let mut state = Rule::<f32>::init(&rule, (3, 1));
        let mut x = Matrix::<f32>::zeros(3, 1);
        rule.apply(&mut state, &mut x, &Matrix::from_element(3, 1, 1.0));
        let zero = Matrix::<f32>::zeros(3, 1);
        for _ in 0..900 {
            rule.apply(&mut state, &mut x, &zero);
        }
        for &m in state.m.iter() {
            assert!(
                m == 0.0 || m.abs() >= f32::MIN_POSITIVE,
                "subnormal moment {m:e}"
            );
        }
        assert!(x.iter().all(|v| v.is_finite()));
    }
}
