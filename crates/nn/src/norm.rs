//! Normalisation layers: [`LayerNorm`] over the features of each sample and
//! [`BatchNorm`] over the samples of each feature.

use std::cell::Cell;
use std::fmt;

use ferroflux_autodiff::{Param, Tensor};
use ferroflux_linalg::{Float, Matrix};

use crate::layer::{display_via_layer, join_name, Layer, Mode, NamedParam};

/// Default ε added to the variance, as in Flux and PyTorch.
const EPSILON: f64 = 1e-5;

#[track_caller]
fn check_features(layer: &str, features: usize, x: &Tensor<impl Float>) {
    assert!(
        x.nrows() == features,
        "{layer}({features}): input has {} rows (features) but the layer expects {features}; input is {}x{} (features x batch)",
        x.nrows(),
        x.nrows(),
        x.ncols()
    );
}

/// Layer normalisation (Ba et al., 2016): each column is normalised over its features,
///
/// `y = γ .* (x .- μ) ./ sqrt(σ² .+ ε) .+ β`,
///
/// with μ and σ² the mean and (biased) variance of the column and the
/// trainable scale γ and shift β (`features x 1`, starting at ones and
/// zeros). ε = 1e-5. Behaves the same in training and test.
#[derive(Clone)]
pub struct LayerNorm<T: Float = f32> {
    scale: Param<T>,
    bias: Param<T>,
    epsilon: T,
}

impl<T: Float> LayerNorm<T> {
    /// Creates a layer normalising `features` rows.
    pub fn new(features: usize) -> Self {
        Self {
            scale: Param::new(Matrix::from_element(features, 1, T::one())),
            bias: Param::new(Matrix::zeros(features, 1)),
            epsilon: T::cast(EPSILON),
        }
    }

    /// Replaces ε, the constant added to the variance (default 1e-5).
    ///
    /// # Panics
    ///
    /// If `epsilon` is not positive and finite, naming it.
    #[track_caller]
    pub fn epsilon(mut self, epsilon: f64) -> Self {
        assert!(
            epsilon > 0.0 && epsilon.is_finite(),
            "{}: epsilon = {epsilon} must be positive and finite",
            crate::layer::compact(&self)
        );
        self.epsilon = T::cast(epsilon);
        self
    }

    /// Number of features.
    pub fn features(&self) -> usize {
        self.scale.shape().0
    }

    /// The scale γ.
    pub fn scale(&self) -> &Param<T> {
        &self.scale
    }

    /// The shift β.
    pub fn bias(&self) -> &Param<T> {
        &self.bias
    }
}

impl<T: Float> Layer<T> for LayerNorm<T> {
    #[track_caller]
    fn apply(&self, x: &Tensor<T>) -> Tensor<T> {
        check_features("LayerNorm", self.features(), x);
        let mean = x.mean_cols();
        let centred = x - &mean;
        let variance = centred.square().mean_cols();
        let normalised = &centred / &variance.add_scalar(self.epsilon).sqrt();
        &normalised * &self.scale.tensor() + self.bias.tensor()
    }

    fn input_features(&self) -> Option<usize> {
        Some(self.features())
    }

    fn collect_params(&self, prefix: &str, out: &mut Vec<NamedParam<T>>) {
        for (name, param) in [("scale", &self.scale), ("bias", &self.bias)] {
            out.push(NamedParam {
                name: join_name(prefix, name),
                param: param.clone(),
                trainable: true,
            });
        }
    }

    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LayerNorm({})", self.features())
    }
}

/// Batch normalisation (Ioffe and Szegedy, 2015): each feature (row) is
/// normalised over the batch,
///
/// `y = γ .* (x .- μ) ./ sqrt(σ² .+ ε) .+ β`.
///
/// In training behaviour μ and σ² are the mean and biased variance of each
/// row of the batch, and every call also updates the running statistics:
/// `μ_run ← (1 - m) μ_run + m μ` and `σ²_run ← (1 - m) σ²_run + m σ² n/(n-1)`
/// with momentum m = 0.1 (see [`BatchNorm::momentum`]) and the unbiased
/// variance, as Flux and PyTorch do. In test behaviour the running statistics
/// take the place of μ and σ² and stay unchanged.
///
/// The layer starts in [`Mode::Auto`], as in Flux: training behaviour inside
/// a gradient computation (`gradient`, `with_gradient`, `value_and_gradient`,
/// the train loop), test behaviour everywhere else, so plain evaluation never
/// moves the running statistics. [`Layer::set_mode`] with [`Mode::Train`] or
/// [`Mode::Test`] forces one behaviour (a [`crate::Chain`] passes it on to
/// its layers).
///
/// The running statistics are state, not parameters: [`Layer::params`]
/// leaves them out, so optimisers never change them, but
/// [`Layer::named_params`] lists them (`running_mean`, `running_var`) with
/// `trainable: false`, so saving and loading keep them.
#[derive(Clone)]
pub struct BatchNorm<T: Float = f32> {
    scale: Param<T>,
    bias: Param<T>,
    running_mean: Param<T>,
    running_var: Param<T>,
    momentum: T,
    epsilon: T,
    mode: Cell<Mode>,
}

