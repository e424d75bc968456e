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
//! - [`CostFunction::Gaussian`]: `f = ‖R‖²_F / (2σ²) + c·Σ ln(H + δ) + μ/2·‖W‖²_F`.
//!   This is the negative log posterior of Gaussian noise of variance σ², a
//!   Dirichlet(α) prior on the smoothed weights `(H + δ)/(1 + Kδ)` and a
//!   Gaussian prior of precision μ on `W` (up to constants). The smoothing δ
//!   bounds the Dirichlet term below by `c·K·n·ln δ`. The ridge term stops `W`
//!   from growing without bound. Without it, a fit can push the weights of a
//!   component towards δ and scale that component's basis series up to
//!   compensate, so `H` looks sparse while the fit is unchanged.
//!
//! The gradients, which the kernels compute in the same pass as the value:
//!
//! ```text
//! ∂f/∂W  = -s·R·Hᵀ (+ μ·W)       s = 1/‖R‖ (Seed) or 1/σ² (Gaussian)
//! ∂f/∂H  = -s·Wᵀ·R + prior term   Gaussian: c/(H + δ)
//! ∂f/∂H̄ = H ⊙ (G - 1·(1ᵀ(H ⊙ G)))  softmax backward, per column, G = ∂f/∂H
//! ```
//!
//! and for the Seed prior, whose `log H` is `H̄ - logsumexp(H̄)`, the
//! gradient `∂/∂H̄ Σᵢ log Hᵢⱼ = 1 - K·Hᵢⱼ` is added after the softmax
//! backward.

use ferroflux_linalg::{exp_in_place, gemm, Float, Matrix, Transpose};

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
    /// `‖A - W·H‖²_F · inv_variance / 2 + prior·Σ ln(H + smoothing)
    /// + basis_ridge/2 · ‖W‖²_F`.
    Gaussian {
        /// `1/σ²`, the inverse noise variance.
        inv_variance: T,
        /// The coefficient `λ·(1 - α)` of `Σ ln(H + δ)`.
        prior: T,
        /// δ > 0, added to `H` inside the logarithm.
        smoothing: T,
        /// μ ≥ 0, the weight of the ridge term `μ/2·‖W‖²_F`.
        basis_ridge: T,
    },
}

impl<T: Float> CostFunction<T> {
    /// Returns the Seed cost for concentration α and prior weight λ.
    pub fn seed(alpha: f64, prior_weight: f64) -> Self {
        CostFunction::Seed {
            prior: T::cast(prior_weight * (1.0 - alpha)),
        }
    }

    /// Returns the Gaussian cost for noise variance σ², concentration α, prior weight
    /// λ, smoothing δ and ridge weight μ on `W`.
    pub fn gaussian(
        variance: f64,
        alpha: f64,
        prior_weight: f64,
        smoothing: f64,
        basis_ridge: f64,
    ) -> Self {
        CostFunction::Gaussian {
            inv_variance: T::cast(1.0 / variance),
            prior: T::cast(prior_weight * (1.0 - alpha)),
            smoothing: T::cast(smoothing),
            basis_ridge: T::cast(basis_ridge),
        }
    }
}

/// Problems with at most this many multiply-adds per product (`T·n·K`) take
/// the fused column kernel; larger ones take the Gram form through
/// [`ferroflux_linalg::gemm`] (BLAS).
///
/// The fused kernel computes each residual column `rⱼ = aⱼ - W·hⱼ`, its
/// norm and its two gradient contributions while `W` and `rⱼ` sit in the L1
/// cache, and it forms `‖R‖²` exactly. The Gram form never forms `R`: with
/// `P = Wᵀ·A`, `Q = A·Hᵀ`, `G = Wᵀ·W` and `S = H·Hᵀ`,
///
/// ```text
/// ‖R‖² = ‖A‖² - 2⟨P, H⟩ + ⟨G, S⟩,   Wᵀ·R = P - G·H,   R·Hᵀ = Q - W·S,
/// ```
///
/// so an iteration reads `A` once or twice and writes nothing of size T x n.
/// In f64 on x86-64 with AVX2 and FMA, one pass forms `P` and `Q` together
/// and splits the columns between two threads for large problems; otherwise
/// two BLAS products form them. The price is cancellation in `‖R‖²` when the fit is very
/// close: in f64 its absolute error is about `1e-16·‖A‖²`, which matters
/// only below a relative error of about 1e-7.
///
/// The limit is measured (one thread, OpenBLAS 0.3.21, f64, CPU time per
/// iteration of the Seed cost): at 20 x 10 x 4 both forms take 1.2 µs, at
/// 32 x 32 x 8 the fused kernel takes 7.9 µs and the Gram form 4.1 µs, and at
/// 24 x 1096 x 3 they take 88 µs and 66 µs (before the one-pass kernel,
/// which only made the Gram form faster).
pub const FUSED_MAX_WORK: usize = 1 << 10;

