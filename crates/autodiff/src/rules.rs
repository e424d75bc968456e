//! The tape as the ops use it: the rule types, the output buffer of an
//! op under construction ([`Output`]) and the contexts of the reverse and
//! forward rules ([`Vjp`], [`Jvp`]).

use std::rc::Rc;

use ferroflux_linalg::{Float, Matrix};

use crate::tape::{with_tape, Node, ShapePool, Tape};
use crate::tensor::Tensor;

/// The reverse rule of an op: adds `Jᵀ·ȳ` into the gradients of its inputs.
pub(crate) type VjpFn<T> = fn(&mut Vjp<'_, T>);
/// The forward rule of an op: returns `ẏ = J·ẋ` from the input tangents.
pub(crate) type JvpFn<T> = fn(&Jvp<'_, T>) -> Matrix<T>;

/// The two derivative rules of an op and its name.
#[derive(Clone, Copy)]
pub(crate) struct Rule<T: Float> {
    pub name: &'static str,
    pub vjp: VjpFn<T>,
    pub jvp: JvpFn<T>,
}

/// Per-node parameters of an op, such as the exponent of `powi` or the
/// transpose flags of a product.
#[derive(Clone, Copy, Default)]
pub(crate) struct Attrs<T: Float> {
    pub scalars: [T; 2],
    pub ints: [usize; 3],
}

impl<T: Float> Attrs<T> {
    pub fn scalar(c: T) -> Self {
        Self {
            scalars: [c, T::zero()],
            ints: [0; 3],
        }
    }

    pub fn ints(ints: [usize; 3]) -> Self {
        Self {
            scalars: [T::zero(); 2],
            ints,
        }
    }
}

/// The output buffer of an op under construction, and whether the op is
/// recorded.
///
/// It is two words, so building one returns it in registers. With a third
/// field it went through memory, and the copy missed store forwarding.
pub(crate) struct Output<T: Float> {
    value: Rc<Matrix<T>>,
    tracked: bool,
}

impl<T: Float> Output<T> {
    /// Prepares a `rows x cols` output for an op on `inputs`. The op is
    /// recorded when any input is live on the active tape. Only then does the
    /// buffer come from the pool, with stale contents that the op overwrites.
    pub fn new(inputs: &[&Tensor<T>], rows: usize, cols: usize) -> Self {
        if inputs.iter().any(|t| t.node.is_some()) {
            let pooled = with_tape(|tape: &mut Tape<T>| {
                inputs
                    .iter()
                    .any(|t| tape.is_live(t.node))
                    .then(|| tape.take_value(rows, cols))
            });
            if let Some(value) = pooled {
                return Self {
                    value,
                    tracked: true,
                };
            }
        }
        Self {
            value: Rc::new(Matrix::zeros(rows, cols)),
            tracked: false,
        }
    }

    /// Returns whether the op is recorded.
    pub fn is_recorded(&self) -> bool {
        self.tracked
    }

    /// Returns a pooled `rows x cols` buffer with unspecified contents for a
    /// by-product that the reverse rule reuses, or `None` when the op is not
    /// recorded. Write it with `Rc::get_mut` and hand it to
    /// [`Output::finish_with_aux`].
    pub fn aux_buffer(&self, rows: usize, cols: usize) -> Option<Rc<Matrix<T>>> {
        self.tracked
            .then(|| with_tape(|tape: &mut Tape<T>| tape.take_value(rows, cols)))
    }

    /// Returns a handle to the output value, for an op that remembers it on
    /// the tape. Take it after the last [`Output::matrix`].
    pub fn shared_value(&self) -> Rc<Matrix<T>> {
        self.value.clone()
    }

    /// Returns the output matrix; the op writes every element of it.
    pub fn matrix(&mut self) -> &mut Matrix<T> {
        Rc::get_mut(&mut self.value).expect("a new output buffer is not shared")
    }

    /// Wraps the value in a tensor, recording the op when it is tracked.
    pub fn finish(
        self,
        inputs: &[&Tensor<T>],
        rule: &'static Rule<T>,
        attrs: Attrs<T>,
    ) -> Tensor<T> {
        self.record(inputs, rule, attrs, &[], None)
    }

    /// Like [`Output::finish`], storing a list of indices (such as selected
    /// columns) with the node.
    pub fn finish_with_indices(
        self,
        inputs: &[&Tensor<T>],
        rule: &'static Rule<T>,
        attrs: Attrs<T>,
        indices: &[usize],
    ) -> Tensor<T> {
        self.record(inputs, rule, attrs, indices, None)
    }

    /// Like [`Output::finish`], keeping the buffer from
    /// [`Output::aux_buffer`] with the node for its reverse rule.
    pub fn finish_with_aux(
        self,
        inputs: &[&Tensor<T>],
        rule: &'static Rule<T>,
        attrs: Attrs<T>,
        aux: Option<Rc<Matrix<T>>>,
    ) -> Tensor<T> {
        self.record(inputs, rule, attrs, &[], aux)
    }

    fn record(
        self,
        inputs: &[&Tensor<T>],
        rule: &'static Rule<T>,
        attrs: Attrs<T>,
        indices: &[usize],
        aux: Option<Rc<Matrix<T>>>,
    ) -> Tensor<T> {
        if !self.tracked {
            return Tensor::from_rc(self.value, None);
        }
        let value = self.value.clone();
        let node =
            with_tape(|tape: &mut Tape<T>| tape.push_op(inputs, value, rule, attrs, indices, aux));
        Tensor::from_rc(self.value, Some(node))
    }
}

/// What a reverse rule sees: the output cotangent ȳ, the output value, the
/// input values and a sink for the input gradients.
pub(crate) struct Vjp<'a, T: Float> {
    /// Cotangent of the output, ȳ.
    pub ybar: &'a Matrix<T>,
    /// Output value y.
    pub y: &'a Matrix<T>,
    /// The forward pass's by-product, for ops finished with [`Output::finish_with_aux`].
    pub aux: Option<&'a Matrix<T>>,
    pub attrs: Attrs<T>,
    pub indices: &'a [usize],
    pub(crate) args: &'a [u32],
    pub(crate) nodes: &'a [Node<T>],
    pub(crate) grads: &'a mut [Option<Matrix<T>>],
    pub(crate) buffers: &'a mut ShapePool<Matrix<T>>,
}

impl<'a, T: Float> Vjp<'a, T> {
    /// Value of input `k`.
    pub fn x(&self, k: usize) -> &'a Matrix<T> {
        &self.nodes[self.args[k] as usize].value
    }

    /// Number of inputs.
    pub fn arity(&self) -> usize {
        self.args.len()
    }

    /// Returns whether input `k` receives a gradient, without touching its
    /// accumulator.
    pub fn needs_grad(&self, k: usize) -> bool {
        self.nodes[self.args[k] as usize].tracked
    }

    /// The gradient accumulator of input `k` (zero when first touched), or
    /// `None` when that input needs no gradient.
    pub fn grad(&mut self, k: usize) -> Option<&mut Matrix<T>> {
        match self.grad_uninit(k) {
            Some((g, true)) => {
                g.as_mut_slice().fill(T::zero());
                Some(g)
            }
            Some((g, false)) => Some(g),
            None => None,
        }
    }

    /// Like [`Vjp::grad`], but a first-touched accumulator is returned with
    /// unspecified contents and `true`, so the rule can write its
    /// contribution instead of adding it (sparing the zero fill, which costs
    /// as much as the rule for large weights).
    pub fn grad_uninit(&mut self, k: usize) -> Option<(&mut Matrix<T>, bool)> {
        let i = self.args[k] as usize;
        let node = &self.nodes[i];
        if !node.tracked {
            return None;
        }
        let slot = &mut self.grads[i];
        let fresh = slot.is_none();
        if fresh {
            let (r, c) = node.value.shape();
            *slot = Some(self.buffers.scratch(r, c));
        }
        slot.as_mut().map(|g| (g, fresh))
    }

    /// A pooled temporary with unspecified contents; hand it back with
    /// [`Vjp::recycle`].
    pub fn scratch(&mut self, rows: usize, cols: usize) -> Matrix<T> {
        self.buffers.scratch(rows, cols)
    }

    pub fn recycle(&mut self, m: Matrix<T>) {
        self.buffers.recycle(m);
    }
}

/// What a forward rule sees: the output value, the input values and their
/// tangents ẋ.
pub(crate) struct Jvp<'a, T: Float> {
    /// Output value y.
    pub y: &'a Matrix<T>,
    pub attrs: Attrs<T>,
    pub indices: &'a [usize],
    pub(crate) args: &'a [u32],
    pub(crate) nodes: &'a [Node<T>],
    pub(crate) tangents: &'a [Option<Matrix<T>>],
}

impl<'a, T: Float> Jvp<'a, T> {
    /// Value of input `k`.
    pub fn x(&self, k: usize) -> &'a Matrix<T> {
        &self.nodes[self.args[k] as usize].value
    }

    /// Tangent of input `k`, ẋ.
    pub fn xdot(&self, k: usize) -> &'a Matrix<T> {
        self.tangents[self.args[k] as usize]
            .as_ref()
            .expect("the tangent sweep materialises every input tangent")
    }

    /// Number of inputs.
    pub fn arity(&self) -> usize {
        self.args.len()
    }
}
