//! The [`Rule`] trait: an update rule's hyper-parameters, separate from the
//! per-parameter state it advances.

use ferroflux_linalg::{Float, Matrix};

use crate::OptimError;

/// Information shared by all parameters of one `update_all` call.
///
/// A rule that only looks at its own parameter ignores it. `ClipNorm`
/// reads `global_norm`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepContext<T: Float> {
    /// ‖dx‖ₚ over every parameter of the step, measured on the steps as
    /// they enter the current stage, with p from [`Rule::global_norm_order`]. `None` when one parameter is updated on
    /// its own, and then a rule that needs a norm uses its parameter's norm.
    pub global_norm: Option<T>,
}

impl<T: Float> StepContext<T> {
    /// Returns the context for one parameter updated on its own.
    pub fn single() -> Self {
        Self { global_norm: None }
    }
}

/// An update rule in the style of Optimisers.jl: hyper-parameters only, and
/// the per-parameter state lives outside, in [`Rule::State`].
///
/// Hyper-parameters are stored as `f64` and cast to `T` at each step, so
/// `Adam::default()` needs no type annotation and one rule value serves f32
/// and f64 parameters.
///
/// A rule offers two ways to advance a parameter:
/// - [`Rule::apply`] does x ← x − step in one fused pass and allocates
///   nothing; loops that drive a rule on raw matrices use it.
/// - [`Rule::transform`] is Optimisers.jl's `apply!`: it rewrites a buffer
///   that contains the gradient into the step. Chains and modifiers compose
///   through it, and the [`crate::Optimiser`] implementations subtract the
///   final step.
pub trait Rule<T: Float> {
    /// The per-parameter state, e.g. [`crate::AdamState`].
    type State;

    /// Creates fresh state for a parameter of this shape.
    fn init(&self, shape: (usize, usize)) -> Self::State;

    /// Applies one step in place: x ← x − step(state, g).
    ///
    /// # Panics
    /// If `x`, `g` and the shape given to [`Rule::init`] differ, naming the
    /// shapes. `ClipNorm` panics on a non-finite norm; use
    /// [`Rule::try_apply`] to get that as an error.
    fn apply(&self, state: &mut Self::State, x: &mut Matrix<T>, g: &Matrix<T>);

    /// Rewrites `dx` (the gradient, or the output of the previous rule in a
    /// chain) into the step that is subtracted from `x`, advancing `state`.
    ///
    /// # Errors
    /// [`OptimError::NonFiniteNorm`] from `ClipNorm`.
    ///
    /// # Panics
    /// If `x`, `dx` and the shape given to [`Rule::init`] differ.
    fn transform(
        &self,
        state: &mut Self::State,
        x: &Matrix<T>,
        dx: &mut Matrix<T>,
        context: &StepContext<T>,
    ) -> Result<(), OptimError>;

    /// Checks every hyper-parameter against its valid range.
    ///
    /// # Errors
    /// [`OptimError::InvalidHyperParameter`] naming the first invalid value.
    fn validate(&self) -> Result<(), OptimError>;

    /// Applies one step like [`Rule::apply`], returning errors that
    /// `apply` turns into panics.
    ///
    /// # Errors
    /// Those of [`Rule::transform`].
    fn try_apply(
        &self,
        state: &mut Self::State,
        x: &mut Matrix<T>,
        g: &Matrix<T>,
    ) -> Result<(), OptimError> {
        self.apply(state, x, g);
        Ok(())
    }

    /// Returns the learning rate η (`eta`), or `None` for a rule without one. A
    /// chain returns the first rule's η that exists.
    fn eta(&self) -> Option<f64> {
        None
    }

    /// Sets the learning rate η of this rule (of every rule in a chain that
    /// has one) and returns whether any rule had one. The value is checked
    /// by [`Rule::validate`], not here.
    fn set_eta(&mut self, eta: f64) -> bool {
        let _ = eta;
        false
    }

