//! The result of a fit and its diagnostics.

use ferroflux_linalg::Matrix;
use serde::Serialize;

use crate::{Init, Objective, Scaling};

/// How close the columns of a weight matrix are to hard assignments.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Sparsity {
    /// The median over series of the largest weight of the series: 1 for a
    /// hard clustering, `1/K` for even mixtures.
    pub median_max_weight: f64,
    /// The share of series whose largest weight exceeds 0.9.
    pub share_above_0_9: f64,
}

impl Sparsity {
    /// Measures the columns of `h`, which should be non-negative and sum to 1.
    /// An empty matrix gives NaN for both numbers.
    pub fn of_weights(h: &Matrix<f64>) -> Self {
        let mut largest: Vec<f64> = h
            .column_iter()
            .map(|c| c.iter().fold(f64::NEG_INFINITY, |m, &x| m.max(x)))
            .collect();
        if largest.is_empty() {
            return Sparsity {
                median_max_weight: f64::NAN,
                share_above_0_9: f64::NAN,
            };
        }
        largest.sort_by(f64::total_cmp);
        let n = largest.len();
        let median = if n % 2 == 1 {
            largest[n / 2]
        } else {
            0.5 * (largest[n / 2 - 1] + largest[n / 2])
        };
        let above = largest.iter().filter(|&&x| x > 0.9).count();
        Sparsity {
            median_max_weight: median,
            share_above_0_9: above as f64 / n as f64,
        }
    }
}

/// A fitted factorisation `A ≈ W·H` with its settings and diagnostics.
///
/// With per-series scaling, the fit is of `A·diag(1/scale)`: `W` is in the
/// scaled units, and [`NmfFit::reconstruction`] multiplies the scale back.
#[derive(Debug, Clone, Serialize)]
pub struct NmfFit {
    /// The basis series, T x K (K = k + extra components), in the units of
    /// the scaled data.
    #[serde(serialize_with = "crate::serde_matrix::serialize")]
    pub w: Matrix<f64>,
    /// The weights, K x n; every column lies on the probability simplex.
    #[serde(serialize_with = "crate::serde_matrix::serialize")]
    pub h: Matrix<f64>,
    /// The logits `H̄`, with `H = softmax(H̄)` column-wise.
    #[serde(serialize_with = "crate::serde_matrix::serialize")]
    pub h_logits: Matrix<f64>,
    /// The cost at the start of every iteration of the chosen run.
    pub loss_trace: Vec<f64>,
    /// The cost at the returned factors.
    pub cost: f64,
    /// `‖A - reconstruction‖_F / ‖A‖_F` in the units of the input.
    pub relative_error: f64,
    /// Iterations run in the chosen run.
    pub iterations: usize,
    /// Whether the relative change of the cost fell below the tolerance
    /// before the iteration limit.
    pub converged: bool,
    /// Whether the callback stopped the fit.
    pub stopped_by_callback: bool,
    /// The iteration limit per run.
    pub max_iterations: usize,
    /// The tolerance on the relative change of the cost.
    pub tolerance: f64,
    /// The weight μ of the gaussian objective's ridge term on `W`, as set
    /// (the seed objective has no such term and ignores it).
    pub basis_ridge: f64,
    /// Adam's step size η.
    pub learning_rate: f64,
    /// The smallest and largest value of the data the fit saw (after
    /// per-series scaling), in the units of `W`.
    pub data_range: [f64; 2],
    /// Wall-clock seconds of the whole fit, all restarts included.
    pub seconds: f64,
    /// The factor each series was divided by before fitting, if any.
    pub scale: Option<Vec<f64>>,
    /// The root mean square of each series of the input, before scaling.
    pub series_rms: Vec<f64>,
    /// The cost function.
    pub objective: Objective,
    /// The Dirichlet concentration α.
    pub alpha: f64,
    /// The prior weight λ.
    pub prior_weight: f64,
    /// The noise variance σ² of the Gaussian objective, in the units of the
    /// scaled data; `None` for the Seed objective. The fit itself uses σ² in
    /// units of the data's root mean square. So for data whose root mean
    /// square lies outside about 1e-154 to 1e154, this value may underflow
    /// to 0 or overflow to infinity while the fit is unaffected.
    pub noise_variance: Option<f64>,
    /// The number of components asked for.
    pub k: usize,
    /// The initialisation.
    pub init: Init,
    /// The per-series scaling.
    pub scaling: Scaling,
    /// The seed of the chosen run (the builder's seed plus the restart index).
    pub seed: u64,
    /// The final cost of every restart, in order.
    pub restart_costs: Vec<f64>,
}

