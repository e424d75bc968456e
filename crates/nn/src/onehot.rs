//! One-hot encoding of class labels, its inverse and classification accuracy.
//!
//! Classes are numbered `0..classes` and a batch has one sample per column,
//! so `one_hot(&[2, 0], 3)` is the 3x2 matrix with ones at (2, 0) and (0, 1).

use ferroflux_linalg::{Float, Matrix};

use crate::NnError;

/// Encodes `labels` as a `classes x labels.len()` matrix with a single 1 per column
/// (Flux's `onehotbatch(labels, 0:classes-1)`).
///
/// # Errors
///
/// [`NnError::LabelOutOfRange`] for a label `>= classes`, naming the label and its position.
///
/// ```
/// use ferroflux_nn::one_hot;
///
/// let y = one_hot::<f32>(&[2, 0], 3).unwrap();
/// assert_eq!(y[(2, 0)], 1.0);
/// assert_eq!(y[(0, 1)], 1.0);
/// assert_eq!(y.sum(), 2.0);
/// ```
pub fn one_hot<T: Float>(labels: &[usize], classes: usize) -> Result<Matrix<T>, NnError> {
    let mut y = Matrix::zeros(classes, labels.len());
    for (index, &label) in labels.iter().enumerate() {
        if label >= classes {
            return Err(NnError::LabelOutOfRange {
                label,
                index,
                classes,
            });
        }
        y[(label, index)] = T::one();
    }
    Ok(y)
}

/// Decodes each column to the row index of its largest entry (Flux's `onecold`).
///
/// Ties go to the first maximum, and a NaN counts as larger than any number,
/// so a column that contains NaN decodes to the first NaN's row, as Julia's
/// `argmax` does. A matrix with zero rows gives an empty vector.
pub fn one_cold<T: Float>(scores: &Matrix<T>) -> Vec<usize> {
    if scores.nrows() == 0 {
        return Vec::new();
    }
    scores
        .column_iter()
        .map(|column| {
            let mut best = 0;
            for (i, &x) in column.iter().enumerate() {
                if x.nan() {
                    return i;
                }
                if x > column[best] {
                    best = i;
                }
            }
            best
        })
        .collect()
}

/// Computes the fraction of columns of `scores` whose [`one_cold`] class equals the label.
///
/// An empty batch has accuracy 0.
///
/// # Errors
///
/// [`NnError::LabelCount`] if `labels.len()` is not the number of columns.
pub fn accuracy<T: Float>(scores: &Matrix<T>, labels: &[usize]) -> Result<f64, NnError> {
    if scores.ncols() != labels.len() {
        return Err(NnError::LabelCount {
            predictions: scores.ncols(),
            labels: labels.len(),
        });
    }
    if labels.is_empty() {
        return Ok(0.0);
    }
    let correct = one_cold(scores)
        .iter()
        .zip(labels)
        .filter(|(predicted, label)| predicted == label)
        .count();
    Ok(correct as f64 / labels.len() as f64)
}