/// Buffers for one value-and-gradient evaluation, allocated once per problem
/// so that an iteration allocates nothing.
#[derive(Debug, Clone)]
pub(crate) struct CostWorkspace<T: Float> {
    /// `H = softmax(H̄)`, K x n.
    pub(crate) h: Matrix<T>,
    /// `logsumexp` of each column of `H̄`.
    lse: Vec<T>,
    /// `∂f/∂W`, T x K.
    pub(crate) grad_w: Matrix<T>,
    /// `∂f/∂H̄`, K x n.
    pub(crate) grad_h_logits: Matrix<T>,
    /// One residual column (fused kernel).
    column: Vec<T>,
    /// `Wᵀ·W` and `H·Hᵀ`, K x K (Gram form).
    gram_w: Matrix<T>,
    gram_h: Matrix<T>,
    /// A second T x K buffer for the threaded one-pass products.
    spare: Matrix<T>,
    /// `‖A‖²_F`, for the Gram form.
    data_norm_squared: T,
    fused: bool,
}

impl<T: Float> CostWorkspace<T> {
    /// Buffers for data `a` and `components` basis series.
    pub(crate) fn new(a: &Matrix<T>, components: usize) -> Self {
        let (rows, series) = a.shape();
        let fused = rows * series * components <= FUSED_MAX_WORK;
        let gram = if fused { 0 } else { components };
        CostWorkspace {
            h: Matrix::zeros(components, series),
            lse: vec![T::zero(); series],
            grad_w: Matrix::zeros(rows, components),
            grad_h_logits: Matrix::zeros(components, series),
            column: vec![T::zero(); if fused { rows } else { 0 }],
            gram_w: Matrix::zeros(gram, gram),
            gram_h: Matrix::zeros(gram, gram),
            spare: Matrix::zeros(if fused { 0 } else { rows }, gram),
            data_norm_squared: if fused {
                T::zero()
            } else {
                dot(a.as_slice(), a.as_slice())
            },
            fused,
        }
    }

    /// Evaluates `f(W, H̄)` and fills `grad_w`, `grad_h_logits` and `h`.
    ///
    /// `a` must be the matrix the workspace was made for.
    pub(crate) fn evaluate(
        &mut self,
        cost: &CostFunction<T>,
        a: &Matrix<T>,
        w: &Matrix<T>,
        h_logits: &Matrix<T>,
    ) -> T {
        softmax_columns(h_logits, &mut self.h, &mut self.lse);
        // Both kernels leave R·Hᵀ in grad_w and Wᵀ·R in grad_h_logits.
        let squared_norm = if self.fused {
            self.fused_products(a, w)
        } else {
            self.gram_products(a, w)
        };

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
        // ∂f/∂W = -s·R·Hᵀ (+ μ·W); the data part of ∂f/∂H, -s·Wᵀ·R, is
        // scaled in the prior's pass below.
        let ridge = match *cost {
            CostFunction::Gaussian { basis_ridge, .. } if basis_ridge > T::zero() => {
                let mut squared = T::zero();
                for (g, &x) in self.grad_w.iter_mut().zip(w.iter()) {
                    *g = basis_ridge * x - scale * *g;
                    squared += x * x;
                }
                basis_ridge * squared * T::cast(0.5)
            }
            _ => {
                self.grad_w.iter_mut().for_each(|g| *g *= -scale);
                T::zero()
            }
        };

        let prior = match *cost {
            CostFunction::Seed { prior } => seed_prior_backward(
                h_logits,
                &self.h,
                &self.lse,
                &mut self.grad_h_logits,
                -scale,
                prior,
            ),
            CostFunction::Gaussian {
                prior, smoothing, ..
            } => {
                smoothed_prior_backward(&self.h, &mut self.grad_h_logits, -scale, prior, smoothing)
            }
        };
        data + prior + ridge
    }

