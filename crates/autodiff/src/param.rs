//! Trainable parameters ([`Param`]), ordered sets of them ([`Params`]) and the
//! gradients a computation returns for them ([`Grads`]).

use std::cell::{Cell, Ref, RefCell, RefMut};
use std::fmt;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

use ferroflux_linalg::{Float, Matrix};

use crate::tape::{try_with_tape, NodeRef, Tape};
use crate::tensor::Tensor;

/// The identity of a [`Param`], unique within the process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ParamId(u64);

impl fmt::Display for ParamId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "param#{}", self.0)
    }
}

fn next_id() -> ParamId {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    ParamId(NEXT.fetch_add(1, Ordering::Relaxed))
}

struct ParamInner<T: Float> {
    id: ParamId,
    value: RefCell<Rc<Matrix<T>>>,
    /// The shape when the last `update` started, so `shape()` and the borrow
    /// panics can name it while that `update` borrows the value mutably.
    shape_at_update: Cell<(usize, usize)>,
    /// The parameter's leaf on the tape while a gradient over a `Params`
    /// that contains it is being recorded.
    leaf: Cell<Option<NodeRef>>,
}

/// A trainable matrix with identity.
///
/// Cloning a `Param` shares the parameter: both handles have the same
/// [`ParamId`] and see the same storage. Inside [`gradient`](crate::gradient)
/// over a [`Params`] that contains it, [`Param::tensor`] returns a recorded
/// leaf; everywhere else it returns a constant view of the current value.
///
/// # Examples
/// ```
/// use ferroflux_autodiff::{gradient, Matrix, Param, Params};
///
/// let w = Param::new(Matrix::from_element(1, 1, 3.0));
/// let ps = Params::new([&w]);
/// // d/dw w² = 2w = 6
/// let grads = gradient(&ps, || w.tensor().square().sum());
/// assert_eq!(grads[&w][0], 6.0);
/// ```
pub struct Param<T: Float = f64> {
    inner: Rc<ParamInner<T>>,
}

impl<T: Float> Clone for Param<T> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<T: Float> fmt::Debug for Param<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (r, c) = self.shape();
        f.debug_struct("Param")
            .field("id", &self.inner.id)
            .field("shape", &format_args!("{r}x{c}"))
            .finish()
    }
}

impl<T: Float> Param<T> {
    /// Creates a parameter with a new identity.
    pub fn new(value: Matrix<T>) -> Self {
        Self {
            inner: Rc::new(ParamInner {
                id: next_id(),
                shape_at_update: Cell::new(value.shape()),
                value: RefCell::new(Rc::new(value)),
                leaf: Cell::new(None),
            }),
        }
    }

    /// Returns the parameter as a tensor: a recorded leaf while a gradient
    /// over it is being computed, a constant view of the value otherwise.
    /// Neither copies the value, and the tensor keeps no borrow, so a later
    /// `update` or `set` on the parameter goes ahead (it copies the storage
    /// if the tensor still shares it).
    ///
    /// # Panics
    /// If called inside the closure of [`Param::update`] on the same
    /// parameter.
    #[track_caller]
    pub fn tensor(&self) -> Tensor<T> {
        let value = self.read("Param::tensor").clone();
        Tensor::from_rc(value, self.inner.leaf.get())
    }

    #[track_caller]
    pub(crate) fn shared_value(&self) -> Rc<Matrix<T>> {
        self.read("gradient").clone()
    }

    pub(crate) fn set_leaf(&self, leaf: Option<NodeRef>) {
        self.inner.leaf.set(leaf);
    }

