//! Loss functions.
//!
//! Every loss takes the prediction `ŷ` first and the target `y` second, both
//! with one sample per column, and comes in three forms:
//!
//! - `mse(&ŷ, &y)`: averaged ([`Aggregation::Mean`]), the everyday form;
//! - `mse_with(&ŷ, &y, aggregation)`: mean, sum or no aggregation;
//! - `try_mse(&ŷ, &y, aggregation)`: returns [`NnError::LossShape`] instead of
//!   panicking when the shapes differ.
//!
//! Prediction and target must have the same shape, and a loss never
//! broadcasts one over the other. The first two forms panic on a mismatch
//! with the message of [`NnError::LossShape`], naming both shapes. Inside a
//! training closure the model fixes the shapes, so a mismatch there is a bug.
//! The `try_` form is for code that checks data it did not build.
//!
//! Element-wise losses (mse, mae, huber_loss, binary_cross_entropy,
//! logit_binary_cross_entropy) average over all entries. Distribution losses
//! (cross_entropy, logit_cross_entropy, kl_divergence) sum over each column
//! (the classes) and average over the columns (the samples), as in Flux.
//! [`Aggregation::None`] returns the unaggregated matrix: the full shape for
//! element-wise losses, `1 x n` for distribution losses.
//!
//! The losses are differentiable tensor expressions, so they work on plain
//! values and inside [`ferroflux_autodiff::gradient`] alike.

use ferroflux_autodiff::Tensor;
use ferroflux_linalg::Float;

use crate::NnError;

/// The rule by which a loss combines the losses of individual entries or samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Aggregation {
    /// The average (the default, as in Flux's `agg = mean` and PyTorch's `reduction="mean"`).
    #[default]
    Mean,
    /// The sum.
    Sum,
    /// No aggregation: the loss of every entry or sample.
    None,
}

fn check_shapes<T: Float>(
    loss: &'static str,
    prediction: &Tensor<T>,
    target: &Tensor<T>,
) -> Result<(), NnError> {
    let (pred_rows, pred_cols) = prediction.shape();
    let (target_rows, target_cols) = target.shape();
    if (pred_rows, pred_cols) == (target_rows, target_cols) {
        Ok(())
    } else {
        Err(NnError::LossShape {
            loss,
            pred_rows,
            pred_cols,
            target_rows,
            target_cols,
        })
    }
}

fn aggregate<T: Float>(losses: Tensor<T>, aggregation: Aggregation) -> Tensor<T> {
    match aggregation {
        Aggregation::Mean => losses.mean(),
        Aggregation::Sum => losses.sum(),
        Aggregation::None => losses,
    }
}

/// `1 - x`.
fn one_minus<T: Float>(x: &Tensor<T>) -> Tensor<T> {
    x.mul_scalar(-T::one()).add_scalar(T::one())
}

/// `ln(x + ε)` with ε the machine epsilon of `T`, Flux's guard against `ln 0`.
fn log_guarded<T: Float>(x: &Tensor<T>) -> Tensor<T> {
    x.add_scalar(T::EPSILON).log()
}

/// Aggregates `sign · Σ_rows a .* b` over the columns.
///
/// The mean and the sum go through one `dot` instead of forming the `1 x n`
/// row of per-column losses first, which saves two recorded operations per
/// call in the training loop.
fn aggregate_column_dot<T: Float>(
    a: &Tensor<T>,
    b: &Tensor<T>,
    sign: T,
    aggregation: Aggregation,
) -> Tensor<T> {
    match aggregation {
        Aggregation::Mean => a.dot(b).mul_scalar(sign / T::cast_usize(a.ncols())),
        Aggregation::Sum => a.dot(b).mul_scalar(sign),
        Aggregation::None => (a * b).sum_cols().mul_scalar(sign),
    }
}

#[track_caller]
fn or_panic<T: Float>(result: Result<Tensor<T>, NnError>) -> Tensor<T> {
    match result {
        Ok(loss) => loss,
        Err(error) => panic!("{error}"),
    }
}

/// Declares the panicking forms `name(ŷ, y)` and `name_with(ŷ, y, aggregation)` of `try_name`.
macro_rules! panicking_forms {
    ($name:ident, $with:ident, $try_name:ident, $doc:literal) => {
        #[doc = concat!("Mean ", $doc, "; see [`", stringify!($try_name), "`] for the formula.")]
        ///
        /// # Panics
        ///
        /// If the prediction and the target have different shapes, naming both.
        #[track_caller]
        pub fn $name<T: Float>(prediction: &Tensor<T>, target: &Tensor<T>) -> Tensor<T> {
            or_panic($try_name(prediction, target, Aggregation::Mean))
        }

        #[doc = concat!($doc, " with a choice of aggregation; see [`", stringify!($try_name), "`].")]
        ///
        /// # Panics
        ///
        /// If the prediction and the target have different shapes, naming both.
        #[track_caller]
        pub fn $with<T: Float>(prediction: &Tensor<T>, target: &Tensor<T>, aggregation: Aggregation) -> Tensor<T> {
            or_panic($try_name(prediction, target, aggregation))
        }
    };
}

