//! The check for a fit that explains almost none of the data, and the
//! settings it names as likely causes.

use std::fmt;

use serde::ser::{Serialize, SerializeStruct, Serializer};

use crate::fit::NmfFit;
use crate::objective::Objective;
use crate::run::PATIENCE;
use crate::settings::{
    DEFAULT_BASIS_RIDGE, DEFAULT_LEARNING_RATE, DEFAULT_PRIOR_WEIGHT, DEFAULT_TOLERANCE,
};
use crate::warnings::short;

/// The relative error from which [`NmfFit::warnings`] reports a fit as
/// explaining almost none of the data. `W·H = 0` has relative error 1, and
/// a fit at 0.95 explains less than 10% of the data's sum of squares.
pub const POOR_FIT_ERROR: f64 = 0.95;

/// The prior weight λ above which a poor fit names the prior as a likely
/// cause. It is the largest weight of the measured regularisation path on
/// the world fertility data, where the error rose from 0.063 to 0.079.
const LARGE_PRIOR_WEIGHT: f64 = 100.0;

/// A basis no larger than this share of the data's largest value cannot
/// reconstruct the data, because every fitted value is a convex combination
/// of the basis values.
const FLAT_BASIS_SHARE: f64 = 0.1;

/// A setting that likely made a fit explain almost none of the data, as
/// listed by [`crate::FitWarning::PoorFit`].
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum LikelyCause {
    /// The basis ridge μ pulled every basis series to less than a tenth of
    /// the data's largest value.
    BasisRidge {
        /// The ridge weight μ.
        basis_ridge: f64,
    },
    /// The prior weight λ is above 100, the largest weight measured on the
    /// example data sets.
    PriorWeight {
        /// The prior weight λ.
        prior_weight: f64,
    },
    /// The cost rose over the fit, or Adam's step size η exceeds the size of
    /// the data it steps in. That size is 1 for the gaussian objective,
    /// which fits the data divided by their root mean square, and the data's
    /// largest value for the seed objective.
    LearningRate {
        /// Adam's step size η.
        learning_rate: f64,
        /// A step size to try instead: the default 0.02 times the size of
        /// the data Adam steps in, or η/10 if that is smaller.
        suggested: f64,
    },
    /// The tolerance stopped the fit after the fewest iterations it allows.
    Tolerance {
        /// The tolerance on the relative change of the cost.
        tolerance: f64,
        /// The iterations run.
        iterations: usize,
    },
}

impl LikelyCause {
    /// Returns a short machine-readable name: `"basis_ridge"`,
    /// `"prior_weight"`, `"learning_rate"` or `"tolerance"`.
    pub fn setting(&self) -> &'static str {
        match self {
            LikelyCause::BasisRidge { .. } => "basis_ridge",
            LikelyCause::PriorWeight { .. } => "prior_weight",
            LikelyCause::LearningRate { .. } => "learning_rate",
            LikelyCause::Tolerance { .. } => "tolerance",
        }
    }

    /// Returns the value of the setting.
    pub fn value(&self) -> f64 {
        match *self {
            LikelyCause::BasisRidge { basis_ridge } => basis_ridge,
            LikelyCause::PriorWeight { prior_weight } => prior_weight,
            LikelyCause::LearningRate { learning_rate, .. } => learning_rate,
            LikelyCause::Tolerance { tolerance, .. } => tolerance,
        }
    }
}

impl fmt::Display for LikelyCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            LikelyCause::BasisRidge { basis_ridge } => write!(
                f,
                "the basis ridge {} flattens every basis series towards zero (the default is {})",
                short(basis_ridge),
                short(DEFAULT_BASIS_RIDGE)
            ),
            LikelyCause::PriorWeight { prior_weight } => write!(
                f,
                "the prior weight {} is above 100, the largest weight measured on the \
                 example data (the default is {})",
                short(prior_weight),
                short(DEFAULT_PRIOR_WEIGHT)
            ),
            LikelyCause::LearningRate {
                learning_rate,
                suggested,
            } => write!(
                f,
                "the learning rate {} takes steps too large for data of this size (try {} or \
                 less)",
                short(learning_rate),
                short(suggested)
            ),
            LikelyCause::Tolerance {
                tolerance,
                iterations,
            } => write!(
                f,
                "the tolerance {} stopped the fit after {iterations} iterations (the default \
                 is {})",
                short(tolerance),
                short(DEFAULT_TOLERANCE)
            ),
        }
    }
}

impl Serialize for LikelyCause {
    /// Writes `setting`, `value` and the `message` of `Display`.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("LikelyCause", 3)?;
        s.serialize_field("setting", self.setting())?;
        s.serialize_field("value", &self.value())?;
        s.serialize_field("message", &self.to_string())?;
        s.end()
    }
}

/// Returns the settings of `fit` that likely made it explain almost none of
/// the data, in the order of [`LikelyCause`]; empty if none of the checks
/// applies.
pub(crate) fn likely_causes(fit: &NmfFit) -> Vec<LikelyCause> {
    let mut causes = Vec::new();
    let [data_min, data_max] = fit.data_range;
    let data_size = data_min.abs().max(data_max.abs());
    let basis_size = fit.w.amax();
    let gaussian = fit.objective == Objective::Gaussian;

    if gaussian && fit.basis_ridge > 0.0 && basis_size < FLAT_BASIS_SHARE * data_size {
        causes.push(LikelyCause::BasisRidge {
            basis_ridge: fit.basis_ridge,
        });
    }

    if fit.prior_weight > LARGE_PRIOR_WEIGHT {
        causes.push(LikelyCause::PriorWeight {
            prior_weight: fit.prior_weight,
        });
    }

    // Adam moves each entry by about η per step, in the units it fits.
    let step_limit = if gaussian { 1.0 } else { data_size };
    let cost_rose = fit
        .loss_trace
        .first()
        .is_some_and(|&first| fit.cost > first);
    if cost_rose || fit.learning_rate > step_limit {
        causes.push(LikelyCause::LearningRate {
            learning_rate: fit.learning_rate,
            suggested: (DEFAULT_LEARNING_RATE * step_limit).min(fit.learning_rate / 10.0),
        });
    }

    if fit.converged && fit.tolerance > 0.0 && fit.iterations <= PATIENCE + 1 {
        causes.push(LikelyCause::Tolerance {
            tolerance: fit.tolerance,
            iterations: fit.iterations,
        });
    }
    causes
}
