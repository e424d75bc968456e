//! The fully connected layer.

use std::fmt;

use ferroflux_autodiff::{Param, Tensor};
use ferroflux_linalg::{rng, with_global_rng, Float, Matrix};

use crate::activation::Activation;
use crate::init::{glorot_uniform, Init};
use crate::layer::{display_via_layer, join_name, Layer, NamedParam};

/// A fully connected layer, `y = σ(W x .+ b)`.
///
/// `W` is `out x in` and `b` is `out x 1`, broadcast over the columns of
/// `x` (`in x batch`), so `y` is `out x batch`. The weight starts from
/// [`glorot_uniform`] and the bias from zeros, as in Flux.
///
/// - `Dense::new(in, out, σ)`: `f32`, drawing from the global generator
///   ([`ferroflux_linalg::seed`] makes it reproducible);
/// - `Dense::new_f64(in, out, σ)`: the same in `f64`;
/// - `Dense::<T>::builder(in, out)`: any precision, activation, initialiser,
///   seed, and with or without bias;
/// - `Dense::from_weights(w, b, σ)`: from given matrices.
///
/// ```
/// use ferroflux_linalg::{seed, Matrix};
/// use ferroflux_nn::{sigmoid, Dense, Layer};
///
/// seed(0);
/// let layer = Dense::new(10, 5, sigmoid);
/// assert_eq!(layer.to_string(), "Dense(10 => 5, sigmoid)");
/// let y = layer.forward(&Matrix::zeros(10, 3));
/// assert_eq!(y.shape(), (5, 3));
/// assert!(y.iter().all(|&v| v == 0.5)); // σ(0) with a zero bias
/// ```
#[derive(Clone)]
pub struct Dense<T: Float = f32> {
    weight: Param<T>,
    bias: Option<Param<T>>,
    activation: Activation<T>,
}

impl Dense<f32> {
    /// Creates an `f32` layer from `inputs` to `outputs` features with a bias.
    pub fn new<F>(inputs: usize, outputs: usize, activation: F) -> Self
    where
        F: Fn(&Tensor<f32>) -> Tensor<f32> + 'static,
    {
        Dense::builder(inputs, outputs)
            .activation(activation)
            .build()
    }
}

impl Dense<f64> {
    /// Creates an `f64` layer from `inputs` to `outputs` features with a bias.
    pub fn new_f64<F>(inputs: usize, outputs: usize, activation: F) -> Self
    where
        F: Fn(&Tensor<f64>) -> Tensor<f64> + 'static,
    {
        Dense::builder(inputs, outputs)
            .activation(activation)
            .build()
    }
}

impl<T: Float> Dense<T> {
    /// Starts a layer from `inputs` to `outputs` features; see [`DenseBuilder`].
    pub fn builder(inputs: usize, outputs: usize) -> DenseBuilder<T> {
        DenseBuilder {
            inputs,
            outputs,
            activation: Activation::named("identity", crate::identity),
            init: glorot_uniform,
            bias: true,
            seed: None,
        }
    }

    /// Creates a layer with the given weight (`out x in`), optional bias (`out x 1`) and activation.
    ///
    /// # Panics
    ///
    /// If the bias is not `out x 1`, naming both shapes.
    #[track_caller]
    pub fn from_weights<F>(weight: Matrix<T>, bias: Option<Matrix<T>>, activation: F) -> Self
    where
        F: Fn(&Tensor<T>) -> Tensor<T> + 'static,
    {
        if let Some(b) = &bias {
            assert!(
                b.shape() == (weight.nrows(), 1),
                "Dense::from_weights: bias is {}x{} but the weight is {}x{}, so the bias must be {}x1",
                b.nrows(),
                b.ncols(),
                weight.nrows(),
                weight.ncols(),
                weight.nrows()
            );
        }
        Self {
            weight: Param::new(weight),
            bias: bias.map(Param::new),
            activation: Activation::new(activation),
        }
    }

    /// The weight `W` (`out x in`), shared with the layer.
    pub fn weight(&self) -> &Param<T> {
        &self.weight
    }

    /// The bias `b` (`out x 1`), if the layer has one.
    pub fn bias(&self) -> Option<&Param<T>> {
        self.bias.as_ref()
    }