/// Mean squared error, `agg((ŷ - y)²)` over all entries.
///
/// # Errors
///
/// [`NnError::LossShape`] if the shapes differ.
pub fn try_mse<T: Float>(
    prediction: &Tensor<T>,
    target: &Tensor<T>,
    aggregation: Aggregation,
) -> Result<Tensor<T>, NnError> {
    check_shapes("mse", prediction, target)?;
    Ok(aggregate((prediction - target).square(), aggregation))
}
panicking_forms!(mse, mse_with, try_mse, "squared error");

/// Mean absolute error, `agg(|ŷ - y|)` over all entries.
///
/// # Errors
///
/// [`NnError::LossShape`] if the shapes differ.
pub fn try_mae<T: Float>(
    prediction: &Tensor<T>,
    target: &Tensor<T>,
    aggregation: Aggregation,
) -> Result<Tensor<T>, NnError> {
    check_shapes("mae", prediction, target)?;
    Ok(aggregate((prediction - target).abs(), aggregation))
}
panicking_forms!(mae, mae_with, try_mae, "absolute error");

/// Huber loss with threshold δ: `½ d²` for `|d| ≤ δ` and `δ (|d| - ½ δ)`
/// beyond, with `d = ŷ - y`, aggregated over all entries. Computed as
/// `½ q² + δ (|d| - q)` with `q = min(|d|, δ)`.
///
/// # Errors
///
/// [`NnError::LossShape`] if the shapes differ.
///
/// # Panics
///
/// If δ is not positive, naming it.
#[track_caller]
pub fn try_huber_loss<T: Float>(
    prediction: &Tensor<T>,
    target: &Tensor<T>,
    delta: T,
    aggregation: Aggregation,
) -> Result<Tensor<T>, NnError> {
    assert!(
        delta > T::zero(),
        "huber_loss: delta = {delta} must be positive"
    );
    check_shapes("huber_loss", prediction, target)?;
    let distance = (prediction - target).abs();
    let quadratic = distance.clamp(T::zero(), delta);
    let linear = &distance - &quadratic;
    let losses = quadratic.square().mul_scalar(T::cast(0.5)) + linear.mul_scalar(delta);
    Ok(aggregate(losses, aggregation))
}

/// Mean Huber loss with δ = 1 (the default of Flux and PyTorch); see [`try_huber_loss`].
///
/// # Panics
///
/// If the prediction and the target have different shapes, naming both.
#[track_caller]
pub fn huber_loss<T: Float>(prediction: &Tensor<T>, target: &Tensor<T>) -> Tensor<T> {
    or_panic(try_huber_loss(
        prediction,
        target,
        T::one(),
        Aggregation::Mean,
    ))
}

/// Huber loss with a chosen δ and aggregation; see [`try_huber_loss`].
///
/// # Panics
///
/// If the prediction and the target have different shapes, naming both, or δ is not positive.
#[track_caller]
pub fn huber_loss_with<T: Float>(
    prediction: &Tensor<T>,
    target: &Tensor<T>,
    delta: T,
    aggregation: Aggregation,
) -> Tensor<T> {
    or_panic(try_huber_loss(prediction, target, delta, aggregation))
}

/// Cross-entropy of predicted probabilities, `-Σᵢ yᵢ ln(ŷᵢ + ε)` per column
/// (ε the machine epsilon of `T`, as in Flux), aggregated over the columns.
///
/// `ŷ` is a probability per class, typically the output of [`crate::softmax`].
/// An exact zero probability with a zero target contributes 0, not NaN,
/// and its gradient is 0 too. With a positive target the guard caps the loss
/// at `-ln ε` instead of infinity. [`try_logit_cross_entropy`] computes the
/// same loss from the scores before the softmax without that rounding and
/// is the better choice for training.
///
/// # Errors
///
/// [`NnError::LossShape`] if the shapes differ.
pub fn try_cross_entropy<T: Float>(
    prediction: &Tensor<T>,
    target: &Tensor<T>,
    aggregation: Aggregation,
) -> Result<Tensor<T>, NnError> {
    check_shapes("cross_entropy", prediction, target)?;
    Ok(aggregate_column_dot(
        target,
        &log_guarded(prediction),
        -T::one(),
        aggregation,
    ))
}
panicking_forms!(
    cross_entropy,
    cross_entropy_with,
    try_cross_entropy,
    "cross-entropy of probabilities"
);

