//! Callbacks of the train loop: what they receive, what they can request,
//! and the ready-made ones (throttling, early stopping, plateau detection,
//! a progress bar).

use std::fmt;
use std::time::{Duration, Instant};

/// The state of training after one step, passed to [`Callback::on_step`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    /// The epoch, from 1.
    pub epoch: usize,
    /// The step within the epoch, from 1.
    pub step: usize,
    /// The number of steps since training started, this one included.
    pub total_steps: usize,
    /// The loss of this step, computed before its update.
    pub loss: f64,
    /// The optimiser's learning rate η, if it has one.
    pub eta: Option<f64>,
    /// Time since training started.
    pub elapsed: Duration,
}

/// The state of training after one epoch, passed to [`Callback::on_epoch`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochSummary {
    /// The epoch, from 1.
    pub epoch: usize,
    /// The number of steps in this epoch.
    pub steps: usize,
    /// The mean loss over this epoch's steps.
    pub mean_loss: f64,
    /// The optimiser's learning rate η, if it has one.
    pub eta: Option<f64>,
    /// Time since training started.
    pub elapsed: Duration,
}

/// A callback's request to the train loop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Control {
    /// Go on training.
    Continue,
    /// Stop after this step (or epoch); the report marks `stopped_early`.
    Stop,
    /// Set the learning rate η to this value and go on.
    Adjust(f64),
}

/// Receives the train loop's progress and may stop it or change η.
///
/// Implemented by closures `FnMut(&Progress) -> Control` (called after each
/// step), by `()` (does nothing), and by [`Throttle`], [`EarlyStopping`],
/// [`Plateau`] and [`ProgressBar`]. Tuples of callbacks call every member:
/// a `Stop` wins over an `Adjust`, and a later `Adjust` over an earlier one.
pub trait Callback {
    /// Called after every step.
    fn on_step(&mut self, progress: &Progress) -> Control;

    /// Called after every epoch that ran at least one step.
    fn on_epoch(&mut self, summary: &EpochSummary) -> Control {
        let _ = summary;
        Control::Continue
    }
}

impl<F: FnMut(&Progress) -> Control> Callback for F {
    fn on_step(&mut self, progress: &Progress) -> Control {
        self(progress)
    }
}

impl Callback for () {
    fn on_step(&mut self, _progress: &Progress) -> Control {
        Control::Continue
    }
}

/// Merges the requests of several callbacks.
fn merge(first: Control, second: Control) -> Control {
    match (first, second) {
        (Control::Stop, _) | (_, Control::Stop) => Control::Stop,
        (_, Control::Adjust(eta)) | (Control::Adjust(eta), Control::Continue) => {
            Control::Adjust(eta)
        }
        (Control::Continue, Control::Continue) => Control::Continue,
    }
}

macro_rules! tuple_callback {
    ($($index:tt $name:ident),+) => {
        impl<$($name: Callback),+> Callback for ($($name,)+) {
            fn on_step(&mut self, progress: &Progress) -> Control {
                let mut control = Control::Continue;
                $(control = merge(control, self.$index.on_step(progress));)+
                control
            }

            fn on_epoch(&mut self, summary: &EpochSummary) -> Control {
                let mut control = Control::Continue;
                $(control = merge(control, self.$index.on_epoch(summary));)+
                control
            }
        }
    };
}

tuple_callback!(0 A, 1 B);
tuple_callback!(0 A, 1 B, 2 C);
tuple_callback!(0 A, 1 B, 2 C, 3 D);
tuple_callback!(0 A, 1 B, 2 C, 3 D, 4 E);

/// Calls the inner callback's `on_step` at most once per interval (the
/// first step always passes), as Flux's `throttle`; `on_epoch` always
/// passes through. Built by [`throttle`].
#[derive(Debug, Clone)]
pub struct Throttle<C> {
    inner: C,
    interval: Duration,
    last: Option<Instant>,
}

