//! Adam and AdamW, which share their state and step.

use ferroflux_linalg::{Float, Matrix};

use crate::rule::{
    check_beta, check_eta, check_non_negative, check_positive, check_shapes, eta_accessors,
    expect_valid, Rule, StepContext,
};
use crate::simd::{flush_subnormal, for_each_step, Target};
use crate::OptimError;

/// Adam (Kingma & Ba, 2015): a step from bias-corrected running means of
/// the gradient and of its square.
///
/// Hyper-parameters, with Optimisers.jl's defaults:
/// - η (`eta`, default 0.001): learning rate.
/// - β = (β₁, β₂) (`beta`, default (0.9, 0.999)): decay rates of the first
///   and second moment estimates, each in [0, 1).
/// - ε (`epsilon`, default 1e-8): added to the root of the second moment,
///   outside the square root, to avoid a division by zero.
///
/// With g the gradient and t the step count (from 1):
///
/// ```text
/// m ← β₁·m + (1 − β₁)·g
/// v ← β₂·v + (1 − β₂)·g²
/// x ← x − η · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
/// ```
///
/// PyTorch's `torch.optim.Adam` has the same defaults (`lr=0.001`,
/// `betas=(0.9, 0.999)`, `eps=1e-8`) and the same formula.
///
/// # Examples
/// ```
/// use ferroflux_optim::{Adam, Rule};
/// use ferroflux_linalg::Matrix;
///
/// let rule = Adam::default();
/// let mut x = Matrix::from_element(2, 1, 1.0_f64);
/// let g = Matrix::from_element(2, 1, 0.5);
/// let mut state = rule.init(x.shape());
/// rule.apply(&mut state, &mut x, &g);
/// // The first Adam step moves every coordinate by about η against the gradient sign.
/// assert!((x[0] - (1.0 - 0.001)).abs() < 1e-9);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Adam {
    /// η: learning rate.
    pub eta: f64,
    /// (β₁, β₂): decay rates of the moment estimates.
    pub beta: (f64, f64),
    /// ε: added to the denominator.
    pub epsilon: f64,
}

impl Adam {
    /// Creates Adam with learning rate η = `eta` and the default β and ε.
    ///
    /// # Panics
    /// If `eta` is negative or not finite, naming the value.
    #[track_caller]
    pub fn new(eta: f64) -> Self {
        expect_valid(check_eta("Adam", eta));
        Self {
            eta,
            ..Self::default()
        }
    }
}

impl Default for Adam {
    fn default() -> Self {
        Self {
            eta: 0.001,
            beta: (0.9, 0.999),
            epsilon: 1e-8,
        }
    }
}

/// Per-parameter state of [`Adam`], [`AdamW`], [`crate::AdaMax`], [`crate::NAdam`] and
/// [`crate::AdaBelief`].
#[derive(Debug, Clone, PartialEq)]
pub struct AdamState<T: Float> {
    /// First moment estimate m (running mean of the gradient).
    pub m: Matrix<T>,
    /// Second moment estimate v (running mean of g², or of the largest |g|
    /// for AdaMax, or of (g − m)² for AdaBelief).
    pub v: Matrix<T>,
    /// (β₁ᵗ, β₂ᵗ) for the next step t, used for bias correction.
    pub beta_power: (T, T),
}

impl<T: Float> AdamState<T> {
    pub(crate) fn new(shape: (usize, usize), beta: (f64, f64)) -> Self {
        Self {
            m: Matrix::zeros(shape.0, shape.1),
            v: Matrix::zeros(shape.0, shape.1),
            beta_power: (T::cast(beta.0), T::cast(beta.1)),
        }
    }

    pub(crate) fn advance(&mut self, beta: (T, T)) {
        self.beta_power = (self.beta_power.0 * beta.0, self.beta_power.1 * beta.1);
    }
}

/// Checks η, β and ε of a rule of the Adam family.
pub(crate) fn check_adam_like(
    rule: &'static str,
    eta: f64,
    beta: (f64, f64),
    epsilon: f64,
) -> Result<(), OptimError> {
    check_eta(rule, eta)?;
    check_beta(rule, "beta.0", beta.0)?;
    check_beta(rule, "beta.1", beta.1)?;
    check_positive(rule, "epsilon", epsilon)
}