    /// The activation σ.
    pub fn activation(&self) -> &Activation<T> {
        &self.activation
    }

    /// Number of input features.
    pub fn inputs(&self) -> usize {
        self.weight.shape().1
    }

    /// Number of output features.
    pub fn outputs(&self) -> usize {
        self.weight.shape().0
    }
}

impl<T: Float> Layer<T> for Dense<T> {
    #[track_caller]
    fn apply(&self, x: &Tensor<T>) -> Tensor<T> {
        assert!(
            x.nrows() == self.inputs(),
            "{}: input has {} rows (features) but the layer expects {}; input is {}x{} (features x batch)",
            crate::layer::compact(self),
            x.nrows(),
            self.inputs(),
            x.nrows(),
            x.ncols()
        );
        let w = self.weight.tensor();
        let z = match &self.bias {
            Some(b) => w.affine(x, &b.tensor()),
            None => w.matmul(x),
        };
        self.activation.apply(&z)
    }

    fn input_features(&self) -> Option<usize> {
        Some(self.inputs())
    }

    fn collect_params(&self, prefix: &str, out: &mut Vec<NamedParam<T>>) {
        out.push(NamedParam {
            name: join_name(prefix, "weight"),
            param: self.weight.clone(),
            trainable: true,
        });
        if let Some(b) = &self.bias {
            out.push(NamedParam {
                name: join_name(prefix, "bias"),
                param: b.clone(),
                trainable: true,
            });
        }
    }

    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Dense({} => {}", self.inputs(), self.outputs())?;
        if !self.activation.is_identity() {
            write!(f, ", {}", self.activation)?;
        }
        if self.bias.is_none() {
            f.write_str("; bias=false")?;
        }
        f.write_str(")")
    }
}

display_via_layer!(Dense);

impl<T: Float> fmt::Debug for Dense<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.describe(f)
    }
}

/// Options of a [`Dense`] layer: activation, initialiser, bias and seed.
///
/// ```
/// use ferroflux_nn::{init::kaiming_normal, relu, Dense, Layer};
///
/// let layer = Dense::<f64>::builder(784, 32)
///     .activation(relu)
///     .init(kaiming_normal)
///     .seed(42)
///     .build();
/// assert_eq!(layer.to_string(), "Dense(784 => 32, relu)");
/// ```
#[must_use = "call build() to create the layer"]
pub struct DenseBuilder<T: Float> {
    inputs: usize,
    outputs: usize,
    activation: Activation<T>,
    init: Init<T>,
    bias: bool,
    seed: Option<u64>,
}

impl<T: Float> fmt::Debug for DenseBuilder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DenseBuilder")
            .field("inputs", &self.inputs)
            .field("outputs", &self.outputs)
            .field("activation", &self.activation)
            .field("bias", &self.bias)
            .field("seed", &self.seed)
            .finish_non_exhaustive()
    }
}

impl<T: Float> DenseBuilder<T> {
    /// Sets the activation (default: [`crate::identity`]).
    pub fn activation<F>(mut self, activation: F) -> Self
    where
        F: Fn(&Tensor<T>) -> Tensor<T> + 'static,
    {
        self.activation = Activation::new(activation);
        self
    }

    /// Sets the weight initialiser (default: [`glorot_uniform`]). The bias always starts at zero.
    pub fn init(mut self, init: Init<T>) -> Self {
        self.init = init;
        self
    }

    /// Includes a bias (default) or not.
    pub fn bias(mut self, bias: bool) -> Self {
        self.bias = bias;
        self
    }

    /// Draws the weight from a generator seeded with `seed` instead of the global one.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Creates the layer.
    pub fn build(self) -> Dense<T> {
        let (rows, cols) = (self.outputs, self.inputs);
        let weight = match self.seed {
            Some(s) => (self.init)(&mut rng(s), rows, cols),
            None => with_global_rng(|r| (self.init)(r, rows, cols)),
        };
        Dense {
            weight: Param::new(weight),
            bias: self.bias.then(|| Param::new(Matrix::zeros(rows, 1))),
            activation: self.activation,
        }
    }
}