    /// Column by column: `rⱼ = aⱼ - W·hⱼ`, `‖rⱼ‖²`, `Wᵀ·rⱼ` into column j
    /// of `grad_h_logits`, and `rⱼ·hⱼᵀ` added to `grad_w`. Returns `‖R‖²`.
    fn fused_products(&mut self, a: &Matrix<T>, w: &Matrix<T>) -> T {
        let rows = a.nrows();
        let k = self.h.nrows();
        if rows == 0 || k == 0 {
            self.grad_w.fill(T::zero());
            self.grad_h_logits.fill(T::zero());
            return dot(a.as_slice(), a.as_slice());
        }
        let w_columns: &[T] = w.as_slice();
        let grad_w = self.grad_w.as_mut_slice();
        grad_w.fill(T::zero());
        let r = &mut self.column[..];
        let mut squared_norm = T::zero();
        let columns = a
            .as_slice()
            .chunks_exact(rows)
            .zip(self.h.as_slice().chunks_exact(k))
            .zip(self.grad_h_logits.as_mut_slice().chunks_exact_mut(k));
        for ((a_j, h_j), g_j) in columns {
            r.copy_from_slice(a_j);
            for (w_i, &h_ij) in w_columns.chunks_exact(rows).zip(h_j) {
                axpy(-h_ij, w_i, r);
            }
            squared_norm += dot(r, r);
            for (i, w_i) in w_columns.chunks_exact(rows).enumerate() {
                g_j[i] = dot(w_i, r);
                axpy(h_j[i], r, &mut grad_w[i * rows..(i + 1) * rows]);
            }
        }
        squared_norm
    }

    /// The Gram form of the products (see [`FUSED_MAX_WORK`]). Returns `‖R‖²`.
    fn gram_products(&mut self, a: &Matrix<T>, w: &Matrix<T>) -> T {
        let (one, zero) = (T::one(), T::zero());
        let h = &self.h;
        // One pass over A where the kernel applies (f64 with AVX2 and FMA),
        // two BLAS products otherwise.
        let one_pass = crate::gram_pass::gram_pass(
            a.as_slice(),
            w.as_slice(),
            h.as_slice(),
            a.nrows(),
            h.nrows(),
            self.grad_h_logits.as_mut_slice(),
            self.grad_w.as_mut_slice(),
            self.spare.as_mut_slice(),
        );
        if !one_pass {
            gemm(
                one,
                w,
                Transpose::Yes,
                a,
                Transpose::No,
                zero,
                &mut self.grad_h_logits,
            );
            gemm(
                one,
                a,
                Transpose::No,
                h,
                Transpose::Yes,
                zero,
                &mut self.grad_w,
            );
        }
        gemm(
            one,
            w,
            Transpose::Yes,
            w,
            Transpose::No,
            zero,
            &mut self.gram_w,
        );
        gemm(
            one,
            h,
            Transpose::No,
            h,
            Transpose::Yes,
            zero,
            &mut self.gram_h,
        );

        let cross = dot(self.grad_h_logits.as_slice(), h.as_slice());
        let quadratic = dot(self.gram_w.as_slice(), self.gram_h.as_slice());
        let squared_norm = (self.data_norm_squared - (cross + cross) + quadratic).max(zero);

        gemm(
            -one,
            &self.gram_w,
            Transpose::No,
            h,
            Transpose::No,
            one,
            &mut self.grad_h_logits,
        );
        gemm(
            -one,
            w,
            Transpose::No,
            &self.gram_h,
            Transpose::No,
            one,
            &mut self.grad_w,
        );
        squared_norm
    }
}