    /// Borrows the value and returns a guard that dereferences to the
    /// `Matrix`.
    ///
    /// The borrow lasts as long as the guard. A temporary guard, as in
    /// `w.value()[0]` or `*w.value() == m`, is dropped at the end of its
    /// statement. A guard stored with `let held = w.value();` lives to the
    /// end of its block. While it lives, [`Param::set`] and [`Param::update`]
    /// on this parameter or any clone of it panic, and so does an optimiser
    /// step over a `Params` that contains it. To keep the value across an
    /// update, copy it with [`Param::to_matrix`] (or `w.value().clone()`).
    /// To compare it with a matrix, dereference the guard: `*w.value() == m`.
    ///
    /// # Panics
    /// If called inside the closure of [`Param::update`] on the same
    /// parameter.
    ///
    /// # Examples
    /// ```
    /// use ferroflux_autodiff::{Matrix, Param};
    ///
    /// let w = Param::new(Matrix::from_column_slice(1, 2, &[1.0, 2.0]));
    /// assert_eq!(w.value()[1], 2.0); // the guard is dropped at the `;`
    ///
    /// let before = w.value().clone(); // an owned copy, keeps no borrow
    /// w.update(|v| *v *= 3.0);
    /// assert_eq!(*w.value(), before * 3.0);
    /// ```
    #[track_caller]
    pub fn value(&self) -> impl std::ops::Deref<Target = Matrix<T>> + '_ {
        Ref::map(self.read("Param::value"), |v| &**v)
    }

    /// Returns an owned copy of the value. Unlike [`Param::value`] it holds
    /// no borrow, so the copy can be kept across [`Param::update`] and
    /// compared with `==`.
    ///
    /// # Panics
    /// If called inside the closure of [`Param::update`] on the same
    /// parameter.
    ///
    /// # Examples
    /// ```
    /// use ferroflux_autodiff::{Matrix, Param};
    ///
    /// let b = Param::new(Matrix::from_element(2, 1, 0.5));
    /// let b_before = b.to_matrix();
    /// b.update(|v| v.fill(0.0));
    /// assert_ne!(b_before, b.to_matrix());
    /// assert_eq!(b_before, Matrix::from_element(2, 1, 0.5));
    /// ```
    #[track_caller]
    pub fn to_matrix(&self) -> Matrix<T> {
        (**self.read("Param::to_matrix")).clone()
    }

    /// Replaces the value. The borrow it takes ends before it returns.
    ///
    /// # Panics
    /// - If the shape changes; the message names both shapes.
    /// - If a guard from [`Param::value`] on this parameter is still alive,
    ///   or if called inside the closure of [`Param::update`] on it.
    #[track_caller]
    pub fn set(&self, value: Matrix<T>) {
        let (r, c) = self.shape();
        assert!(
            value.shape() == (r, c),
            "Param::set: {} is {r}x{c} but the new value is {}x{}; a parameter keeps its shape, \
             so create a new Param to change it",
            self.inner.id,
            value.nrows(),
            value.ncols()
        );
        *self.write("Param::set") = Rc::new(value);
    }

    /// Edits the value in place and returns what `f` returns. Optimisers use
    /// this; it copies the storage only while a tensor from an earlier
    /// computation still shares it. The value is borrowed mutably until `f`
    /// returns, so inside `f` use its argument, not `value()` or `tensor()`
    /// of the same parameter.
    ///
    /// # Panics
    /// - If a guard from [`Param::value`] on this parameter is still alive.
    ///   Drop it first, or keep a copy from [`Param::to_matrix`] instead.
    /// - If `f` calls `value`, `to_matrix`, `tensor`, `set` or `update` on
    ///   the same parameter.
    ///
    /// # Examples
    /// ```should_panic
    /// use ferroflux_autodiff::{Matrix, Param};
    ///
    /// let w = Param::new(Matrix::from_element(2, 2, 1.0));
    /// let held = w.value();
    /// // Panics: `held` still borrows `w`. Use `w.to_matrix()` to keep a copy.
    /// w.update(|v| v.fill(0.0));
    /// # drop(held);
    /// ```
    #[track_caller]
    pub fn update<R>(&self, f: impl FnOnce(&mut Matrix<T>) -> R) -> R {
        let mut value = self.write("Param::update");
        self.inner.shape_at_update.set(value.shape());
        f(Rc::make_mut(&mut value))
    }

    /// Returns the identity.
    pub fn id(&self) -> ParamId {
        self.inner.id
    }

    /// Returns `(rows, columns)`. It never panics: inside the closure of
    /// [`Param::update`] it returns the shape the value had when that
    /// `update` started.
    pub fn shape(&self) -> (usize, usize) {
        match self.inner.value.try_borrow() {
            Ok(value) => value.shape(),
            Err(_) => self.inner.shape_at_update.get(),
        }
    }

    /// Returns the number of scalars. Like [`Param::shape`], it never panics.
    pub fn len(&self) -> usize {
        let (r, c) = self.shape();
        r * c
    }

    /// Returns `true` for a parameter with no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Borrows the value for reading, or panics at the caller of `op` with
    /// what holds the value. A failed shared borrow can only mean that an
    /// `update` of this parameter is running.
    #[track_caller]
    fn read(&self, op: &str) -> Ref<'_, Rc<Matrix<T>>> {
        match self.inner.value.try_borrow() {
            Ok(value) => value,
            Err(_) => {
                let (r, c) = self.shape();
                panic!(
                    "{op}: {} ({r}x{c}) is being changed by Param::update, so it cannot be read \
                     inside the update closure. Read it through the closure's argument, or \
                     before calling update",
                    self.inner.id
                )
            }
        }
    }

    /// Borrows the value for writing, or panics at the caller of `op` with
    /// what holds the value: a shared borrow (a `value()` guard) or a running
    /// `update`.
    #[track_caller]
    fn write(&self, op: &str) -> RefMut<'_, Rc<Matrix<T>>> {
        let held_by_guard = match self.inner.value.try_borrow_mut() {
            Ok(value) => return value,
            Err(_) => self.inner.value.try_borrow().is_ok(),
        };
        let (r, c) = self.shape();
        let id = self.inner.id;
        if held_by_guard {
            panic!(
                "{op}: {id} ({r}x{c}) cannot be changed while a `value()` guard (or another \
                 borrow) of it is still alive. Drop the guard first, or clone the value: \
                 `w.value().clone()` or `w.to_matrix()`"
            )
        }
        panic!(
            "{op}: {id} ({r}x{c}) is already being changed by Param::update, so it cannot be \
             changed again inside the update closure. Change it through the closure's argument"
        )
    }
}

