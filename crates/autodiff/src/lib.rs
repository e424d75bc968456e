//! Reverse- and forward-mode automatic differentiation on nalgebra matrices.
//!
//! This crate sits on `ferroflux-linalg` and under the layers, optimisers and
//! factorisation of ferroflux. It differentiates ordinary Rust closures over
//! [`Tensor`] values, in the style of Flux.jl and Zygote:
//!
//! - implicit parameters: [`Param`], [`Params`] and [`gradient`] /
//!   [`with_gradient`], returning [`Grads`] keyed by parameter;
//! - explicit inputs: [`value_and_gradient`];
//! - forward mode: [`jvp`];
//! - [`is_recording`], true inside a gradient computation, for layers that
//!   train and evaluate differently;
//! - gradient checks for property tests: [`check_gradient`] and
//!   [`check_gradient_params`], plus proptest strategies in `testing` behind
//!   the `testing` feature.
//!
//! Every op has one value, one reverse rule (vector-Jacobian product) and one
//! forward rule (Jacobian-vector product), defined together in one file per
//! op family. Outside a gradient computation tensor math is plain eager
//! evaluation. Inside one, ops are recorded on a thread-local tape whose
//! buffers are pooled by shape, so repeating a gradient computation of the
//! same shapes allocates nothing once warmed up. Gradient computations of one
//! precision do not nest on one thread.
//!
//! # Examples
//! ```
//! use ferroflux_autodiff::{gradient, Matrix, Param, Params, Tensor};
//!
//! let w = Param::new(Matrix::from_row_slice(1, 2, &[2.0, -1.0]));
//! let b = Param::new(Matrix::from_element(1, 1, 0.5));
//! let x = Tensor::constant(Matrix::from_column_slice(2, 1, &[1.0, 3.0]));
//! let y = Tensor::constant(Matrix::from_element(1, 1, 1.0));
//!
//! // loss = (w·x + b - y)², so ∂loss/∂w = 2r·xᵀ and ∂loss/∂b = 2r with the
//! // residual r = 2 - 3 + 0.5 - 1 = -1.5.
//! let loss = || (w.tensor().matmul(&x) + b.tensor() - &y).powi(2).sum();
//! let ps = Params::new([&w, &b]);
//! let grads = gradient(&ps, loss);
//! assert_eq!(grads[&w].as_slice(), &[-3.0, -9.0]);
//! assert_eq!(grads[&b][0], -3.0);
//! ```
//!
//! `f32` and `f64` never mix; combining them is a compile error rather than a
//! silent conversion:
//!
//! ```compile_fail
//! use ferroflux_autodiff::{Matrix, Tensor};
//!
//! let a = Tensor::constant(Matrix::<f32>::zeros(2, 2));
//! let b = Tensor::constant(Matrix::<f64>::zeros(2, 2));
//! let _ = &a + &b;
//! ```

#![warn(missing_docs)]

mod forward;
mod gradcheck;
mod gradient;
mod ops;
mod param;
mod rules;
mod session;
mod tape;
mod tensor;
#[cfg(feature = "testing")]
pub mod testing;

pub use ferroflux_linalg::{Float, Matrix};

pub use forward::jvp;
pub use gradcheck::{
    check_gradient, check_gradient_params, GradCheckEntry, GradCheckReport, GradCheckWorst,
};
pub use gradient::{gradient, value_and_gradient, with_gradient};
pub use param::{Grads, Param, ParamId, Params};
pub use session::is_recording;
pub use tensor::Tensor;
