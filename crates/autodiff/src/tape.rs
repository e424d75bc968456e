//! The thread-local tape that records operations during a gradient
//! computation, and the buffer pools that make repeated computations
//! allocation-free.
//!
//! Each precision has its own tape per thread. A recording session
//! ([`Session`]) activates it and bumps its epoch. Every op on a tensor that
//! is live on the active tape (recorded in the current epoch) appends one
//! [`Node`]. A node contains the output value, the indices of its inputs in a
//! shared argument arena and a few scalar and integer attributes. It also
//! contains two plain function pointers, the op's vector-Jacobian product and
//! its Jacobian-vector product, so there is no boxing per node and no central
//! match over ops.
//!
//! When the session ends, every node value that no tensor still references
//! goes back into a pool keyed by shape, and so does every gradient buffer.
//! The next computation of the same shapes takes its buffers from the pools,
//! so its steady state allocates nothing. The node, argument and gradient
//! vectors keep their capacity for the same reason.

use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::rc::Rc;

use ferroflux_linalg::{Float, Matrix};

use crate::param::Param;
use crate::tensor::Tensor;

/// Pooled buffers kept per shape; more than this many of one shape are freed
/// instead, which bounds the memory a pool holds after an unusual burst.
const MAX_POOLED_PER_SHAPE: usize = 256;

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

/// One recorded value. Leaves have no rule; a leaf is tracked when it is a
/// parameter or an input being differentiated, and untracked when it is a
/// constant that a tracked op read.
pub(crate) struct Node<T: Float> {
    value: Rc<Matrix<T>>,
    rule: Option<Rule<T>>,
    tracked: bool,
    args: (u32, u32),
    indices: (u32, u32),
    attrs: Attrs<T>,
    /// A by-product of the forward pass that the reverse rule reuses (the
    /// probabilities of `log_softmax`), from the gradient-buffer pool.
    aux: Option<Matrix<T>>,
}

/// A tensor's position on a tape: node index and the epoch it was recorded in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NodeRef {
    index: u32,
    epoch: u64,
}

/// Buffers of one kind, pooled by shape.
// NOTE: a pool never shrinks: a thread that cycles through many distinct
// shapes keeps up to `MAX_POOLED_PER_SHAPE` idle buffers of each until it exits.
pub(crate) struct ShapePool<M> {
    slots: Vec<((usize, usize), Vec<M>)>,
}

impl<M> ShapePool<M> {
    const fn new() -> Self {
        Self { slots: Vec::new() }
    }

    fn take(&mut self, shape: (usize, usize)) -> Option<M> {
        self.slots
            .iter_mut()
            .find(|(s, _)| *s == shape)
            .and_then(|(_, free)| free.pop())
    }

    fn put(&mut self, shape: (usize, usize), buffer: M) {
        match self.slots.iter_mut().find(|(s, _)| *s == shape) {
            Some((_, free)) => {
                if free.len() < MAX_POOLED_PER_SHAPE {
                    free.push(buffer);
                }
            }
            None => self.slots.push((shape, vec![buffer])),
        }
    }
}

impl<T: Float> ShapePool<Matrix<T>> {
    /// A zero-filled buffer of the given shape.
    pub fn zeros(&mut self, rows: usize, cols: usize) -> Matrix<T> {
        match self.take((rows, cols)) {
            Some(mut m) => {
                m.as_mut_slice().fill(T::zero());
                m
            }
            None => Matrix::zeros(rows, cols),
        }
    }

    /// A buffer of the given shape with unspecified contents.
    pub fn scratch(&mut self, rows: usize, cols: usize) -> Matrix<T> {
        self.take((rows, cols))
            .unwrap_or_else(|| Matrix::zeros(rows, cols))
    }

    pub fn recycle(&mut self, m: Matrix<T>) {
        self.put(m.shape(), m);
    }
}

/// The tape of one precision on one thread.
pub(crate) struct Tape<T: Float> {
    active: bool,
    epoch: u64,
    nodes: Vec<Node<T>>,
    args: Vec<u32>,
    indices: Vec<usize>,
    grads: Vec<Option<Matrix<T>>>,
    values: ShapePool<Rc<Matrix<T>>>,
    pub(crate) buffers: ShapePool<Matrix<T>>,
    pub(crate) grad_lists: Vec<Vec<(Param<T>, Matrix<T>)>>,
}

