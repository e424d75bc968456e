//! [`Tensor`]: a matrix value that may be recorded for differentiation.

use std::fmt;
use std::rc::Rc;

use ferroflux_linalg::{Float, Matrix};

use crate::tape::NodeRef;

/// A matrix value that may be recorded for differentiation.
///
/// Outside a gradient computation a tensor is an eagerly evaluated matrix
/// behind a reference-counted handle, so cloning it is cheap and math on it
/// costs one allocation for the result. Inside [`gradient`](crate::gradient),
/// [`with_gradient`](crate::with_gradient),
/// [`value_and_gradient`](crate::value_and_gradient) or [`jvp`](crate::jvp),
/// every op whose inputs depend on a parameter or input is also recorded on
/// the thread's tape.
///
/// Elementwise ops broadcast like Julia's dot syntax: operands of equal shape
/// combine element by element, a column vector `m x 1` spreads over the
/// columns of an `m x n` operand, a row vector `1 x n` over its rows and a
/// `1 x 1` scalar over anything. Reverse mode sums the gradient over the
/// broadcast dimension.
///
/// # Examples
/// ```
/// use ferroflux_autodiff::{Matrix, Tensor};
///
/// let x = Tensor::constant(Matrix::from_column_slice(2, 1, &[1.0, 2.0]));
/// let y = (&x * &x).sum(); // 1 + 4
/// assert_eq!(y.item(), 5.0);
/// ```
pub struct Tensor<T: Float = f64> {
    pub(crate) value: Rc<Matrix<T>>,
    pub(crate) node: Option<NodeRef>,
}

// Two words, so that ops return tensors in registers (see `NodeRef`).
const _: () = assert!(std::mem::size_of::<Tensor<f64>>() == 2 * std::mem::size_of::<usize>());

impl<T: Float> Clone for Tensor<T> {
    fn clone(&self) -> Self {
        Self {
            value: self.value.clone(),
            node: self.node,
        }
    }
}

impl<T: Float> fmt::Debug for Tensor<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tensor")
            .field("shape", &self.shape())
            .field("recorded", &self.node.is_some())
            .field("value", &*self.value)
            .finish()
    }
}

impl<T: Float> From<Matrix<T>> for Tensor<T> {
    fn from(value: Matrix<T>) -> Self {
        Self::constant(value)
    }
}

impl<T: Float> Tensor<T> {
    pub(crate) fn from_rc(value: Rc<Matrix<T>>, node: Option<NodeRef>) -> Self {
        Self { value, node }
    }

    /// Wraps a matrix that never receives a gradient.
    pub fn constant(value: Matrix<T>) -> Self {
        Self::from_rc(Rc::new(value), None)
    }

    /// Wraps a scalar as a `1 x 1` constant.
    pub fn scalar(x: T) -> Self {
        Self::constant(Matrix::from_element(1, 1, x))
    }

    /// Borrows the value.
    pub fn value(&self) -> impl std::ops::Deref<Target = Matrix<T>> + '_ {
        &*self.value
    }

    /// Returns an owned copy of the value.
    pub fn to_matrix(&self) -> Matrix<T> {
        (*self.value).clone()
    }

    /// Returns the value of a `1 x 1` tensor.
    ///
    /// # Panics
    /// If the tensor is not `1 x 1`; the message names its shape.
    #[track_caller]
    pub fn item(&self) -> T {
        let (r, c) = self.shape();
        assert!(
            r == 1 && c == 1,
            "item: the tensor is {r}x{c}, but only a 1x1 tensor has a single value; \
             reduce it first, for example with sum() or mean()"
        );
        self.value[0]
    }

    /// Returns `(rows, columns)`.
    pub fn shape(&self) -> (usize, usize) {
        self.value.shape()
    }

    /// Returns the number of rows.
    pub fn nrows(&self) -> usize {
        self.value.nrows()
    }

    /// Returns the number of columns.
    pub fn ncols(&self) -> usize {
        self.value.ncols()
    }

    /// Returns the number of elements.
    pub fn len(&self) -> usize {
        self.value.len()
    }

    /// Returns `true` when the tensor has no elements.
    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }
}
