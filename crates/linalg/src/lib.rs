//! Dense linear algebra for ferroflux.
//!
//! Matrices are [`nalgebra::DMatrix`] values, column-major like Julia. A
//! vector is an `n x 1` matrix, and a batch of samples has one sample per
//! column. This crate provides:
//!
//! - [`gemm`] and [`matmul`]: `C = alpha*op(A)*op(B) + beta*C` through
//!   `cblas_sgemm`/`cblas_dgemm` of OpenBLAS, with a native path for tiny
//!   products;
//! - [`svd`] and [`rank_k_svd`]: the thin SVD through LAPACK's `gesdd`;
//! - [`softmax`], [`log_softmax`] and [`logsumexp`]: fused, numerically stable
//!   column-wise kernels;
//! - [`rand()`], [`randn`] and [`seed`]: reproducible random matrices;
//! - [`backend`]: which BLAS is linked, its configuration and thread count.
//!
//! The `openblas` feature (on by default) links the system OpenBLAS. With
//! `default-features = false` every routine runs on nalgebra's own kernels and
//! passes the same tests.

mod backend;
#[cfg(feature = "openblas")]
mod blas;
mod error;
mod exp;
mod float;
mod gemm;
#[cfg(feature = "openblas")]
mod lapack;
mod random;
mod softmax;
mod svd;
#[cfg(feature = "testing")]
pub mod testing;

pub use backend::{backend, Backend};
pub use error::LinalgError;
pub use exp::{exp_in_place, exp_slice};
pub use float::Float;
pub use gemm::{gemm, matmul, matmul_nt, matmul_tn, native_gemm, Transpose, NATIVE_GEMM_MAX_FLOPS};
pub use random::{
    rand, rand_f32, rand_with, randn, randn_f32, randn_with, rng, seed, with_global_rng, FluxRng,
};
pub use softmax::{
    log_softmax, log_softmax_in_place, log_softmax_into, logsumexp, logsumexp_into, softmax,
    softmax_in_place, softmax_into,
};
pub use svd::{rank_k_svd, svd, RankKSvd, Svd};

/// A dense, column-major matrix: `nalgebra::DMatrix<T>`.
pub type Matrix<T = f64> = nalgebra::DMatrix<T>;