/// Constants of one Adam step, cast to `T`.
#[derive(Clone, Copy)]
struct AdamStep<T> {
    eta: T,
    beta: (T, T),
    epsilon: T,
    /// 1 / (1 − β₁ᵗ)
    inverse_correction: T,
    /// 1 / √(1 − β₂ᵗ)
    inverse_root_correction: T,
}

impl<T: Float> AdamStep<T> {
    fn new(eta: f64, beta: (f64, f64), epsilon: f64, beta_power: (T, T)) -> Self {
        let one = T::one();
        Self {
            eta: T::cast(eta),
            beta: (T::cast(beta.0), T::cast(beta.1)),
            epsilon: T::cast(epsilon),
            inverse_correction: one / (one - beta_power.0),
            inverse_root_correction: one / (one - beta_power.1).sqrt(),
        }
    }

    /// Advances m and v with gradient g and returns the step for η = 1.
    ///
    /// The bias corrections are applied as precomputed reciprocals, so an
    /// element costs one square root and one division: (m / (1 − β₁ᵗ)) /
    /// (√(v / (1 − β₂ᵗ)) + ε) equals m·c₁ / (√v·c₂ + ε) with c₁ = 1/(1 − β₁ᵗ)
    /// and c₂ = 1/√(1 − β₂ᵗ), up to rounding.
    #[inline(always)]
    fn unit_step(&self, g: T, m: &mut T, v: &mut T) -> T {
        let one = T::one();
        *m = flush_subnormal(self.beta.0 * *m + (one - self.beta.0) * g);
        *v = flush_subnormal(self.beta.1 * *v + (one - self.beta.1) * g * g);
        *m * self.inverse_correction / (v.sqrt() * self.inverse_root_correction + self.epsilon)
    }

    /// Advances m and v with gradient g and returns the step.
    #[inline(always)]
    fn step(&self, g: T, m: &mut T, v: &mut T) -> T {
        self.unit_step(g, m, v) * self.eta
    }
}

impl Adam {
    /// Advances the moments and delivers every element's step to `target`.
    #[inline(always)]
    fn run<T: Float>(&self, state: &mut AdamState<T>, target: Target<'_, T>) {
        let step = AdamStep::new(self.eta, self.beta, self.epsilon, state.beta_power);
        let moments = state
            .m
            .as_mut_slice()
            .iter_mut()
            .zip(state.v.as_mut_slice());
        for_each_step(
            target,
            moments,
            #[inline(always)]
            move |_, g, (m, v)| step.step(g, m, v),
        );
        state.advance(step.beta);
    }
}

impl<T: Float> Rule<T> for Adam {
    type State = AdamState<T>;

    fn init(&self, shape: (usize, usize)) -> AdamState<T> {
        AdamState::new(shape, self.beta)
    }

    #[track_caller]
    fn apply(&self, state: &mut AdamState<T>, x: &mut Matrix<T>, g: &Matrix<T>) {
        check_shapes("Adam", state.m.shape(), x, g);
        self.run(state, Target::apply(x, g));
    }

    #[track_caller]
    fn transform(
        &self,
        state: &mut AdamState<T>,
        x: &Matrix<T>,
        dx: &mut Matrix<T>,
        _context: &StepContext<T>,
    ) -> Result<(), OptimError> {
        check_shapes("Adam", state.m.shape(), x, dx);
        self.run(state, Target::transform(x, dx));
        Ok(())
    }

    fn validate(&self) -> Result<(), OptimError> {
        check_adam_like("Adam", self.eta, self.beta, self.epsilon)
    }

    eta_accessors!();
}

