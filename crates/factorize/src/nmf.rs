//! The `SimplexNmf` builder and its fit loop.

use std::cell::RefCell;
use std::fmt;
use std::ops::ControlFlow;
use std::rc::Rc;
use std::time::Instant;

use ferroflux_linalg::{rng, softmax, svd, Matrix};
use ferroflux_optim::Adam;
use serde::Serialize;

use crate::error::{non_negative, positive};
use crate::fit::{NmfFit, PathPoint};
use crate::init::{initial_factors, Init};
use crate::objective::{CostFunction, Objective};
use crate::scaling::{apply_scale, rms, scale_factors, validate_data, Scaling};
use crate::solver::NmfSolver;
use crate::{relative_error, FactorizeError};

/// Progress of a fit, passed to the per-iteration callback.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IterationInfo {
    /// The restart (0-based) this iteration belongs to.
    pub restart: usize,
    /// The iteration within the run (0-based).
    pub iteration: usize,
    /// The cost at the start of the iteration.
    pub cost: f64,
}

type Callback = Rc<RefCell<dyn FnMut(&IterationInfo) -> ControlFlow<()>>>;

/// Consecutive iterations whose relative cost change must stay below the
/// tolerance before a fit counts as converged. One small change is not
/// enough because Adam's cost can level off for a few steps and move on.
const PATIENCE: usize = 10;

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

/// Simplex NMF with a Dirichlet prior: finds basis series `W` (T x K) and
/// weights `H` (K x n) with columns on the probability simplex so that
/// `A ≈ W·H`, by Adam on `W` and the logits `H̄` of `H = softmax(H̄)`.
///
/// The builder starts from the well-posed default ([`Objective::Gaussian`],
/// see the crate documentation for the measurements behind each default);
/// [`SimplexNmf::seed_preset`] gives the settings of the Flux example.
///
/// # Examples
/// ```
/// use ferroflux_factorize::{seed_problem, SimplexNmf};
///
/// let a = seed_problem(1);
/// let fit = SimplexNmf::new(3).iterations(500).fit(&a)?;
/// assert!(fit.relative_error < 0.1);
/// let on_simplex = fit.h.column_iter().all(|c| (c.sum() - 1.0).abs() < 1e-12);
/// assert!(on_simplex);
/// # Ok::<(), ferroflux_factorize::FactorizeError>(())
/// ```
#[derive(Clone)]
pub struct SimplexNmf {
    settings: NmfSettings,
    callback: Option<Callback>,
}

impl fmt::Debug for SimplexNmf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimplexNmf")
            .field("settings", &self.settings)
            .field(
                "callback",
                &self.callback.as_ref().map(|_| "FnMut(&IterationInfo)"),
            )
            .finish()
    }
}

impl Default for SimplexNmf {
    /// Returns the default settings with k = 3.
    fn default() -> Self {
        SimplexNmf::new(3)
    }
}

impl SimplexNmf {
    /// Returns the default settings for `k` components.
    pub fn new(k: usize) -> Self {
        SimplexNmf {
            settings: NmfSettings {
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
            },
            callback: None,
        }
    }

    /// Returns the settings of the Flux time-series example: the Seed objective with
    /// α = 0.2 at full weight, Adam with η = 0.001 (the Flux `ADAM()`
    /// default), 2000 iterations without early stopping, k + 1 basis series
    /// and random initialisation.
    pub fn seed_preset(k: usize) -> Self {
        SimplexNmf::new(k)
            .objective(Objective::Seed)
            .alpha(0.2)
            .prior_weight(1.0)
            .learning_rate(0.001)
            .iterations(2000)
            .tolerance(0.0)
            .extra_components(1)
            .init(Init::Random)
    }

    /// Sets the number of components k (1 ≤ k ≤ n).
    pub fn k(mut self, k: usize) -> Self {
        self.settings.k = k;
        self
    }

