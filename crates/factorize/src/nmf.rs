//! The `SimplexNmf` builder, `fit` over restarts and the regularisation path.

use std::cell::RefCell;
use std::fmt;
use std::ops::ControlFlow;
use std::rc::Rc;
use std::time::Instant;

use ferroflux_linalg::{rng, Matrix};

use crate::error::non_negative;
use crate::fit::{NmfFit, PathPoint};
use crate::init::{initial_factors, Init};
use crate::objective::Objective;
use crate::run::Run;
use crate::scaling::Scaling;
use crate::settings::NmfSettings;
use crate::FactorizeError;

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

pub(crate) type Callback = Rc<RefCell<dyn FnMut(&IterationInfo) -> ControlFlow<()>>>;

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
    pub(crate) settings: NmfSettings,
    pub(crate) callback: Option<Callback>,
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
            settings: NmfSettings::defaults(k),
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
    ///
    /// Adam moves each entry by about η per iteration, in the units it fits:
    /// the data divided by their root mean square for the gaussian
    /// objective, the data as given for the seed objective. Any η > 0 is
    /// accepted, because a step that is too large shows only in the result.
    /// It can diverge ([`FactorizeError::Diverged`]), or it can end in a fit
    /// that explains almost none of the data, and then the `poor_fit`
    /// warning of [`NmfFit::warnings`] names η.
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
    ///
    /// Any tolerance ≥ 0 is accepted. From 1 up, almost every step counts
    /// as settled, so a run stops after 11 iterations, which makes a quick
    /// trial run. If such a fit explains almost none of the data, the
    /// `poor_fit` warning of [`NmfFit::warnings`] names the tolerance.
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
    /// k + 1). The fit rejects more than
    /// [`max_extra_components`](crate::max_extra_components).
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
    /// Limitation: with [`Objective::Seed`] the path shows no trade-off.
    /// That cost has no minimum for α < 1, so every λ > 0 ends in hard
    /// clusters once the run is long enough. A run that stops at the
    /// iteration limit, as with [`SimplexNmf::seed_preset`] (tolerance 0),
    /// hands an unconverged fit to the next point, so the error falls along
    /// the path because of the added iterations, whatever the weights are.
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
}
