//! The error type of the optimisers, the train loop and the data loader.

use thiserror::Error;

/// Everything that can go wrong while validating a rule, updating
/// parameters, training or batching data.
///
/// Messages name the offending value and the expected range or shape.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum OptimError {
    /// A hyper-parameter lies outside its valid range.
    #[error("invalid {name} = {value} for {rule}: expected {expected}")]
    InvalidHyperParameter {
        /// The rule that owns the hyper-parameter, e.g. `"Adam"`.
        rule: &'static str,
        /// The hyper-parameter's ASCII name, e.g. `"eta"` or `"beta.0"`.
        name: &'static str,
        /// The rejected value.
        value: f64,
        /// The valid range, e.g. `"a finite value >= 0"`.
        expected: &'static str,
    },

    /// `ClipNorm` met a gradient whose norm is infinite or NaN.
    #[error(
        "gradient norm is {norm} in ClipNorm: a gradient contains an infinite or NaN value; \
         check the loss for overflow or build ClipNorm with `ignore_non_finite(true)`"
    )]
    NonFiniteNorm {
        /// The norm that was computed.
        norm: f64,
    },

    /// `update_all` found a parameter without a gradient.
    #[error(
        "missing gradient for parameter {index} of shape {rows}x{cols}: \
         compute the gradients with the same Params that are passed to update_all"
    )]
    MissingGradient {
        /// Position of the parameter in the `Params`.
        index: usize,
        /// Rows of the parameter.
        rows: usize,
        /// Columns of the parameter.
        cols: usize,
    },

    /// `adjust` was called on a rule without a learning rate.
    #[error("cannot adjust the learning rate of {rule}: it has no eta; chain it with a rule that has one")]
    NoLearningRate {
        /// The rule, as `Debug` prints it.
        rule: String,
    },
}

/// Errors of [`crate::train`] and [`crate::epochs`].
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum TrainError {
    /// The loss of a step was NaN or infinite. No parameter was updated with
    /// its gradient.
    #[error(
        "loss is {loss} at step {step} (epoch {epoch}): training stopped before the update; \
         lower the learning rate or check the data of that step"
    )]
    NonFiniteLoss {
        /// Epoch of the step, counted from 1 (1 for a single `train` call).
        epoch: usize,
        /// Step within the epoch, counted from 1.
        step: usize,
        /// The loss value.
        loss: f64,
    },

    /// The optimiser rejected the update.
    #[error("optimiser failed at step {step} (epoch {epoch}): {source}")]
    Optimiser {
        /// Epoch of the step, counted from 1.
        epoch: usize,
        /// Step within the epoch, counted from 1.
        step: usize,
        /// The optimiser's error.
        source: OptimError,
    },

    /// The data source failed to produce a batch.
    #[error("data error at step {step} (epoch {epoch}): {source}")]
    Data {
        /// Epoch of the step, counted from 1.
        epoch: usize,
        /// Step within the epoch, counted from 1.
        step: usize,
        /// The data error.
        source: DataError,
    },
}

/// Errors of [`crate::DataLoader`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum DataError {
    /// The inputs and targets hold different numbers of observations
    /// (columns).
    #[error(
        "x has {x_observations} observations (columns) but y has {y_observations}: \
         both need one column per observation"
    )]
    ObservationMismatch {
        /// Columns of x.
        x_observations: usize,
        /// Columns of y.
        y_observations: usize,
    },

    /// The batch size is zero.
    #[error("invalid batch size 0: expected at least 1 observation per batch")]
    ZeroBatchSize,
}
