//! Forward mode: [`jvp`].

use ferroflux_linalg::{Float, Matrix};

use crate::session::Session;
use crate::tensor::Tensor;

/// Returns `f(x)` and the directional derivative `J·v` of `f` at `x` along
/// `v` (forward mode), for any output shape.
///
/// `f` runs once and is recorded; then one forward sweep over the recording
/// pushes the tangent `v` through each op's Jacobian-vector rule. The cost is
/// about twice that of evaluating `f`.
///
/// # Panics
/// If `v` does not have the shape of `x` (the message names both), or when
/// called inside a gradient computation of the same precision on this thread.
///
/// # Examples
/// ```
/// use ferroflux_autodiff::{jvp, Matrix};
///
/// let x = Matrix::from_column_slice(2, 1, &[1.0, 2.0]);
/// let v = Matrix::from_column_slice(2, 1, &[1.0, 0.0]);
/// // f(x) = x², J = diag(2x), J·v = [2, 0]
/// let (y, dy) = jvp(|x| x.square(), &x, &v);
/// assert_eq!(y.as_slice(), &[1.0, 4.0]);
/// assert_eq!(dy.as_slice(), &[2.0, 0.0]);
/// ```
#[track_caller]
pub fn jvp<T: Float>(
    f: impl FnOnce(&Tensor<T>) -> Tensor<T>,
    x: &Matrix<T>,
    v: &Matrix<T>,
) -> (Matrix<T>, Matrix<T>) {
    assert!(
        x.shape() == v.shape(),
        "jvp: x is {}x{} but the tangent v is {}x{}; v must have the shape of x",
        x.nrows(),
        x.ncols(),
        v.nrows(),
        v.ncols()
    );
    let session = Session::<T>::begin("jvp");
    let leaf = session.leaf_copy(x);
    let y = f(&leaf);
    let tangent = session.tangent(&[(&leaf, v)], &y);
    (y.to_matrix(), tangent)
}
