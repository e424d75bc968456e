//! The train loop: one gradient and one update per batch, with a report,
//! a non-finite loss guard and callbacks.

use std::time::{Duration, Instant};

use ferroflux_autodiff::{with_gradient, Params, Tensor};
use ferroflux_linalg::{Float, Matrix};

use crate::callback::{Callback, Control, EpochSummary, Progress};
use crate::{Optimiser, TrainError};

/// A value that the train loop can hand to the loss as a tensor.
///
/// Matrices become constants: an owned matrix without a copy, a borrowed one
/// by cloning its elements. Tensors pass through (cloning a tensor only
/// clones its handle).
pub trait IntoTensor<T: Float> {
    /// Converts into a tensor.
    fn into_tensor(self) -> Tensor<T>;
}

impl<T: Float> IntoTensor<T> for Matrix<T> {
    fn into_tensor(self) -> Tensor<T> {
        Tensor::constant(self)
    }
}

impl<T: Float> IntoTensor<T> for &Matrix<T> {
    fn into_tensor(self) -> Tensor<T> {
        Tensor::constant(self.clone())
    }
}

impl<T: Float> IntoTensor<T> for Tensor<T> {
    fn into_tensor(self) -> Tensor<T> {
        self
    }
}

impl<T: Float> IntoTensor<T> for &Tensor<T> {
    fn into_tensor(self) -> Tensor<T> {
        self.clone()
    }
}

/// One item of training data: an `(x, y)` pair of matrices or tensors, owned
/// or borrowed.
pub trait Batch<T: Float> {
    /// Converts into the `(x, y)` tensors given to the loss.
    fn into_tensors(self) -> (Tensor<T>, Tensor<T>);
}

impl<T: Float, X: IntoTensor<T>, Y: IntoTensor<T>> Batch<T> for (X, Y) {
    fn into_tensors(self) -> (Tensor<T>, Tensor<T>) {
        (self.0.into_tensor(), self.1.into_tensor())
    }
}

impl<'a, T: Float, X, Y> Batch<T> for &'a (X, Y)
where
    &'a X: IntoTensor<T>,
    &'a Y: IntoTensor<T>,
{
    fn into_tensors(self) -> (Tensor<T>, Tensor<T>) {
        ((&self.0).into_tensor(), (&self.1).into_tensor())
    }
}

/// Summary of a training run: losses, counts and time.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainReport {
    /// The loss of every step, before that step's update, in order.
    pub losses: Vec<f64>,
    /// The mean loss of every completed or stopped epoch.
    pub epoch_losses: Vec<f64>,
    /// The number of updates applied.
    pub steps: usize,
    /// The number of epochs started.
    pub epochs: usize,
    /// Wall-clock time of the whole run, callbacks included.
    pub elapsed: Duration,
    /// Whether a callback stopped the run before the data ran out.
    pub stopped_early: bool,
}

impl TrainReport {
    fn new() -> Self {
        Self {
            losses: Vec::new(),
            epoch_losses: Vec::new(),
            steps: 0,
            epochs: 0,
            elapsed: Duration::ZERO,
            stopped_early: false,
        }
    }

    /// Returns the loss of the last step, or `None` if no step ran.
    pub fn final_loss(&self) -> Option<f64> {
        self.losses.last().copied()
    }

    /// Returns the mean time per step, or `None` if no step ran.
    pub fn time_per_step(&self) -> Option<Duration> {
        (self.steps > 0).then(|| self.elapsed / self.steps as u32)
    }
}

