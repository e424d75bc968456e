//! The errors `ferroflux factorize` reports before exiting with status 1.

use std::path::PathBuf;

use ferroflux::factorize::FactorizeError;
use ferroflux::plot::PlotError;

/// A failure of the command; the message is printed after "error: ".
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Reading the data or fitting failed.
    #[error(transparent)]
    Factorize(#[from] FactorizeError),

    /// Drawing a picture failed.
    #[error(transparent)]
    Plot(#[from] PlotError),

    /// Creating the output folder or writing a file failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },

    /// A cell of the input is NaN or infinite.
    #[error(
        "{path}: data row {row}, column {column}{series} holds {value}; \
         every cell must be a finite number, so remove or interpolate it"
    )]
    NonFinite {
        /// The input file.
        path: PathBuf,
        /// 1-based data row, not counting the header.
        row: usize,
        /// 1-based column.
        column: usize,
        /// " (series NAME)" if the file has a header, else empty.
        series: String,
        /// The value read.
        value: f64,
    },

    /// The --series-names file is missing or malformed.
    #[error("{path}: {message}")]
    SeriesNames {
        /// The file.
        path: PathBuf,
        /// The problem with the file and its fix.
        message: String,
    },

    /// An option value is outside its range.
    #[error("invalid --{option} {value}: {expected}")]
    InvalidOption {
        /// The option name without dashes.
        option: &'static str,
        /// The value given.
        value: String,
        /// The valid range, in words.
        expected: &'static str,
    },
}