    /// Returns the number of passes that `update_all` makes over the parameters: 1
    /// for a plain rule, the sum over its rules for a chain.
    fn stage_count(&self) -> usize {
        1
    }

    /// Returns the order p of the norm that stage `stage` reads from
    /// [`StepContext::global_norm`] (2 for the Euclidean norm, `f64::INFINITY`
    /// for the maximum), or `None` if the stage reads no norm.
    fn global_norm_order(&self, stage: usize) -> Option<f64> {
        let _ = stage;
        None
    }

    /// Runs one stage of [`Rule::transform`]. A plain rule has one stage,
    /// and a chain runs its rules one stage after another.
    ///
    /// # Errors
    /// Those of [`Rule::transform`].
    fn transform_stage(
        &self,
        stage: usize,
        state: &mut Self::State,
        x: &Matrix<T>,
        dx: &mut Matrix<T>,
        context: &StepContext<T>,
    ) -> Result<(), OptimError> {
        debug_assert_eq!(stage, 0, "a plain rule has a single stage");
        self.transform(state, x, dx, context)
    }
}

/// Panics unless a parameter, its gradient and the rule state's shape agree.
#[track_caller]
pub(crate) fn check_shapes<T: Float>(
    rule: &str,
    state_shape: (usize, usize),
    x: &Matrix<T>,
    g: &Matrix<T>,
) {
    assert!(
        x.shape() == g.shape() && x.shape() == state_shape,
        "{rule}: parameter shape {:?}, gradient shape {:?} and state shape {state_shape:?} must agree",
        x.shape(),
        g.shape(),
    );
}

/// Checks that η is finite and not negative.
pub(crate) fn check_eta(rule: &'static str, eta: f64) -> Result<(), OptimError> {
    check(
        rule,
        "eta",
        eta,
        eta.is_finite() && eta >= 0.0,
        "a finite value >= 0",
    )
}

/// Checks that a decay rate β lies in [0, 1).
pub(crate) fn check_beta(
    rule: &'static str,
    name: &'static str,
    beta: f64,
) -> Result<(), OptimError> {
    check(
        rule,
        name,
        beta,
        (0.0..1.0).contains(&beta),
        "a value in [0, 1)",
    )
}

/// Checks that a value is finite and strictly positive (ε, clipping bounds).
pub(crate) fn check_positive(
    rule: &'static str,
    name: &'static str,
    value: f64,
) -> Result<(), OptimError> {
    check(
        rule,
        name,
        value,
        value.is_finite() && value > 0.0,
        "a finite value > 0",
    )
}

/// Checks that a value is finite and not negative (λ, δ).
pub(crate) fn check_non_negative(
    rule: &'static str,
    name: &'static str,
    value: f64,
) -> Result<(), OptimError> {
    check(
        rule,
        name,
        value,
        value.is_finite() && value >= 0.0,
        "a finite value >= 0",
    )
}

pub(crate) fn check(
    rule: &'static str,
    name: &'static str,
    value: f64,
    valid: bool,
    expected: &'static str,
) -> Result<(), OptimError> {
    if valid {
        Ok(())
    } else {
        Err(OptimError::InvalidHyperParameter {
            rule,
            name,
            value,
            expected,
        })
    }
}

/// Panics with the validation error, for constructors that take one value.
#[track_caller]
pub(crate) fn expect_valid(result: Result<(), OptimError>) {
    if let Err(error) = result {
        panic!("{error}");
    }
}

/// Implements [`Rule::eta`] and [`Rule::set_eta`] for a rule with an `eta`
/// field.
macro_rules! eta_accessors {
    () => {
        fn eta(&self) -> Option<f64> {
            Some(self.eta)
        }

        fn set_eta(&mut self, eta: f64) -> bool {
            self.eta = eta;
            true
        }
    };
}
pub(crate) use eta_accessors;
