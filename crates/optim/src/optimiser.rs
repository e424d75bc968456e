//! The parameter-level API: the [`Optimiser`] trait, the explicit
//! [`OptimiserState`] built by [`setup`], and the implicit state that lets
//! a bare rule such as `Adam::default()` update parameters directly.

use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use ferroflux_autodiff::{Grads, Param, ParamId, Params};
use ferroflux_linalg::{Float, Matrix};

use crate::rule::{check_eta, Rule, StepContext};
use crate::rules::{
    AdaBelief, AdaDelta, AdaGrad, AdaMax, Adam, AdamW, AmsGrad, ClipGrad, ClipNorm, Descent, Lion,
    Momentum, NAdam, Nesterov, NormAccumulator, OAdam, OptimiserChain, RAdam, RmsProp, WeightDecay,
};
use crate::OptimError;

/// Updates [`Param`]s from their gradients, keeping per-parameter state
/// keyed by [`ParamId`].
///
/// [`OptimiserState`] implements it for the explicit style: state set up
/// from the parameters, with [`OptimiserState::freeze`] and
/// [`OptimiserState::thaw`]. Every rule struct implements it for the
/// implicit style of Flux's early tutorials, where the state lives in a
/// per-thread table (see [`Optimiser::reset`]).
///
/// ```
/// use ferroflux_autodiff::{gradient, Matrix, Param, Params};
/// use ferroflux_optim::{Descent, Optimiser};
///
/// let w = Param::new(Matrix::from_element(1, 1, 3.0_f64));
/// let ps = Params::new([&w]);
/// let grads = gradient(&ps, || w.tensor().square().sum()); // d/dw w² = 6
/// let mut opt = Descent::new(0.1);
/// for p in ps.iter() {
///     opt.update(p, &grads[p])?;
/// }
/// assert!((w.value()[0] - 2.4).abs() < 1e-12);
/// # Ok::<(), ferroflux_optim::OptimError>(())
/// ```
pub trait Optimiser<T: Float> {
    /// Applies one step to `p` with gradient `g`. A rule that needs a norm
    /// (`ClipNorm`) uses the norm of `g` alone.
    ///
    /// # Errors
    /// [`OptimError::InvalidHyperParameter`] for a rule with an invalid
    /// value, [`OptimError::NonFiniteNorm`] from `ClipNorm`; the parameter is
    /// then unchanged.
    ///
    /// # Panics
    /// If `g` and `p` differ in shape, naming both.
    fn update(&mut self, p: &Param<T>, g: &Matrix<T>) -> Result<(), OptimError>;

    /// Applies one step to every parameter of `ps` with its gradient in
    /// `gs`. `ClipNorm` uses the norm over all these gradients together.
    ///
    /// # Errors
    /// [`OptimError::MissingGradient`] if `gs` lacks a parameter of `ps`,
    /// and the errors of [`Optimiser::update`]. With the rules of this crate
    /// no parameter changes when an error is returned.
    ///
    /// # Panics
    /// If a gradient and its parameter differ in shape, naming both.
    fn update_all(&mut self, ps: &Params<T>, gs: &Grads<T>) -> Result<(), OptimError>;

    /// Sets the learning rate η of the rule (of every rule in a chain that
    /// has one) and keeps the per-parameter state, as Optimisers.jl's
    /// `adjust!`.
    ///
    /// # Errors
    /// [`OptimError::InvalidHyperParameter`] for a negative or non-finite
    /// `eta`, [`OptimError::NoLearningRate`] for a rule without η
    /// (AdaDelta, the modifiers).
    fn adjust(&mut self, eta: f64) -> Result<(), OptimError>;

    /// Returns the current learning rate η, or `None` for a rule without one.
    fn eta(&self) -> Option<f64>;

    /// Forgets every parameter's state, so the next update starts afresh
    /// (zero moments, step count 1), as a newly built optimiser in Flux.
    fn reset(&mut self);
}

/// Per-parameter entry: the rule's state and, for multi-stage rules, the
/// step buffer.
#[derive(Debug, Clone)]
pub(crate) struct Entry<S, T: Float> {
    pub(crate) state: S,
    pub(crate) buffer: Option<Matrix<T>>,
}

