//! The thin singular value decomposition and the rank-k approximation.

use crate::error::check_finite;
use crate::{Float, LinalgError, Matrix};

/// The thin SVD `A = U * diag(s) * V^T` of an `m x n` matrix, with
/// `p = min(m, n)`.
///
/// Sign convention: singular vectors are unique only up to a joint sign flip
/// of `u_i` and `v_i`. This crate flips each pair so that the entry of largest
/// magnitude in `u_i` is positive (the first such entry on a tie), so results
/// do not depend on the LAPACK build.
#[derive(Debug, Clone, PartialEq)]
pub struct Svd<T: Float = f64> {
    /// Left singular vectors, `m x p`, orthonormal columns.
    pub u: Matrix<T>,
    /// Singular values, `p` of them, non-negative and descending.
    pub singular_values: Vec<T>,
    /// Right singular vectors as rows, `p x n`, orthonormal rows.
    pub vt: Matrix<T>,
}

impl<T: Float> Svd<T> {
    /// Rebuilds `U * diag(s) * V^T`.
    pub fn reconstruct(&self) -> Matrix<T> {
        self.truncated_product(self.singular_values.len())
    }

    /// The number of singular values above `tolerance`.
    pub fn rank(&self, tolerance: T) -> usize {
        self.singular_values
            .iter()
            .filter(|&&s| s > tolerance)
            .count()
    }

    /// The tolerance numpy's `matrix_rank` uses: `max(m, n) * eps * s_max`.
    pub fn default_tolerance(&self) -> T {
        let (m, n) = (self.u.nrows(), self.vt.ncols());
        let s_max = self
            .singular_values
            .first()
            .copied()
            .unwrap_or_else(T::zero);
        T::cast_usize(m.max(n)) * T::EPSILON * s_max
    }

    /// `U_k * diag(s_k) * V_k^T` for the leading `k` triplets.
    fn truncated_product(&self, k: usize) -> Matrix<T> {
        let (m, n) = (self.u.nrows(), self.vt.ncols());
        let mut us = self.u.columns(0, k).into_owned();
        for (j, &s) in self.singular_values[..k].iter().enumerate() {
            us.column_mut(j).iter_mut().for_each(|x| *x *= s);
        }
        let vt_k = self.vt.rows(0, k).into_owned();
        let mut out = Matrix::zeros(m, n);
        crate::gemm(
            T::one(),
            &us,
            crate::Transpose::No,
            &vt_k,
            crate::Transpose::No,
            T::zero(),
            &mut out,
        );
        out
    }
}

/// The rank-k truncation of an SVD, as the Flux time-series example uses it.
#[derive(Debug, Clone, PartialEq)]
pub struct RankKSvd<T: Float = f64> {
    /// `U_k`, `m x k`.
    pub u: Matrix<T>,
    /// The `k` largest singular values, descending.
    pub singular_values: Vec<T>,
    /// `V_k^T`, `k x n`.
    pub vt: Matrix<T>,
    /// `U_k * diag(s_k) * V_k^T`, the best rank-k approximation in the
    /// Frobenius and spectral norms (Eckart-Young).
    pub approximation: Matrix<T>,
}

/// Computes the thin SVD of `a` through LAPACK `?gesdd` (or nalgebra's
/// implementation in the pure-Rust build).
///
/// An input with no rows or no columns gives empty factors.
///
/// # Errors
/// [`LinalgError::NonFinite`] if `a` holds NaN or an infinity, naming its
/// position; [`LinalgError::Lapack`] or [`LinalgError::NoConvergence`] if the
/// iteration fails.
pub fn svd<T: Float>(a: &Matrix<T>) -> Result<Svd<T>, LinalgError> {
    check_finite("svd", a)?;
    let (m, n) = a.shape();
    let p = m.min(n);
    if p == 0 {
        return Ok(Svd {
            u: Matrix::zeros(m, 0),
            singular_values: Vec::new(),
            vt: Matrix::zeros(0, n),
        });
    }
    let mut out = raw_svd(a)?;
    fix_signs(&mut out);
    Ok(out)
}

/// Returns the rank-k factors and approximation of `a`.
///
/// # Errors
/// [`LinalgError::ZeroRank`] for `k = 0`, [`LinalgError::RankTooLarge`] if
/// `k` exceeds the numerical rank of `a` (singular values above
/// [`Svd::default_tolerance`]), and the errors of [`svd`].
pub fn rank_k_svd<T: Float>(a: &Matrix<T>, k: usize) -> Result<RankKSvd<T>, LinalgError> {
    if k == 0 {
        return Err(LinalgError::ZeroRank);
    }
    let full = svd(a)?;
    let tolerance = full.default_tolerance();
    let rank = full.rank(tolerance);
    if k > rank {
        return Err(LinalgError::RankTooLarge {
            k,
            rank,
            rows: a.nrows(),
            cols: a.ncols(),
            tolerance: tolerance.to_f64(),
        });
    }
    let approximation = full.truncated_product(k);
    Ok(RankKSvd {
        u: full.u.columns(0, k).into_owned(),
        singular_values: full.singular_values[..k].to_vec(),
        vt: full.vt.rows(0, k).into_owned(),
        approximation,
    })
}

#[cfg(feature = "openblas")]
fn raw_svd<T: Float>(a: &Matrix<T>) -> Result<Svd<T>, LinalgError> {
    let (m, n) = a.shape();
    let p = m.min(n);
    let mut work = a.clone();
    let mut s = vec![T::zero(); p];
    let mut u = Matrix::zeros(m, p);
    let mut vt = Matrix::zeros(p, n);
    T::lapack_gesdd(
        m,
        n,
        work.as_mut_slice(),
        &mut s,
        u.as_mut_slice(),
        vt.as_mut_slice(),
    )?;
    Ok(Svd {
        u,
        singular_values: s,
        vt,
    })
}

#[cfg(not(feature = "openblas"))]
fn raw_svd<T: Float>(a: &Matrix<T>) -> Result<Svd<T>, LinalgError> {
    let (m, n) = a.shape();
    let max_iterations = 1000 * m.max(n);
    let decomposition = a
        .clone()
        .try_svd(true, true, T::EPSILON, max_iterations)
        .ok_or(LinalgError::NoConvergence { rows: m, cols: n })?;
    let u = decomposition.u.expect("u was requested");
    let vt = decomposition.v_t.expect("v_t was requested");
    let values: Vec<T> = decomposition.singular_values.iter().copied().collect();
    // Sort descending; nalgebra does not promise an order for try_svd.
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&i, &j| {
        values[j]
            .partial_cmp(&values[i])
            .expect("finite singular values")
    });
    let u_sorted = Matrix::from_fn(m, order.len(), |i, j| u[(i, order[j])]);
    let vt_sorted = Matrix::from_fn(order.len(), n, |i, j| vt[(order[i], j)]);
    let s_sorted = order.iter().map(|&i| values[i]).collect();
    Ok(Svd {
        u: u_sorted,
        singular_values: s_sorted,
        vt: vt_sorted,
    })
}

/// Applies the sign convention of [`Svd`].
fn fix_signs<T: Float>(svd: &mut Svd<T>) {
    for j in 0..svd.singular_values.len() {
        let col = svd.u.column(j);
        let mut pivot = T::zero();
        for &x in col.iter() {
            if x.abs() > pivot.abs() {
                pivot = x;
            }
        }
        if pivot < T::zero() {
            svd.u.column_mut(j).iter_mut().for_each(|x| *x = -*x);
            svd.vt.row_mut(j).iter_mut().for_each(|x| *x = -*x);
        }
    }
}