/// An ordered set of parameters, deduplicated by identity (Flux's `params`).
///
/// # Examples
/// ```
/// use ferroflux_autodiff::{Matrix, Param, Params};
///
/// let w = Param::new(Matrix::<f64>::zeros(2, 3));
/// let b = Param::new(Matrix::<f64>::zeros(2, 1));
/// let ps = Params::new([&w, &b, &w]);
/// assert_eq!(ps.len(), 2);
/// assert_eq!(ps.count_elements(), 8);
/// ```
pub struct Params<T: Float = f64> {
    list: Vec<Param<T>>,
}

impl<T: Float> Clone for Params<T> {
    fn clone(&self) -> Self {
        Self {
            list: self.list.clone(),
        }
    }
}

impl<T: Float> fmt::Debug for Params<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.list.iter()).finish()
    }
}

impl<T: Float> Default for Params<T> {
    fn default() -> Self {
        Self::empty()
    }
}

impl<T: Float> Params<T> {
    /// Collects parameters in order, skipping repeats of the same identity.
    pub fn new<'a>(params: impl IntoIterator<Item = &'a Param<T>>) -> Self {
        let mut ps = Self::empty();
        for p in params {
            ps.push(p);
        }
        ps
    }

    /// Creates an empty set.
    pub fn empty() -> Self {
        Self { list: Vec::new() }
    }

    /// Appends `p` unless it is already present.
    pub fn push(&mut self, p: &Param<T>) {
        if !self.contains(p) {
            self.list.push(p.clone());
        }
    }

    /// Appends every parameter of `other` that is not already present.
    pub fn extend(&mut self, other: &Params<T>) {
        for p in other.iter() {
            self.push(p);
        }
    }

    /// Iterates in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = &Param<T>> {
        self.list.iter()
    }

    /// Returns the number of distinct parameters.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Returns `true` for an empty set.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Returns `true` when a parameter with the identity of `p` is present.
    pub fn contains(&self, p: &Param<T>) -> bool {
        self.list.iter().any(|q| q.id() == p.id())
    }

    /// Returns the total number of scalars over all parameters.
    pub fn count_elements(&self) -> usize {
        self.list.iter().map(Param::len).sum()
    }
}

impl<'a, T: Float> IntoIterator for &'a Params<T> {
    type Item = &'a Param<T>;
    type IntoIter = std::slice::Iter<'a, Param<T>>;

    fn into_iter(self) -> Self::IntoIter {
        self.list.iter()
    }
}

/// Gradients keyed by parameter identity, in the order of the [`Params`]
/// they were computed for.
///
/// Dropping a `Grads` hands its buffers back to the thread's pool, so the
/// next gradient computation of the same shapes reuses them.
pub struct Grads<T: Float = f64> {
    entries: Vec<(Param<T>, Matrix<T>)>,
}

impl<T: Float> fmt::Debug for Grads<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.entries.iter().map(|(p, g)| (p.id(), g)))
            .finish()
    }
}

impl<T: Float> Grads<T> {
    pub(crate) fn from_entries(entries: Vec<(Param<T>, Matrix<T>)>) -> Self {
        Self { entries }
    }

    /// Returns the gradient of `p`, or `None` if `p` was not in the `Params`.
    pub fn get(&self, p: &Param<T>) -> Option<&Matrix<T>> {
        self.entries
            .iter()
            .find(|(q, _)| q.id() == p.id())
            .map(|(_, g)| g)
    }

    /// Iterates over `(parameter, gradient)` pairs in `Params` order.
    pub fn iter(&self) -> impl Iterator<Item = (&Param<T>, &Matrix<T>)> {
        self.entries.iter().map(|(p, g)| (p, g))
    }

    /// Returns the number of parameters.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Returns `true` when the gradient was taken over no parameters.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl<T: Float> std::ops::Index<&Param<T>> for Grads<T> {
    type Output = Matrix<T>;

    /// # Panics
    /// If `p` was not in the `Params` the gradient was computed for.
    #[track_caller]
    fn index(&self, p: &Param<T>) -> &Matrix<T> {
        match self.get(p) {
            Some(g) => g,
            None => panic!(
                "Grads: {} ({:?}) was not in the Params passed to gradient; add it there to \
                 receive its gradient",
                p.id(),
                p.shape()
            ),
        }
    }
}

impl<T: Float> Drop for Grads<T> {
    fn drop(&mut self) {
        let mut entries = std::mem::take(&mut self.entries);
        try_with_tape(|tape: &mut Tape<T>| {
            for (_, g) in entries.drain(..) {
                tape.buffers.recycle(g);
            }
            if tape.grad_lists.len() < 16 {
                tape.grad_lists.push(std::mem::take(&mut entries));
            }
        });
    }
}
