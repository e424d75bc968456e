//! The cost functions and their fused value-and-gradient kernels.
//!
//! Both costs take `W` (T x K) and the logits `H̄` (K x n), with
//! `H = softmax(H̄)` column-wise, so every column of `H` lies on the
//! probability simplex whatever the optimiser does to `H̄`. Writing
//! `R = A - W·H` and `c = λ·(1 - α)` for the prior weight λ and the Dirichlet
//! concentration α:
//!
//! - [`CostFunction::Seed`]: `f = ‖R‖_F + c·Σ log H`, where `log H` is
//!   `log_softmax(H̄)`. With λ = 1 this is `‖R‖_F - (α - 1)·Σ log H`, the cost
//!   of the Flux time-series example. For α < 1 it is unbounded below: a
//!   weight can go to 0 and `log H → -∞`, so the optimiser drives every
//!   column of `H` to a vertex of the simplex however much accuracy that
//!   costs.
//! - [`CostFunction::Gaussian`]: `f = ‖R‖²_F / (2σ²) + c·Σ ln(H + δ)`. This is
//!   the negative log posterior of Gaussian noise of variance σ² with a
//!   Dirichlet(α) prior on the smoothed weights `(H + δ)/(1 + Kδ)` (up to a
//!   constant). The smoothing δ bounds the prior below by `c·K·n·ln δ`, so the
//!   cost has a minimum, and the weights only go to a vertex when the data
//!   allow it.
//!
//! The gradients, which the kernels compute in the same pass as the value:
//!
//! ```text
//! ∂f/∂W  = -s·R·Hᵀ               s = 1/‖R‖ (Seed) or 1/σ² (Gaussian)
//! ∂f/∂H  = -s·Wᵀ·R + prior term   Gaussian: c/(H + δ)
//! ∂f/∂H̄ = H ⊙ (G - 1·(1ᵀ(H ⊙ G)))  softmax backward, per column, G = ∂f/∂H
//! ```
//!
//! and for the Seed prior, whose `log H` is `H̄ - logsumexp(H̄)`, the
//! gradient `∂/∂H̄ Σᵢ log Hᵢⱼ = 1 - K·Hᵢⱼ` is added after the softmax
//! backward.

use ferroflux_linalg::{gemm, softmax_into, Float, Matrix, Transpose};

/// The cost function of a fit, chosen by name in [`crate::SimplexNmf`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub enum Objective {
    /// The Flux example's cost `‖A - W·H‖_F - λ·(α - 1)·Σ log H`, kept to
    /// reproduce it. With α < 1 and λ = 1 it drives `H` to hard clusters.
    Seed,
    /// The default: the negative log posterior
    /// `‖A - W·H‖²_F / (2σ²) - λ·(α - 1)·Σ ln(H + δ)` with σ² estimated from
    /// the residual of the rank-k SVD. See the crate documentation for the
    /// measurements behind it.
    #[default]
    Gaussian,
}

/// A cost function with its numeric constants, ready for the kernels.
///
/// `prior` is the coefficient `c = λ·(1 - α)` of the log-prior term, so a
/// positive `prior` favours sparse columns of `H` and `prior = 0` fits on the
/// simplex without a prior.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CostFunction<T: Float = f64> {
    /// `‖A - W·H‖_F + prior·Σ log_softmax(H̄)`.
    Seed {
        /// The coefficient `λ·(1 - α)` of `Σ log H`.
        prior: T,
    },
    /// `‖A - W·H‖²_F · inv_variance / 2 + prior·Σ ln(H + smoothing)`.
    Gaussian {
        /// `1/σ²`, the inverse noise variance.
        inv_variance: T,
        /// The coefficient `λ·(1 - α)` of `Σ ln(H + δ)`.
        prior: T,
        /// δ > 0, added to `H` inside the logarithm.
        smoothing: T,
    },
}

