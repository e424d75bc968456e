//! Lookup tables of trainable vectors.

use std::fmt;

use ferroflux_autodiff::{Param, Tensor};
use ferroflux_linalg::{randn_with, rng, with_global_rng, Float};

use crate::layer::{display_via_layer, join_name, Layer, NamedParam};

/// A table of `vocabulary` trainable vectors of length `dimension`: the
/// weight is `dimension x vocabulary`, and index `i` selects column `i`.
///
/// The weight starts from a standard normal, as Flux's `Embedding` and
/// PyTorch's `nn.Embedding` do.
///
/// As a [`Layer`] it takes either a `1 x n` row of indices stored as
/// numbers (`0.0, 3.0, ...`) or a `vocabulary x n` one-hot matrix, and
/// returns `dimension x n`. [`Embedding::lookup`] takes the indices
/// directly. Gradients flow only into the selected columns.
///
/// ```
/// use ferroflux_nn::{Embedding, Layer};
///
/// let table = Embedding::<f64>::with_seed(10, 4, 1);
/// let vectors = table.lookup(&[3, 3, 7]);
/// assert_eq!(vectors.shape(), (4, 3));
/// assert_eq!(vectors.value().column(0), table.weight().value().column(3));
/// ```
#[derive(Clone)]
pub struct Embedding<T: Float = f32> {
    weight: Param<T>,
}

impl<T: Float> Embedding<T> {
    /// A table of `vocabulary` vectors of length `dimension`, drawn from the global generator.
    pub fn new(vocabulary: usize, dimension: usize) -> Self {
        let weight = with_global_rng(|r| randn_with::<T, _>(r, dimension, vocabulary));
        Self {
            weight: Param::new(weight),
        }
    }

    /// The same, drawn from a generator seeded with `seed`.
    pub fn with_seed(vocabulary: usize, dimension: usize, seed: u64) -> Self {
        Self {
            weight: Param::new(randn_with::<T, _>(&mut rng(seed), dimension, vocabulary)),
        }
    }

    /// The weight (`dimension x vocabulary`).
    pub fn weight(&self) -> &Param<T> {
        &self.weight
    }

    /// Number of entries.
    pub fn vocabulary(&self) -> usize {
        self.weight.shape().1
    }

    /// Length of each vector.
    pub fn dimension(&self) -> usize {
        self.weight.shape().0
    }

    /// Looks up the vectors of `indices`, one per column (`dimension x indices.len()`).
    ///
    /// # Panics
    ///
    /// If an index is `>= vocabulary`, naming it and its position.
    #[track_caller]
    pub fn lookup(&self, indices: &[usize]) -> Tensor<T> {
        if let Some((position, &index)) = indices
            .iter()
            .enumerate()
            .find(|(_, &i)| i >= self.vocabulary())
        {
            panic!(
                "Embedding({} => {}): index {index} at position {position} is out of range; indices must lie in 0..{}",
                self.vocabulary(),
                self.dimension(),
                self.vocabulary()
            );
        }
        self.weight.tensor().select_columns(indices)
    }
}

impl<T: Float> Layer<T> for Embedding<T> {
    /// # Panics
    ///
    /// If the input is neither `1 x n` nor `vocabulary x n`, or a `1 x n`
    /// input contains a value that is not an index in `0..vocabulary`.
    #[track_caller]
    fn apply(&self, x: &Tensor<T>) -> Tensor<T> {
        let vocabulary = self.vocabulary();
        if x.nrows() == 1 && vocabulary != 1 {
            let indices: Vec<usize> = x
                .value()
                .iter()
                .enumerate()
                .map(|(position, &v)| {
                    let index = v.to_f64();
                    assert!(
                        index >= 0.0 && index.fract() == 0.0 && index < vocabulary as f64,
                        "Embedding({vocabulary} => {}): input value {index} at column {position} is not an index in 0..{vocabulary}",
                        self.dimension()
                    );
                    index as usize
                })
                .collect();
            return self.lookup(&indices);
        }
        assert!(
            x.nrows() == vocabulary,
            "Embedding({vocabulary} => {}): input is {}x{} but must be 1 x n (indices) or {vocabulary} x n (one-hot columns)",
            self.dimension(),
            x.nrows(),
            x.ncols()
        );
        self.weight.tensor().matmul(x)
    }

    fn collect_params(&self, prefix: &str, out: &mut Vec<NamedParam<T>>) {
        out.push(NamedParam {
            name: join_name(prefix, "weight"),
            param: self.weight.clone(),
            trainable: true,
        });
    }

    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Embedding({} => {})",
            self.vocabulary(),
            self.dimension()
        )
    }
}

display_via_layer!(Embedding);

impl<T: Float> fmt::Debug for Embedding<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.describe(f)
    }
}
