//! Rules that scale each coordinate by a running measure of its gradient's
//! size: RMSProp, AdaGrad and AdaDelta.

use ferroflux_linalg::{Float, Matrix};

use crate::rule::{
    check_beta, check_eta, check_positive, check_shapes, eta_accessors, expect_valid, Rule,
    StepContext,
};
use crate::simd::{flush_subnormal, for_each_step, vectorised, Target};
use crate::OptimError;

/// RMSProp (Hinton's lecture 6e): divides the gradient by a running root
/// mean square.
///
/// Hyper-parameters, with Optimisers.jl's defaults:
/// - η (`eta`, default 0.001): learning rate.
/// - ρ (`rho`, default 0.9): decay of the running mean of g², in [0, 1).
/// - ε (`epsilon`, default 1e-8): added outside the square root.
/// - `centred` (default false): divide by an estimate of the variance
///   instead of the second moment (Graves, 2013).
///
/// ```text
/// s ← ρ·s + (1 − ρ)·g²
/// c ← ρ·c + (1 − ρ)·g          (centred only; c stays 0 otherwise)
/// x ← x − η·g / (√(s − c²) + ε)
/// ```
///
/// ε sits outside the square root, as in Optimisers.jl and PyTorch; Optax's
/// `rmsprop` and Keras put it inside (1/√(s + ε)). PyTorch's
/// `torch.optim.RMSprop` defaults differ: `lr=0.01`, `alpha=0.99` (our ρ).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RmsProp {
    /// η: learning rate.
    pub eta: f64,
    /// ρ: decay of the running mean square.
    pub rho: f64,
    /// ε: added to the denominator.
    pub epsilon: f64,
    /// Whether to subtract the squared running mean of g (centred RMSProp).
    pub centred: bool,
}

impl RmsProp {
    /// Creates RMSProp with learning rate η = `eta` and the other defaults.
    ///
    /// # Panics
    /// If `eta` is negative or not finite, naming the value.
    #[track_caller]
    pub fn new(eta: f64) -> Self {
        expect_valid(check_eta("RmsProp", eta));
        Self {
            eta,
            ..Self::default()
        }
    }
}

impl Default for RmsProp {
    fn default() -> Self {
        Self {
            eta: 0.001,
            rho: 0.9,
            epsilon: 1e-8,
            centred: false,
        }
    }
}

/// Per-parameter state of [`RmsProp`].
#[derive(Debug, Clone, PartialEq)]
pub struct RmsPropState<T: Float> {
    /// Running mean of g² (s).
    pub mean_square: Matrix<T>,
    /// Running mean of g (c), present for the centred variant only.
    pub mean: Option<Matrix<T>>,
}

impl RmsProp {
    #[inline(always)]
    fn step<T: Float>(eta: T, rho: T, epsilon: T, g: T, s: &mut T, c: Option<&mut T>) -> T {
        let one = T::one();
        *s = flush_subnormal(rho * *s + (one - rho) * g * g);
        let centre = match c {
            Some(c) => {
                *c = rho * *c + (one - rho) * g;
                *c * *c
            }
            None => T::zero(),
        };
        g * eta / ((*s - centre).sqrt() + epsilon)
    }

    fn constants<T: Float>(&self) -> (T, T, T) {
        (T::cast(self.eta), T::cast(self.rho), T::cast(self.epsilon))
    }
}

impl<T: Float> Rule<T> for RmsProp {
    type State = RmsPropState<T>;

    fn init(&self, shape: (usize, usize)) -> RmsPropState<T> {
        RmsPropState {
            mean_square: Matrix::zeros(shape.0, shape.1),
            mean: self.centred.then(|| Matrix::zeros(shape.0, shape.1)),
        }
    }

    #[track_caller]
    fn apply(&self, state: &mut RmsPropState<T>, x: &mut Matrix<T>, g: &Matrix<T>) {
        check_shapes("RmsProp", state.mean_square.shape(), x, g);
        let (eta, rho, epsilon) = self.constants();
        let pairs = x.as_mut_slice().iter_mut().zip(g.as_slice());
        let squares = state.mean_square.as_mut_slice().iter_mut();
        match state.mean.as_mut() {
            Some(mean) => {
                vectorised(
                    #[inline(always)]
                    || {
                        for (((x, &g), s), c) in pairs.zip(squares).zip(mean.as_mut_slice()) {
                            *x -= Self::step(eta, rho, epsilon, g, s, Some(c));
                        }
                    },
                );
            }
            None => {
                vectorised(
                    #[inline(always)]
                    || {
                        for ((x, &g), s) in pairs.zip(squares) {
                            *x -= Self::step(eta, rho, epsilon, g, s, None);
                        }
                    },
                );
            }
        }
    }

