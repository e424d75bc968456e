//! Lion, the sign-of-momentum rule.

use ferroflux_linalg::{Float, Matrix};

use crate::rule::{
    check_beta, check_eta, check_shapes, eta_accessors, expect_valid, Rule, StepContext,
};
use crate::simd::{flush_subnormal, for_each_step, Target};
use crate::OptimError;

/// Lion (Chen et al., 2023, "Symbolic Discovery of Optimization
/// Algorithms"): steps by the sign of an interpolation between the momentum
/// and the gradient, so every coordinate moves by exactly η or 0.
///
/// Hyper-parameters, with Optimisers.jl's defaults:
/// - η (`eta`, default 0.001): learning rate, the size of every step.
/// - β = (β₁, β₂) (`beta`, default (0.9, 0.999)): β₁ interpolates the step
///   direction, β₂ is the decay of the momentum; each in [0, 1).
///
/// The update follows the paper's Algorithm 2 (and Optax's `lion`):
///
/// ```text
/// c = β₁·m + (1 − β₁)·g
/// x ← x − η·sign(c)            (sign(0) = 0)
/// m ← β₂·m + (1 − β₂)·g
/// ```
///
/// Optimisers.jl (at commit 06fac74) advances the momentum as
/// m ← β₂·g + (1 − β₂)·m, with the weights swapped against the paper; we
/// keep the paper's form. The paper recommends η three to ten times
/// smaller than Adam's and β = (0.9, 0.99). PyTorch has no Lion in
/// `torch.optim`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lion {
    /// η: learning rate.
    pub eta: f64,
    /// (β₁, β₂): interpolation weight and momentum decay.
    pub beta: (f64, f64),
}

impl Lion {
    /// Creates Lion with learning rate η = `eta` and the default β.
    ///
    /// # Panics
    /// If `eta` is negative or not finite, naming the value.
    #[track_caller]
    pub fn new(eta: f64) -> Self {
        expect_valid(check_eta("Lion", eta));
        Self {
            eta,
            ..Self::default()
        }
    }

    #[inline(always)]
    fn step<T: Float>(eta: T, beta: (T, T), g: T, m: &mut T) -> T {
        let one = T::one();
        let direction = beta.0 * *m + (one - beta.0) * g;
        *m = flush_subnormal(beta.1 * *m + (one - beta.1) * g);
        eta * sign(direction)
    }
}

impl Default for Lion {
    fn default() -> Self {
        Self {
            eta: 0.001,
            beta: (0.9, 0.999),
        }
    }
}

/// The sign with sign(0) = 0 (`f64::signum` returns 1 for +0); NaN stays NaN.
#[inline(always)]
fn sign<T: Float>(x: T) -> T {
    if x > T::zero() {
        T::one()
    } else if x < T::zero() {
        -T::one()
    } else {
        x
    }
}

impl Lion {
    /// Advances the momentum and delivers every element's step to `target`.
    #[inline(always)]
    fn run<T: Float>(&self, momentum: &mut Matrix<T>, target: Target<'_, T>) {
        let (eta, beta) = (
            T::cast(self.eta),
            (T::cast(self.beta.0), T::cast(self.beta.1)),
        );
        for_each_step(
            target,
            momentum.as_mut_slice().iter_mut(),
            #[inline(always)]
            move |_, g, m| Self::step(eta, beta, g, m),
        );
    }
}

impl<T: Float> Rule<T> for Lion {
    /// The momentum m.
    type State = Matrix<T>;

    fn init(&self, shape: (usize, usize)) -> Matrix<T> {
        Matrix::zeros(shape.0, shape.1)
    }

    #[track_caller]
    fn apply(&self, momentum: &mut Matrix<T>, x: &mut Matrix<T>, g: &Matrix<T>) {
        check_shapes("Lion", momentum.shape(), x, g);
        self.run(momentum, Target::apply(x, g));
    }

    #[track_caller]
    fn transform(
        &self,
        momentum: &mut Matrix<T>,
        x: &Matrix<T>,
        dx: &mut Matrix<T>,
        _context: &StepContext<T>,
    ) -> Result<(), OptimError> {
        check_shapes("Lion", momentum.shape(), x, dx);
        self.run(momentum, Target::transform(x, dx));
        Ok(())
    }

    fn validate(&self) -> Result<(), OptimError> {
        check_eta("Lion", self.eta)?;
        check_beta("Lion", "beta.0", self.beta.0)?;
        check_beta("Lion", "beta.1", self.beta.1)
    }

    eta_accessors!();
}