impl NmfFit {
    /// Returns `W·H` in the units of the input `A`.
    pub fn reconstruction(&self) -> Matrix<f64> {
        let mut product = &self.w * &self.h;
        if let Some(scale) = &self.scale {
            for (mut column, &s) in product.column_iter_mut().zip(scale) {
                column *= s;
            }
        }
        product
    }

    /// Measures how close `H` is to a hard clustering.
    pub fn sparsity(&self) -> Sparsity {
        Sparsity::of_weights(&self.h)
    }

    /// Returns, per series, the component with the largest weight (the first
    /// on a tie): a clustering of the series.
    pub fn dominant_components(&self) -> Vec<usize> {
        dominant_rows(&self.h)
    }

    /// Returns the K x K Pearson correlation between the columns of `W`.
    ///
    /// Two components with correlation near 1 describe the same shape, the
    /// sign that k is too large. A constant column has no correlation: its
    /// row and column are 0 apart from 1 on the diagonal.
    pub fn component_correlation(&self) -> Matrix<f64> {
        column_correlation(&self.w)
    }

    /// Returns the pairs `(i, j, r)` with `i < j` whose correlation `r`
    /// exceeds `threshold`, most correlated first.
    pub fn redundant_pairs(&self, threshold: f64) -> Vec<(usize, usize, f64)> {
        let correlation = self.component_correlation();
        let mut pairs = Vec::new();
        for j in 0..correlation.ncols() {
            for i in 0..j {
                let r = correlation[(i, j)];
                if r > threshold {
                    pairs.push((i, j, r));
                }
            }
        }
        pairs.sort_by(|x, y| y.2.total_cmp(&x.2));
        pairs
    }
}

/// Row index of the largest entry of each column (the first on a tie).
pub(crate) fn dominant_rows(h: &Matrix<f64>) -> Vec<usize> {
    h.column_iter()
        .map(|c| {
            let mut best = 0;
            for (i, &x) in c.iter().enumerate() {
                if x > c[best] {
                    best = i;
                }
            }
            best
        })
        .collect()
}

fn column_correlation(w: &Matrix<f64>) -> Matrix<f64> {
    let (rows, k) = w.shape();
    // Correlation does not change with scale; dividing entries near
    // f64::MAX or f64::MIN_POSITIVE keeps their squares finite and above 0.
    let mut centred = w / crate::scaling::magnitude_unit(w.amax());
    let mut norms = vec![0.0; k];
    for (mut column, norm) in centred.column_iter_mut().zip(&mut norms) {
        let mean = column.sum() / rows.max(1) as f64;
        column.add_scalar_mut(-mean);
        *norm = column.norm();
    }
    let gram = centred.transpose() * &centred;
    Matrix::from_fn(k, k, |i, j| {
        if i == j {
            1.0
        } else if norms[i] > 0.0 && norms[j] > 0.0 {
            (gram[(i, j)] / (norms[i] * norms[j])).clamp(-1.0, 1.0)
        } else {
            0.0
        }
    })
}

/// One point of a regularisation path.
#[derive(Debug, Clone, Serialize)]
pub struct PathPoint {
    /// The prior weight λ of this fit.
    pub prior_weight: f64,
    /// The fit's relative error.
    pub relative_error: f64,
    /// The fit's sparsity of `H`.
    pub sparsity: Sparsity,
    /// The fit itself.
    pub fit: NmfFit,
}

impl From<NmfFit> for PathPoint {
    fn from(fit: NmfFit) -> Self {
        PathPoint {
            prior_weight: fit.prior_weight,
            relative_error: fit.relative_error,
            sparsity: fit.sparsity(),
            fit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparsity_of_hard_and_even_weights() {
        let hard = Matrix::from_column_slice(2, 3, &[1.0, 0.0, 0.0, 1.0, 0.95, 0.05]);
        let s = Sparsity::of_weights(&hard);
        assert_eq!(s.median_max_weight, 1.0);
        assert_eq!(s.share_above_0_9, 1.0);
        let even = Matrix::from_element(4, 5, 0.25);
        let s = Sparsity::of_weights(&even);
        assert_eq!(s.median_max_weight, 0.25);
        assert_eq!(s.share_above_0_9, 0.0);
    }

    #[test]
    fn correlation_of_scaled_and_constant_columns() {
        let w = Matrix::from_column_slice(3, 3, &[1.0, 2.0, 3.0, 2.0, 4.0, 6.0, 5.0, 5.0, 5.0]);
        let r = column_correlation(&w);
        assert!((r[(0, 1)] - 1.0).abs() < 1e-12);
        assert_eq!(r[(0, 2)], 0.0);
        assert_eq!(r[(2, 2)], 1.0);
    }
}
