//! Dropout regularisation.

use std::cell::{Cell, RefCell};
use std::fmt;

use ferroflux_autodiff::Tensor;
use ferroflux_linalg::{rand_with, rng, with_global_rng, Float, FluxRng, Matrix};
use rand::Rng;

use crate::layer::{display_via_layer, Layer, Mode};

/// Dropout (Srivastava et al., 2014). In training behaviour each entry is set
/// to zero with probability `p` and the others are scaled by `1 / (1 - p)`,
/// so the expected output equals the input. In test behaviour the input
/// passes through unchanged.
///
/// The layer starts in [`Mode::Auto`], as in Flux: it drops only inside a
/// gradient computation (`gradient`, `with_gradient`, `value_and_gradient`,
/// the train loop) and is the identity everywhere else, so evaluating a
/// model needs no mode switch. `set_mode(Mode::Train)` or
/// `set_mode(Mode::Test)` forces one behaviour. The masks come from the
/// layer's own generator, seeded by [`Dropout::with_seed`] or from the
/// global generator by [`Dropout::new`], so a seeded run repeats exactly.
pub struct Dropout<T: Float = f32> {
    p: f64,
    rng: RefCell<FluxRng>,
    mode: Cell<Mode>,
    _precision: std::marker::PhantomData<T>,
}

impl<T: Float> Dropout<T> {
    /// Creates dropout with probability `p`, seeded from the global generator.
    ///
    /// # Panics
    ///
    /// If `p` is not in `[0, 1]`, naming the value.
    #[track_caller]
    pub fn new(p: f64) -> Self {
        let seed = with_global_rng(|r| r.random::<u64>());
        Self::with_seed(p, seed)
    }

    /// Creates dropout with probability `p` and its own generator seeded with `seed`.
    ///
    /// # Panics
    ///
    /// If `p` is not in `[0, 1]`, naming the value.
    #[track_caller]
    pub fn with_seed(p: f64, seed: u64) -> Self {
        assert!(
            (0.0..=1.0).contains(&p),
            "Dropout: p = {p} is not a probability; use a value in [0, 1]"
        );
        Self {
            p,
            rng: RefCell::new(rng(seed)),
            mode: Cell::new(Mode::Auto),
            _precision: std::marker::PhantomData,
        }
    }

    /// The drop probability.
    pub fn p(&self) -> f64 {
        self.p
    }

    /// Returns the current mode ([`Mode::Auto`] unless set).
    pub fn mode(&self) -> Mode {
        self.mode.get()
    }

    /// Draws a mask of zeros and `1 / (1 - p)`.
    fn mask(&self, rows: usize, cols: usize) -> Matrix<T> {
        if self.p >= 1.0 {
            return Matrix::zeros(rows, cols);
        }
        let p = T::cast(self.p);
        let keep = T::cast(1.0 / (1.0 - self.p));
        let uniform = rand_with::<T, _>(&mut *self.rng.borrow_mut(), rows, cols);
        uniform.map(|u| if u >= p { keep } else { T::zero() })
    }
}

impl<T: Float> Layer<T> for Dropout<T> {
    fn apply(&self, x: &Tensor<T>) -> Tensor<T> {
        if self.p == 0.0 || !self.mode.get().is_training::<T>() {
            return x.clone();
        }
        let mask = Tensor::constant(self.mask(x.nrows(), x.ncols()));
        x * &mask
    }

    fn set_mode(&self, mode: Mode) {
        self.mode.set(mode);
    }

    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Dropout({}{})", self.p, self.mode.get().display_suffix())
    }
}

display_via_layer!(Dropout);

impl<T: Float> fmt::Debug for Dropout<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.describe(f)
    }
}
