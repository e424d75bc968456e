//! Starting points for `W` and `H̄`.

use ferroflux_linalg::{rand_with, randn_with, svd, FluxRng, Matrix};
use rand::Rng;

use crate::FactorizeError;

/// Starting point of the factors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub enum Init {
    /// `W` uniform on `[0, rms(A))` and `H̄` standard normal, from the seed.
    Random,
    /// `H` from the magnitudes of the leading right singular vectors
    /// (normalised per column), `W` from least squares given that `H`. The
    /// first run is deterministic; each further restart adds normal noise of
    /// standard deviation 0.5 to the logits, drawn from its seed.
    #[default]
    Svd,
    /// The columns of `W` are series of `A` picked k-means++ style: the first
    /// at random, each next one with probability proportional to its squared
    /// distance from the nearest pick. Each series starts weighted towards its
    /// nearest pick.
    KMeansPlusPlus,
}

/// Returns `(W, H̄)` for data `a` and `components` basis series.
pub(crate) fn initial_factors(
    init: Init,
    a: &Matrix<f64>,
    components: usize,
    restart: usize,
    rng: &mut FluxRng,
) -> Result<(Matrix<f64>, Matrix<f64>), FactorizeError> {
    match init {
        Init::Random => Ok(random(a, components, rng)),
        Init::Svd => {
            let (w, mut h_logits) = from_svd(a, components)?;
            if restart > 0 {
                h_logits += randn_with::<f64, _>(rng, components, a.ncols()) * 0.5;
            }
            Ok((w, h_logits))
        }
        Init::KMeansPlusPlus => Ok(kmeans_plus_plus(a, components, rng)),
    }
}

fn random(a: &Matrix<f64>, components: usize, rng: &mut FluxRng) -> (Matrix<f64>, Matrix<f64>) {
    let scale = crate::scaling::rms(a);
    let w = rand_with::<f64, _>(rng, a.nrows(), components) * scale;
    let h_logits = randn_with::<f64, _>(rng, components, a.ncols());
    (w, h_logits)
}

/// Weight floor inside the logarithm when turning an initial `H` into logits,
/// so that no weight starts on a face of the simplex where softmax has no
/// gradient.
const LOGIT_FLOOR: f64 = 0.02;

fn logits_from_weights(h: &Matrix<f64>) -> Matrix<f64> {
    let mut out = h.clone();
    for mut column in out.column_iter_mut() {
        let total: f64 = column.sum();
        let k = column.len() as f64;
        for x in column.iter_mut() {
            let share = if total > 0.0 { *x / total } else { 1.0 / k };
            *x = (share + LOGIT_FLOOR).ln();
        }
    }
    out
}

fn from_svd(
    a: &Matrix<f64>,
    components: usize,
) -> Result<(Matrix<f64>, Matrix<f64>), FactorizeError> {
    let decomposition = svd(a)?;
    let available = decomposition.singular_values.len().min(components);
    let n = a.ncols();
    let mut h = Matrix::from_element(components, n, 0.0);
    for j in 0..n {
        for i in 0..available {
            h[(i, j)] = decomposition.vt[(i, j)].abs();
        }
        let total: f64 = h.column(j).sum();
        // Components beyond the SVD's rank start with an even share.
        let fill = if total > 0.0 {
            total / components as f64
        } else {
            1.0
        };
        for i in available..components {
            h[(i, j)] = fill;
        }
    }
    let h_logits = logits_from_weights(&h);
    let w = least_squares_basis(a, &ferroflux_linalg::softmax(&h_logits));
    Ok((w, h_logits))
}

/// `W = A·Hᵀ·(H·Hᵀ + εI)⁻¹`, the least-squares basis for fixed `H`, with a
/// small ridge ε so that a rank-deficient `H` still gives a solution.
fn least_squares_basis(a: &Matrix<f64>, h: &Matrix<f64>) -> Matrix<f64> {
    let mut gram = h * h.transpose();
    let ridge = 1e-8 * gram.trace().max(f64::MIN_POSITIVE) / gram.nrows() as f64;
    for i in 0..gram.nrows() {
        gram[(i, i)] += ridge;
    }
    let rhs = h * a.transpose();
    match gram.cholesky() {
        Some(cholesky) => cholesky.solve(&rhs).transpose(),
        None => a * h.transpose() / h.nrows() as f64,
    }
}

fn kmeans_plus_plus(
    a: &Matrix<f64>,
    components: usize,
    rng: &mut FluxRng,
) -> (Matrix<f64>, Matrix<f64>) {
    let (rows, n) = a.shape();
    let squared_distance =
        |j: usize, w: &Matrix<f64>, i: usize| (a.column(j) - w.column(i)).norm_squared();
    let mut w = Matrix::zeros(rows, components);
    let mut nearest = vec![f64::INFINITY; n];
    let noise = 1e-3 * crate::scaling::rms(a);
    for i in 0..components {
        let total: f64 = nearest.iter().filter(|d| d.is_finite()).sum();
        let pick = if i == 0 || total <= 0.0 {
            rng.random_range(0..n)
        } else {
            sample_proportional(&nearest, total, rng)
        };
        w.set_column(i, &a.column(pick));
        if i > 0 && total <= 0.0 {
            // Every series is already a pick (K > n or repeated series):
            // perturb the copy so the components can separate.
            let jitter = randn_with::<f64, _>(rng, rows, 1) * noise;
            let column = w.column(i) + jitter;
            w.set_column(i, &column);
        }
        for (j, d) in nearest.iter_mut().enumerate() {
            *d = d.min(squared_distance(j, &w, i));
        }
    }

    // Soft assignment: logits fall linearly with the squared distance, from 0
    // down to -3 for the farthest component of each series.
    let mut h_logits = Matrix::zeros(components, n);
    for j in 0..n {
        let distances: Vec<f64> = (0..components)
            .map(|i| squared_distance(j, &w, i))
            .collect();
        let farthest = distances.iter().fold(0.0f64, |m, &d| m.max(d));
        for (i, d) in distances.iter().enumerate() {
            h_logits[(i, j)] = if farthest > 0.0 {
                -3.0 * d / farthest
            } else {
                0.0
            };
        }
    }
    (w, h_logits)
}

fn sample_proportional(weights: &[f64], total: f64, rng: &mut FluxRng) -> usize {
    let mut target = rng.random::<f64>() * total;
    for (j, &d) in weights.iter().enumerate() {
        if d.is_finite() {
            target -= d;
            if target < 0.0 {
                return j;
            }
        }
    }
    // Rounding can leave a sliver of `target`: take the last candidate.
    weights
        .iter()
        .rposition(|d| d.is_finite() && *d > 0.0)
        .unwrap_or(0)
}
