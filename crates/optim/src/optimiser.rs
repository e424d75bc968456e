//! The [`Optimiser`] trait and the step machinery shared by the explicit
//! ([`crate::OptimiserState`], [`crate::MatrixState`]) and implicit
//! (bare rules) styles.

use ferroflux_autodiff::{Grads, Param, ParamId, Params};
use ferroflux_linalg::{Float, Matrix};

use crate::rule::{check_eta, Rule, StepContext};
use crate::rules::NormAccumulator;
use crate::OptimError;

/// Updates [`Param`]s from their gradients, keeping per-parameter state
/// keyed by [`ParamId`].
///
/// [`crate::OptimiserState`] implements it for the explicit style: state set up
/// from the parameters, with [`crate::OptimiserState::freeze`] and
/// [`crate::OptimiserState::thaw`]. Every rule struct implements it for the
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

/// Storage of the entries: the map of an [`crate::OptimiserState`], the per-thread
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
pub(crate) fn check_gradient_shape<T: Float>(x: &impl Target<T>, g: &Matrix<T>) {
    let ((rows, cols), (g_rows, g_cols)) = (x.shape(), g.shape());
    assert!(
        (rows, cols) == (g_rows, g_cols),
        "optimiser update: the gradient is {g_rows}x{g_cols} but the parameter is \
         {rows}x{cols}; pass the gradient of this parameter (for example `&grads[&p]`)",
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
pub(crate) fn update_params<T: Float, R: Rule<T>>(
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