    #[track_caller]
    fn transform(
        &self,
        state: &mut RmsPropState<T>,
        x: &Matrix<T>,
        dx: &mut Matrix<T>,
        _context: &StepContext<T>,
    ) -> Result<(), OptimError> {
        check_shapes("RmsProp", state.mean_square.shape(), x, dx);
        let (eta, rho, epsilon) = self.constants();
        let pairs = dx
            .as_mut_slice()
            .iter_mut()
            .zip(state.mean_square.as_mut_slice());
        match state.mean.as_mut() {
            Some(mean) => {
                vectorised(
                    #[inline(always)]
                    || {
                        for ((dx, s), c) in pairs.zip(mean.as_mut_slice()) {
                            *dx = Self::step(eta, rho, epsilon, *dx, s, Some(c));
                        }
                    },
                );
            }
            None => {
                vectorised(
                    #[inline(always)]
                    || {
                        for (dx, s) in pairs {
                            *dx = Self::step(eta, rho, epsilon, *dx, s, None);
                        }
                    },
                );
            }
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), OptimError> {
        check_eta("RmsProp", self.eta)?;
        check_beta("RmsProp", "rho", self.rho)?;
        check_positive("RmsProp", "epsilon", self.epsilon)
    }

    eta_accessors!();
}

/// AdaGrad (Duchi, Hazan & Singer, 2011): divides by the root of the sum of
/// all past squared gradients.
///
/// Hyper-parameters, with Optimisers.jl's defaults:
/// - η (`eta`, default 0.1): learning rate.
/// - ε (`epsilon`, default 1e-8): the sum's starting value, and added
///   outside the square root.
///
/// ```text
/// s ← s + g²          (s starts at ε)
/// x ← x − η·g / (√s + ε)
/// ```
///
/// PyTorch's `torch.optim.Adagrad` defaults differ: `lr=0.01`,
/// `initial_accumulator_value=0`, `eps=1e-10`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdaGrad {
    /// η: learning rate.
    pub eta: f64,
    /// ε: starting sum and denominator offset.
    pub epsilon: f64,
}

impl AdaGrad {
    /// Creates AdaGrad with learning rate η = `eta` and ε = 1e-8.
    ///
    /// # Panics
    /// If `eta` is negative or not finite, naming the value.
    #[track_caller]
    pub fn new(eta: f64) -> Self {
        expect_valid(check_eta("AdaGrad", eta));
        Self {
            eta,
            ..Self::default()
        }
    }
}

impl Default for AdaGrad {
    fn default() -> Self {
        Self {
            eta: 0.1,
            epsilon: 1e-8,
        }
    }
}

impl AdaGrad {
    /// Advances the sum of squares and delivers every element's step to
    /// `target`.
    #[inline(always)]
    fn run<T: Float>(&self, sum: &mut Matrix<T>, target: Target<'_, T>) {
        let (eta, epsilon) = (T::cast(self.eta), T::cast(self.epsilon));
        for_each_step(
            target,
            sum.as_mut_slice().iter_mut(),
            #[inline(always)]
            move |_, g, s: &mut T| {
                *s += g * g;
                g * eta / (s.sqrt() + epsilon)
            },
        );
    }
}

impl<T: Float> Rule<T> for AdaGrad {
    /// The running sum s of squared gradients.
    type State = Matrix<T>;

    fn init(&self, shape: (usize, usize)) -> Matrix<T> {
        Matrix::from_element(shape.0, shape.1, T::cast(self.epsilon))
    }

    #[track_caller]
    fn apply(&self, sum: &mut Matrix<T>, x: &mut Matrix<T>, g: &Matrix<T>) {
        check_shapes("AdaGrad", sum.shape(), x, g);
        self.run(sum, Target::apply(x, g));
    }

    #[track_caller]
    fn transform(
        &self,
        sum: &mut Matrix<T>,
        x: &Matrix<T>,
        dx: &mut Matrix<T>,
        _context: &StepContext<T>,
    ) -> Result<(), OptimError> {
        check_shapes("AdaGrad", sum.shape(), x, dx);
        self.run(sum, Target::transform(x, dx));
        Ok(())
    }