/// Trains for one pass over `data` (Flux's `train!`): for every `(x, y)`
/// item it computes `loss(x, y)` and its gradient with respect to `ps`, then
/// updates the parameters with `opt`.
///
/// `data` is any iterator of pairs: a single pair repeated
/// (`std::iter::repeat_n((&x, &y), n)`), a zip of two collections, a
/// `Vec` of pairs (by reference or by value), or a [`crate::DataLoader`].
///
/// # Errors
/// - [`TrainError::NonFiniteLoss`] when a loss is NaN or infinite, naming
///   the step and the value. No parameter is updated with that step's
///   gradient; the earlier steps' updates stay.
/// - [`TrainError::Optimiser`] when the optimiser rejects an update.
///
/// # Panics
/// If `loss` returns a tensor that is not 1x1, or a gradient's shape differs
/// from its parameter's; both messages name the shapes.
///
/// # Examples
/// ```
/// use ferroflux_autodiff::{Matrix, Param, Params, Tensor};
/// use ferroflux_optim::{train, Descent};
///
/// // Fit w in y = w·x by least squares on one repeated point.
/// let w = Param::new(Matrix::from_element(1, 1, 0.0_f64));
/// let ps = Params::new([&w]);
/// let x = Matrix::from_element(1, 1, 2.0);
/// let y = Matrix::from_element(1, 1, 6.0);
/// let loss = |x: &Tensor, y: &Tensor| (w.tensor().matmul(x) - y).square().sum();
/// let data = std::iter::repeat_n((&x, &y), 50);
/// let report = train(loss, &ps, data, &mut Descent::new(0.05))?;
/// assert_eq!(report.steps, 50);
/// assert!((w.value()[0] - 3.0).abs() < 1e-6);
/// # Ok::<(), ferroflux_optim::TrainError>(())
/// ```
pub fn train<T, L, D, O>(
    loss: L,
    ps: &Params<T>,
    data: D,
    opt: &mut O,
) -> Result<TrainReport, TrainError>
where
    T: Float,
    L: FnMut(&Tensor<T>, &Tensor<T>) -> Tensor<T>,
    D: IntoIterator,
    D::Item: Batch<T>,
    O: Optimiser<T> + ?Sized,
{
    train_with(loss, ps, data, opt, ())
}

/// Like [`train`], calling `callback` after every step and at the end of
/// the pass. The callback can stop the run or change the learning rate.
///
/// # Errors
/// Those of [`train`], and [`TrainError::Optimiser`] when the callback
/// requests an invalid learning rate.
pub fn train_with<T, L, D, O, C>(
    mut loss: L,
    ps: &Params<T>,
    data: D,
    opt: &mut O,
    mut callback: C,
) -> Result<TrainReport, TrainError>
where
    T: Float,
    L: FnMut(&Tensor<T>, &Tensor<T>) -> Tensor<T>,
    D: IntoIterator,
    D::Item: Batch<T>,
    O: Optimiser<T> + ?Sized,
    C: Callback,
{
    let mut run = Run::new();
    run.epoch(1, &mut loss, ps, data, opt, &mut callback)?;
    Ok(run.finish())
}

/// Trains for `n` passes over the data that `data()` returns, calling it
/// once per epoch, and calls `callback` after every step and every epoch.
///
/// `data` is a closure so that each epoch gets a fresh iterator: `|| &loader`
/// for a [`crate::DataLoader`] (which reshuffles at each pass), `|| &pairs`
/// for a `Vec` of pairs, `|| std::iter::repeat_n((&x, &y), 10)`.
///
/// # Errors
/// Those of [`train_with`]; the epoch and step are named.
///
/// # Examples
/// ```
/// use ferroflux_autodiff::{Matrix, Param, Params, Tensor};
/// use ferroflux_optim::{epochs, Adam, Control, Progress};
///
/// let w = Param::new(Matrix::from_element(1, 1, 0.0_f64));
/// let ps = Params::new([&w]);
/// let pairs = vec![(Matrix::from_element(1, 1, 1.0), Matrix::from_element(1, 1, 2.0))];
/// let loss = |x: &Tensor, y: &Tensor| (w.tensor().matmul(x) - y).square().sum();
/// // Stop as soon as the loss drops below 1e-6.
/// let stop = |p: &Progress| if p.loss < 1e-6 { Control::Stop } else { Control::Continue };
/// let report = epochs(10_000, loss, &ps, || &pairs, &mut Adam::new(0.05), stop)?;
/// assert!(report.stopped_early);
/// # Ok::<(), ferroflux_optim::TrainError>(())
/// ```
pub fn epochs<T, L, F, D, O, C>(
    n: usize,
    mut loss: L,
    ps: &Params<T>,
    mut data: F,
    opt: &mut O,
    mut callback: C,
) -> Result<TrainReport, TrainError>
where
    T: Float,
    L: FnMut(&Tensor<T>, &Tensor<T>) -> Tensor<T>,
    F: FnMut() -> D,
    D: IntoIterator,
    D::Item: Batch<T>,
    O: Optimiser<T> + ?Sized,
    C: Callback,
{
    let mut run = Run::new();
    for epoch in 1..=n {
        if run.epoch(epoch, &mut loss, ps, data(), opt, &mut callback)? == Control::Stop {
            break;
        }
    }
    Ok(run.finish())
}