impl<T: Float> CostFunction<T> {
    /// The Seed cost for concentration α and prior weight λ.
    pub fn seed(alpha: f64, prior_weight: f64) -> Self {
        CostFunction::Seed {
            prior: T::cast(prior_weight * (1.0 - alpha)),
        }
    }

    /// The Gaussian cost for noise variance σ², concentration α, prior weight
    /// λ and smoothing δ.
    pub fn gaussian(variance: f64, alpha: f64, prior_weight: f64, smoothing: f64) -> Self {
        CostFunction::Gaussian {
            inv_variance: T::cast(1.0 / variance),
            prior: T::cast(prior_weight * (1.0 - alpha)),
            smoothing: T::cast(smoothing),
        }
    }
}

/// Buffers for one value-and-gradient evaluation, allocated once per problem
/// shape so that an iteration allocates nothing.
#[derive(Debug, Clone)]
pub struct CostWorkspace<T: Float = f64> {
    /// `H = softmax(H̄)`, K x n.
    pub h: Matrix<T>,
    /// The residual `R = A - W·H`, T x n.
    pub residual: Matrix<T>,
    /// `∂f/∂W`, T x K.
    pub grad_w: Matrix<T>,
    /// `∂f/∂H̄`, K x n.
    pub grad_h_logits: Matrix<T>,
}

impl<T: Float> CostWorkspace<T> {
    /// Buffers for data with `rows` time steps and `series` columns and
    /// `components` basis series.
    pub fn new(rows: usize, series: usize, components: usize) -> Self {
        CostWorkspace {
            h: Matrix::zeros(components, series),
            residual: Matrix::zeros(rows, series),
            grad_w: Matrix::zeros(rows, components),
            grad_h_logits: Matrix::zeros(components, series),
        }
    }

    /// Evaluates `f(W, H̄)` and fills [`Self::grad_w`] and
    /// [`Self::grad_h_logits`]; [`Self::h`] and [`Self::residual`] hold
    /// `softmax(H̄)` and `A - W·H` afterwards.
    ///
    /// # Panics
    /// If the shapes of `a`, `w` and `h_logits` do not match each other or the
    /// workspace; the message names the shapes.
    #[track_caller]
    pub fn evaluate(
        &mut self,
        cost: &CostFunction<T>,
        a: &Matrix<T>,
        w: &Matrix<T>,
        h_logits: &Matrix<T>,
    ) -> T {
        self.check_shapes(a, w, h_logits);
        softmax_into(h_logits, &mut self.h);
        let squared_norm = self.fill_residual(a, w);

        let (data, scale) = match *cost {
            CostFunction::Seed { .. } => {
                let norm = squared_norm.sqrt();
                // ‖R‖ has no gradient at R = 0; take the zero subgradient.
                let scale = if norm > T::zero() {
                    T::one() / norm
                } else {
                    T::zero()
                };
                (norm, scale)
            }
            CostFunction::Gaussian { inv_variance, .. } => {
                (squared_norm * inv_variance * T::cast(0.5), inv_variance)
            }
        };

        // ∂f/∂W = -s·R·Hᵀ and the data part of ∂f/∂H = -s·Wᵀ·R.
        gemm(
            -scale,
            &self.residual,
            Transpose::No,
            &self.h,
            Transpose::Yes,
            T::zero(),
            &mut self.grad_w,
        );
        gemm(
            -scale,
            w,
            Transpose::Yes,
            &self.residual,
            Transpose::No,
            T::zero(),
            &mut self.grad_h_logits,
        );

        let prior = match *cost {
            CostFunction::Seed { prior } => {
                seed_prior_backward(h_logits, &self.h, &mut self.grad_h_logits, prior)
            }
            CostFunction::Gaussian {
                prior, smoothing, ..
            } => smoothed_prior_backward(&self.h, &mut self.grad_h_logits, prior, smoothing),
        };
        data + prior
    }

