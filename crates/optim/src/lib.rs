//! Optimisers, the train loop and data loading for ferroflux.
//!
//! This crate sits on `ferroflux-autodiff` (it updates its `Param`s from
//! its `Grads`) and is re-exported by the facade as `ferroflux::optim`.
//!
//! - Rules: [`Descent`], [`Momentum`], [`Nesterov`], [`RmsProp`], [`Adam`],
//!   [`AdamW`], [`RAdam`], [`AdaMax`], [`OAdam`], [`AdaGrad`], [`AdaDelta`],
//!   [`AmsGrad`], [`NAdam`], [`AdaBelief`], [`Lion`], the modifiers
//!   [`WeightDecay`], [`ClipGrad`] and [`ClipNorm`], and [`OptimiserChain`].
//!   A rule is a small value of hyper-parameters with Optimisers.jl's
//!   defaults. Its per-parameter state ([`Rule::State`]) lives outside it,
//!   so one rule drives any number of parameters and rules compose.
//! - Updating parameters: the [`Optimiser`] trait, implemented by every rule
//!   (implicit style) and by [`OptimiserState`] from [`setup`] (explicit
//!   style, with `adjust`, `freeze` and `thaw`); [`MatrixState`] from
//!   [`setup_matrices`] does the same for plain matrices.
//! - Training: [`train`], [`train_with`] and [`epochs`] with [`Callback`]s
//!   ([`throttle`], [`early_stopping`], [`plateau`], [`progress_bar`]), and
//!   the [`DataLoader`].
//!
//! ```
//! use ferroflux_linalg::Matrix;
//! use ferroflux_optim::{Adam, Rule};
//!
//! // Minimise ½‖x‖² with Adam on a raw matrix: the gradient is x itself.
//! let rule = Adam::new(0.1);
//! let mut x = Matrix::from_element(3, 1, 1.0);
//! let mut state = rule.init(x.shape());
//! for _ in 0..200 {
//!     let g = x.clone();
//!     rule.apply(&mut state, &mut x, &g);
//! }
//! assert!(x.norm() < 0.05);
//! ```

#![warn(missing_docs)]

mod callback;
mod data;
mod error;
mod implicit;
mod matrices;
mod optimiser;
mod rule;
mod rules;
mod simd;
mod state;
mod train;

pub use callback::{
    early_stopping, plateau, progress_bar, throttle, Callback, Control, EarlyStopping,
    EpochSummary, Plateau, Progress, ProgressBar, Throttle,
};
pub use data::{DataLoader, DataLoaderIter};
pub use error::{DataError, OptimError, TrainError};
pub use matrices::{setup_matrices, MatrixState};
pub use optimiser::Optimiser;
pub use rule::{Rule, StepContext};
pub use rules::{
    AdaBelief, AdaDelta, AdaDeltaState, AdaGrad, AdaMax, Adam, AdamState, AdamW, AmsGrad,
    AmsGradState, ChainState, ClipGrad, ClipNorm, Descent, Lion, Momentum, NAdam, Nesterov, OAdam,
    OAdamState, OptimiserChain, ParamShape, RAdam, RAdamState, RmsProp, RmsPropState, WeightDecay,
};
pub use state::{setup, OptimiserState};
pub use train::{epochs, train, train_with, Batch, IntoTensor, TrainReport};
