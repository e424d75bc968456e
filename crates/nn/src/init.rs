//! Weight initialisers.
//!
//! Every initialiser takes an explicit random generator and the shape
//! `rows x cols` of the matrix it fills. For a weight matrix of a layer that
//! maps `fan_in` inputs to `fan_out` outputs the shape is `fan_out x fan_in`
//! (as in [`crate::Dense`]), so `fan_in = cols` and `fan_out = rows`, which is
//! Flux's convention for matrices.
//!
//! ```
//! use ferroflux_linalg::rng;
//! use ferroflux_nn::init::glorot_uniform;
//!
//! let w = glorot_uniform::<f32, _>(&mut rng(7), 32, 784);
//! assert_eq!(w.shape(), (32, 784));
//! ```

use ferroflux_linalg::{rand_with, randn_with, Float, FluxRng, Matrix};
use rand::Rng;

/// An initialiser as a plain function pointer, the form that layer builders store.
///
/// Every generic initialiser of this module coerces to it, e.g.
/// `let init: Init<f32> = glorot_normal;`.
pub type Init<T> = fn(&mut FluxRng, usize, usize) -> Matrix<T>;

/// Fan-in and fan-out of a `rows x cols` weight matrix: `(cols, rows)`.
///
/// An empty dimension counts as 1 so that the scale formulas stay finite.
fn fans(rows: usize, cols: usize) -> (f64, f64) {
    (cols.max(1) as f64, rows.max(1) as f64)
}

/// Draws from U(-bound, bound).
fn uniform<T: Float, R: Rng + ?Sized>(
    rng: &mut R,
    rows: usize,
    cols: usize,
    bound: f64,
) -> Matrix<T> {
    let bound = T::cast(bound);
    rand_with::<T, R>(rng, rows, cols).map(|u| (u + u - T::one()) * bound)
}

/// Draws from N(0, std^2).
fn normal<T: Float, R: Rng + ?Sized>(rng: &mut R, rows: usize, cols: usize, std: f64) -> Matrix<T> {
    let std = T::cast(std);
    randn_with::<T, R>(rng, rows, cols).map(|z| z * std)
}

/// Glorot (Xavier) uniform: U(-a, a) with a = sqrt(6 / (fan_in + fan_out)).
///
/// The default of [`crate::Dense`], as in Flux. PyTorch's `nn.Linear` uses a
/// Kaiming-style uniform with a = 1/sqrt(fan_in) instead.
pub fn glorot_uniform<T: Float, R: Rng + ?Sized>(
    rng: &mut R,
    rows: usize,
    cols: usize,
) -> Matrix<T> {
    let (fan_in, fan_out) = fans(rows, cols);
    uniform(rng, rows, cols, (6.0 / (fan_in + fan_out)).sqrt())
}

/// Glorot (Xavier) normal: N(0, s^2) with s = sqrt(2 / (fan_in + fan_out)).
pub fn glorot_normal<T: Float, R: Rng + ?Sized>(
    rng: &mut R,
    rows: usize,
    cols: usize,
) -> Matrix<T> {
    let (fan_in, fan_out) = fans(rows, cols);
    normal(rng, rows, cols, (2.0 / (fan_in + fan_out)).sqrt())
}

/// Kaiming (He) uniform for ReLU layers: U(-a, a) with a = sqrt(6 / fan_in),
/// that is gain sqrt(2) times sqrt(3 / fan_in), as Flux's `kaiming_uniform`.
pub fn kaiming_uniform<T: Float, R: Rng + ?Sized>(
    rng: &mut R,
    rows: usize,
    cols: usize,
) -> Matrix<T> {
    let (fan_in, _) = fans(rows, cols);
    uniform(rng, rows, cols, (6.0 / fan_in).sqrt())
}

/// Kaiming (He) normal for ReLU layers: N(0, s^2) with s = sqrt(2 / fan_in).
pub fn kaiming_normal<T: Float, R: Rng + ?Sized>(
    rng: &mut R,
    rows: usize,
    cols: usize,
) -> Matrix<T> {
    let (fan_in, _) = fans(rows, cols);
    normal(rng, rows, cols, (2.0 / fan_in).sqrt())
}

/// LeCun normal: N(0, s^2) with s = sqrt(1 / fan_in).
///
/// Keras and JAX draw from a normal truncated at two standard deviations and
/// rescale it; this one is the plain normal of LeCun et al. (1998).
pub fn lecun_normal<T: Float, R: Rng + ?Sized>(rng: &mut R, rows: usize, cols: usize) -> Matrix<T> {
    let (fan_in, _) = fans(rows, cols);
    normal(rng, rows, cols, (1.0 / fan_in).sqrt())
}

/// A random matrix with orthonormal rows or columns (Saxe et al., 2014).
///
/// Takes the QR decomposition of a standard normal matrix and flips the
/// sign of each column of Q by the sign of R's diagonal, so the result is
/// distributed uniformly (Haar) over orthogonal matrices. For `rows >= cols`
/// the columns are orthonormal (`W^T W = I`); otherwise the rows are
/// (`W W^T = I`).
pub fn orthogonal<T: Float, R: Rng + ?Sized>(rng: &mut R, rows: usize, cols: usize) -> Matrix<T> {
    if rows == 0 || cols == 0 {
        return Matrix::zeros(rows, cols);
    }

    // QR of a tall matrix gives orthonormal columns; a wide one is done transposed.
    let tall = rows >= cols;
    let (m, n) = if tall { (rows, cols) } else { (cols, rows) };
    let gaussian = randn_with::<f64, R>(rng, m, n);
    let qr = gaussian.qr();
    let mut q = qr.q();
    let r = qr.r();
    for j in 0..n {
        if r[(j, j)] < 0.0 {
            q.column_mut(j).neg_mut();
        }
    }

    let q = if tall { q } else { q.transpose() };
    q.map(T::cast)
}

/// A matrix of zeros (the default for biases).
pub fn zeros<T: Float, R: Rng + ?Sized>(_rng: &mut R, rows: usize, cols: usize) -> Matrix<T> {
    Matrix::zeros(rows, cols)
}

/// A matrix of ones (the default for normalisation scales).
pub fn ones<T: Float, R: Rng + ?Sized>(_rng: &mut R, rows: usize, cols: usize) -> Matrix<T> {
    Matrix::from_element(rows, cols, T::one())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferroflux_linalg::rng;

    #[test]
    fn fans_of_empty_shape_are_one() {
        assert_eq!(fans(0, 0), (1.0, 1.0));
        assert_eq!(fans(3, 5), (5.0, 3.0));
    }

    #[test]
    fn orthogonal_wide_has_orthonormal_rows() {
        let w = orthogonal::<f64, _>(&mut rng(1), 3, 7);
        let gram = &w * w.transpose();
        assert!((gram - Matrix::<f64>::identity(3, 3)).amax() < 1e-12);
    }
}