    /// Sets the Dirichlet concentration α > 0. α < 1 favours sparse columns
    /// of `H`, α = 1 is a flat prior, α > 1 favours even mixtures.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.settings.alpha = alpha;
        self
    }

    /// Sets the prior weight λ ≥ 0 on the log-prior term; 0 fits on the
    /// simplex without a prior.
    pub fn prior_weight(mut self, lambda: f64) -> Self {
        self.settings.prior_weight = lambda;
        self
    }

    /// Sets the smoothing δ > 0 of the Gaussian objective's `ln(H + δ)`.
    pub fn smoothing(mut self, delta: f64) -> Self {
        self.settings.smoothing = delta;
        self
    }

    /// Sets the weight μ ≥ 0 of the Gaussian objective's ridge term
    /// `μ/2·‖W‖²_F`, with `W` in units of the data divided by its root mean
    /// square. It keeps a basis series from growing to make up for weights
    /// pushed towards zero; 0 turns it off.
    pub fn basis_ridge(mut self, mu: f64) -> Self {
        self.settings.basis_ridge = mu;
        self
    }

    /// Sets the floor of the Gaussian objective's noise standard deviation σ,
    /// relative to the root mean square of the data, for data that a rank-k
    /// SVD fits (almost) exactly.
    pub fn min_relative_noise(mut self, floor: f64) -> Self {
        self.settings.min_relative_noise = floor;
        self
    }

    /// Sets the cost function.
    pub fn objective(mut self, objective: Objective) -> Self {
        self.settings.objective = objective;
        self
    }

    /// Sets Adam's step size η > 0.
    pub fn learning_rate(mut self, eta: f64) -> Self {
        self.settings.learning_rate = eta;
        self
    }

    /// Sets the maximum number of iterations per run (≥ 1).
    pub fn iterations(mut self, n: usize) -> Self {
        self.settings.iterations = n;
        self
    }

    /// Sets the tolerance on the relative change of the cost,
    /// `|f_t - f_(t-1)| / |f_(t-1)|`; a run stops once it stays below the
    /// tolerance for 10 iterations in a row. 0 runs every iteration.
    pub fn tolerance(mut self, rel: f64) -> Self {
        self.settings.tolerance = rel;
        self
    }

    /// Sets the initialisation.
    pub fn init(mut self, init: Init) -> Self {
        self.settings.init = init;
        self
    }

    /// Sets the seed of the first run; restart `r` uses `seed + r`.
    pub fn seed(mut self, seed: u64) -> Self {
        self.settings.seed = seed;
        self
    }

    /// Sets the number of runs (≥ 1); the run with the lowest final cost wins.
    pub fn restarts(mut self, n: usize) -> Self {
        self.settings.restarts = n;
        self
    }

    /// Sets the per-series scaling.
    pub fn scaling(mut self, scaling: Scaling) -> Self {
        self.settings.scaling = scaling;
        self
    }

    /// Sets the number of basis series fitted beyond k (the Flux example fits
    /// k + 1).
    pub fn extra_components(mut self, n: usize) -> Self {
        self.settings.extra_components = n;
        self
    }

    /// Sets a function called after every iteration with the restart, the
    /// iteration and the cost; returning `ControlFlow::Break(())` stops the
    /// fit and keeps the current factors.
    pub fn callback(mut self, f: impl FnMut(&IterationInfo) -> ControlFlow<()> + 'static) -> Self {
        self.callback = Some(Rc::new(RefCell::new(f)));
        self
    }

    /// Returns the current settings.
    pub fn settings(&self) -> NmfSettings {
        self.settings
    }

    /// Fits `a` (T x n, one series per column).
    ///
    /// # Errors
    /// [`FactorizeError::EmptyMatrix`], [`FactorizeError::NonFinite`] (with
    /// row and column), [`FactorizeError::AllZero`] for bad data;
    /// [`FactorizeError::InvalidRank`], [`FactorizeError::InvalidAlpha`] and
    /// [`FactorizeError::InvalidSetting`] for bad settings;
    /// [`FactorizeError::Scaling`] if a series has zero mean or deviation;
    /// [`FactorizeError::Diverged`] with the iteration if the cost stops
    /// being finite.
    pub fn fit(&self, a: &Matrix<f64>) -> Result<NmfFit, FactorizeError> {
        let started = Instant::now();
        let problem = self.prepare(a)?;
        let cost = problem.cost(&self.settings, self.settings.prior_weight);
        let mut best: Option<Run> = None;
        let mut restart_costs = Vec::with_capacity(self.settings.restarts);
        for restart in 0..self.settings.restarts {
            let seed = self.settings.seed.wrapping_add(restart as u64);
            let start = initial_factors(
                self.settings.init,
                &problem.a,
                self.components(),
                restart,
                &mut rng(seed),
            )?;
            let run = self.run(&problem, cost, start, restart, seed)?;
            log::debug!(
                "restart {restart} (seed {seed}): cost {:e} after {} iterations",
                run.cost,
                run.trace.len()
            );
            restart_costs.push(run.cost);
            if best.as_ref().is_none_or(|b| run.cost < b.cost) {
                best = Some(run);
            }
            if best.as_ref().is_some_and(|b| b.stopped_by_callback) {
                break;
            }
        }
        let best = best.expect("restarts >= 1 was validated");
        Ok(self.finish(a, &problem, best, restart_costs, started))
    }

    /// Fits `a` once for each prior weight in `prior_weights`, in the given
    /// order, each fit starting from the factors of the one before (a warm
    /// start), and returns relative error and sparsity of each.
    ///
    /// The first fit uses the initialisation and restarts of the builder.
    /// Ordering the weights from small to large follows the path from an
    /// accurate fit towards hard clusters.
    ///
    /// # Errors
    /// As [`SimplexNmf::fit`], and [`FactorizeError::InvalidSetting`] for an
    /// empty list or a negative or non-finite weight.
    pub fn path(
        &self,
        a: &Matrix<f64>,
        prior_weights: &[f64],
    ) -> Result<Vec<PathPoint>, FactorizeError> {
        if prior_weights.is_empty() {
            return Err(FactorizeError::InvalidSetting {
                name: "prior_weights",
                value: "[]".into(),
                expected: "at least one prior weight",
            });
        }
        for &lambda in prior_weights {
            non_negative("prior_weight", lambda)?;
        }
        let problem = self.prepare(a)?;
        let mut points = Vec::with_capacity(prior_weights.len());
        let first = self.clone().prior_weight(prior_weights[0]).fit(a)?;
        let mut start = (&first.w / problem.unit, first.h_logits.clone());
        points.push(PathPoint::from(first));
        for &lambda in &prior_weights[1..] {
            let started = Instant::now();
            let cost = problem.cost(&self.settings, lambda);
            let run = self.run(&problem, cost, start, 0, self.settings.seed)?;
            let total = run.cost;
            let mut builder = self.clone();
            builder.settings.prior_weight = lambda;
            let fit = builder.finish(a, &problem, run, vec![total], started);
            start = (&fit.w / problem.unit, fit.h_logits.clone());
            points.push(PathPoint::from(fit));
        }
        Ok(points)
    }

    fn components(&self) -> usize {
        self.settings.k + self.settings.extra_components
    }

    fn validate(&self, a: &Matrix<f64>) -> Result<(), FactorizeError> {
        validate_data(a)?;
        let s = &self.settings;
        if s.k == 0 || s.k > a.ncols() {
            return Err(FactorizeError::InvalidRank {
                k: s.k,
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
    fn prepare(&self, a: &Matrix<f64>) -> Result<Problem, FactorizeError> {
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
    fn run(
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

    fn finish(
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
            seconds: 0.0,
            scale: problem.scale.clone(),
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
struct Problem {
    /// Scaled (and for the Gaussian cost, normalised) data.
    a: Matrix<f64>,
    scale: Option<Vec<f64>>,
    /// The factor the scaled data was divided by (1 for the Seed cost).
    unit: f64,
    /// σ² of the Gaussian cost, in the units of `a`.
    variance: Option<f64>,
}

impl Problem {
    fn cost(&self, s: &NmfSettings, prior_weight: f64) -> CostFunction {
        match self.variance {
            None => CostFunction::seed(s.alpha, prior_weight),
            Some(variance) => {
                CostFunction::gaussian(variance, s.alpha, prior_weight, s.smoothing, s.basis_ridge)
            }
        }
    }
}

/// The outcome of one run.
struct Run {
    w: Matrix<f64>,
    h_logits: Matrix<f64>,
    trace: Vec<f64>,
    cost: f64,
    converged: bool,
    stopped_by_callback: bool,
    seed: u64,
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

/// Defaults of the Gaussian objective; the crate documentation gives the
/// measurements behind them.
const DEFAULT_ALPHA: f64 = 0.2;
const DEFAULT_PRIOR_WEIGHT: f64 = 0.03;
const DEFAULT_SMOOTHING: f64 = 1e-3;
const DEFAULT_BASIS_RIDGE: f64 = 0.01;
const DEFAULT_MIN_RELATIVE_NOISE: f64 = 1e-3;
const DEFAULT_LEARNING_RATE: f64 = 0.02;
const DEFAULT_ITERATIONS: usize = 5000;
const DEFAULT_TOLERANCE: f64 = 1e-6;
