//! ferroflux: Flux.jl-style numerics and deep learning in Rust.
//!
//! Plain nalgebra matrices in and out, gradients of ordinary closures,
//! layers that are structs, optimisers that are update rules, and a
//! factorisation toolkit for time series. This facade re-exports the
//! workspace crates as modules, and `use ferroflux::prelude::*` brings the
//! everyday names into scope:
//!
//! ```
//! use ferroflux::prelude::*;
//!
//! let w = Param::new(rand(2, 5));
//! let b = Param::new(rand(2, 1));
//! let predict = |x: &Tensor| w.tensor().matmul(x) + b.tensor();
//! let loss = |x: &Tensor, y: &Tensor| (predict(x) - y).powi(2).sum();
//!
//! let (x, y) = (Tensor::constant(rand(5, 1)), Tensor::constant(rand(2, 1)));
//! let ps = Params::new([&w, &b]);
//! let grads = gradient(&ps, || loss(&x, &y));
//! let gw: &Matrix = &grads[&w];
//! assert_eq!(gw.shape(), (2, 5));
//!
//! let mut opt = Descent::new(0.01);
//! for p in ps.iter() {
//!     opt.update(p, &grads[p])?; // an error names a shape mismatch
//! }
//! # Ok::<(), ferroflux::optim::OptimError>(())
//! ```

pub use ferroflux_autodiff as autodiff;
pub use ferroflux_factorize as factorize;
pub use ferroflux_linalg as linalg;
pub use ferroflux_nn as nn;
pub use ferroflux_optim as optim;
pub use ferroflux_plot as plot;

pub use ferroflux_linalg::{backend, rand, randn, seed, Float, Matrix};

/// The everyday names of every crate.
///
/// `softmax` and `log_softmax` here are the activations of `ferroflux::nn`,
/// usable as layers and on tensors; the matrix kernels of the same names are
/// in [`crate::linalg`].
pub mod prelude {
    pub use ferroflux_linalg::{
        backend, matmul, rand, rand_f32, randn, randn_f32, seed, Float, Matrix,
    };

    pub use ferroflux_autodiff::{
        check_gradient, check_gradient_params, gradient, jvp, value_and_gradient, with_gradient,
        GradCheckReport, Grads, Param, ParamId, Params, Tensor,
    };

    pub use ferroflux_nn::{
        accuracy, binary_cross_entropy, cross_entropy, elu, gelu, hard_sigmoid, hard_tanh,
        huber_loss, identity, kl_divergence, leaky_relu, load_safetensors, log_sigmoid,
        log_softmax, logit_binary_cross_entropy, logit_cross_entropy, mae, mse, one_cold, one_hot,
        relu, save_safetensors, sigmoid, softmax, softplus, softsign, swish, tanh, Aggregation,
        BatchNorm, Chain, Dense, Dropout, Embedding, Layer, LayerNorm, Mode, NamedParam, NnError,
        Parallel, SkipConnection,
    };

    // `Rule` stays out: its `eta` method would clash with `Optimiser::eta`.
    // Reach it as `ferroflux::optim::Rule` to drive a rule on plain matrices.
    pub use ferroflux_optim::{
        early_stopping, epochs, plateau, progress_bar, setup, setup_matrices, throttle, train,
        train_with, AdaBelief, AdaDelta, AdaGrad, AdaMax, Adam, AdamW, AmsGrad, ClipGrad, ClipNorm,
        Control, DataLoader, Descent, Lion, Momentum, NAdam, Nesterov, OAdam, Optimiser,
        OptimiserChain, OptimiserState, RAdam, RmsProp, TrainReport, WeightDecay,
    };

    pub use ferroflux_factorize::{
        read_series_csv, seed_problem, svd_baseline, write_matrix_csv, FactorizeError, Init,
        NmfFit, Objective, Scaling, SimplexNmf,
    };
}