impl<T: Float> Tape<T> {
    const fn new() -> Self {
        Self {
            active: false,
            epoch: 0,
            nodes: Vec::new(),
            args: Vec::new(),
            indices: Vec::new(),
            grads: Vec::new(),
            values: ShapePool::new(),
            buffers: ShapePool::new(),
            grad_lists: Vec::new(),
        }
    }

    fn is_live(&self, node: Option<NodeRef>) -> bool {
        matches!(node, Some(n) if self.active && n.epoch == self.epoch)
    }

    /// An unshared value buffer with unspecified contents.
    fn take_value(&mut self, rows: usize, cols: usize) -> Rc<Matrix<T>> {
        self.values
            .take((rows, cols))
            .unwrap_or_else(|| Rc::new(Matrix::zeros(rows, cols)))
    }

    fn push_node(&mut self, node: Node<T>) -> NodeRef {
        let index = u32::try_from(self.nodes.len()).expect("a tape has fewer than 2^32 nodes");
        self.nodes.push(node);
        NodeRef {
            index,
            epoch: self.epoch,
        }
    }

    fn push_leaf(&mut self, value: Rc<Matrix<T>>, tracked: bool) -> NodeRef {
        self.push_node(Node {
            value,
            rule: None,
            tracked,
            args: (0, 0),
            indices: (0, 0),
            attrs: Attrs::default(),
            aux: None,
        })
    }

    /// Appends an op node whose inputs are `inputs`; untracked inputs become
    /// constant leaves so that the rules can read their values.
    fn push_op(
        &mut self,
        inputs: &[&Tensor<T>],
        value: Rc<Matrix<T>>,
        rule: Rule<T>,
        attrs: Attrs<T>,
        indices: &[usize],
        aux: Option<Matrix<T>>,
    ) -> NodeRef {
        let start = self.args.len() as u32;
        for input in inputs {
            let index = if self.is_live(input.node) {
                input.node.expect("a live tensor has a node").index
            } else {
                self.push_leaf(input.value.clone(), false).index
            };
            self.args.push(index);
        }
        let index_start = self.indices.len() as u32;
        self.indices.extend_from_slice(indices);
        self.push_node(Node {
            value,
            rule: Some(rule),
            tracked: true,
            args: (start, inputs.len() as u32),
            indices: (index_start, indices.len() as u32),
            attrs,
            aux,
        })
    }

    /// Runs the reverse sweep from `output`, seeded with the cotangent `seed`
    /// (ones when `None`). Leaves keep their accumulated gradients in
    /// `self.grads`.
    fn backward(&mut self, output: NodeRef, seed: Option<&Matrix<T>>) {
        let Tape {
            nodes,
            args,
            indices,
            grads,
            buffers,
            ..
        } = self;
        grads.iter_mut().for_each(|g| {
            if let Some(m) = g.take() {
                buffers.recycle(m);
            }
        });
        grads.resize_with(nodes.len(), || None);

        let last = output.index as usize;
        let (rows, cols) = nodes[last].value.shape();
        let mut ybar = buffers.scratch(rows, cols);
        match seed {
            Some(seed) => ybar.copy_from(seed),
            None => ybar.as_mut_slice().fill(T::one()),
        }
        grads[last] = Some(ybar);

        // Nodes are in creation order, which is a topological order, so one
        // backward walk sees every node after all of its consumers.
        for i in (0..=last).rev() {
            let node = &nodes[i];
            let Some(rule) = node.rule else { continue };
            let Some(ybar) = grads[i].take() else {
                continue;
            };
            let (start, len) = node.args;
            let (istart, ilen) = node.indices;
            let mut ctx = Vjp {
                ybar: &ybar,
                y: &node.value,
                aux: node.aux.as_ref(),
                attrs: node.attrs,
                indices: &indices[istart as usize..(istart + ilen) as usize],
                args: &args[start as usize..(start + len) as usize],
                nodes,
                grads,
                buffers,
            };
            (rule.vjp)(&mut ctx);
            buffers.recycle(ybar);
        }
    }