/// AdamW (Loshchilov & Hutter, 2019): Adam with weight decay applied to the
/// parameter directly rather than through the gradient's moments.
///
/// Hyper-parameters, with Optimisers.jl's defaults:
/// - η (`eta`, default 0.001): learning rate.
/// - β = (β₁, β₂) (`beta`, default (0.9, 0.999)): decay rates of the moment
///   estimates.
/// - λ (`lambda`, default 0): weight decay.
/// - ε (`epsilon`, default 1e-8): added outside the square root.
/// - `couple` (default true): whether η multiplies the decay.
///
/// With u the Adam step for η = 1 (see [`Adam`]):
///
/// ```text
/// couple = true:   x ← x − η·(u + λ·x)     (PyTorch's AdamW, Optimisers.jl ≥ 0.4)
/// couple = false:  x ← x − η·u − λ·x       (the paper's decoupled form)
/// ```
///
/// PyTorch's `torch.optim.AdamW` uses the coupled form with
/// `weight_decay=0.01`; Optimisers.jl defaults to λ = 0, which we follow, so
/// set `lambda` to get any decay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamW {
    /// η: learning rate.
    pub eta: f64,
    /// (β₁, β₂): decay rates of the moment estimates.
    pub beta: (f64, f64),
    /// λ: weight decay.
    pub lambda: f64,
    /// ε: added to the denominator.
    pub epsilon: f64,
    /// Whether the decay is multiplied by η.
    pub couple: bool,
}

impl AdamW {
    /// Creates AdamW with learning rate η = `eta`, decay λ = `lambda` and
    /// the other defaults.
    ///
    /// # Panics
    /// If `eta` or `lambda` is negative or not finite, naming the value.
    #[track_caller]
    pub fn new(eta: f64, lambda: f64) -> Self {
        expect_valid(check_eta("AdamW", eta));
        expect_valid(check_non_negative("AdamW", "lambda", lambda));
        Self {
            eta,
            lambda,
            ..Self::default()
        }
    }
}

impl Default for AdamW {
    fn default() -> Self {
        Self {
            eta: 0.001,
            beta: (0.9, 0.999),
            lambda: 0.0,
            epsilon: 1e-8,
            couple: true,
        }
    }
}

impl AdamW {
    #[inline(always)]
    fn decayed<T: Float>(
        &self,
        step: &AdamStep<T>,
        lambda: T,
        x: T,
        g: T,
        m: &mut T,
        v: &mut T,
    ) -> T {
        let unit = step.unit_step(g, m, v);
        if self.couple {
            step.eta * (unit + lambda * x)
        } else {
            step.eta * unit + lambda * x
        }
    }
}

impl AdamW {
    /// Advances the moments and delivers every element's decayed step to
    /// `target`.
    #[inline(always)]
    fn run<T: Float>(&self, state: &mut AdamState<T>, target: Target<'_, T>) {
        let step = AdamStep::new(self.eta, self.beta, self.epsilon, state.beta_power);
        let lambda = T::cast(self.lambda);
        let rule = *self;
        let moments = state
            .m
            .as_mut_slice()
            .iter_mut()
            .zip(state.v.as_mut_slice());
        for_each_step(
            target,
            moments,
            #[inline(always)]
            move |x, g, (m, v)| rule.decayed(&step, lambda, x, g, m, v),
        );
        state.advance(step.beta);
    }
}

impl<T: Float> Rule<T> for AdamW {
    type State = AdamState<T>;

    fn init(&self, shape: (usize, usize)) -> AdamState<T> {
        AdamState::new(shape, self.beta)
    }

    #[track_caller]
    fn apply(&self, state: &mut AdamState<T>, x: &mut Matrix<T>, g: &Matrix<T>) {
        check_shapes("AdamW", state.m.shape(), x, g);
        self.run(state, Target::apply(x, g));
    }

    #[track_caller]
    fn transform(
        &self,
        state: &mut AdamState<T>,
        x: &Matrix<T>,
        dx: &mut Matrix<T>,
        _context: &StepContext<T>,
    ) -> Result<(), OptimError> {
        check_shapes("AdamW", state.m.shape(), x, dx);
        self.run(state, Target::transform(x, dx));
        Ok(())
    }

    fn validate(&self) -> Result<(), OptimError> {
        check_adam_like("AdamW", self.eta, self.beta, self.epsilon)?;
        check_non_negative("AdamW", "lambda", self.lambda)
    }

    eta_accessors!();
}
