//! The settings of a fit and their defaults.

use serde::Serialize;

use crate::init::Init;
use crate::objective::Objective;
use crate::scaling::Scaling;

/// Settings of a fit, as recorded in reports.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NmfSettings {
    /// Number of components k.
    pub k: usize,
    /// Basis series fitted beyond k.
    pub extra_components: usize,
    /// Dirichlet concentration α.
    pub alpha: f64,
    /// Prior weight λ.
    pub prior_weight: f64,
    /// Smoothing δ of the Gaussian objective's prior.
    pub smoothing: f64,
    /// Weight μ of the Gaussian objective's ridge term `μ/2·‖W‖²` on the
    /// basis, in units of the normalised data.
    pub basis_ridge: f64,
    /// Lower bound on the noise standard deviation of the Gaussian objective,
    /// relative to the root mean square of the data.
    pub min_relative_noise: f64,
    /// The cost function.
    pub objective: Objective,
    /// Adam's step size η.
    pub learning_rate: f64,
    /// Maximum iterations per run.
    pub iterations: usize,
    /// Tolerance on the relative change of the cost.
    pub tolerance: f64,
    /// Initialisation.
    pub init: Init,
    /// Seed of the first run.
    pub seed: u64,
    /// Number of runs; the one with the lowest final cost is kept.
    pub restarts: usize,
    /// Per-series scaling.
    pub scaling: Scaling,
}

const DEFAULT_ALPHA: f64 = 0.2;
pub(crate) const DEFAULT_PRIOR_WEIGHT: f64 = 0.03;
const DEFAULT_SMOOTHING: f64 = 1e-3;
pub(crate) const DEFAULT_BASIS_RIDGE: f64 = 0.01;
const DEFAULT_MIN_RELATIVE_NOISE: f64 = 1e-3;
pub(crate) const DEFAULT_LEARNING_RATE: f64 = 0.02;
const DEFAULT_ITERATIONS: usize = 5000;
pub(crate) const DEFAULT_TOLERANCE: f64 = 1e-6;

impl NmfSettings {
    /// Returns the default settings for `k` components; the crate
    /// documentation gives the measurements behind them.
    pub(crate) fn defaults(k: usize) -> Self {
        NmfSettings {
            k,
            extra_components: 0,
            alpha: DEFAULT_ALPHA,
            prior_weight: DEFAULT_PRIOR_WEIGHT,
            smoothing: DEFAULT_SMOOTHING,
            basis_ridge: DEFAULT_BASIS_RIDGE,
            min_relative_noise: DEFAULT_MIN_RELATIVE_NOISE,
            objective: Objective::Gaussian,
            learning_rate: DEFAULT_LEARNING_RATE,
            iterations: DEFAULT_ITERATIONS,
            tolerance: DEFAULT_TOLERANCE,
            init: Init::Svd,
            seed: 0,
            restarts: 1,
            scaling: Scaling::None,
        }
    }
}
