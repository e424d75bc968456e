//! The update rules, grouped by the state they keep.

mod adam;
mod adam_family;
mod adaptive;
mod chain;
mod descent;
mod lion;
mod modifiers;

pub use adam::{Adam, AdamState, AdamW};
pub use adam_family::{
    AdaBelief, AdaMax, AmsGrad, AmsGradState, NAdam, OAdam, OAdamState, RAdam, RAdamState,
};
pub use adaptive::{AdaDelta, AdaDeltaState, AdaGrad, RmsProp, RmsPropState};
pub use chain::{ChainState, OptimiserChain};
pub use descent::{Descent, Momentum, Nesterov, ParamShape};
pub use lion::Lion;
pub(crate) use modifiers::NormAccumulator;
pub use modifiers::{ClipGrad, ClipNorm, WeightDecay};
