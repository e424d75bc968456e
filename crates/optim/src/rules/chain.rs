//! Composition of rules: each rule transforms the output of the previous
//! one, and the last output is the step.

use ferroflux_linalg::{Float, Matrix};

use crate::rule::{Rule, StepContext};
use crate::OptimError;

/// A sequence of rules applied in order, as Optimisers.jl's
/// `OptimiserChain`: the first rule rewrites the gradient, each next rule
/// rewrites the previous output, and the parameter moves by the last one.
///
/// `rules` is a tuple of one to eight rules:
///
/// ```
/// use ferroflux_linalg::Matrix;
/// use ferroflux_optim::{ClipGrad, Descent, OptimiserChain, Rule};
///
/// // Clip each component at 1, then scale by 0.1.
/// let chain = OptimiserChain::new((ClipGrad::new(1.0), Descent::new(0.1)));
/// let mut x = Matrix::from_column_slice(3, 1, &[0.0_f64, 0.0, 0.0]);
/// let g = Matrix::from_column_slice(3, 1, &[0.3, 1.0, 7.0]);
/// let mut state = chain.init(x.shape());
/// chain.apply(&mut state, &mut x, &g);
/// assert_eq!(x.as_slice(), &[-0.03, -0.1, -0.1]);
/// ```
///
/// [`Rule::eta`] returns the first learning rate in the chain, and
/// [`Rule::set_eta`] sets every rule's learning rate, as Optimisers.jl's
/// `adjust` does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OptimiserChain<R> {
    /// The rules, in the order they are applied.
    pub rules: R,
}

impl<R> OptimiserChain<R> {
    /// Chains the rules of the tuple `rules`.
    pub fn new(rules: R) -> Self {
        Self { rules }
    }
}

/// Per-parameter state of an [`OptimiserChain`].
#[derive(Debug, Clone, PartialEq)]
pub struct ChainState<S, T: Float> {
    /// The state of each rule, in the chain's order.
    pub parts: S,
    /// The step buffer of [`Rule::apply`], which gets a read-only gradient.
    pub buffer: Matrix<T>,
}

macro_rules! chain_rule {
    ($(($index:tt, $rule:ident)),+) => {
        impl<T: Float, $($rule: Rule<T>),+> Rule<T> for OptimiserChain<($($rule,)+)> {
            type State = ChainState<($(<$rule as Rule<T>>::State,)+), T>;

            fn init(&self, shape: (usize, usize)) -> Self::State {
                ChainState {
                    parts: ($(self.rules.$index.init(shape),)+),
                    buffer: Matrix::zeros(shape.0, shape.1),
                }
            }

            /// # Panics
            /// When a rule's `transform` fails (a non-finite norm in
            /// `ClipNorm`), and on mismatched shapes.
            #[track_caller]
            fn apply(&self, state: &mut Self::State, x: &mut Matrix<T>, g: &Matrix<T>) {
                if let Err(error) = self.try_apply(state, x, g) {
                    panic!("{error}");
                }
            }

            #[track_caller]
            fn try_apply(
                &self,
                state: &mut Self::State,
                x: &mut Matrix<T>,
                g: &Matrix<T>,
            ) -> Result<(), OptimError> {
                assert_eq!(
                    g.shape(),
                    state.buffer.shape(),
                    "OptimiserChain: gradient shape {:?} differs from the state's shape {:?}",
                    g.shape(),
                    state.buffer.shape(),
                );
                state.buffer.copy_from(g);
                let single = StepContext::single();
                $(self.rules.$index.transform(&mut state.parts.$index, x, &mut state.buffer, &single)?;)+
                *x -= &state.buffer;
                Ok(())
            }

            /// Runs every rule in turn. Only the first rule sees
            /// `context`'s global norm, because the later ones receive
            /// steps whose norm it does not describe; they use their own
            /// parameter's norm.
            #[track_caller]
            fn transform(
                &self,
                state: &mut Self::State,
                x: &Matrix<T>,
                dx: &mut Matrix<T>,
                context: &StepContext<T>,
            ) -> Result<(), OptimError> {
                let single = StepContext::single();
                let mut position = 0_usize;
                $(
                    let this_context = if position == 0 { context } else { &single };
                    self.rules.$index.transform(&mut state.parts.$index, x, dx, this_context)?;
                    position += 1;
                )+
                debug_assert!(position > 0);
                Ok(())
            }

            fn validate(&self) -> Result<(), OptimError> {
                $(self.rules.$index.validate()?;)+
                Ok(())
            }

            fn eta(&self) -> Option<f64> {
                None$(.or_else(|| self.rules.$index.eta()))+
            }

            fn set_eta(&mut self, eta: f64) -> bool {
                let mut any = false;
                $(any |= self.rules.$index.set_eta(eta);)+
                any
            }

            fn stage_count(&self) -> usize {
                0 $(+ self.rules.$index.stage_count())+
            }

            fn global_norm_order(&self, stage: usize) -> Option<f64> {
                let mut offset = 0;
                $(
                    let count = self.rules.$index.stage_count();
                    if stage < offset + count {
                        return self.rules.$index.global_norm_order(stage - offset);
                    }
                    offset += count;
                )+
                panic!("OptimiserChain: stage {stage} is out of range for {offset} stages");
            }

            #[track_caller]
            fn transform_stage(
                &self,
                stage: usize,
                state: &mut Self::State,
                x: &Matrix<T>,
                dx: &mut Matrix<T>,
                context: &StepContext<T>,
            ) -> Result<(), OptimError> {
                let mut offset = 0;
                $(
                    let count = self.rules.$index.stage_count();
                    if stage < offset + count {
                        return self.rules.$index.transform_stage(
                            stage - offset,
                            &mut state.parts.$index,
                            x,
                            dx,
                            context,
                        );
                    }
                    offset += count;
                )+
                panic!("OptimiserChain: stage {stage} is out of range for {offset} stages");
            }
        }
    };
}

chain_rule!((0, A));
chain_rule!((0, A), (1, B));
chain_rule!((0, A), (1, B), (2, C));
chain_rule!((0, A), (1, B), (2, C), (3, D));
chain_rule!((0, A), (1, B), (2, C), (3, D), (4, E));
chain_rule!((0, A), (1, B), (2, C), (3, D), (4, E), (5, F));
chain_rule!((0, A), (1, B), (2, C), (3, D), (4, E), (5, F), (6, G));
chain_rule!(
    (0, A),
    (1, B),
    (2, C),
    (3, D),
    (4, E),
    (5, F),
    (6, G),
    (7, H)
);
