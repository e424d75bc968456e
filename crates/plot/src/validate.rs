//! Input checks shared by the plotting functions. Each returns the reason
//! text of `PlotError::InvalidInput`; the caller attaches the path.

use std::path::Path;

use ferroflux_linalg::Matrix;

use crate::PlotError;

/// Wraps the reason of an input check into the error for `path`.
pub(crate) fn invalid(path: &Path, reason: String) -> PlotError {
    PlotError::InvalidInput {
        path: path.to_path_buf(),
        reason,
    }
}

/// Checks that `matrix` is non-empty and finite.
pub(crate) fn matrix(what: &str, matrix: &Matrix<f64>) -> Result<(), String> {
    let (rows, columns) = matrix.shape();
    if rows == 0 || columns == 0 {
        return Err(format!(
            "the {what} matrix is empty ({rows} x {columns}); pass at least one row and one column"
        ));
    }
    for column in 0..columns {
        for row in 0..rows {
            let value = matrix[(row, column)];
            if !value.is_finite() {
                return Err(format!(
                    "the {what} matrix has the non-finite value {value} at row {row}, column {column} \
                     (0-based); remove or replace it before plotting"
                ));
            }
        }
    }
    Ok(())
}

/// Checks that `values` is non-empty and finite.
pub(crate) fn series(what: &str, values: &[f64]) -> Result<(), String> {
    if values.is_empty() {
        return Err(format!("the {what} is empty; pass at least one value"));
    }
    match values.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(format!(
            "the {what} has the non-finite value {} at index {index} (0-based)",
            values[index]
        )),
        None => Ok(()),
    }
}

/// Checks that `names` has one entry per `what` (rows or columns).
pub(crate) fn names(what: &str, names: Option<&[String]>, expected: usize) -> Result<(), String> {
    match names {
        Some(names) if names.len() != expected => Err(format!(
            "{} {what} names were given for {expected} {what}; pass one name per {what}",
            names.len()
        )),
        _ => Ok(()),
    }
}

/// Checks that two matrices that are drawn together have the same shape.
pub(crate) fn same_shape(
    (first_name, first): (&str, &Matrix<f64>),
    (second_name, second): (&str, &Matrix<f64>),
) -> Result<(), String> {
    if first.shape() == second.shape() {
        return Ok(());
    }
    Err(format!(
        "the {first_name} matrix is {} x {} but the {second_name} matrix is {} x {}; \
         they must have the same shape",
        first.nrows(),
        first.ncols(),
        second.nrows(),
        second.ncols()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matrix_reports_nan_position() {
        let mut m = Matrix::<f64>::zeros(3, 2);
        m[(2, 1)] = f64::NAN;
        let reason = matrix("weights", &m).unwrap_err();
        assert!(reason.contains("NaN at row 2, column 1"), "{reason}");
    }

    #[test]
    fn names_reports_both_counts() {
        let given = vec!["a".to_string()];
        let reason = names("series", Some(&given), 3).unwrap_err();
        assert!(
            reason.starts_with("1 series names were given for 3 series"),
            "{reason}"
        );
    }
}
