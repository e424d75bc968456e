//! The implicit training style: every rule struct is an [`Optimiser`]
//! whose per-parameter state lives in a per-thread table.

use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::collections::HashMap;

use ferroflux_autodiff::{Grads, Param, ParamId, Params};
use ferroflux_linalg::{Float, Matrix};

use crate::optimiser::{adjust_rule, step_group, update_params, Entry, Store};
use crate::rules::{
    AdaBelief, AdaDelta, AdaGrad, AdaMax, Adam, AdamW, AmsGrad, ClipGrad, ClipNorm, Descent, Lion,
    Momentum, NAdam, Nesterov, OAdam, OptimiserChain, RAdam, RmsProp, WeightDecay,
};
use crate::{OptimError, Optimiser, Rule};

thread_local! {
    /// State of the implicit style, keyed by parameter and by the rule's
    /// and element's types, so `Adam` and `AdaMax` on one parameter keep
    /// separate moments.
    static IMPLICIT: RefCell<HashMap<(ParamId, TypeId), Box<dyn Any>>> = RefCell::new(HashMap::new());
}

/// The per-thread table seen as a [`Store`] for one rule type.
struct ImplicitStore<'a> {
    table: &'a mut HashMap<(ParamId, TypeId), Box<dyn Any>>,
    key: TypeId,
}

impl<R: Rule<T>, T: Float> Store<R, T, ParamId> for ImplicitStore<'_>
where
    R::State: 'static,
{
    fn entry(&mut self, rule: &R, key: ParamId, shape: (usize, usize)) -> &mut Entry<R::State, T> {
        self.table
            .entry((key, self.key))
            .or_insert_with(|| {
                Box::new(Entry::<R::State, T> {
                    state: rule.init(shape),
                    buffer: None,
                })
            })
            .downcast_mut()
            .expect("the implicit table keys entries by the rule and element types")
    }
}

/// Runs `f` on the implicit table of rule type `R` with elements `T`.
fn with_implicit<R: 'static, T: 'static, Out>(
    f: impl FnOnce(&mut ImplicitStore<'_>) -> Out,
) -> Out {
    IMPLICIT.with(|table| {
        let mut table = table.borrow_mut();
        f(&mut ImplicitStore {
            table: &mut table,
            key: TypeId::of::<(R, T)>(),
        })
    })
}

/// Implements [`Optimiser`] for a rule struct through the per-thread table.
macro_rules! implicit_optimiser {
    ($($rule:ty),+) => {
        $(
            /// The implicit style: the per-parameter state lives in a
            /// per-thread table keyed by parameter, rule type and element
            /// type, and persists until [`Optimiser::reset`].
            ///
            /// Two values of this rule type that update the same parameter
            /// share its state; build a [`crate::OptimiserState`] with [`crate::setup`]
            /// to keep them apart. The table holds the state of a parameter
            /// that has been dropped until `reset` is called.
            impl<T: Float> Optimiser<T> for $rule {
                #[track_caller]
                fn update(&mut self, p: &Param<T>, g: &Matrix<T>) -> Result<(), OptimError> {
                    // Checked here: the closure below would hide the caller's line.
                    crate::optimiser::check_gradient_shape(&p, g);
                    with_implicit::<Self, T, _>(|store| step_group(self, store, &mut [(p.id(), p, g)]))
                }

                #[track_caller]
                fn update_all(&mut self, ps: &Params<T>, gs: &Grads<T>) -> Result<(), OptimError> {
                    with_implicit::<Self, T, _>(|store| update_params(self, store, ps, gs, |_| false))
                }

                fn adjust(&mut self, eta: f64) -> Result<(), OptimError> {
                    adjust_rule::<T, Self>(self, eta)
                }

                fn eta(&self) -> Option<f64> {
                    Rule::<T>::eta(self)
                }

                fn reset(&mut self) {
                    let key = TypeId::of::<(Self, T)>();
                    IMPLICIT.with(|table| table.borrow_mut().retain(|(_, k), _| *k != key));
                }
            }
        )+
    };
}

implicit_optimiser!(
    Descent,
    Momentum,
    Nesterov,
    RmsProp,
    Adam,
    AdamW,
    RAdam,
    AdaMax,
    OAdam,
    AdaGrad,
    AdaDelta,
    AmsGrad,
    NAdam,
    AdaBelief,
    Lion,
    WeightDecay,
    ClipGrad,
    ClipNorm
);

/// The implicit style for a chain, as for the single rules.
impl<T: Float, C: 'static> Optimiser<T> for OptimiserChain<C>
where
    OptimiserChain<C>: Rule<T> + std::fmt::Debug,
    <OptimiserChain<C> as Rule<T>>::State: 'static,
{
    #[track_caller]
    fn update(&mut self, p: &Param<T>, g: &Matrix<T>) -> Result<(), OptimError> {
        crate::optimiser::check_gradient_shape(&p, g);
        with_implicit::<Self, T, _>(|store| step_group(self, store, &mut [(p.id(), p, g)]))
    }

    #[track_caller]
    fn update_all(&mut self, ps: &Params<T>, gs: &Grads<T>) -> Result<(), OptimError> {
        with_implicit::<Self, T, _>(|store| update_params(self, store, ps, gs, |_| false))
    }

    fn adjust(&mut self, eta: f64) -> Result<(), OptimError> {
        adjust_rule::<T, Self>(self, eta)
    }

    fn eta(&self) -> Option<f64> {
        Rule::<T>::eta(self)
    }

    fn reset(&mut self) {
        let key = TypeId::of::<(Self, T)>();
        IMPLICIT.with(|table| table.borrow_mut().retain(|(_, k), _| *k != key));
    }
}
