//! Clustering of time series by simplex NMF with a Dirichlet prior.
//!
//! Given `A` (T time steps x n series, one series per column), find basis
//! series `W` (T x K) and weights `H` (K x n) whose columns lie on the
//! probability simplex, so that each series reads as a mixture such as "10%
//! of basis 1 and 90% of basis 2". `H = softmax(H̄)` column-wise, and Adam
//! (from `ferroflux-optim`) minimises one of the costs in [`objective`] over
//! `W` and the logits `H̄`. The crate sits above `ferroflux-linalg` (GEMM,
//! SVD, softmax kernels) and `ferroflux-optim` (Adam); `ferroflux-plot` and
//! the `ferroflux factorize` command build on it.
//!
//! - [`SimplexNmf`]: the builder and [`SimplexNmf::fit`], returning an
//!   [`NmfFit`] with diagnostics (sparsity, dominant components, correlation
//!   between components), and [`SimplexNmf::path`] for a regularisation path.
//! - [`svd_baseline`]: the rank-k SVD with the same metrics.
//! - [`read_series_csv`] and [`write_matrix_csv`]: CSV in and out.
//! - [`NmfSolver`]: the allocation-free iteration, generic over `f32` and
//!   `f64`.
//!
//! # Example
//! ```
//! use ferroflux_factorize::{seed_problem, svd_baseline, SimplexNmf};
//!
//! let a = seed_problem(7);
//! let fit = SimplexNmf::new(3).seed(1).fit(&a)?;
//! let svd = svd_baseline(&a, 3)?;
//! assert!(fit.relative_error < 0.05);
//! assert!(svd.relative_error < 1e-10); // the problem has rank 3
//! assert_eq!(fit.dominant_components().len(), 10);
//! # Ok::<(), ferroflux_factorize::FactorizeError>(())
//! ```

#![warn(missing_docs)]

mod baseline;
mod error;
mod fit;
mod init;
mod io;
mod nmf;
pub mod objective;
mod reference;
mod scaling;
mod serde_matrix;
mod solver;
mod synthetic;

pub use baseline::{relative_error, svd_baseline, SvdBaseline};
pub use error::FactorizeError;
pub use fit::{NmfFit, PathPoint, Sparsity};
pub use init::Init;
pub use io::{read_series_csv, read_series_csv_with, write_matrix_csv, Header, SeriesData};
pub use nmf::{IterationInfo, NmfSettings, SimplexNmf};
pub use objective::{CostFunction, Objective};
pub use scaling::Scaling;
pub use solver::NmfSolver;
pub use synthetic::{seed_problem, sparse_mixture, SyntheticProblem};

pub use ferroflux_linalg::Matrix;