/// Writes the column-wise softmax of `logits` into `h` and each column's
/// logsumexp into `lse`, with one vectorised exponential over the whole
/// matrix (a call per column costs more than the arithmetic when K is small).
fn softmax_columns<T: Float>(logits: &Matrix<T>, h: &mut Matrix<T>, lse: &mut [T]) {
    let k = logits.nrows();
    if k == 0 {
        return;
    }
    h.copy_from(logits);
    for (column, max) in h.as_mut_slice().chunks_exact_mut(k).zip(lse.iter_mut()) {
        *max = column.iter().fold(T::NEG_INFINITY, |m, &x| m.max_nan(x));
        let shift = *max;
        column.iter_mut().for_each(|x| *x -= shift);
    }
    exp_in_place(h.as_mut_slice());
    for (column, lse) in h.as_mut_slice().chunks_exact_mut(k).zip(lse.iter_mut()) {
        let sum = column.iter().fold(T::zero(), |s, &x| s + x);
        let inv = T::one() / sum;
        column.iter_mut().for_each(|x| *x *= inv);
        *lse += sum.ln();
    }
}

/// `Σ xᵢ·yᵢ` with four accumulators, so the loop vectorises.
#[inline]
fn dot<T: Float>(x: &[T], y: &[T]) -> T {
    let mut acc = [T::zero(); 4];
    let (x4, y4) = (x.chunks_exact(4), y.chunks_exact(4));
    let tail: T = x4
        .remainder()
        .iter()
        .zip(y4.remainder())
        .fold(T::zero(), |s, (&a, &b)| s + a * b);
    for (a, b) in x4.zip(y4) {
        for l in 0..4 {
            acc[l] += a[l] * b[l];
        }
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// `y += α·x`.
#[inline]
fn axpy<T: Float>(alpha: T, x: &[T], y: &mut [T]) {
    for (y, &x) in y.iter_mut().zip(x) {
        *y += alpha * x;
    }
}

/// Turns `grad` from `Wᵀ·R` into `∂f/∂H̄` in place for the Seed cost, and
/// returns the prior's value `prior·Σ log_softmax(H̄)`.
///
/// The data part of `∂f/∂H` is `data_scale·Wᵀ·R`; the softmax backward
/// maps it to `∂f/∂H̄`, and `∂/∂H̄ᵢ Σₗ log Hₗ = 1 - K·Hᵢ` is added after it.
fn seed_prior_backward<T: Float>(
    h_logits: &Matrix<T>,
    h: &Matrix<T>,
    lse: &[T],
    grad: &mut Matrix<T>,
    data_scale: T,
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
        .zip(grad.as_mut_slice().chunks_exact_mut(k))
        .zip(lse);
    for (((logits, weights), g), &lse) in columns {
        let mut dot = T::zero();
        let mut logit_sum = T::zero();
        for i in 0..k {
            g[i] *= data_scale;
            dot += weights[i] * g[i];
            logit_sum += logits[i];
        }
        // Σᵢ log_softmax(H̄)ᵢ = Σᵢ H̄ᵢ - K·logsumexp(H̄).
        value += logit_sum - k_t * lse;
        for i in 0..k {
            g[i] = weights[i] * (g[i] - dot) + prior * (T::one() - k_t * weights[i]);
        }
    }
    prior * value
}

/// Turns `grad` from `Wᵀ·R` into `∂f/∂H̄` in place for the Gaussian cost:
/// `G = data_scale·Wᵀ·R + prior/(H + δ)`, then the softmax backward. Returns
/// the prior's value `prior·Σ ln(H + δ)`.
fn smoothed_prior_backward<T: Float>(
    h: &Matrix<T>,
    grad: &mut Matrix<T>,
    data_scale: T,
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
            g[i] = data_scale * g[i] + prior / shifted;
            dot += weights[i] * g[i];
        }
        for i in 0..k {
            g[i] = weights[i] * (g[i] - dot);
        }
    }
    prior * value
}