    /// Writes `R = A - W·H` into the residual buffer and returns `‖R‖²_F`,
    /// reading `A` and the product once.
    fn fill_residual(&mut self, a: &Matrix<T>, w: &Matrix<T>) -> T {
        gemm(
            T::one(),
            w,
            Transpose::No,
            &self.h,
            Transpose::No,
            T::zero(),
            &mut self.residual,
        );
        let mut sum = T::zero();
        for (r, &x) in self.residual.as_mut_slice().iter_mut().zip(a.as_slice()) {
            let d = x - *r;
            *r = d;
            sum += d * d;
        }
        sum
    }

    #[track_caller]
    fn check_shapes(&self, a: &Matrix<T>, w: &Matrix<T>, h_logits: &Matrix<T>) {
        let (rows, series) = self.residual.shape();
        let components = self.h.nrows();
        assert!(
            a.shape() == (rows, series)
                && w.shape() == (rows, components)
                && h_logits.shape() == (components, series),
            "CostWorkspace::evaluate: A is {}x{}, W is {}x{}, H̄ is {}x{}; this workspace needs \
             A {rows}x{series}, W {rows}x{components}, H̄ {components}x{series}",
            a.nrows(),
            a.ncols(),
            w.nrows(),
            w.ncols(),
            h_logits.nrows(),
            h_logits.ncols(),
        );
    }
}

/// Turns `grad` from `∂f/∂H` into `∂f/∂H̄` in place through the softmax
/// backward, adds the gradient of `prior·Σ log_softmax(H̄)`, and returns that
/// prior's value.
///
/// `log_softmax(H̄)ᵢⱼ = H̄ᵢⱼ - lseⱼ`, and `lseⱼ = H̄ₘⱼ - ln Hₘⱼ` for the
/// largest weight `Hₘⱼ ≥ 1/K`, which never underflows; this saves a second
/// pass of exponentials.
fn seed_prior_backward<T: Float>(
    h_logits: &Matrix<T>,
    h: &Matrix<T>,
    grad: &mut Matrix<T>,
    prior: T,
) -> T {
    let k = h.nrows();
    if k == 0 {
        return T::zero();
    }
    let k_t = T::cast_usize(k);
    let mut value = T::zero();
    let columns = h_logits
        .as_slice()
        .chunks_exact(k)
        .zip(h.as_slice().chunks_exact(k))
        .zip(grad.as_mut_slice().chunks_exact_mut(k));
    for ((logits, weights), g) in columns {
        let mut largest = 0;
        let mut dot = T::zero();
        let mut logit_sum = T::zero();
        for i in 0..k {
            if weights[i] > weights[largest] {
                largest = i;
            }
            dot += weights[i] * g[i];
            logit_sum += logits[i];
        }
        let lse = logits[largest] - weights[largest].ln();
        value += logit_sum - k_t * lse;
        for i in 0..k {
            // Softmax backward, then ∂/∂H̄ᵢ Σ log Hₗ = 1 - K·Hᵢ.
            g[i] = weights[i] * (g[i] - dot) + prior * (T::one() - k_t * weights[i]);
        }
    }
    prior * value
}

/// Adds `prior/(H + δ)` to `grad` (holding `∂f/∂H`), applies the softmax
/// backward in place, and returns `prior·Σ ln(H + δ)`.
fn smoothed_prior_backward<T: Float>(
    h: &Matrix<T>,
    grad: &mut Matrix<T>,
    prior: T,
    smoothing: T,
) -> T {
    let k = h.nrows();
    if k == 0 {
        return T::zero();
    }
    let mut value = T::zero();
    for (weights, g) in h
        .as_slice()
        .chunks_exact(k)
        .zip(grad.as_mut_slice().chunks_exact_mut(k))
    {
        let mut dot = T::zero();
        for i in 0..k {
            let shifted = weights[i] + smoothing;
            value += shifted.ln();
            g[i] += prior / shifted;
            dot += weights[i] * g[i];
        }
        for i in 0..k {
            g[i] = weights[i] * (g[i] - dot);
        }
    }
    prior * value
}