impl<T: Float> BatchNorm<T> {
    /// Creates a layer normalising `features` rows, in [`Mode::Auto`].
    pub fn new(features: usize) -> Self {
        Self {
            scale: Param::new(Matrix::from_element(features, 1, T::one())),
            bias: Param::new(Matrix::zeros(features, 1)),
            running_mean: Param::new(Matrix::zeros(features, 1)),
            running_var: Param::new(Matrix::from_element(features, 1, T::one())),
            momentum: T::cast(0.1),
            epsilon: T::cast(EPSILON),
            mode: Cell::new(Mode::Auto),
        }
    }

    /// Replaces ε, the constant added to the variance (default 1e-5).
    ///
    /// # Panics
    ///
    /// If `epsilon` is not positive and finite, naming it.
    #[track_caller]
    pub fn epsilon(mut self, epsilon: f64) -> Self {
        assert!(
            epsilon > 0.0 && epsilon.is_finite(),
            "{}: epsilon = {epsilon} must be positive and finite",
            crate::layer::compact(&self)
        );
        self.epsilon = T::cast(epsilon);
        self
    }

    /// Replaces the momentum m of the running statistics (default 0.1, as
    /// in Flux and PyTorch): `μ_run ← (1 - m) μ_run + m μ`.
    ///
    /// # Panics
    ///
    /// If `momentum` is not in `[0, 1]`, naming it.
    #[track_caller]
    pub fn momentum(mut self, momentum: f64) -> Self {
        assert!(
            (0.0..=1.0).contains(&momentum),
            "{}: momentum = {momentum} must lie in [0, 1]",
            crate::layer::compact(&self)
        );
        self.momentum = T::cast(momentum);
        self
    }

    /// Number of features.
    pub fn features(&self) -> usize {
        self.scale.shape().0
    }

    /// Returns the current mode ([`Mode::Auto`] unless set).
    pub fn mode(&self) -> Mode {
        self.mode.get()
    }

    /// The scale γ.
    pub fn scale(&self) -> &Param<T> {
        &self.scale
    }

    /// The shift β.
    pub fn bias(&self) -> &Param<T> {
        &self.bias
    }

    /// The running mean of each feature (state).
    pub fn running_mean(&self) -> &Param<T> {
        &self.running_mean
    }

    /// The running unbiased variance of each feature (state).
    pub fn running_var(&self) -> &Param<T> {
        &self.running_var
    }

    /// Moves the running statistics towards the batch statistics.
    fn update_running(&self, mean: &Matrix<T>, variance: &Matrix<T>, batch: usize) {
        let m = self.momentum;
        let keep = T::one() - m;
        let correction = T::cast_usize(batch) / T::cast_usize(batch - 1);
        self.running_mean
            .update(|r| r.zip_apply(mean, |r, b| *r = keep * *r + m * b));
        self.running_var
            .update(|r| r.zip_apply(variance, |r, b| *r = keep * *r + m * correction * b));
    }
}

impl<T: Float> Layer<T> for BatchNorm<T> {
    /// # Panics
    ///
    /// If the input has the wrong number of rows, or in training behaviour if
    /// the batch has fewer than 2 columns (the variance of one sample is
    /// undefined).
    #[track_caller]
    fn apply(&self, x: &Tensor<T>) -> Tensor<T> {
        check_features("BatchNorm", self.features(), x);
        let (centred, std) = if self.mode.get().is_training::<T>() {
            assert!(
                x.ncols() >= 2,
                "BatchNorm({}) in training behaviour needs a batch of at least 2 columns, \
                     got {}x{}; use a larger batch or set_mode(Mode::Test)",
                self.features(),
                x.nrows(),
                x.ncols()
            );
            let mean = x.mean_rows();
            let centred = x - &mean;
            let variance = centred.square().mean_rows();
            self.update_running(&mean.value(), &variance.value(), x.ncols());
            (centred, variance.add_scalar(self.epsilon).sqrt())
        } else {
            let mean = Tensor::constant(self.running_mean.value().clone());
            let std = self.running_var.value().map(|v| (v + self.epsilon).sqrt());
            (x - &mean, Tensor::constant(std))
        };
        let normalised = &centred / &std;
        &normalised * &self.scale.tensor() + self.bias.tensor()
    }

    fn input_features(&self) -> Option<usize> {
        Some(self.features())
    }

    fn collect_params(&self, prefix: &str, out: &mut Vec<NamedParam<T>>) {
        let entries = [
            ("scale", &self.scale, true),
            ("bias", &self.bias, true),
            ("running_mean", &self.running_mean, false),
            ("running_var", &self.running_var, false),
        ];
        for (name, param, trainable) in entries {
            out.push(NamedParam {
                name: join_name(prefix, name),
                param: param.clone(),
                trainable,
            });
        }
    }

    fn set_mode(&self, mode: Mode) {
        self.mode.set(mode);
    }

    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "BatchNorm({}{})",
            self.features(),
            self.mode.get().display_suffix()
        )
    }
}

display_via_layer!(LayerNorm, BatchNorm);

impl<T: Float> fmt::Debug for LayerNorm<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.describe(f)
    }
}

impl<T: Float> fmt::Debug for BatchNorm<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.describe(f)
    }
}