    fn validate(&self) -> Result<(), OptimError> {
        check_eta("AdaGrad", self.eta)?;
        check_positive("AdaGrad", "epsilon", self.epsilon)
    }

    eta_accessors!();
}

/// AdaDelta (Zeiler, 2012): scales the gradient by the ratio of the running
/// root mean squares of past steps and of past gradients, so it needs no
/// learning rate.
///
/// Hyper-parameters, with Optimisers.jl's defaults:
/// - ρ (`rho`, default 0.9): decay of both running means, in [0, 1).
/// - ε (`epsilon`, default 1e-8): added inside both square roots.
///
/// ```text
/// s ← ρ·s + (1 − ρ)·g²
/// Δ = g·√(d + ε) / √(s + ε)
/// d ← ρ·d + (1 − ρ)·Δ²
/// x ← x − Δ
/// ```
///
/// ε stays in the numerator and inside the roots: without it the first step
/// would be 0 and d would never grow. AdaDelta has no η, so
/// [`crate::Optimiser::adjust`] reports an error for it. PyTorch's
/// `torch.optim.Adadelta` adds a learning rate (`lr=1.0`) and defaults to
/// `eps=1e-6`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdaDelta {
    /// ρ: decay of the running means.
    pub rho: f64,
    /// ε: added inside the square roots.
    pub epsilon: f64,
}

impl Default for AdaDelta {
    fn default() -> Self {
        Self {
            rho: 0.9,
            epsilon: 1e-8,
        }
    }
}

/// Per-parameter state of [`AdaDelta`].
#[derive(Debug, Clone, PartialEq)]
pub struct AdaDeltaState<T: Float> {
    /// Running mean of g² (s).
    pub mean_square_gradient: Matrix<T>,
    /// Running mean of the squared steps (d).
    pub mean_square_step: Matrix<T>,
}

impl AdaDelta {
    #[inline(always)]
    fn step<T: Float>(rho: T, epsilon: T, g: T, s: &mut T, d: &mut T) -> T {
        let one = T::one();
        *s = flush_subnormal(rho * *s + (one - rho) * g * g);
        let step = g * (*d + epsilon).sqrt() / (*s + epsilon).sqrt();
        *d = rho * *d + (one - rho) * step * step;
        step
    }
}

impl AdaDelta {
    /// Advances both running means and delivers every element's step to
    /// `target`.
    #[inline(always)]
    fn run<T: Float>(&self, state: &mut AdaDeltaState<T>, target: Target<'_, T>) {
        let (rho, epsilon) = (T::cast(self.rho), T::cast(self.epsilon));
        let means = state
            .mean_square_gradient
            .as_mut_slice()
            .iter_mut()
            .zip(state.mean_square_step.as_mut_slice());
        for_each_step(
            target,
            means,
            #[inline(always)]
            move |_, g, (s, d)| Self::step(rho, epsilon, g, s, d),
        );
    }
}

impl<T: Float> Rule<T> for AdaDelta {
    type State = AdaDeltaState<T>;

    fn init(&self, shape: (usize, usize)) -> AdaDeltaState<T> {
        AdaDeltaState {
            mean_square_gradient: Matrix::zeros(shape.0, shape.1),
            mean_square_step: Matrix::zeros(shape.0, shape.1),
        }
    }

    #[track_caller]
    fn apply(&self, state: &mut AdaDeltaState<T>, x: &mut Matrix<T>, g: &Matrix<T>) {
        check_shapes("AdaDelta", state.mean_square_gradient.shape(), x, g);
        self.run(state, Target::apply(x, g));
    }

    #[track_caller]
    fn transform(
        &self,
        state: &mut AdaDeltaState<T>,
        x: &Matrix<T>,
        dx: &mut Matrix<T>,
        _context: &StepContext<T>,
    ) -> Result<(), OptimError> {
        check_shapes("AdaDelta", state.mean_square_gradient.shape(), x, dx);
        self.run(state, Target::transform(x, dx));
        Ok(())
    }

    fn validate(&self) -> Result<(), OptimError> {
        check_beta("AdaDelta", "rho", self.rho)?;
        check_positive("AdaDelta", "epsilon", self.epsilon)
    }
}