/// Limits `callback`'s per-step calls to one per `interval`.
///
/// ```
/// use std::time::Duration;
/// use ferroflux_optim::{throttle, Control, Progress};
///
/// // Log the loss at most every 5 seconds.
/// let logger = throttle(Duration::from_secs(5), |p: &Progress| {
///     log::info!("epoch {} step {}: loss {}", p.epoch, p.step, p.loss);
///     Control::Continue
/// });
/// # let _ = logger;
/// ```
pub fn throttle<C: Callback>(interval: Duration, callback: C) -> Throttle<C> {
    Throttle {
        inner: callback,
        interval,
        last: None,
    }
}

impl<C: Callback> Callback for Throttle<C> {
    fn on_step(&mut self, progress: &Progress) -> Control {
        let now = Instant::now();
        if self
            .last
            .is_some_and(|last| now.duration_since(last) < self.interval)
        {
            return Control::Continue;
        }
        self.last = Some(now);
        self.inner.on_step(progress)
    }

    fn on_epoch(&mut self, summary: &EpochSummary) -> Control {
        self.inner.on_epoch(summary)
    }
}

/// Whether a monitor looks at each epoch's mean loss or at each step's loss.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Every {
    Epoch,
    Step,
}

/// Stops training when the monitored loss has not improved on its best
/// value by more than `min_delta` for `patience` consecutive checks, as
/// Flux's `early_stopping`. Built by [`early_stopping`].
///
/// As a [`Callback`] it checks each epoch's mean loss (or each step's loss
/// after [`EarlyStopping::every_step`]). To monitor another quantity, such
/// as a validation loss, call [`EarlyStopping::check`] from your own
/// callback.
#[derive(Debug, Clone, PartialEq)]
pub struct EarlyStopping {
    patience: usize,
    min_delta: f64,
    best: f64,
    waited: usize,
    every: Every,
}

/// Stops after `patience` checks without improvement (min_delta 0, one
/// check per epoch).
///
/// # Panics
/// If `patience` is 0.
#[track_caller]
pub fn early_stopping(patience: usize) -> EarlyStopping {
    assert!(
        patience > 0,
        "early_stopping: patience must be at least 1 check, got 0"
    );
    EarlyStopping {
        patience,
        min_delta: 0.0,
        best: f64::INFINITY,
        waited: 0,
        every: Every::Epoch,
    }
}

impl EarlyStopping {
    /// Counts only improvements larger than `min_delta`.
    pub fn min_delta(mut self, min_delta: f64) -> Self {
        self.min_delta = min_delta;
        self
    }

    /// Checks the loss of every step instead of every epoch's mean.
    pub fn every_step(mut self) -> Self {
        self.every = Every::Step;
        self
    }

    /// Records `value` and returns `true` when training should stop. NaN
    /// counts as no improvement.
    pub fn check(&mut self, value: f64) -> bool {
        if value < self.best - self.min_delta {
            self.best = value;
            self.waited = 0;
        } else {
            self.waited += 1;
        }
        self.waited >= self.patience
    }

    fn control(&mut self, value: f64) -> Control {
        if self.check(value) {
            log::debug!(
                "early stopping: no improvement on {} for {} checks",
                self.best,
                self.waited
            );
            Control::Stop
        } else {
            Control::Continue
        }
    }
}

impl Callback for EarlyStopping {
    fn on_step(&mut self, progress: &Progress) -> Control {
        match self.every {
            Every::Step => self.control(progress.loss),
            Every::Epoch => Control::Continue,
        }
    }

    fn on_epoch(&mut self, summary: &EpochSummary) -> Control {
        match self.every {
            Every::Epoch => self.control(summary.mean_loss),
            Every::Step => Control::Continue,
        }
    }
}

/// Detects a plateau: the monitored loss changed by at most `min_delta`
/// between consecutive checks, `patience` times in a row, as Flux's
/// `plateau`. Built by [`plateau`].
///
/// As a [`Callback`] it stops training at a plateau, or, after
/// [`Plateau::reduce`], multiplies η by a factor and starts counting again.
#[derive(Debug, Clone, PartialEq)]
pub struct Plateau {
    patience: usize,
    min_delta: f64,
    last: Option<f64>,
    count: usize,
    factor: Option<f64>,
    every: Every,
}

