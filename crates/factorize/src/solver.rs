//! One Adam iteration on `(W, H̄)`: value, gradient and update on buffers
//! that live as long as the solver.

use ferroflux_linalg::{Float, Matrix};
use ferroflux_optim::{Adam, Rule};

use crate::objective::{CostFunction, CostWorkspace};

/// The state of a simplex NMF fit driven by Adam: the data, the factors, the
/// optimiser state of each factor and the evaluation buffers.
///
/// [`NmfSolver::step`] is one iteration and allocates nothing, which is what
/// the `nmf` bench times. [`crate::SimplexNmf`] builds one of these per fit.
#[derive(Clone)]
pub struct NmfSolver<T: Float = f64> {
    a: Matrix<T>,
    w: Matrix<T>,
    h_logits: Matrix<T>,
    cost: CostFunction<T>,
    adam: Adam,
    w_state: <Adam as Rule<T>>::State,
    h_state: <Adam as Rule<T>>::State,
    workspace: CostWorkspace<T>,
}

impl<T: Float> std::fmt::Debug for NmfSolver<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NmfSolver")
            .field("a", &self.a.shape())
            .field("w", &self.w.shape())
            .field("h_logits", &self.h_logits.shape())
            .field("cost", &self.cost)
            .field("adam", &self.adam)
            .finish_non_exhaustive()
    }
}

impl<T: Float> NmfSolver<T> {
    /// Starts a fit of `a` (T x n) from `w` (T x K) and `h_logits` (K x n).
    ///
    /// # Panics
    /// If the shapes do not agree; the message names all three.
    #[track_caller]
    pub fn new(
        a: Matrix<T>,
        w: Matrix<T>,
        h_logits: Matrix<T>,
        cost: CostFunction<T>,
        adam: Adam,
    ) -> Self {
        let (rows, series) = a.shape();
        let components = w.ncols();
        assert!(
            w.nrows() == rows && h_logits.shape() == (components, series),
            "NmfSolver::new: A is {rows}x{series}, W is {}x{}, H̄ is {}x{}; \
             need W {rows}xK and H̄ Kx{series}",
            w.nrows(),
            w.ncols(),
            h_logits.nrows(),
            h_logits.ncols(),
        );
        let w_state = Rule::<T>::init(&adam, w.shape());
        let h_state = Rule::<T>::init(&adam, h_logits.shape());
        NmfSolver {
            workspace: CostWorkspace::new(&a, components),
            a,
            w,
            h_logits,
            cost,
            adam,
            w_state,
            h_state,
        }
    }

    /// Evaluates the cost and its gradient at the current factors, applies
    /// one Adam update to `W` and `H̄`, and returns the cost before the update.
    pub fn step(&mut self) -> T {
        let cost = self.evaluate();
        self.adam
            .apply(&mut self.w_state, &mut self.w, &self.workspace.grad_w);
        self.adam.apply(
            &mut self.h_state,
            &mut self.h_logits,
            &self.workspace.grad_h_logits,
        );
        cost
    }

    /// Evaluates the cost at the current factors without updating anything;
    /// [`Self::gradient_w`], [`Self::gradient_h_logits`] and [`Self::h`]
    /// then belong to this point.
    pub fn evaluate(&mut self) -> T {
        self.workspace
            .evaluate(&self.cost, &self.a, &self.w, &self.h_logits)
    }

    /// Replaces the cost function and restarts Adam's moment estimates, for
    /// a warm start at another prior weight.
    pub fn reset_cost(&mut self, cost: CostFunction<T>) {
        self.cost = cost;
        self.w_state = Rule::<T>::init(&self.adam, self.w.shape());
        self.h_state = Rule::<T>::init(&self.adam, self.h_logits.shape());
    }

    /// Returns the data matrix `A`.
    pub fn a(&self) -> &Matrix<T> {
        &self.a
    }

    /// Returns the basis series `W`, T x K.
    pub fn w(&self) -> &Matrix<T> {
        &self.w
    }

    /// Returns the logits `H̄`, K x n, with `H = softmax(H̄)` column-wise.
    pub fn h_logits(&self) -> &Matrix<T> {
        &self.h_logits
    }

    /// `∂f/∂W` at the point of the last evaluation, T x K.
    pub fn gradient_w(&self) -> &Matrix<T> {
        &self.workspace.grad_w
    }

    /// `∂f/∂H̄` at the point of the last evaluation, K x n.
    pub fn gradient_h_logits(&self) -> &Matrix<T> {
        &self.workspace.grad_h_logits
    }

    /// `H = softmax(H̄)` at the point of the last evaluation, K x n.
    pub fn h(&self) -> &Matrix<T> {
        &self.workspace.h
    }

    /// The cost function being minimised.
    pub fn cost_function(&self) -> &CostFunction<T> {
        &self.cost
    }

    /// Returns `(W, H̄)`, dropping the data and the buffers.
    pub fn into_factors(self) -> (Matrix<T>, Matrix<T>) {
        (self.w, self.h_logits)
    }
}
