//! The explicit training style: [`OptimiserState`], built by [`setup`].

use std::collections::{HashMap, HashSet};

use ferroflux_autodiff::{Grads, Param, ParamId, Params};
use ferroflux_linalg::{Float, Matrix};

use crate::optimiser::{adjust_rule, step_group, update_params, Entry, Store};
use crate::{OptimError, Optimiser, Rule};

/// A rule with its per-parameter state: Optimisers.jl's state tree for the
/// explicit training style, built by [`setup`] or [`OptimiserState::new`].
///
/// The rule's hyper-parameters stay in [`OptimiserState::rule`]; the state
/// of each parameter is keyed by its [`ParamId`] and created on the
/// parameter's first update (or by [`setup`]). Frozen parameters are
/// skipped by every update and keep their state until they are thawed.
///
/// ```
/// use ferroflux_autodiff::{gradient, Matrix, Param, Params};
/// use ferroflux_optim::{setup, Adam, Optimiser};
///
/// let w = Param::new(Matrix::from_element(2, 1, 1.0));
/// let b = Param::new(Matrix::from_element(2, 1, 1.0));
/// let ps = Params::new([&w, &b]);
/// let mut state = setup(Adam::new(0.1), &ps)?;
/// state.freeze(&b);
/// let grads = gradient(&ps, || (w.tensor() + b.tensor()).square().sum());
/// state.update_all(&ps, &grads)?;
/// assert!(w.value()[0] < 1.0);
/// assert_eq!(b.value()[0], 1.0);
/// state.adjust(0.01)?;
/// # Ok::<(), ferroflux_optim::OptimError>(())
/// ```
#[derive(Debug, Clone)]
pub struct OptimiserState<R: Rule<T>, T: Float> {
    rule: R,
    entries: HashMap<ParamId, Entry<R::State, T>>,
    frozen: HashSet<ParamId>,
}

impl<R: Rule<T>, T: Float> Store<R, T, ParamId> for HashMap<ParamId, Entry<R::State, T>> {
    fn entry(&mut self, rule: &R, key: ParamId, shape: (usize, usize)) -> &mut Entry<R::State, T> {
        self.entry(key).or_insert_with(|| Entry {
            state: rule.init(shape),
            buffer: None,
        })
    }
}

/// Sets up `rule` for the parameters `ps`: checks the hyper-parameters and
/// creates each parameter's state (Optimisers.jl's `setup`).
///
/// An empty `ps` is allowed and logs a warning, since nothing will train.
///
/// # Errors
/// [`OptimError::InvalidHyperParameter`] naming the first invalid value.
pub fn setup<T: Float, R: Rule<T>>(
    rule: R,
    ps: &Params<T>,
) -> Result<OptimiserState<R, T>, OptimError> {
    rule.validate()?;
    if ps.is_empty() {
        log::warn!("setup: the Params are empty, so the optimiser has nothing to train");
    }
    let mut state = OptimiserState::new(rule);
    for p in ps.iter() {
        Store::entry(&mut state.entries, &state.rule, p.id(), p.shape());
    }
    Ok(state)
}

impl<R: Rule<T>, T: Float> OptimiserState<R, T> {
    /// Wraps `rule` with no state yet; each parameter's state is created at
    /// its first update.
    pub fn new(rule: R) -> Self {
        Self {
            rule,
            entries: HashMap::new(),
            frozen: HashSet::new(),
        }
    }

    /// Returns the rule and its hyper-parameters.
    pub fn rule(&self) -> &R {
        &self.rule
    }

    /// Returns the rule for changing hyper-parameters other than η (checked
    /// at the next update).
    pub fn rule_mut(&mut self) -> &mut R {
        &mut self.rule
    }

    /// Returns the state of `p`, or `None` before its first update.
    pub fn state(&self, p: &Param<T>) -> Option<&R::State> {
        self.entries.get(&p.id()).map(|entry| &entry.state)
    }

    /// Stops updates of `p` (Optimisers.jl's `freeze!`); its state is kept.
    pub fn freeze(&mut self, p: &Param<T>) {
        self.frozen.insert(p.id());
    }

    /// Stops updates of every parameter of `ps`.
    pub fn freeze_all(&mut self, ps: &Params<T>) {
        self.frozen.extend(ps.iter().map(Param::id));
    }

    /// Restarts updates of `p` (Optimisers.jl's `thaw!`), continuing from
    /// the state it had when frozen.
    pub fn thaw(&mut self, p: &Param<T>) {
        self.frozen.remove(&p.id());
    }

    /// Restarts updates of every parameter of `ps`.
    pub fn thaw_all(&mut self, ps: &Params<T>) {
        for p in ps.iter() {
            self.frozen.remove(&p.id());
        }
    }

    /// Returns `true` when `p` is frozen.
    pub fn is_frozen(&self, p: &Param<T>) -> bool {
        self.frozen.contains(&p.id())
    }
}

impl<R: Rule<T> + std::fmt::Debug, T: Float> Optimiser<T> for OptimiserState<R, T> {
    #[track_caller]
    fn update(&mut self, p: &Param<T>, g: &Matrix<T>) -> Result<(), OptimError> {
        if self.is_frozen(p) {
            return Ok(());
        }
        step_group(&self.rule, &mut self.entries, &mut [(p.id(), p, g)])
    }

    #[track_caller]
    fn update_all(&mut self, ps: &Params<T>, gs: &Grads<T>) -> Result<(), OptimError> {
        let frozen = &self.frozen;
        update_params(&self.rule, &mut self.entries, ps, gs, |p| {
            frozen.contains(&p.id())
        })
    }

    fn adjust(&mut self, eta: f64) -> Result<(), OptimError> {
        adjust_rule::<T, R>(&mut self.rule, eta)
    }

    fn eta(&self) -> Option<f64> {
        self.rule.eta()
    }

    fn reset(&mut self) {
        self.entries.clear();
    }
}
