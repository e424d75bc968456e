//! Layers, activations, losses, initialisers and parameter files for ferroflux.
//!
//! A model is a value of a type that implements [`Layer`]: a [`Dense`]
//! layer, a [`Chain`] of layers, a normalisation or dropout layer, or any
//! function of a tensor such as [`softmax`]. Its one method [`Layer::apply`]
//! works on tensors and [`Layer::forward`] on plain matrices, so the same
//! model serves inference and, inside [`ferroflux_autodiff::gradient`],
//! training. Batches hold one sample per column (features x batch), as in
//! Flux.
//!
//! ```
//! use ferroflux_autodiff::{gradient, Tensor};
//! use ferroflux_linalg::{rand_f32, seed};
//! use ferroflux_nn::{identity, mse, sigmoid, softmax, Chain, Dense, Layer};
//!
//! seed(1);
//! let model = Chain::new((
//!     Dense::new(10, 5, sigmoid),
//!     Dense::new(5, 2, identity),
//!     softmax,
//! ));
//! let (x, y) = (Tensor::constant(rand_f32(10, 8)), Tensor::constant(rand_f32(2, 8)));
//!
//! let ps = model.params();
//! let grads = gradient(&ps, || mse(&model.apply(&x), &y));
//! assert_eq!(grads[&model.get::<Dense>(0).unwrap().weight()].shape(), (5, 10));
//! ```
//!
//! Modules: [`activation`] (functions usable as layers), [`init`] (weight
//! initialisers), [`loss`] (losses with a choice of aggregation), [`idx`]
//! (the MNIST file reader), and the safetensors functions
//! [`save_safetensors`] and [`load_safetensors`].

pub mod activation;
mod chain;
mod combinator;
mod dense;
mod dropout;
mod embedding;
mod error;
pub mod idx;
pub mod init;
mod io;
mod layer;
pub mod loss;
mod norm;
mod onehot;

pub use activation::{
    elu, gelu, hard_sigmoid, hard_tanh, identity, leaky_relu, log_sigmoid, log_softmax, relu,
    sigmoid, softmax, softplus, softsign, swish, tanh, Activation,
};
pub use chain::{Chain, IntoLayers};
pub use combinator::{Parallel, SkipConnection};
pub use dense::{Dense, DenseBuilder};
pub use dropout::Dropout;
pub use embedding::Embedding;
pub use error::NnError;
pub use io::{load_safetensors, save_safetensors};
pub use layer::{AsAny, Layer, Mode, NamedParam, TreeLine};
pub use loss::{
    binary_cross_entropy, binary_cross_entropy_with, cross_entropy, cross_entropy_with, huber_loss,
    huber_loss_with, kl_divergence, kl_divergence_with, logit_binary_cross_entropy,
    logit_binary_cross_entropy_with, logit_cross_entropy, logit_cross_entropy_with, mae, mae_with,
    mse, mse_with, try_binary_cross_entropy, try_cross_entropy, try_huber_loss, try_kl_divergence,
    try_logit_binary_cross_entropy, try_logit_cross_entropy, try_mae, try_mse, Aggregation,
};
pub use norm::{BatchNorm, LayerNorm};
pub use onehot::{accuracy, one_cold, one_hot};
