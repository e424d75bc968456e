//! The fit loop behind [`SimplexNmf::fit`] and [`SimplexNmf::path`]:
//! validation, scaling, the noise estimate, Adam runs and the result.

use std::time::Instant;

use ferroflux_linalg::{softmax, svd, Matrix};
use ferroflux_optim::Adam;

use crate::error::{non_negative, positive};
use crate::fit::NmfFit;
use crate::nmf::{IterationInfo, SimplexNmf};
use crate::objective::{CostFunction, Objective};
use crate::scaling::{apply_scale, rms, scale_factors, validate_data};
use crate::settings::NmfSettings;
use crate::solver::NmfSolver;
use crate::{relative_error, FactorizeError};

/// Consecutive iterations whose relative cost change must stay below the
/// tolerance before a fit counts as converged. One small change is not
/// enough because Adam's cost can level off for a few steps and move on.
pub(crate) const PATIENCE: usize = 10;

impl SimplexNmf {
    pub(crate) fn components(&self) -> usize {
        self.settings.k + self.settings.extra_components
    }

    pub(crate) fn validate(&self, a: &Matrix<f64>) -> Result<(), FactorizeError> {
        validate_data(a)?;
        let s = &self.settings;
        if s.objective == Objective::Seed {
            let (row, col) = a.iamax_full();
            let value = a[(row, col)];
            if value.abs() > crate::scaling::HUGE {
                return Err(FactorizeError::TooLarge { row, col, value });
            }
            if value.abs() < crate::scaling::TINY {
                return Err(FactorizeError::TooSmall { row, col, value });
            }
        }
        if s.k == 0 || s.k > a.ncols() {
            return Err(FactorizeError::InvalidRank {
                k: s.k,
                n: a.ncols(),
            });
        }
        if s.extra_components > crate::error::max_extra_components(s.k, a.ncols()) {
            return Err(FactorizeError::TooManyComponents {
                k: s.k,
                extra: s.extra_components,
                n: a.ncols(),
            });
        }
        if !(s.alpha.is_finite() && s.alpha > 0.0) {
            return Err(FactorizeError::InvalidAlpha { alpha: s.alpha });
        }
        non_negative("prior_weight", s.prior_weight)?;
        positive("smoothing", s.smoothing)?;
        non_negative("basis_ridge", s.basis_ridge)?;
        positive("min_relative_noise", s.min_relative_noise)?;
        positive("learning_rate", s.learning_rate)?;
        non_negative("tolerance", s.tolerance)?;
        if s.iterations == 0 {
            return Err(FactorizeError::InvalidSetting {
                name: "iterations",
                value: "0".into(),
                expected: "at least 1",
            });
        }
        if s.restarts == 0 {
            return Err(FactorizeError::InvalidSetting {
                name: "restarts",
                value: "0".into(),
                expected: "at least 1",
            });
        }
        Ok(())
    }

    /// Validates, scales and normalises the data, and estimates the noise.
    pub(crate) fn prepare(&self, a: &Matrix<f64>) -> Result<Problem, FactorizeError> {
        self.validate(a)?;
        let scale = scale_factors(a, self.settings.scaling)?;
        let scaled = match &scale {
            Some(factors) => apply_scale(a, factors),
            None => a.clone(),
        };
        // The Seed cost is not scale invariant, so it fits the data as given.
        // The Gaussian cost is scale invariant, so it fits the data divided by
        // their root mean square, and Adam's step size means the same for
        // every data set.
        let (unit, variance) = match self.settings.objective {
            Objective::Seed => (1.0, None),
            Objective::Gaussian => {
                let unit = rms(&scaled);
                let normalised = &scaled / unit;
                let variance = noise_variance(
                    &normalised,
                    self.settings.k,
                    self.settings.min_relative_noise,
                )?;
                return Ok(Problem {
                    a: normalised,
                    scale,
                    unit,
                    variance: Some(variance),
                });
            }
        };
        Ok(Problem {
            a: scaled,
            scale,
            unit,
            variance,
        })
    }