    /// Runs the forward tangent sweep with the given leaf tangents and returns
    /// the tangent of `output` (zero when it does not depend on the seeds).
    fn tangent(&self, seeds: &[(NodeRef, &Matrix<T>)], output: NodeRef) -> Matrix<T> {
        let mut tangents: Vec<Option<Matrix<T>>> = vec![None; self.nodes.len()];
        for (leaf, t) in seeds {
            tangents[leaf.index as usize] = Some((*t).clone());
        }
        let last = output.index as usize;
        for i in 0..=last {
            let node = &self.nodes[i];
            let Some(rule) = node.rule else { continue };
            let (start, len) = node.args;
            let args = &self.args[start as usize..(start + len) as usize];
            // Inputs without a tangent (constants, unseeded leaves) have a
            // zero tangent; materialise it so every rule sees all of them.
            if args.iter().all(|&a| tangents[a as usize].is_none()) {
                continue;
            }
            for &a in args {
                if tangents[a as usize].is_none() {
                    let (r, c) = self.nodes[a as usize].value.shape();
                    tangents[a as usize] = Some(Matrix::zeros(r, c));
                }
            }
            let (istart, ilen) = node.indices;
            let ctx = Jvp {
                y: &node.value,
                attrs: node.attrs,
                indices: &self.indices[istart as usize..(istart + ilen) as usize],
                args,
                nodes: &self.nodes,
                tangents: &tangents,
            };
            let tangent = (rule.jvp)(&ctx);
            assert_eq!(
                tangent.shape(),
                node.value.shape(),
                "the forward rule of {} returned a tangent of the wrong shape",
                rule.name
            );
            tangents[i] = Some(tangent);
        }
        tangents[last].take().unwrap_or_else(|| {
            let (r, c) = self.nodes[last].value.shape();
            Matrix::zeros(r, c)
        })
    }

    /// Moves the gradient of a leaf out of the tape, or a zero matrix from
    /// the pool when nothing reached it.
    fn take_grad(&mut self, leaf: NodeRef) -> Matrix<T> {
        let i = leaf.index as usize;
        match self.grads.get_mut(i).and_then(Option::take) {
            Some(g) => g,
            None => {
                let (r, c) = self.nodes[i].value.shape();
                self.buffers.zeros(r, c)
            }
        }
    }

    /// Ends the session: nodes are dropped, and every value and gradient
    /// buffer that nothing else references goes back to the pools.
    fn end(&mut self) {
        self.active = false;
        for node in self.nodes.drain(..) {
            if let Some(aux) = node.aux {
                self.buffers.recycle(aux);
            }
            let value = node.value;
            if Rc::strong_count(&value) == 1 && Rc::weak_count(&value) == 0 {
                self.values.put(value.shape(), value);
            }
        }
        for g in self.grads.drain(..).flatten() {
            self.buffers.recycle(g);
        }
        self.args.clear();
        self.indices.clear();
    }
}

thread_local! {
    static TAPE_F64: RefCell<Tape<f64>> = const { RefCell::new(Tape::new()) };
    static TAPE_F32: RefCell<Tape<f32>> = const { RefCell::new(Tape::new()) };
}

fn cast<T: Float, U: Float>(tape: &mut Tape<U>) -> &mut Tape<T> {
    (tape as &mut dyn Any)
        .downcast_mut::<Tape<T>>()
        .expect("Float is implemented only for f32 and f64")
}

/// Runs `f` on this thread's tape of precision `T`.
pub(crate) fn with_tape<T: Float, R>(f: impl FnOnce(&mut Tape<T>) -> R) -> R {
    if TypeId::of::<T>() == TypeId::of::<f64>() {
        TAPE_F64.with(|cell| f(cast(&mut cell.borrow_mut())))
    } else {
        TAPE_F32.with(|cell| f(cast(&mut cell.borrow_mut())))
    }
}

/// Like [`with_tape`], but does nothing when the tape is busy or already
/// destroyed (a drop during thread exit).
pub(crate) fn try_with_tape<T: Float>(f: impl FnOnce(&mut Tape<T>)) {
    fn run<T: Float, U: Float>(cell: &RefCell<Tape<U>>, f: impl FnOnce(&mut Tape<T>)) {
        if let Ok(mut tape) = cell.try_borrow_mut() {
            f(cast(&mut tape));
        }
    }
    if TypeId::of::<T>() == TypeId::of::<f64>() {
        let _ = TAPE_F64.try_with(|cell| run(cell, f));
    } else {
        let _ = TAPE_F32.try_with(|cell| run(cell, f));
    }
}

/// The output buffer of an op under construction, and whether the op is
/// recorded.
pub(crate) struct Output<T: Float> {
    value: Rc<Matrix<T>>,
    tracked: bool,
    aux: Option<Matrix<T>>,
}

