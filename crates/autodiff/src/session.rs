//! A recording session on this thread's tape: the entry points (`gradient`,
//! `jvp`, the gradient checks) start one, register leaves, run the user's
//! closure and sweep the recording.

use std::rc::Rc;

use ferroflux_linalg::{Float, Matrix};

use crate::tape::{try_with_tape, with_tape, NodeRef, Tape};
use crate::tensor::Tensor;

/// An active recording on this thread's tape of precision `T`. Dropping it
/// ends the recording, also when the user's closure panics.
pub(crate) struct Session<T: Float> {
    _precision: std::marker::PhantomData<*const T>,
}

impl<T: Float> Session<T> {
    /// Starts recording.
    ///
    /// # Panics
    /// If this thread is already recording in precision `T`.
    #[track_caller]
    pub fn begin(op: &str) -> Self {
        let nested = with_tape(|tape: &mut Tape<T>| {
            if tape.active {
                return true;
            }
            tape.end();
            tape.active = true;
            false
        });
        assert!(
            !nested,
            "{op}: this thread is already recording a gradient computation; nested calls of \
             gradient, with_gradient, value_and_gradient, jvp and check_gradient are not \
             supported, so compute the inner derivative outside the outer closure"
        );
        Self {
            _precision: std::marker::PhantomData,
        }
    }

    /// Marks this session as a reverse-mode gradient computation, so that
    /// [`crate::is_recording`] reports `true` until it ends.
    pub fn mark_differentiating(&self) {
        with_tape(|tape: &mut Tape<T>| tape.differentiating = true);
    }

    /// Records a tracked leaf sharing `value`.
    pub fn leaf(&self, value: Rc<Matrix<T>>) -> Tensor<T> {
        let node = with_tape(|tape: &mut Tape<T>| tape.push_leaf(value.clone(), true));
        Tensor::from_rc(value, Some(node))
    }

    /// Records a tracked leaf holding a copy of `m` in a pooled buffer.
    pub fn leaf_copy(&self, m: &Matrix<T>) -> Tensor<T> {
        let value = with_tape(|tape: &mut Tape<T>| {
            let mut value = tape.take_value(m.nrows(), m.ncols());
            Rc::get_mut(&mut value)
                .expect("a pooled value is not shared")
                .copy_from(m);
            value
        });
        self.leaf(value)
    }

    /// Runs the reverse sweep from `output` with cotangent `seed` (ones when
    /// `None`). Does nothing when `output` is not recorded (it depends on no
    /// leaf).
    ///
    /// # Panics
    /// If the seed's shape differs from the output's.
    pub fn backward(&self, output: &Tensor<T>, seed: Option<&Matrix<T>>) {
        if let Some(seed) = seed {
            assert_eq!(seed.shape(), output.shape(), "cotangent seed shape");
        }
        with_tape(|tape: &mut Tape<T>| {
            if tape.is_live(output.node) {
                tape.backward(output.node.expect("live"), seed);
            }
        });
    }

    /// Moves out the gradient of `leaf` after [`Session::backward`], zero if
    /// the output did not depend on it.
    pub fn take_grad(&self, leaf: &Tensor<T>) -> Matrix<T> {
        with_tape(|tape: &mut Tape<T>| match leaf.node {
            Some(node) if tape.is_live(leaf.node) => tape.take_grad(node),
            _ => tape.buffers.zeros(leaf.nrows(), leaf.ncols()),
        })
    }

    /// Returns the tangent of `output` when each leaf in `seeds` moves along its
    /// tangent (forward mode over the recorded tape).
    pub fn tangent(&self, seeds: &[(&Tensor<T>, &Matrix<T>)], output: &Tensor<T>) -> Matrix<T> {
        with_tape(|tape: &mut Tape<T>| {
            if !tape.is_live(output.node) {
                return Matrix::zeros(output.nrows(), output.ncols());
            }
            let live: Vec<(NodeRef, &Matrix<T>)> = seeds
                .iter()
                .filter(|(leaf, _)| tape.is_live(leaf.node))
                .map(|(leaf, t)| (leaf.node.expect("live"), *t))
                .collect();
            tape.tangent(&live, output.node.expect("live"))
        })
    }
}

/// Returns `true` while this thread runs the closure of [`crate::gradient`],
/// [`crate::with_gradient`] or [`crate::value_and_gradient`] in precision
/// `T` (Flux's `istraining()`).
///
/// Layers whose behaviour differs between training and evaluation, such as
/// dropout and batch normalisation in ferroflux-nn, use it to train inside a
/// gradient computation and evaluate everywhere else. Forward mode
/// ([`crate::jvp`]) and the gradient checks record too, but report `false`:
/// they compare derivatives with plain evaluations of the same function, so
/// the function must behave as it does outside.
///
/// # Examples
/// ```
/// use ferroflux_autodiff::{is_recording, value_and_gradient, Matrix};
///
/// assert!(!is_recording::<f64>());
/// let x = Matrix::from_element(1, 1, 2.0);
/// let (_, g) = value_and_gradient(
///     |xs| {
///         assert!(is_recording::<f64>());
///         // Other precisions are not recording.
///         assert!(!is_recording::<f32>());
///         xs[0].square().sum()
///     },
///     &[&x],
/// );
/// assert_eq!(g[0][0], 4.0);
/// assert!(!is_recording::<f64>());
/// ```
pub fn is_recording<T: Float>() -> bool {
    let mut recording = false;
    try_with_tape(|tape: &mut Tape<T>| recording = tape.active && tape.differentiating);
    recording
}

impl<T: Float> Drop for Session<T> {
    fn drop(&mut self) {
        try_with_tape(|tape: &mut Tape<T>| tape.end());
    }
}