    /// Runs Adam from `start` until convergence, the iteration limit or the
    /// callback's break.
    pub(crate) fn run(
        &self,
        problem: &Problem,
        cost: CostFunction,
        start: (Matrix<f64>, Matrix<f64>),
        restart: usize,
        seed: u64,
    ) -> Result<Run, FactorizeError> {
        let s = &self.settings;
        let mut solver = NmfSolver::new(
            problem.a.clone(),
            start.0,
            start.1,
            cost,
            Adam::new(s.learning_rate),
        );
        let mut trace = Vec::with_capacity(s.iterations.min(100_000));
        let mut converged = false;
        let mut stopped_by_callback = false;
        let mut calm = 0;
        for iteration in 0..s.iterations {
            let value = solver.step();
            if !value.is_finite() {
                return Err(FactorizeError::Diverged {
                    iteration,
                    cost: value,
                });
            }
            if let Some(previous) = trace.last().copied() {
                let change = relative_change(previous, value);
                calm = if change < s.tolerance { calm + 1 } else { 0 };
            }
            trace.push(value);
            if let Some(callback) = &self.callback {
                let info = IterationInfo {
                    restart,
                    iteration,
                    cost: value,
                };
                if (callback.borrow_mut())(&info).is_break() {
                    stopped_by_callback = true;
                    break;
                }
            }
            if calm >= PATIENCE {
                converged = true;
                break;
            }
        }
        let final_cost = solver.evaluate();
        if !final_cost.is_finite() {
            return Err(FactorizeError::Diverged {
                iteration: trace.len(),
                cost: final_cost,
            });
        }
        let (w, h_logits) = solver.into_factors();
        Ok(Run {
            w,
            h_logits,
            trace,
            cost: final_cost,
            converged,
            stopped_by_callback,
            seed,
        })
    }

    pub(crate) fn finish(
        &self,
        a: &Matrix<f64>,
        problem: &Problem,
        run: Run,
        restart_costs: Vec<f64>,
        started: Instant,
    ) -> NmfFit {
        let s = &self.settings;
        let h = softmax(&run.h_logits);
        let w = run.w * problem.unit;
        let mut fit = NmfFit {
            w,
            h,
            h_logits: run.h_logits,
            iterations: run.trace.len(),
            loss_trace: run.trace,
            cost: run.cost,
            relative_error: f64::NAN,
            converged: run.converged,
            stopped_by_callback: run.stopped_by_callback,
            max_iterations: s.iterations,
            tolerance: s.tolerance,
            basis_ridge: s.basis_ridge,
            learning_rate: s.learning_rate,
            data_range: [
                problem.a.min() * problem.unit,
                problem.a.max() * problem.unit,
            ],
            seconds: 0.0,
            scale: problem.scale.clone(),
            series_rms: a
                .column_iter()
                .map(|column| (column.norm_squared() / column.len() as f64).sqrt())
                .collect(),
            objective: s.objective,
            alpha: s.alpha,
            prior_weight: s.prior_weight,
            noise_variance: problem.variance.map(|v| v * problem.unit * problem.unit),
            k: s.k,
            init: s.init,
            scaling: s.scaling,
            seed: run.seed,
            restart_costs,
        };
        fit.relative_error = relative_error(a, &fit.reconstruction());
        fit.seconds = started.elapsed().as_secs_f64();
        fit
    }
}

/// The data in the form the solver fits.
pub(crate) struct Problem {
    /// Scaled (and for the Gaussian cost, normalised) data.
    pub(crate) a: Matrix<f64>,
    pub(crate) scale: Option<Vec<f64>>,
    /// The factor the scaled data was divided by (1 for the Seed cost).
    pub(crate) unit: f64,
    /// σ² of the Gaussian cost, in the units of `a`.
    pub(crate) variance: Option<f64>,
}

impl Problem {
    pub(crate) fn cost(&self, s: &NmfSettings, prior_weight: f64) -> CostFunction {
        match self.variance {
            None => CostFunction::seed(s.alpha, prior_weight),
            Some(variance) => {
                CostFunction::gaussian(variance, s.alpha, prior_weight, s.smoothing, s.basis_ridge)
            }
        }
    }
}

/// The outcome of one run.
pub(crate) struct Run {
    pub(crate) w: Matrix<f64>,
    pub(crate) h_logits: Matrix<f64>,
    pub(crate) trace: Vec<f64>,
    pub(crate) cost: f64,
    pub(crate) converged: bool,
    pub(crate) stopped_by_callback: bool,
    pub(crate) seed: u64,
}

fn relative_change(previous: f64, current: f64) -> f64 {
    let size = previous.abs().max(f64::MIN_POSITIVE);
    (previous - current).abs() / size
}

/// Estimates the noise variance σ² per entry as the residual of the rank-k SVD,
/// `Σ_(i>k) sᵢ² / (T·n)`, floored at `(floor·rms(a))²`.
fn noise_variance(a: &Matrix<f64>, k: usize, floor: f64) -> Result<f64, FactorizeError> {
    let decomposition = svd(a)?;
    let tail: f64 = decomposition
        .singular_values
        .iter()
        .skip(k)
        .map(|s| s * s)
        .sum();
    let variance = tail / a.len() as f64;
    let minimum = (floor * rms(a)).powi(2);
    Ok(variance.max(minimum))
}
