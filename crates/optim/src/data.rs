//! Mini-batches over the last dimension: columns are observations.

use std::cell::Cell;

use ferroflux_linalg::{Float, Matrix};
use rand::seq::SliceRandom;

use crate::DataError;

/// Iterates over mini-batches of `(x, y)` pairs, taking columns as
/// observations, as Flux's `DataLoader((x, y); batchsize, shuffle, partial)`.
///
/// Each batch contains `batch_size` columns of `x` and the same columns of `y`
/// (copies). Without shuffling the batches are consecutive column ranges.
/// With [`DataLoader::shuffle`] every epoch has its own order, drawn from a
/// ChaCha8 generator seeded with the seed and the epoch number, so runs are
/// reproducible and two epochs differ. Iterating `&loader` (or calling
/// [`DataLoader::iter`]) starts the next epoch; [`DataLoader::epoch`] gives
/// a chosen epoch's batches.
///
/// The last batch has `observations % batch_size` columns when that is not
/// zero; [`DataLoader::partial`] with `false` drops it.
///
/// # Examples
/// ```
/// use ferroflux_linalg::Matrix;
/// use ferroflux_optim::DataLoader;
///
/// let x = Matrix::from_fn(3, 10, |r, c| (10 * r + c) as f64); // 10 observations
/// let y = Matrix::from_fn(1, 10, |_, c| c as f64);
/// let loader = DataLoader::new(x, y, 4)?.shuffle(7);
/// let sizes: Vec<usize> = loader.iter().map(|(x, _)| x.ncols()).collect();
/// assert_eq!(sizes, [4, 4, 2]);
/// # Ok::<(), ferroflux_optim::DataError>(())
/// ```
#[derive(Debug, Clone)]
pub struct DataLoader<T: Float = f64> {
    x: Matrix<T>,
    y: Matrix<T>,
    batch_size: usize,
    seed: Option<u64>,
    partial: bool,
    next_epoch: Cell<u64>,
}

impl<T: Float> DataLoader<T> {
    /// Creates a loader over the columns of `x` and `y` in batches of
    /// `batch_size`, in order, keeping a partial last batch.
    ///
    /// # Errors
    /// [`DataError::ObservationMismatch`] if `x` and `y` have different
    /// numbers of columns (naming both), [`DataError::ZeroBatchSize`] for a
    /// batch size of 0.
    pub fn new(x: Matrix<T>, y: Matrix<T>, batch_size: usize) -> Result<Self, DataError> {
        if x.ncols() != y.ncols() {
            return Err(DataError::ObservationMismatch {
                x_observations: x.ncols(),
                y_observations: y.ncols(),
            });
        }
        if batch_size == 0 {
            return Err(DataError::ZeroBatchSize);
        }
        if x.ncols() == 0 {
            log::warn!("DataLoader: x and y have no observations, so every epoch is empty");
        }
        Ok(Self {
            x,
            y,
            batch_size,
            seed: None,
            partial: true,
            next_epoch: Cell::new(0),
        })
    }

    /// Shuffles the observations at every epoch, reproducibly from `seed`.
    pub fn shuffle(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Keeps (`true`, the default) or drops (`false`) a last batch smaller
    /// than the batch size.
    pub fn partial(mut self, keep: bool) -> Self {
        self.partial = keep;
        self
    }

    /// Returns the number of observations (columns).
    pub fn observations(&self) -> usize {
        self.x.ncols()
    }

    /// Returns the batch size.
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// Returns the number of batches per epoch.
    pub fn len(&self) -> usize {
        let full = self.observations() / self.batch_size;
        let rest = self.observations() % self.batch_size;
        full + usize::from(self.partial && rest > 0)
    }

    /// Returns `true` when an epoch has no batch.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Returns the whole inputs and targets.
    pub fn data(&self) -> (&Matrix<T>, &Matrix<T>) {
        (&self.x, &self.y)
    }

    /// Starts the next epoch (0 first) and iterates over its batches.
    pub fn iter(&self) -> DataLoaderIter<'_, T> {
        let epoch = self.next_epoch.get();
        self.next_epoch.set(epoch.wrapping_add(1));
        self.epoch(epoch)
    }

    /// Iterates over the batches of epoch `epoch` (from 0) without
    /// advancing the loader's epoch counter.
    pub fn epoch(&self, epoch: u64) -> DataLoaderIter<'_, T> {
        let order = self.seed.map(|seed| {
            let mut order: Vec<usize> = (0..self.observations()).collect();
            // One ChaCha8 stream per epoch: reproducible, and independent
            // of how many epochs ran before.
            let mut rng = ferroflux_linalg::rng(seed);
            rng.set_stream(epoch);
            order.shuffle(&mut rng);
            order
        });
        DataLoaderIter {
            loader: self,
            order,
            batch: 0,
            batches: self.len(),
        }
    }
}

impl<'a, T: Float> IntoIterator for &'a DataLoader<T> {
    type Item = (Matrix<T>, Matrix<T>);
    type IntoIter = DataLoaderIter<'a, T>;

    fn into_iter(self) -> DataLoaderIter<'a, T> {
        self.iter()
    }
}

/// The batches of one epoch of a [`DataLoader`].
#[derive(Debug, Clone)]
pub struct DataLoaderIter<'a, T: Float> {
    loader: &'a DataLoader<T>,
    order: Option<Vec<usize>>,
    batch: usize,
    batches: usize,
}

impl<T: Float> DataLoaderIter<'_, T> {
    /// Returns the observation indices of this epoch in order, or `None`
    /// when the loader does not shuffle and the order is 0, 1, 2, ...
    pub fn order(&self) -> Option<&[usize]> {
        self.order.as_deref()
    }
}

/// Copies the listed columns of `source` into a new matrix.
fn gather<T: Float>(source: &Matrix<T>, columns: &[usize]) -> Matrix<T> {
    let rows = source.nrows();
    let mut out = Matrix::zeros(rows, columns.len());
    for (target, &column) in columns.iter().enumerate() {
        out.column_mut(target).copy_from(&source.column(column));
    }
    out
}

impl<T: Float> Iterator for DataLoaderIter<'_, T> {
    type Item = (Matrix<T>, Matrix<T>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.batch >= self.batches {
            return None;
        }
        let loader = self.loader;
        let start = self.batch * loader.batch_size;
        let count = loader.batch_size.min(loader.observations() - start);
        self.batch += 1;
        Some(match &self.order {
            Some(order) => {
                let columns = &order[start..start + count];
                (gather(&loader.x, columns), gather(&loader.y, columns))
            }
            None => (
                loader.x.columns(start, count).into_owned(),
                loader.y.columns(start, count).into_owned(),
            ),
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.batches - self.batch;
        (left, Some(left))
    }
}

impl<T: Float> ExactSizeIterator for DataLoaderIter<'_, T> {}
