//! The explicit style on plain matrices: a rule with one state per matrix,
//! for models kept as `Vec<Matrix>` and gradients from
//! `value_and_gradient`.

use ferroflux_linalg::{Float, Matrix};

use crate::optimiser::{adjust_rule, step_group, Entry, Store};
use crate::{OptimError, Rule};

/// A rule with the state of each matrix of a model given as plain
/// matrices, built by [`setup_matrices`]: Optimisers.jl's `setup` and
/// `update!` for models that are not `Param`s.
///
/// Matrices are identified by their position, so every call to
/// [`MatrixState::update`] passes the same matrices in the same order.
/// Through `update`, `ClipNorm` uses the global norm over all gradients of
/// the call, as `update_all` does for `Params`.
///
/// ```
/// use ferroflux_autodiff::{value_and_gradient, Matrix, Tensor};
/// use ferroflux_optim::{setup_matrices, Adam};
///
/// let mut w = Matrix::from_element(2, 2, 1.0_f64);
/// let mut b = Matrix::from_element(2, 1, 1.0);
/// let mut state = setup_matrices(Adam::new(0.1), &[&w, &b])?;
/// for _ in 0..3 {
///     let loss = |xs: &[Tensor]| (xs[0].sum() + xs[1].sum()).square();
///     let (_, grads) = value_and_gradient(loss, &[&w, &b]);
///     state.update(&mut [&mut w, &mut b], &grads)?;
/// }
/// assert!(w[0] < 1.0 && b[0] < 1.0);
/// # Ok::<(), ferroflux_optim::OptimError>(())
/// ```
#[derive(Debug, Clone)]
pub struct MatrixState<R: Rule<T>, T: Float> {
    rule: R,
    entries: Vec<Entry<R::State, T>>,
    frozen: Vec<bool>,
}

/// Sets up `rule` for the matrices `xs`: checks the hyper-parameters and
/// creates one state per matrix, in order.
///
/// # Errors
/// [`OptimError::InvalidHyperParameter`] naming the first invalid value.
pub fn setup_matrices<T: Float, R: Rule<T>>(
    rule: R,
    xs: &[&Matrix<T>],
) -> Result<MatrixState<R, T>, OptimError> {
    rule.validate()?;
    if xs.is_empty() {
        log::warn!("setup_matrices: no matrices were given, so the optimiser has nothing to train");
    }
    let entries = xs
        .iter()
        .map(|x| Entry {
            state: rule.init(x.shape()),
            buffer: None,
        })
        .collect();
    Ok(MatrixState {
        rule,
        entries,
        frozen: vec![false; xs.len()],
    })
}

impl<R: Rule<T>, T: Float> Store<R, T, usize> for Vec<Entry<R::State, T>> {
    fn entry(&mut self, _rule: &R, key: usize, _shape: (usize, usize)) -> &mut Entry<R::State, T> {
        &mut self[key]
    }
}

impl<R: Rule<T> + std::fmt::Debug, T: Float> MatrixState<R, T> {
    /// Applies one step to every matrix of `xs` with the gradient at the same
    /// position of `gs`, skipping frozen matrices.
    ///
    /// # Errors
    /// [`OptimError::InvalidHyperParameter`] for a rule with an invalid value,
    /// [`OptimError::NonFiniteNorm`] from `ClipNorm`; no matrix changes then.
    ///
    /// # Panics
    /// If `xs` or `gs` does not have one entry per matrix given to
    /// [`setup_matrices`], or a gradient's shape differs from its matrix's,
    /// naming the counts or shapes.
    #[track_caller]
    pub fn update(
        &mut self,
        xs: &mut [&mut Matrix<T>],
        gs: &[Matrix<T>],
    ) -> Result<(), OptimError> {
        let count = self.entries.len();
        assert!(
            xs.len() == count && gs.len() == count,
            "MatrixState::update: {} matrices and {} gradients given, but the state was set up for {count}",
            xs.len(),
            gs.len(),
        );
        let mut items: Vec<(usize, &mut Matrix<T>, &Matrix<T>)> = xs
            .iter_mut()
            .zip(gs)
            .enumerate()
            .filter(|(index, _)| !self.frozen[*index])
            .map(|(index, (x, g))| (index, &mut **x, g))
            .collect();
        step_group(&self.rule, &mut self.entries, &mut items)
    }

    /// Sets the learning rate η and keeps every state, as Optimisers.jl's
    /// `adjust!`.
    ///
    /// # Errors
    /// As [`crate::Optimiser::adjust`].
    pub fn adjust(&mut self, eta: f64) -> Result<(), OptimError> {
        adjust_rule::<T, R>(&mut self.rule, eta)
    }

    /// Returns the current learning rate η, or `None` for a rule without one.
    pub fn eta(&self) -> Option<f64> {
        self.rule.eta()
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

    /// Returns the state of the matrix at `index`.
    ///
    /// # Panics
    /// If `index` is out of range.
    pub fn state(&self, index: usize) -> &R::State {
        &self.entries[index].state
    }

    /// Stops updates of the matrix at `index`, keeping its state.
    ///
    /// # Panics
    /// If `index` is out of range.
    pub fn freeze(&mut self, index: usize) {
        self.frozen[index] = true;
    }

    /// Restarts updates of the matrix at `index` from its kept state.
    ///
    /// # Panics
    /// If `index` is out of range.
    pub fn thaw(&mut self, index: usize) {
        self.frozen[index] = false;
    }

    /// Returns `true` when the matrix at `index` is frozen.
    pub fn is_frozen(&self, index: usize) -> bool {
        self.frozen.get(index).copied().unwrap_or(false)
    }
}
