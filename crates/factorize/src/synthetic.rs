//! Synthetic problems with known factors.

use ferroflux_linalg::{rand_with, rng, Matrix};

/// A data matrix built as `A = W·H` from known factors.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticProblem {
    /// `W·H`, T x n.
    pub a: Matrix<f64>,
    /// The basis series, T x k.
    pub w: Matrix<f64>,
    /// The weights, k x n, columns on the simplex.
    pub h: Matrix<f64>,
}

/// Builds a problem as the Flux time-series example does: `W` uniform on
/// `[0, 1)`, `H` uniform on `[0, 1)` with entries below `cutoff` set to 0, a
/// column left all zero replaced by `1/k`, and every column divided by its sum.
///
/// With `cutoff = 0.3` about 30% of the weights are zero; a larger cutoff
/// gives sparser columns. The draws come from [`ferroflux_linalg::rng`] with
/// `seed`, `W` first, so the same arguments always give the same problem.
pub fn sparse_mixture(
    rows: usize,
    series: usize,
    k: usize,
    cutoff: f64,
    seed: u64,
) -> SyntheticProblem {
    let mut generator = rng(seed);
    let w = rand_with::<f64, _>(&mut generator, rows, k);
    let mut h = rand_with::<f64, _>(&mut generator, k, series);
    h.iter_mut().filter(|x| **x < cutoff).for_each(|x| *x = 0.0);
    for mut column in h.column_iter_mut() {
        let total = column.sum();
        if total > 0.0 {
            column /= total;
        } else {
            column.fill(1.0 / k as f64);
        }
    }
    SyntheticProblem { a: &w * &h, w, h }
}

/// Returns the synthetic problem of the Flux time-series example: m, n, k = 20, 10, 3
/// and 30% of the weights zero (see [`sparse_mixture`]).
pub fn seed_problem(seed: u64) -> Matrix<f64> {
    sparse_mixture(20, 10, 3, 0.3, seed).a
}