/// Detects `patience` consecutive changes of at most 1e-6 (one check per
/// epoch).
///
/// # Panics
/// If `patience` is 0.
#[track_caller]
pub fn plateau(patience: usize) -> Plateau {
    assert!(
        patience > 0,
        "plateau: patience must be at least 1 check, got 0"
    );
    Plateau {
        patience,
        min_delta: 1e-6,
        last: None,
        count: 0,
        factor: None,
        every: Every::Epoch,
    }
}

impl Plateau {
    /// Counts changes of at most `min_delta` as flat.
    pub fn min_delta(mut self, min_delta: f64) -> Self {
        self.min_delta = min_delta;
        self
    }

    /// At a plateau, multiplies η by `factor` instead of stopping.
    ///
    /// # Panics
    /// If `factor` is not in (0, 1), naming it.
    #[track_caller]
    pub fn reduce(mut self, factor: f64) -> Self {
        assert!(
            factor > 0.0 && factor < 1.0,
            "Plateau::reduce: factor {factor} must lie in (0, 1)"
        );
        self.factor = Some(factor);
        self
    }

    /// Checks the loss of every step instead of every epoch's mean.
    pub fn every_step(mut self) -> Self {
        self.every = Every::Step;
        self
    }

    /// Records `value` and returns `true` at a plateau, then counts afresh.
    pub fn check(&mut self, value: f64) -> bool {
        let flat = self
            .last
            .is_some_and(|last| (value - last).abs() <= self.min_delta);
        self.last = Some(value);
        self.count = if flat { self.count + 1 } else { 0 };
        if self.count >= self.patience {
            self.count = 0;
            true
        } else {
            false
        }
    }

    fn control(&mut self, value: f64, eta: Option<f64>) -> Control {
        if !self.check(value) {
            return Control::Continue;
        }
        match (self.factor, eta) {
            (Some(factor), Some(eta)) => Control::Adjust(eta * factor),
            (Some(_), None) => {
                log::warn!(
                    "plateau: the optimiser has no learning rate to reduce, so training stops"
                );
                Control::Stop
            }
            (None, _) => Control::Stop,
        }
    }
}

impl Callback for Plateau {
    fn on_step(&mut self, progress: &Progress) -> Control {
        match self.every {
            Every::Step => self.control(progress.loss, progress.eta),
            Every::Epoch => Control::Continue,
        }
    }

    fn on_epoch(&mut self, summary: &EpochSummary) -> Control {
        match self.every {
            Every::Epoch => self.control(summary.mean_loss, summary.eta),
            Every::Step => Control::Continue,
        }
    }
}

/// A terminal progress bar (indicatif) showing the step count, epoch and
/// loss. It is opt-in, for binaries and examples: the library itself never
/// draws or prints. indicatif hides the bar when stderr is not a terminal.
pub struct ProgressBar {
    bar: indicatif::ProgressBar,
}

impl fmt::Debug for ProgressBar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProgressBar")
            .field("position", &self.bar.position())
            .finish()
    }
}

/// Creates a progress bar over `total_steps` steps (all epochs together),
/// or a spinner when the total is unknown.
pub fn progress_bar(total_steps: Option<u64>) -> ProgressBar {
    let bar = match total_steps {
        Some(total) => indicatif::ProgressBar::new(total),
        None => indicatif::ProgressBar::new_spinner(),
    };
    let template = "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {msg}";
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    ProgressBar { bar }
}

impl Callback for ProgressBar {
    fn on_step(&mut self, progress: &Progress) -> Control {
        self.bar.set_position(progress.total_steps as u64);
        self.bar.set_message(format!(
            "epoch {} loss {:.4e}",
            progress.epoch, progress.loss
        ));
        Control::Continue
    }

    fn on_epoch(&mut self, summary: &EpochSummary) -> Control {
        self.bar.set_message(format!(
            "epoch {} mean loss {:.4e}",
            summary.epoch, summary.mean_loss
        ));
        Control::Continue
    }
}

impl Drop for ProgressBar {
    fn drop(&mut self) {
        self.bar.finish();
    }
}
