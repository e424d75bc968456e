//! The thread-local tape that records operations during a gradient
//! computation, and the buffer pools that make repeated computations
//! allocation-free.
//!
//! Each precision has its own tape per thread. A recording session
//! (`Session`) activates it. Every op on a tensor that is live on the active
//! tape (recorded in the current session) appends one [`Node`]. A node contains the output value, the indices of its inputs in a
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
use std::num::NonZeroU64;
use std::rc::Rc;

use ferroflux_linalg::{Float, Matrix};

use crate::param::Param;
use crate::rules::{Attrs, Jvp, Rule, Vjp};
use crate::tensor::Tensor;

/// Pooled buffers kept per shape; more than this many of one shape are freed
/// instead, which bounds the memory a pool keeps after an unusual burst.
const MAX_POOLED_PER_SHAPE: usize = 256;
/// Nodes reserved at a time when the node vector is full.
const NODE_CHUNK: usize = 64;

/// One recorded value. Leaves have no rule; a leaf is tracked when it is a
/// parameter or an input being differentiated, and untracked when it is a
/// constant that a tracked op read.
pub(crate) struct Node<T: Float> {
    pub(crate) value: Rc<Matrix<T>>,
    rule: Option<&'static Rule<T>>,
    pub(crate) tracked: bool,
    args: (u32, u32),
    indices: (u32, u32),
    attrs: Attrs<T>,
    /// Index into `Tape::auxes` of a by-product of the forward pass that the
    /// reverse rule reuses (the probabilities of `log_softmax`), or
    /// [`NO_AUX`]. With an index instead of the matrix an f64 node takes
    /// 104 bytes instead of 144, and rustc 1.95 moves it with inline stores
    /// instead of a `memcpy` call.
    aux: u32,
}

/// A recorded softmax: see [`Tape::record_softmax`].
struct SoftmaxRecord<T: Float> {
    /// The node index of the softmax's input.
    input: u32,
    probabilities: Rc<Matrix<T>>,
    /// The offset of its column maxima in `Tape::softmax_stats`. The column
    /// sums follow them.
    start: usize,
}

/// The softmax of a recorded tensor, from [`Tape::recorded_softmax`].
pub(crate) struct SoftmaxStats<'a, T: Float> {
    pub probabilities: &'a Rc<Matrix<T>>,
    /// Each column's maximum.
    pub maxima: &'a [T],
    /// Each column's sum of `exp(x - max)`.
    pub sums: &'a [T],
}

/// The `Node::aux` of a node without a by-product.
const NO_AUX: u32 = u32::MAX;

/// A tensor's node: its number among all the nodes that this thread's tape
/// of one precision has recorded, counting from 1.
///
/// Numbers are never reused, so a tensor from an earlier session has a
/// number below the current session's first and is not live. One word with
/// a niche keeps `Option<NodeRef>`, and with it a [`Tensor`], small enough
/// to travel in registers: an index with a separate session counter made a
/// tensor 32 bytes, and every op returned it through memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NodeRef(NonZeroU64);

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
    /// Returns a zero-filled buffer of the given shape.
    pub fn zeros(&mut self, rows: usize, cols: usize) -> Matrix<T> {
        match self.take((rows, cols)) {
            Some(mut m) => {
                m.as_mut_slice().fill(T::zero());
                m
            }
            None => Matrix::zeros(rows, cols),
        }
    }

    /// Returns a buffer of the given shape with unspecified contents.
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
    pub(crate) active: bool,
    /// Whether the active session is a reverse-mode gradient computation
    /// (what [`crate::is_recording`] reports).
    pub(crate) differentiating: bool,
    /// The number of the current session's first node (see [`NodeRef`]).
    first: u64,
    nodes: Vec<Node<T>>,
    args: Vec<u32>,
    indices: Vec<usize>,
    /// The forward by-products of the nodes, from the value pool.
    auxes: Vec<Rc<Matrix<T>>>,
    /// The recorded softmax ops of this session, so that a `log_softmax` of
    /// the same input reuses their column statistics and probabilities.
    softmaxes: Vec<SoftmaxRecord<T>>,
    /// The column maxima and sums of the entries of `softmaxes`.
    softmax_stats: Vec<T>,
    grads: Vec<Option<Matrix<T>>>,
    values: ShapePool<Rc<Matrix<T>>>,
    pub(crate) buffers: ShapePool<Matrix<T>>,
    pub(crate) grad_lists: Vec<Vec<(Param<T>, Matrix<T>)>>,
}

