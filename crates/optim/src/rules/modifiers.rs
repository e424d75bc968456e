//! Rules that modify the gradient before another rule sees it: weight
//! decay and clipping. They have no learning rate and are usually the first
//! rules of an [`crate::OptimiserChain`].

use ferroflux_linalg::{Float, Matrix};

use super::descent::ParamShape;
use crate::rule::{check, check_non_negative, check_positive, check_shapes, Rule, StepContext};
use crate::simd::{for_each_step, Target};
use crate::OptimError;

/// L2 regularisation: adds λ·x to the gradient, the gradient of
/// (λ/2)·‖x‖² added to the loss.
///
/// Hyper-parameter, with Optimisers.jl's default:
/// - λ (`lambda`, default 5e-4): strength of the penalty, ≥ 0.
///
/// ```text
/// dx ← dx + λ·x
/// ```
///
/// On its own it steps x ← x − (g + λ·x); chained before a rule, as in
/// `OptimiserChain::new((WeightDecay::new(1e-4), Adam::default()))`, it
/// matches the `weight_decay` argument of PyTorch's optimisers, which
/// defaults to 0 (0.01 for `AdamW`, see [`crate::AdamW`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeightDecay {
    /// λ: strength of the penalty.
    pub lambda: f64,
}

impl WeightDecay {
    /// Creates weight decay with λ = `lambda`.
    ///
    /// # Panics
    /// If `lambda` is negative or not finite, naming the value.
    #[track_caller]
    pub fn new(lambda: f64) -> Self {
        crate::rule::expect_valid(check_non_negative("WeightDecay", "lambda", lambda));
        Self { lambda }
    }
}

impl Default for WeightDecay {
    fn default() -> Self {
        Self { lambda: 5e-4 }
    }
}

impl WeightDecay {
    /// Delivers every element's step to `target`.
    #[inline(always)]
    fn run<T: Float>(&self, target: Target<'_, T>) {
        let lambda = T::cast(self.lambda);
        for_each_step(
            target,
            std::iter::repeat(()),
            #[inline(always)]
            move |x, g, ()| g + lambda * x,
        );
    }
}

impl<T: Float> Rule<T> for WeightDecay {
    type State = ParamShape;

    fn init(&self, shape: (usize, usize)) -> ParamShape {
        ParamShape(shape)
    }

    #[track_caller]
    fn apply(&self, state: &mut ParamShape, x: &mut Matrix<T>, g: &Matrix<T>) {
        check_shapes("WeightDecay", state.0, x, g);
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
        check_shapes("WeightDecay", state.0, x, dx);
        self.run(Target::transform(x, dx));
        Ok(())
    }

    fn validate(&self) -> Result<(), OptimError> {
        check_non_negative("WeightDecay", "lambda", self.lambda)
    }
}

/// Clipping by value: limits every gradient component to [−δ, δ].
///
/// Hyper-parameter, with Optimisers.jl's default:
/// - δ (`delta`, default 10): the bound, > 0.
///
/// ```text
/// dx ← clamp(dx, −δ, δ)
/// ```
///
/// PyTorch's counterpart is `torch.nn.utils.clip_grad_value_(clip_value)`,
/// which has no default.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClipGrad {
    /// δ: the bound of every component.
    pub delta: f64,
}

impl ClipGrad {
    /// Creates clipping at δ = `delta`.
    ///
    /// # Panics
    /// If `delta` is not finite and positive, naming the value.
    #[track_caller]
    pub fn new(delta: f64) -> Self {
        crate::rule::expect_valid(check_positive("ClipGrad", "delta", delta));
        Self { delta }
    }
}

impl Default for ClipGrad {
    fn default() -> Self {
        Self { delta: 10.0 }
    }
}

impl ClipGrad {
    /// Delivers every element's step to `target`.
    #[inline(always)]
    fn run<T: Float>(&self, target: Target<'_, T>) {
        let delta = T::cast(self.delta);
        for_each_step(
            target,
            std::iter::repeat(()),
            #[inline(always)]
            move |_, g, ()| clamp(g, delta),
        );
    }
}

impl<T: Float> Rule<T> for ClipGrad {
    type State = ParamShape;

    fn init(&self, shape: (usize, usize)) -> ParamShape {
        ParamShape(shape)
    }

    #[track_caller]
    fn apply(&self, state: &mut ParamShape, x: &mut Matrix<T>, g: &Matrix<T>) {
        check_shapes("ClipGrad", state.0, x, g);
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
        check_shapes("ClipGrad", state.0, x, dx);
        self.run(Target::transform(x, dx));
        Ok(())
    }

    fn validate(&self) -> Result<(), OptimError> {
        check_positive("ClipGrad", "delta", self.delta)
    }
}

/// Clamps to [−δ, δ], keeping NaN.
#[inline(always)]
fn clamp<T: Float>(g: T, delta: T) -> T {
    if g > delta {
        delta
    } else if g < -delta {
        -delta
    } else {
        g
    }
}

