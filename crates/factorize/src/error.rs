//! The one error type of the crate.

use std::path::PathBuf;

use ferroflux_linalg::LinalgError;

/// Everything that can go wrong when reading series or fitting a
/// factorisation. Each message names the offending value, the expected range
/// or shape and what to change.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FactorizeError {
    // ---- input data ----
    /// The data matrix has no rows or no columns.
    #[error("the data matrix is {rows}x{cols}; it needs at least one time step (row) and one series (column)")]
    EmptyMatrix {
        /// Number of rows (time steps).
        rows: usize,
        /// Number of columns (series).
        cols: usize,
    },

    /// The data matrix holds NaN or an infinity.
    #[error("the data matrix holds {value} at row {row}, column {col} (0-based); remove or interpolate non-finite values first")]
    NonFinite {
        /// Row of the first non-finite entry (0-based).
        row: usize,
        /// Column of the first non-finite entry (0-based).
        col: usize,
        /// The value found there.
        value: f64,
    },

    /// Every entry of the data matrix is zero.
    #[error(
        "every entry of the {rows}x{cols} data matrix is zero, so there is nothing to factorise; check that the intended data were passed, with at least one entry other than zero"
    )]
    AllZero {
        /// Number of rows.
        rows: usize,
        /// Number of columns.
        cols: usize,
    },

    /// Per-series scaling cannot divide by this series' mean or deviation.
    #[error("cannot scale series {series} by its {statistic}: the {statistic} is {value:e}; use Scaling::{alternative} or Scaling::None")]
    Scaling {
        /// Column index of the series.
        series: usize,
        /// `"mean"` or `"standard deviation"`.
        statistic: &'static str,
        /// The statistic that was (nearly) zero.
        value: f64,
        /// The scaling to suggest instead.
        alternative: &'static str,
    },

    /// Per-series scaling met a series that is zero at every time step,
    /// which neither scaling can divide by.
    #[error("cannot scale series {series} (0-based column) by its {statistic}: the series is zero at every time step, so no scaling can divide by it; remove the column or use Scaling::None")]
    ZeroSeries {
        /// Column index of the series.
        series: usize,
        /// `"mean"` or `"standard deviation"`.
        statistic: &'static str,
    },

    // ---- settings ----
    /// The number of components is outside `1..=n`.
    #[error("invalid number of components k = {k}: it must be between 1 and the number of series n = {n}")]
    InvalidRank {
        /// The requested number of components.
        k: usize,
        /// The number of series (columns of the data).
        n: usize,
    },

    /// More extra components than the series leave room for.
    #[error("invalid extra_components = {extra}: with k = {k} and n = {n} series it may be at most {limit}, because k + extra_components must not exceed n (one extra component is always allowed, as in the Flux example); choose extra_components {limit} or less", limit = max_extra_components(*k, *n))]
    TooManyComponents {
        /// The requested number of components k.
        k: usize,
        /// The requested number of extra components.
        extra: usize,
        /// The number of series (columns of the data).
        n: usize,
    },

    /// The Dirichlet concentration is not positive.
    #[error("invalid Dirichlet concentration alpha = {alpha}: it must be a finite number > 0 (alpha < 1 favours sparse weights, 1 is a flat prior)")]
    InvalidAlpha {
        /// The value given.
        alpha: f64,
    },

    /// Another setting is outside its range.
    #[error("invalid {name} = {value}: expected {expected}")]
    InvalidSetting {
        /// The builder method that set it.
        name: &'static str,
        /// The value given, formatted.
        value: String,
        /// The valid range, in words.
        expected: &'static str,
    },

    /// A warm start or initial factor has the wrong shape.
    #[error(
        "invalid {name}: expected a {expected_rows}x{expected_cols} matrix, got {rows}x{cols}"
    )]
    ShapeMismatch {
        /// Which matrix.
        name: &'static str,
        /// Expected rows.
        expected_rows: usize,
        /// Expected columns.
        expected_cols: usize,
        /// Rows given.
        rows: usize,
        /// Columns given.
        cols: usize,
    },

    // ---- solver ----
    /// The data are too large for the seed objective's squared error.
    #[error("the data reach {value:e} at row {row}, column {col} (0-based); the seed objective squares the residual, which overflows for values above 1e150, so divide the data by a power of ten first or use the gaussian objective, which rescales the data itself")]
    TooLarge {
        /// Row of the largest entry (0-based).
        row: usize,
        /// Column of the largest entry (0-based).
        col: usize,
        /// The entry.
        value: f64,
    },

    /// The data are too small for the seed objective's squared error.
    #[error("the largest value of the data is {value:e}, at row {row}, column {col} (0-based); the seed objective squares the residual, which underflows to 0 when every value is below 1e-150, so multiply the data by a power of ten first or use the gaussian objective, which rescales the data itself")]
    TooSmall {
        /// Row of the largest entry (0-based).
        row: usize,
        /// Column of the largest entry (0-based).
        col: usize,
        /// The entry.
        value: f64,
    },

    /// The cost became NaN or infinite during the fit.
    #[error("the cost became {cost} at iteration {iteration}; lower the learning rate or scale the series (Scaling::StdDev)")]
    Diverged {
        /// The iteration (0-based) whose cost was not finite.
        iteration: usize,
        /// The cost found.
        cost: f64,
    },

    /// The SVD baseline was asked for more components than the data's rank.
    #[error("cannot compute the rank-{k} SVD baseline: the {rows}x{cols} data matrix has numerical rank {rank} (singular values above {tolerance:.1e}), so it has only {rank} independent directions; use k <= {rank}, or skip the baseline for this k")]
    BaselineRankTooLarge {
        /// The requested number of components.
        k: usize,
        /// The numerical rank of the data.
        rank: usize,
        /// Rows (time steps) of the data.
        rows: usize,
        /// Columns (series) of the data.
        cols: usize,
        /// Singular values at or below this count as zero.
        tolerance: f64,
    },

    /// The SVD behind an initialisation, the noise estimate or the baseline failed.
    #[error("the SVD of the data failed: {0}")]
    Svd(#[from] LinalgError),

    // ---- files ----
    /// The input file does not exist.
    #[error("file not found: {path}; check the path and the working directory")]
    FileNotFound {
        /// The path that was opened.
        path: PathBuf,
    },

    /// Reading or writing a file failed.
    #[error("cannot {action} {path}: {source}")]
    Io {
        /// `"read"` or `"write"`.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },

    /// The CSV file holds no data rows.
    #[error("{path} holds no data rows; expected one row per time step and one column per series")]
    EmptyFile {
        /// The file.
        path: PathBuf,
    },

    /// A row has a different number of cells than the first row.
    #[error("{path}, line {line}: expected {expected} cells like the first row, found {found}; every row needs one value per series")]
    RaggedRow {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// Cells in the first row.
        expected: usize,
        /// Cells in this row.
        found: usize,
    },

    /// A cell is not a number.
    #[error("{path}, line {line}, column {column}{}: cannot read {cell:?} as a number; every cell after the optional header must be numeric", series_suffix(.series))]
    NonNumeric {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// 1-based column number.
        column: usize,
        /// The series name from the header row, if the file has one.
        series: Option<String>,
        /// The 0-based row of the data matrix (the time step). Row 0 is the
        /// first line of a file read without a header.
        row: usize,
        /// The text of the cell.
        cell: String,
    },

    /// A cell contains NaN or an infinity, which no fit can use.
    #[error("{path}, line {line}, column {column}{}: the cell {cell:?} reads as {value}; every cell must be a finite number, so remove the row or replace the value (for example by interpolating)", series_suffix(.series))]
    NonFiniteCell {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// 1-based column number.
        column: usize,
        /// The series name from the header row, if the file has one.
        series: Option<String>,
        /// The value read: NaN, `inf` or `-inf`.
        value: f64,
        /// The text of the cell, such as `2e308` for a value that overflows.
        cell: String,
    },

    /// Two series in the header row have the same name.
    #[error("{path}, line {line}: the series name {name:?} appears in column {first_column} and again in column {second_column}; every series needs its own name, so rename one of them")]
    DuplicateName {
        /// The file.
        path: PathBuf,
        /// 1-based line number of the header row.
        line: u64,
        /// The repeated name.
        name: String,
        /// 1-based column of the first occurrence.
        first_column: usize,
        /// 1-based column of the second occurrence.
        second_column: usize,
    },

    /// The CSV parser rejected the file (invalid UTF-8 is the only case with
    /// the reader's settings).
    #[error("{path}, line {line}: {message}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// 1-based line number of the record the parser rejected.
        line: u64,
        /// The problem, with the column and the fix.
        message: String,
    },
}

/// Formats " (series NAME)" after a column number, or nothing without a name.
fn series_suffix(series: &Option<String>) -> String {
    series
        .as_ref()
        .map_or_else(String::new, |name| format!(" (series {name})"))
}

/// Checks that a setting is finite and positive.
pub(crate) fn positive(name: &'static str, value: f64) -> Result<(), FactorizeError> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(FactorizeError::InvalidSetting {
            name,
            value: value.to_string(),
            expected: "a finite number > 0",
        })
    }
}

/// Checks that a setting is finite and not negative.
pub(crate) fn non_negative(name: &'static str, value: f64) -> Result<(), FactorizeError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(FactorizeError::InvalidSetting {
            name,
            value: value.to_string(),
            expected: "a finite number >= 0",
        })
    }
}

/// Returns the largest number of extra components a fit of `k` components
/// to `n` series accepts: enough to reach `n` components in total, and at
/// least the one extra component of the Flux example (so k = n still works
/// with its preset).
pub fn max_extra_components(k: usize, n: usize) -> usize {
    n.saturating_sub(k).max(1)
}
