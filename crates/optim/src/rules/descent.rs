//! Plain gradient descent and its two momentum forms.

use crate::simd::{flush_subnormal, for_each_step, Target};
use ferroflux_linalg::{Float, Matrix};

use crate::rule::{
    check_beta, check_eta, check_shapes, eta_accessors, expect_valid, Rule, StepContext,
};
use crate::OptimError;

/// Gradient descent: x ← x − η·g.
///
/// Hyper-parameter, with Optimisers.jl's default:
/// - η (`eta`, default 0.1): learning rate.
///
/// PyTorch's `torch.optim.SGD` defaults to `lr=1e-3` in recent 2.x
/// releases (a required argument in 1.x), with the same formula when
/// momentum and weight decay are off.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Descent {
    /// η: learning rate.
    pub eta: f64,
}

impl Descent {
    /// Creates gradient descent with learning rate η = `eta`.
    ///
    /// # Panics
    /// If `eta` is negative or not finite, naming the value.
    #[track_caller]
    pub fn new(eta: f64) -> Self {
        expect_valid(check_eta("Descent", eta));
        Self { eta }
    }
}

impl Default for Descent {
    fn default() -> Self {
        Self { eta: 0.1 }
    }
}

/// State of a stateless rule: the parameter shape, kept for shape checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParamShape(pub (usize, usize));

impl Descent {
    /// Delivers every element's step to `target`.
    #[inline(always)]
    fn run<T: Float>(&self, target: Target<'_, T>) {
        let eta = T::cast(self.eta);
        for_each_step(
            target,
            std::iter::repeat(()),
            #[inline(always)]
            move |_, g, ()| g * eta,
        );
    }
}

impl<T: Float> Rule<T> for Descent {
    type State = ParamShape;

    fn init(&self, shape: (usize, usize)) -> ParamShape {
        ParamShape(shape)
    }

    #[track_caller]
    fn apply(&self, state: &mut ParamShape, x: &mut Matrix<T>, g: &Matrix<T>) {
        check_shapes("Descent", state.0, x, g);
        self.run(Target::apply(x, g));
    }

    #[track_caller]
    fn transform(
        &self,
        state: &mut ParamShape,
        x: &Matrix<T>,
        dx: &mut Matrix<T>,
        _context: &StepContext<T>,
    ) -> Result<(), OptimError> {
        check_shapes("Descent", state.0, x, dx);
        self.run(Target::transform(x, dx));
        Ok(())
    }

    fn validate(&self) -> Result<(), OptimError> {
        check_eta("Descent", self.eta)
    }

    eta_accessors!();
}

/// Gradient descent with momentum (heavy ball).
///
/// Hyper-parameters, with Optimisers.jl's defaults:
/// - η (`eta`, default 0.01): learning rate.
/// - ρ (`rho`, default 0.9): momentum, the decay of the velocity, in [0, 1).
///
/// ```text
/// v ← ρ·v + η·g
/// x ← x − v
/// ```
///
/// PyTorch's `SGD(momentum=0.9)` keeps η outside the velocity (v ← ρ·v + g,
/// x ← x − η·v). The two agree while η is constant and differ after
/// [`crate::Optimiser::adjust`]. PyTorch's momentum defaults to 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Momentum {
    /// η: learning rate.
    pub eta: f64,
    /// ρ: momentum.
    pub rho: f64,
}

impl Momentum {
    /// Creates momentum descent with learning rate η = `eta` and ρ = 0.9.
    ///
    /// # Panics
    /// If `eta` is negative or not finite, naming the value.
    #[track_caller]
    pub fn new(eta: f64) -> Self {
        expect_valid(check_eta("Momentum", eta));
        Self {
            eta,
            ..Self::default()
        }
    }
}

impl Default for Momentum {
    fn default() -> Self {
        Self {
            eta: 0.01,
            rho: 0.9,
        }
    }
}

impl Momentum {
    /// Advances the velocity and delivers it, the step, to `target`.
    #[inline(always)]
    fn run<T: Float>(&self, velocity: &mut Matrix<T>, target: Target<'_, T>) {
        let (eta, rho) = (T::cast(self.eta), T::cast(self.rho));
        for_each_step(
            target,
            velocity.as_mut_slice().iter_mut(),
            #[inline(always)]
            move |_, g, v: &mut T| {
                *v = flush_subnormal(rho * *v + eta * g);
                *v
            },
        );
    }
}