/// The state of one call of [`train_with`] or [`epochs`].
struct Run {
    report: TrainReport,
    start: Instant,
}

impl Run {
    fn new() -> Self {
        Self {
            report: TrainReport::new(),
            start: Instant::now(),
        }
    }

    fn finish(mut self) -> TrainReport {
        self.report.elapsed = self.start.elapsed();
        self.report
    }

    /// Runs one pass and returns `Control::Stop` if a callback stopped it.
    fn epoch<T, L, D, O, C>(
        &mut self,
        epoch: usize,
        loss: &mut L,
        ps: &Params<T>,
        data: D,
        opt: &mut O,
        callback: &mut C,
    ) -> Result<Control, TrainError>
    where
        T: Float,
        L: FnMut(&Tensor<T>, &Tensor<T>) -> Tensor<T>,
        D: IntoIterator,
        D::Item: Batch<T>,
        O: Optimiser<T> + ?Sized,
        C: Callback,
    {
        self.report.epochs = epoch;
        let first = self.report.losses.len();
        let mut flow = Control::Continue;

        for (index, item) in data.into_iter().enumerate() {
            let step = index + 1;
            let (x, y) = item.into_tensors();
            let (value, grads) = with_gradient(ps, || loss(&x, &y));

            // The guard comes before the update, so a NaN never reaches
            // the parameters.
            let value = value.to_f64();
            if !value.is_finite() {
                return Err(TrainError::NonFiniteLoss {
                    epoch,
                    step,
                    loss: value,
                });
            }
            opt.update_all(ps, &grads)
                .map_err(|source| TrainError::Optimiser {
                    epoch,
                    step,
                    source,
                })?;
            drop(grads);
            self.report.losses.push(value);
            self.report.steps += 1;

            let progress = Progress {
                epoch,
                step,
                total_steps: self.report.steps,
                loss: value,
                eta: opt.eta(),
                elapsed: self.start.elapsed(),
            };
            flow = self.obey(callback.on_step(&progress), opt, epoch, step)?;
            if flow == Control::Stop {
                break;
            }
        }

        let losses = &self.report.losses[first..];
        if losses.is_empty() {
            log::warn!("epoch {epoch}: the data produced no batch, so nothing was trained");
            return Ok(flow);
        }
        let mean_loss = losses.iter().sum::<f64>() / losses.len() as f64;
        self.report.epoch_losses.push(mean_loss);
        log::debug!(
            "epoch {epoch}: {} steps, mean loss {mean_loss}",
            losses.len()
        );

        let summary = EpochSummary {
            epoch,
            steps: losses.len(),
            mean_loss,
            eta: opt.eta(),
            elapsed: self.start.elapsed(),
        };
        let steps = losses.len();
        let after_epoch = self.obey(callback.on_epoch(&summary), opt, epoch, steps)?;
        if flow == Control::Stop || after_epoch == Control::Stop {
            self.report.stopped_early = true;
            return Ok(Control::Stop);
        }
        Ok(Control::Continue)
    }

    /// Carries out a callback's request; returns `Stop` or `Continue`.
    fn obey<T: Float, O: Optimiser<T> + ?Sized>(
        &mut self,
        control: Control,
        opt: &mut O,
        epoch: usize,
        step: usize,
    ) -> Result<Control, TrainError> {
        match control {
            Control::Adjust(eta) => {
                opt.adjust(eta).map_err(|source| TrainError::Optimiser {
                    epoch,
                    step,
                    source,
                })?;
                log::debug!(
                    "epoch {epoch}, step {step}: a callback set the learning rate to {eta}"
                );
                Ok(Control::Continue)
            }
            Control::Stop => {
                log::debug!("epoch {epoch}, step {step}: a callback stopped training");
                Ok(Control::Stop)
            }
            Control::Continue => Ok(Control::Continue),
        }
    }
}
