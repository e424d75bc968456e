//! ferroflux: Flux.jl-style numerics and deep learning in Rust.
//!
//! This facade re-exports the workspace crates; `use ferroflux::prelude::*`
//! brings the everyday names into scope.

pub use ferroflux_autodiff as autodiff;
pub use ferroflux_factorize as factorize;
pub use ferroflux_linalg as linalg;
pub use ferroflux_nn as nn;
pub use ferroflux_optim as optim;
pub use ferroflux_plot as plot;

pub use ferroflux_linalg::{backend, rand, randn, seed, Float, Matrix};

/// The everyday names: matrices, randomness and the backend report.
pub mod prelude {
    pub use ferroflux_linalg::{
        backend, log_softmax, logsumexp, matmul, rand, rand_f32, randn, randn_f32, seed, softmax,
        Float, Matrix,
    };
}