/// Cross-entropy of scores (logits), `-Σᵢ yᵢ log_softmax(ŷ)ᵢ` per column,
/// aggregated over the columns.
///
/// Equal to `cross_entropy(softmax(ŷ), y)` but numerically stable: the
/// log-softmax subtracts each column's maximum and never takes the log of a
/// probability that has rounded to zero, so large scores give finite losses
/// and exact gradients `softmax(ŷ) - y` (for one-hot columns). Use it with a
/// model whose last layer has no softmax.
///
/// # Errors
///
/// [`NnError::LossShape`] if the shapes differ.
pub fn try_logit_cross_entropy<T: Float>(
    prediction: &Tensor<T>,
    target: &Tensor<T>,
    aggregation: Aggregation,
) -> Result<Tensor<T>, NnError> {
    check_shapes("logit_cross_entropy", prediction, target)?;
    Ok(aggregate_column_dot(
        target,
        &prediction.log_softmax(),
        -T::one(),
        aggregation,
    ))
}
panicking_forms!(
    logit_cross_entropy,
    logit_cross_entropy_with,
    try_logit_cross_entropy,
    "cross-entropy of logits (the stable form)"
);

/// Binary cross-entropy of predicted probabilities,
/// `-(y ln(ŷ + ε) + (1 - y) ln(1 - ŷ + ε))` per entry (ε as in
/// [`try_cross_entropy`]), aggregated over all entries.
///
/// `ŷ` is a probability, typically a [`crate::sigmoid`] output.
/// [`try_logit_binary_cross_entropy`] is the stable form from the scores.
///
/// # Errors
///
/// [`NnError::LossShape`] if the shapes differ.
pub fn try_binary_cross_entropy<T: Float>(
    prediction: &Tensor<T>,
    target: &Tensor<T>,
    aggregation: Aggregation,
) -> Result<Tensor<T>, NnError> {
    check_shapes("binary_cross_entropy", prediction, target)?;
    let positive = target * &log_guarded(prediction);
    let negative = one_minus(target) * log_guarded(&one_minus(prediction));
    Ok(aggregate(-(positive + negative), aggregation))
}
panicking_forms!(
    binary_cross_entropy,
    binary_cross_entropy_with,
    try_binary_cross_entropy,
    "binary cross-entropy of probabilities"
);

/// Binary cross-entropy of scores (logits), `(1 - y) ŷ - ln σ(ŷ)` per
/// entry, aggregated over all entries.
///
/// Equal to `binary_cross_entropy(sigmoid(ŷ), y)` but numerically stable:
/// `ln σ` is evaluated as `-softplus(-ŷ)`, which stays finite where σ(ŷ)
/// rounds to 0 or 1. Use it with a model whose last layer has no sigmoid.
///
/// # Errors
///
/// [`NnError::LossShape`] if the shapes differ.
pub fn try_logit_binary_cross_entropy<T: Float>(
    prediction: &Tensor<T>,
    target: &Tensor<T>,
    aggregation: Aggregation,
) -> Result<Tensor<T>, NnError> {
    check_shapes("logit_binary_cross_entropy", prediction, target)?;
    let losses = one_minus(target) * prediction - prediction.log_sigmoid();
    Ok(aggregate(losses, aggregation))
}
panicking_forms!(
    logit_binary_cross_entropy,
    logit_binary_cross_entropy_with,
    try_logit_binary_cross_entropy,
    "binary cross-entropy of logits (the stable form)"
);

/// Kullback-Leibler divergence of the predicted distribution from the
/// target, `KL(y ‖ ŷ) = Σᵢ yᵢ ln(yᵢ + ε) - yᵢ ln(ŷᵢ + ε)` per column (the
/// target's entropy term minus the cross-entropy, ε as in
/// [`try_cross_entropy`]), aggregated over the columns.
///
/// Zero when `ŷ == y` (the two guarded logarithms cancel exactly), and a
/// zero target entry contributes 0.
///
/// # Errors
///
/// [`NnError::LossShape`] if the shapes differ.
pub fn try_kl_divergence<T: Float>(
    prediction: &Tensor<T>,
    target: &Tensor<T>,
    aggregation: Aggregation,
) -> Result<Tensor<T>, NnError> {
    check_shapes("kl_divergence", prediction, target)?;
    let log_ratio = log_guarded(target) - log_guarded(prediction);
    Ok(aggregate_column_dot(
        target,
        &log_ratio,
        T::one(),
        aggregation,
    ))
}
panicking_forms!(
    kl_divergence,
    kl_divergence_with,
    try_kl_divergence,
    "Kullback-Leibler divergence"
);
