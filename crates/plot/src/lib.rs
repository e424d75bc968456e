//! Pictures for ferroflux reports: heatmaps with a colour bar, grids of line
//! plots, basis series, cost traces and the error-versus-sparsity path of a
//! regularised factorisation.
//!
//! The crate sits on `ferroflux-linalg` only: it takes plain `Matrix<f64>`
//! values, so it draws the output of `ferroflux-factorize` (or anything else)
//! without depending on it. Pictures are PNG or SVG, chosen by the file
//! extension, and every file is written atomically (temporary file in the same
//! folder, then rename). Text uses DejaVu Sans, embedded in the crate, so no
//! system fonts are needed.
//!
//! Matrices follow the workspace convention: a T x n matrix contains n series of
//! length T, one per column.
//!
//! ```no_run
//! use ferroflux_linalg::Matrix;
//! use ferroflux_plot::{LineGrid, TimeAxis};
//!
//! let a = Matrix::from_fn(12, 3, |t, j| (t as f64 * 0.5 + j as f64).sin());
//! LineGrid::new(&a, "Three series")
//!     .names(&["a".into(), "b".into(), "c".into()])
//!     .axis(TimeAxis::new("month", 1.0, 1.0))
//!     .save("series.png".as_ref())?;
//! # Ok::<(), ferroflux_plot::PlotError>(())
//! ```

#![warn(missing_docs)]

mod color;
mod error;
mod glyph;
mod heatmap;
mod lines;
mod loss;
mod path;
mod placement;
mod render;
mod style;
mod validate;

pub use color::ColorScale;
pub use error::PlotError;
pub use heatmap::{correlation_heatmap, heatmap_pair, Heatmap};
pub use lines::{basis_functions, LineGrid, TimeAxis};
pub use loss::{loss_trace, LossScale};
pub use path::{error_sparsity_layout, error_sparsity_path, PathLayout, PointLabel, TradeOffPoint};
pub use placement::LabelBox;
pub use render::write_atomically;