/// Storage of the entries: the map of an [`OptimiserState`], the per-thread
/// table of the implicit style, or the list of a [`crate::MatrixState`].
pub(crate) trait Store<R: Rule<T>, T: Float, K> {
    fn entry(&mut self, rule: &R, key: K, shape: (usize, usize)) -> &mut Entry<R::State, T>;
}

/// A value that one step moves: a [`Param`] or a plain matrix.
pub(crate) trait Target<T: Float> {
    fn shape(&self) -> (usize, usize);
    fn read<Out>(&self, f: impl FnOnce(&Matrix<T>) -> Out) -> Out;
    fn write<Out>(&mut self, f: impl FnOnce(&mut Matrix<T>) -> Out) -> Out;
}

impl<T: Float> Target<T> for &Param<T> {
    fn shape(&self) -> (usize, usize) {
        Param::shape(self)
    }

    fn read<Out>(&self, f: impl FnOnce(&Matrix<T>) -> Out) -> Out {
        f(&self.value())
    }

    fn write<Out>(&mut self, f: impl FnOnce(&mut Matrix<T>) -> Out) -> Out {
        self.update(f)
    }
}

impl<T: Float> Target<T> for &mut Matrix<T> {
    fn shape(&self) -> (usize, usize) {
        Matrix::shape(self)
    }

    fn read<Out>(&self, f: impl FnOnce(&Matrix<T>) -> Out) -> Out {
        f(self)
    }

    fn write<Out>(&mut self, f: impl FnOnce(&mut Matrix<T>) -> Out) -> Out {
        f(self)
    }
}

/// Checks one parameter and its gradient before any update.
#[track_caller]
fn check_gradient_shape<T: Float>(x: &impl Target<T>, g: &Matrix<T>) {
    assert!(
        x.shape() == g.shape(),
        "Optimiser: gradient shape {:?} does not match parameter shape {:?}",
        g.shape(),
        x.shape(),
    );
}

/// Advances every `(parameter, gradient)` pair by one step of `rule`.
///
/// A single-stage rule without a norm steps each parameter in one fused
/// pass ([`Rule::try_apply`]). Otherwise every gradient is copied into its
/// entry's buffer, the stages run over all parameters in turn (computing the
/// global norm before a stage that reads it), and the parameters move last,
/// so an error leaves every parameter unchanged.
///
/// NOTE: the fused pass assumes that `try_apply` fails only where this
/// crate's rules fail (never, after `validate`). A custom single-stage rule
/// whose `try_apply` fails on a later parameter leaves the earlier ones
/// updated.
#[track_caller]
pub(crate) fn step_group<T: Float, R: Rule<T>, K: Copy, X: Target<T>>(
    rule: &R,
    store: &mut impl Store<R, T, K>,
    items: &mut [(K, X, &Matrix<T>)],
) -> Result<(), OptimError> {
    rule.validate()?;
    for (_, x, g) in items.iter() {
        check_gradient_shape(x, g);
    }

    let stages = rule.stage_count();
    if stages == 1 && rule.global_norm_order(0).is_none() {
        for (key, x, g) in items.iter_mut() {
            let entry = store.entry(rule, *key, x.shape());
            x.write(|x| rule.try_apply(&mut entry.state, x, g))?;
        }
        return Ok(());
    }

    for (key, x, g) in items.iter() {
        let entry = store.entry(rule, *key, x.shape());
        match entry.buffer.as_mut() {
            Some(buffer) => buffer.copy_from(*g),
            None => entry.buffer = Some((*g).clone()),
        }
    }
    for stage in 0..stages {
        let context = match rule.global_norm_order(stage) {
            Some(order) => {
                let mut norm = NormAccumulator::new(order);
                for (key, x, _) in items.iter() {
                    norm.add(buffer_of(store.entry(rule, *key, x.shape())).as_slice());
                }
                StepContext {
                    global_norm: Some(T::cast(norm.norm())),
                }
            }
            None => StepContext::single(),
        };
        for (key, x, _) in items.iter() {
            let entry = store.entry(rule, *key, x.shape());
            let buffer = entry
                .buffer
                .as_mut()
                .expect("step_group filled every buffer above");
            x.read(|x| rule.transform_stage(stage, &mut entry.state, x, buffer, &context))?;
        }
    }
    for (key, x, _) in items.iter_mut() {
        let buffer = buffer_of(store.entry(rule, *key, x.shape()));
        x.write(|x| *x -= buffer);
    }
    Ok(())
}

