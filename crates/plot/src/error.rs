//! The error type of every plotting function.

use std::path::PathBuf;

/// Failure to draw or write one picture. Every variant names the output path.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The data cannot be drawn: an empty matrix, a non-finite value, or
    /// lengths that do not match (for example fewer names than series).
    #[error("cannot plot {path}: {reason}")]
    InvalidInput {
        /// The picture that was requested.
        path: PathBuf,
        /// The problem with the data and its fix.
        reason: String,
    },

    /// The file name ends in neither `.png` nor `.svg`.
    #[error("cannot plot {path}: unsupported file extension, expected `.png` or `.svg`")]
    UnsupportedFormat {
        /// The picture that was requested.
        path: PathBuf,
    },

    /// plotters failed while drawing, or the PNG encoder failed.
    #[error("failed to draw {path}: {message}")]
    Draw {
        /// The picture that was requested.
        path: PathBuf,
        /// The message of the drawing or encoding library.
        message: String,
    },

    /// Writing the temporary file or renaming it onto the path failed.
    #[error("failed to write {path}: {source}")]
    Io {
        /// The picture that was requested.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
}