impl<T: Float> Tape<T> {
    const fn new() -> Self {
        Self {
            active: false,
            differentiating: false,
            first: 1,
            nodes: Vec::new(),
            args: Vec::new(),
            indices: Vec::new(),
            auxes: Vec::new(),
            softmaxes: Vec::new(),
            softmax_stats: Vec::new(),
            grads: Vec::new(),
            values: ShapePool::new(),
            buffers: ShapePool::new(),
            grad_lists: Vec::new(),
        }
    }

    pub(crate) fn is_live(&self, node: Option<NodeRef>) -> bool {
        matches!(node, Some(n) if self.active && n.0.get() >= self.first)
    }

    /// Returns the index in `nodes` of a live node.
    fn index(&self, node: NodeRef) -> usize {
        debug_assert!(self.is_live(Some(node)), "a node of an earlier session");
        (node.0.get() - self.first) as usize
    }

    /// Returns an unshared value buffer with unspecified contents.
    pub(crate) fn take_value(&mut self, rows: usize, cols: usize) -> Rc<Matrix<T>> {
        self.values
            .take((rows, cols))
            .unwrap_or_else(|| Rc::new(Matrix::zeros(rows, cols)))
    }

    /// Appends the node that `make` builds. The node is built after the
    /// capacity check and written straight into the vector's free slot.
    /// Built first and moved through `Vec::push`, it went through the stack.
    /// Reading it back with wider loads than the stores that wrote it then
    /// missed store forwarding, a stall of about 15 cycles per node.
    #[inline(always)]
    fn push_node(&mut self, make: impl FnOnce() -> Node<T>) -> NodeRef {
        let len = self.nodes.len();
        let index = u32::try_from(len).expect("a tape has fewer than 2^32 nodes");
        if len == self.nodes.capacity() {
            self.nodes.reserve(NODE_CHUNK);
        }
        self.nodes.spare_capacity_mut()[0].write(make());
        // SAFETY: the slot at `len` lies within the capacity (reserved just
        // above) and was initialised by the write on the line before.
        unsafe { self.nodes.set_len(len + 1) };
        let number = self.first + u64::from(index);
        NodeRef(NonZeroU64::new(number).expect("node numbers start at 1"))
    }

    pub(crate) fn push_leaf(&mut self, value: Rc<Matrix<T>>, tracked: bool) -> NodeRef {
        self.push_node(|| Node {
            value,
            rule: None,
            tracked,
            args: (0, 0),
            indices: (0, 0),
            attrs: Attrs::default(),
            aux: NO_AUX,
        })
    }

    /// Appends an op node whose inputs are `inputs`; untracked inputs become
    /// constant leaves so that the rules can read their values.
    ///
    /// Inlined into `Output::record`, so the node's fields go from the
    /// caller's registers into the node. As a call, its arguments took a
    /// detour through the stack that missed store forwarding.
    #[inline(always)]
    pub(crate) fn push_op(
        &mut self,
        inputs: &[&Tensor<T>],
        value: Rc<Matrix<T>>,
        rule: &'static Rule<T>,
        attrs: Attrs<T>,
        indices: &[usize],
        aux: Option<Rc<Matrix<T>>>,
    ) -> NodeRef {
        let start = self.args.len() as u32;
        for input in inputs {
            let node = match input.node {
                Some(node) if self.is_live(Some(node)) => node,
                _ => self.push_leaf(input.value.clone(), false),
            };
            let index = self.index(node) as u32;
            self.args.push(index);
        }
        let index_start = self.indices.len() as u32;
        self.indices.extend_from_slice(indices);
        let aux = match aux {
            Some(matrix) => {
                let index = u32::try_from(self.auxes.len())
                    .ok()
                    .filter(|&i| i != NO_AUX)
                    .expect("a tape has fewer than 2^32 - 1 by-products");
                self.auxes.push(matrix);
                index
            }
            None => NO_AUX,
        };
        self.push_node(|| Node {
            value,
            rule: Some(rule),
            tracked: true,
            args: (start, inputs.len() as u32),
            indices: (index_start, indices.len() as u32),
            attrs,
            aux,
        })
    }