fn buffer_of<S, T: Float>(entry: &Entry<S, T>) -> &Matrix<T> {
    entry
        .buffer
        .as_ref()
        .expect("step_group filled every buffer before the stages")
}

/// A parameter, keyed by its identity, and its gradient.
type Item<'a, T> = (ParamId, &'a Param<T>, &'a Matrix<T>);

/// Returns the gradient of `p`: `aligned` when it belongs to `p` (the usual
/// case, since `Grads` keep the order of the `Params` they were computed
/// for), otherwise the result of a search.
fn gradient_of<'a, T: Float>(
    gs: &'a Grads<T>,
    aligned: Option<(&'a Param<T>, &'a Matrix<T>)>,
    p: &Param<T>,
) -> Option<&'a Matrix<T>> {
    match aligned {
        Some((q, g)) if q.id() == p.id() => Some(g),
        _ => gs.get(p),
    }
}

/// Pairs every parameter of `ps` that `skip` does not reject with its
/// gradient, or reports the first missing one.
fn pair_gradients<'a, T: Float>(
    ps: &'a Params<T>,
    gs: &'a Grads<T>,
    skip: impl Fn(&Param<T>) -> bool,
) -> Result<Vec<Item<'a, T>>, OptimError> {
    let mut items = Vec::with_capacity(ps.len());
    let mut aligned = gs.iter();
    for (index, p) in ps.iter().enumerate() {
        let candidate = aligned.next();
        if skip(p) {
            continue;
        }
        let (rows, cols) = p.shape();
        let g = gradient_of(gs, candidate, p).ok_or(OptimError::MissingGradient {
            index,
            rows,
            cols,
        })?;
        items.push((p.id(), p, g));
    }
    Ok(items)
}

/// Updates every parameter of `ps` that `skip` does not reject.
///
/// A single-stage rule without a norm takes a path that allocates nothing:
/// one pass checks every gradient, a second applies the fused step. Other
/// rules go through [`step_group`].
#[track_caller]
fn update_params<T: Float, R: Rule<T>>(
    rule: &R,
    store: &mut impl Store<R, T, ParamId>,
    ps: &Params<T>,
    gs: &Grads<T>,
    skip: impl Fn(&Param<T>) -> bool,
) -> Result<(), OptimError> {
    if rule.stage_count() != 1 || rule.global_norm_order(0).is_some() {
        let mut items = pair_gradients(ps, gs, skip)?;
        return step_group(rule, store, &mut items);
    }

    rule.validate()?;
    let mut aligned = gs.iter();
    for (index, p) in ps.iter().enumerate() {
        let candidate = aligned.next();
        if skip(p) {
            continue;
        }
        let (rows, cols) = p.shape();
        let g = gradient_of(gs, candidate, p).ok_or(OptimError::MissingGradient {
            index,
            rows,
            cols,
        })?;
        check_gradient_shape(&p, g);
    }

    let mut aligned = gs.iter();
    for p in ps.iter() {
        let candidate = aligned.next();
        if skip(p) {
            continue;
        }
        let g = gradient_of(gs, candidate, p).expect("the first pass found every gradient");
        let entry = store.entry(rule, p.id(), p.shape());
        p.update(|x| rule.try_apply(&mut entry.state, x, g))?;
    }
    Ok(())
}

/// Sets η on `rule` after checking it.
pub(crate) fn adjust_rule<T: Float, R: Rule<T> + std::fmt::Debug>(
    rule: &mut R,
    eta: f64,
) -> Result<(), OptimError> {
    check_eta("Optimiser::adjust", eta)?;
    if Rule::<T>::eta(rule).is_none() {
        return Err(OptimError::NoLearningRate {
            rule: format!("{rule:?}"),
        });
    }
    Rule::<T>::set_eta(rule, eta);
    log::debug!("adjusted the learning rate to {eta}");
    Ok(())
}

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
            /// share its state; build an [`OptimiserState`] with [`setup`]
            /// to keep them apart. The table holds the state of a parameter
            /// that has been dropped until `reset` is called.
            impl<T: Float> Optimiser<T> for $rule {
                #[track_caller]
                fn update(&mut self, p: &Param<T>, g: &Matrix<T>) -> Result<(), OptimError> {
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