/// Clipping by norm: rescales the gradient so that its p-norm is at most ω.
///
/// Hyper-parameters, with Optimisers.jl's defaults:
/// - ω (`omega`, default 10): the largest allowed norm, > 0.
/// - p (`p`, default 2): the order of the norm, ≥ 1 or `f64::INFINITY`.
/// - `throw` (default true): whether an infinite or NaN norm is an error.
///
/// ```text
/// dx ← dx · min(1, ω / ‖dx‖ₚ)
/// ```
///
/// A zero gradient stays zero. Through [`crate::Optimiser::update_all`] the
/// norm is the global one, over every parameter's gradient together, as in
/// PyTorch's `torch.nn.utils.clip_grad_norm_` and Optax's
/// `clip_by_global_norm`; through [`Rule::apply`] or
/// [`crate::Optimiser::update`] of one parameter it is that parameter's
/// norm, as in Optimisers.jl. A non-finite norm is
/// [`OptimError::NonFiniteNorm`] (a panic in [`Rule::apply`]); with
/// `throw = false` the gradient is scaled by ω/‖dx‖ₚ anyway, which zeroes
/// it for an infinite norm and fills it with NaN for a NaN norm. PyTorch's
/// `clip_grad_norm_(max_norm, norm_type=2.0, error_if_nonfinite=False)` has
/// no default for ω and does not raise by default.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClipNorm {
    /// ω: the largest allowed norm.
    pub omega: f64,
    /// p: the order of the norm.
    pub p: f64,
    /// Whether a non-finite norm is an error.
    pub throw: bool,
}

impl ClipNorm {
    /// Creates clipping of the 2-norm at ω = `omega`.
    ///
    /// # Panics
    /// If `omega` is not finite and positive, naming the value.
    #[track_caller]
    pub fn new(omega: f64) -> Self {
        crate::rule::expect_valid(check_positive("ClipNorm", "omega", omega));
        Self {
            omega,
            ..Self::default()
        }
    }

    /// The factor min(1, ω / norm) for a finite norm.
    fn scale<T: Float>(&self, norm: T) -> Result<T, OptimError> {
        if self.throw && !norm.finite() {
            return Err(OptimError::NonFiniteNorm {
                norm: norm.to_f64(),
            });
        }
        let ratio = T::cast(self.omega) / norm;
        Ok(if ratio < T::one() || ratio.nan() {
            ratio
        } else {
            T::one()
        })
    }
}

impl Default for ClipNorm {
    fn default() -> Self {
        Self {
            omega: 10.0,
            p: 2.0,
            throw: true,
        }
    }
}

/// Accumulates the p-norm of one or more slices: the sum of |x|ᵖ, or the
/// maximum of |x| for p = ∞, in f64 so that f32 gradients do not overflow
/// in the sum.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NormAccumulator {
    p: f64,
    total: f64,
}

impl NormAccumulator {
    pub(crate) fn new(p: f64) -> Self {
        Self { p, total: 0.0 }
    }

    pub(crate) fn add<T: Float>(&mut self, xs: &[T]) {
        let p = self.p;
        if p == f64::INFINITY {
            for &x in xs {
                self.total = self.total.max(x.to_f64().abs());
                if x.nan() {
                    self.total = f64::NAN;
                }
            }
        } else if p == 2.0 {
            self.total += xs.iter().map(|&x| x.to_f64() * x.to_f64()).sum::<f64>();
        } else if p == 1.0 {
            self.total += xs.iter().map(|&x| x.to_f64().abs()).sum::<f64>();
        } else {
            self.total += xs.iter().map(|&x| x.to_f64().abs().powf(p)).sum::<f64>();
        }
    }

    pub(crate) fn norm(&self) -> f64 {
        if self.p == f64::INFINITY || self.p == 1.0 {
            self.total
        } else if self.p == 2.0 {
            self.total.sqrt()
        } else {
            self.total.powf(1.0 / self.p)
        }
    }
}

impl ClipNorm {
    fn own_norm<T: Float>(&self, g: &Matrix<T>) -> T {
        let mut accumulator = NormAccumulator::new(self.p);
        accumulator.add(g.as_slice());
        T::cast(accumulator.norm())
    }
}

impl<T: Float> Rule<T> for ClipNorm {
    type State = ParamShape;

    fn init(&self, shape: (usize, usize)) -> ParamShape {
        ParamShape(shape)
    }

    /// # Panics
    /// On a non-finite norm when `throw` is true, and on mismatched shapes.
    #[track_caller]
    fn apply(&self, state: &mut ParamShape, x: &mut Matrix<T>, g: &Matrix<T>) {
        if let Err(error) = self.try_apply(state, x, g) {
            panic!("{error}");
        }
    }

    #[track_caller]
    fn try_apply(
        &self,
        state: &mut ParamShape,
        x: &mut Matrix<T>,
        g: &Matrix<T>,
    ) -> Result<(), OptimError> {
        check_shapes("ClipNorm", state.0, x, g);
        let scale = self.scale(self.own_norm(g))?;
        for (x, &g) in x.as_mut_slice().iter_mut().zip(g.as_slice()) {
            *x -= g * scale;
        }
        Ok(())
    }

    #[track_caller]
    fn transform(
        &self,
        state: &mut ParamShape,
        x: &Matrix<T>,
        dx: &mut Matrix<T>,
        context: &StepContext<T>,
    ) -> Result<(), OptimError> {
        check_shapes("ClipNorm", state.0, x, dx);
        let norm = context.global_norm.unwrap_or_else(|| self.own_norm(dx));
        let scale = self.scale(norm)?;
        if scale != T::one() {
            for dx in dx.as_mut_slice() {
                *dx *= scale;
            }
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), OptimError> {
        check_positive("ClipNorm", "omega", self.omega)?;
        check(
            "ClipNorm",
            "p",
            self.p,
            self.p >= 1.0,
            "a value >= 1 or infinity",
        )
    }

    fn global_norm_order(&self, stage: usize) -> Option<f64> {
        debug_assert_eq!(stage, 0, "ClipNorm has a single stage");
        Some(self.p)
    }
}