impl<T: Float> Output<T> {
    /// Prepares a `rows x cols` output for an op on `inputs`. The op is
    /// recorded when any input is live on the active tape; only then does the
    /// buffer come from the pool (with stale contents that the op overwrites).
    pub fn new(inputs: &[&Tensor<T>], rows: usize, cols: usize) -> Self {
        Self::build(inputs, rows, cols, false)
    }

    /// Like [`Output::new`], with an auxiliary buffer of the same shape when
    /// the op is recorded (see [`Output::parts`]).
    pub fn with_aux(inputs: &[&Tensor<T>], rows: usize, cols: usize) -> Self {
        Self::build(inputs, rows, cols, true)
    }

    fn build(inputs: &[&Tensor<T>], rows: usize, cols: usize, aux: bool) -> Self {
        if inputs.iter().any(|t| t.node.is_some()) {
            let pooled = with_tape(|tape: &mut Tape<T>| {
                inputs.iter().any(|t| tape.is_live(t.node)).then(|| {
                    let aux = aux.then(|| tape.buffers.scratch(rows, cols));
                    (tape.take_value(rows, cols), aux)
                })
            });
            if let Some((value, aux)) = pooled {
                return Self {
                    value,
                    tracked: true,
                    aux,
                };
            }
        }
        Self {
            value: Rc::new(Matrix::zeros(rows, cols)),
            tracked: false,
            aux: None,
        }
    }

    /// The output matrix and, for a recorded op built with
    /// [`Output::with_aux`], the auxiliary buffer; the op writes every element
    /// of both.
    pub fn parts(&mut self) -> (&mut Matrix<T>, Option<&mut Matrix<T>>) {
        let value = Rc::get_mut(&mut self.value).expect("a new output buffer is not shared");
        (value, self.aux.as_mut())
    }

    /// The output matrix to write every element of.
    pub fn matrix(&mut self) -> &mut Matrix<T> {
        Rc::get_mut(&mut self.value).expect("a new output buffer is not shared")
    }

    /// Wraps the value in a tensor, recording the op when it is tracked.
    pub fn finish(self, inputs: &[&Tensor<T>], rule: Rule<T>, attrs: Attrs<T>) -> Tensor<T> {
        self.finish_with_indices(inputs, rule, attrs, &[])
    }

    /// Like [`Output::finish`], storing a list of indices (such as selected
    /// columns) with the node.
    pub fn finish_with_indices(
        self,
        inputs: &[&Tensor<T>],
        rule: Rule<T>,
        attrs: Attrs<T>,
        indices: &[usize],
    ) -> Tensor<T> {
        if !self.tracked {
            return Tensor::from_rc(self.value, None);
        }
        let value = self.value.clone();
        let aux = self.aux;
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
    /// The forward pass's by-product, for ops built with [`Output::with_aux`].
    pub aux: Option<&'a Matrix<T>>,
    pub attrs: Attrs<T>,
    pub indices: &'a [usize],
    args: &'a [u32],
    nodes: &'a [Node<T>],
    grads: &'a mut [Option<Matrix<T>>],
    buffers: &'a mut ShapePool<Matrix<T>>,
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
    args: &'a [u32],
    nodes: &'a [Node<T>],
    tangents: &'a [Option<Matrix<T>>],
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
            tape.epoch += 1;
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

    /// The tangent of `output` when each leaf in `seeds` moves along its
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

impl<T: Float> Drop for Session<T> {
    fn drop(&mut self) {
        try_with_tape(|tape: &mut Tape<T>| tape.end());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape_pool_returns_buffers_by_shape() {
        let mut pool = ShapePool::<Matrix<f64>>::new();
        pool.recycle(Matrix::from_element(2, 3, 7.0));
        assert!(pool.take((3, 2)).is_none());
        let m = pool.zeros(2, 3);
        assert_eq!(m, Matrix::zeros(2, 3));
        assert!(pool.take((2, 3)).is_none());
    }

    #[test]
    fn shape_pool_caps_buffers_per_shape() {
        let mut pool = ShapePool::<Matrix<f32>>::new();
        for _ in 0..MAX_POOLED_PER_SHAPE + 10 {
            pool.recycle(Matrix::zeros(1, 1));
        }
        let mut kept = 0;
        while pool.take((1, 1)).is_some() {
            kept += 1;
        }
        assert_eq!(kept, MAX_POOLED_PER_SHAPE);
    }
}