impl<T: Float> Rule<T> for Momentum {
    /// The velocity v.
    type State = Matrix<T>;

    fn init(&self, shape: (usize, usize)) -> Matrix<T> {
        Matrix::zeros(shape.0, shape.1)
    }

    #[track_caller]
    fn apply(&self, velocity: &mut Matrix<T>, x: &mut Matrix<T>, g: &Matrix<T>) {
        check_shapes("Momentum", velocity.shape(), x, g);
        self.run(velocity, Target::apply(x, g));
    }

    #[track_caller]
    fn transform(
        &self,
        velocity: &mut Matrix<T>,
        x: &Matrix<T>,
        dx: &mut Matrix<T>,
        _context: &StepContext<T>,
    ) -> Result<(), OptimError> {
        check_shapes("Momentum", velocity.shape(), x, dx);
        self.run(velocity, Target::transform(x, dx));
        Ok(())
    }

    fn validate(&self) -> Result<(), OptimError> {
        check_eta("Momentum", self.eta)?;
        check_beta("Momentum", "rho", self.rho)
    }

    eta_accessors!();
}

/// Gradient descent with Nesterov momentum.
///
/// Hyper-parameters, with Optimisers.jl's defaults:
/// - η (`eta`, default 0.001): learning rate.
/// - ρ (`rho`, default 0.9): momentum, in [0, 1).
///
/// With the velocity v (starting at 0) the step uses the old v, then v
/// advances:
///
/// ```text
/// x ← x + ρ²·v − (1 + ρ)·η·g
/// v ← ρ·v − η·g
/// ```
///
/// PyTorch's `SGD(momentum=0.9, nesterov=True)` keeps η outside the
/// velocity (b ← ρ·b + g, x ← x − η·(g + ρ·b)), the same trajectory while η
/// is constant.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Nesterov {
    /// η: learning rate.
    pub eta: f64,
    /// ρ: momentum.
    pub rho: f64,
}

impl Nesterov {
    /// Creates Nesterov descent with learning rate η = `eta` and ρ = 0.9.
    ///
    /// # Panics
    /// If `eta` is negative or not finite, naming the value.
    #[track_caller]
    pub fn new(eta: f64) -> Self {
        expect_valid(check_eta("Nesterov", eta));
        Self {
            eta,
            ..Self::default()
        }
    }
}

impl Default for Nesterov {
    fn default() -> Self {
        Self {
            eta: 0.001,
            rho: 0.9,
        }
    }
}

impl Nesterov {
    #[inline(always)]
    fn step<T: Float>(eta: T, rho: T, g: T, v: &mut T) -> T {
        let step = (T::one() + rho) * eta * g - rho * rho * *v;
        *v = flush_subnormal(rho * *v - eta * g);
        step
    }
}

impl Nesterov {
    /// Advances the velocity and delivers every element's step to `target`.
    #[inline(always)]
    fn run<T: Float>(&self, velocity: &mut Matrix<T>, target: Target<'_, T>) {
        let (eta, rho) = (T::cast(self.eta), T::cast(self.rho));
        for_each_step(
            target,
            velocity.as_mut_slice().iter_mut(),
            #[inline(always)]
            move |_, g, v| Self::step(eta, rho, g, v),
        );
    }
}

impl<T: Float> Rule<T> for Nesterov {
    /// The velocity v.
    type State = Matrix<T>;

    fn init(&self, shape: (usize, usize)) -> Matrix<T> {
        Matrix::zeros(shape.0, shape.1)
    }

    #[track_caller]
    fn apply(&self, velocity: &mut Matrix<T>, x: &mut Matrix<T>, g: &Matrix<T>) {
        check_shapes("Nesterov", velocity.shape(), x, g);
        self.run(velocity, Target::apply(x, g));
    }

    #[track_caller]
    fn transform(
        &self,
        velocity: &mut Matrix<T>,
        x: &Matrix<T>,
        dx: &mut Matrix<T>,
        _context: &StepContext<T>,
    ) -> Result<(), OptimError> {
        check_shapes("Nesterov", velocity.shape(), x, dx);
        self.run(velocity, Target::transform(x, dx));
        Ok(())
    }

    fn validate(&self) -> Result<(), OptimError> {
        check_eta("Nesterov", self.eta)?;
        check_beta("Nesterov", "rho", self.rho)
    }

    eta_accessors!();
}