    /// Runs `compute` with two zeroed slices of `cols` elements for the
    /// column maxima and the column sums of `exp(x - max)` of a softmax of
    /// the live tensor `input`. When `compute` returns the probabilities, the
    /// tape remembers all three for a later `log_softmax` of the same input.
    /// When it returns `None`, the tape drops the slices. Returns whether it
    /// remembered them.
    pub(crate) fn record_softmax(
        &mut self,
        input: NodeRef,
        cols: usize,
        compute: impl FnOnce(&mut [T], &mut [T]) -> Option<Rc<Matrix<T>>>,
    ) -> bool {
        let start = self.softmax_stats.len();
        self.softmax_stats.resize(start + 2 * cols, T::zero());
        let (maxima, sums) = self.softmax_stats[start..].split_at_mut(cols);
        match compute(maxima, sums) {
            Some(probabilities) => {
                self.softmaxes.push(SoftmaxRecord {
                    input: self.index(input) as u32,
                    probabilities,
                    start,
                });
                true
            }
            None => {
                self.softmax_stats.truncate(start);
                false
            }
        }
    }

    /// Returns what [`Tape::record_softmax`] kept for a softmax of `input`
    /// in this session.
    pub(crate) fn recorded_softmax(&self, input: Option<NodeRef>) -> Option<SoftmaxStats<'_, T>> {
        let input = input.filter(|&n| self.is_live(Some(n)))?;
        let index = self.index(input) as u32;
        let record = self.softmaxes.iter().find(|r| r.input == index)?;
        let cols = record.probabilities.ncols();
        let stats = &self.softmax_stats[record.start..record.start + 2 * cols];
        let (maxima, sums) = stats.split_at(cols);
        Some(SoftmaxStats {
            probabilities: &record.probabilities,
            maxima,
            sums,
        })
    }

    /// Runs the reverse sweep from `output`, seeded with the cotangent `seed`
    /// (ones when `None`). Leaves keep their accumulated gradients in
    /// `self.grads`.
    pub(crate) fn backward(&mut self, output: NodeRef, seed: Option<&Matrix<T>>) {
        let last = self.index(output);
        let Tape {
            nodes,
            args,
            indices,
            auxes,
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

        let (rows, cols) = nodes[last].value.shape();
        let mut ybar = buffers.scratch(rows, cols);
        match seed {
            Some(seed) => ybar.copy_from(seed),
            None => ybar.as_mut_slice().fill(T::one()),
        }
        grads[last] = Some(ybar);

        // Nodes are in creation order, which is a topological order, so one
        // backward walk reaches every node after all of its consumers.
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
                aux: auxes.get(node.aux as usize).map(|aux| &**aux),
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
    pub(crate) fn tangent(&self, seeds: &[(NodeRef, &Matrix<T>)], output: NodeRef) -> Matrix<T> {
        let mut tangents: Vec<Option<Matrix<T>>> = vec![None; self.nodes.len()];
        for (leaf, t) in seeds {
            tangents[self.index(*leaf)] = Some((*t).clone());
        }
        let last = self.index(output);
        for i in 0..=last {
            let node = &self.nodes[i];
            let Some(rule) = node.rule else { continue };
            let (start, len) = node.args;
            let args = &self.args[start as usize..(start + len) as usize];
            // Inputs without a tangent (constants, unseeded leaves) have a
            // zero tangent; materialise it so every rule receives all of them.
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
    pub(crate) fn take_grad(&mut self, leaf: NodeRef) -> Matrix<T> {
        let i = self.index(leaf);
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
    pub(crate) fn end(&mut self) {
        self.active = false;
        // The next session numbers its nodes after this one's.
        self.first += self.nodes.len() as u64;
        self.differentiating = false;
        // The records share softmax values with their nodes, so they go
        // first, and every value below is unshared again.
        self.softmaxes.clear();
        self.softmax_stats.clear();
        for aux in self.auxes.drain(..) {
            if Rc::strong_count(&aux) == 1 && Rc::weak_count(&aux) == 0 {
                self.values.put(aux.shape(), aux);
            }
        }
        for node in self.nodes.drain(..) {
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
///
/// The thread-local access only fetches the tape's address, so it inlines
/// and `f` runs in the caller's frame. With `f` passed into
/// `LocalKey::with`, its captures went through memory, and copying them in
/// missed store forwarding on every op.
#[inline(always)]
pub(crate) fn with_tape<T: Float, R>(f: impl FnOnce(&mut Tape<T>) -> R) -> R {
    if TypeId::of::<T>() == TypeId::of::<f64>() {
        let cell = TAPE_F64.with(std::ptr::from_ref);
        // SAFETY: `with` returned, so the tape is alive and its destructor
        // has not started. It runs only at thread exit, after the code that
        // runs on this thread now, so the tape outlives this call.
        let cell = unsafe { &*cell };
        f(cast(&mut cell.borrow_mut()))
    } else {
        let cell = TAPE_F32.with(std::ptr::from_ref);
        // SAFETY: as in the branch above.
        let cell = unsafe { &*cell };
        f(cast(&mut cell.borrow_mut()))
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
