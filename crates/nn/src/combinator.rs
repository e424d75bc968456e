//! Layers built from other layers: [`SkipConnection`] and [`Parallel`].

use std::fmt;
use std::rc::Rc;

use ferroflux_autodiff::Tensor;
use ferroflux_linalg::Float;

use crate::activation::function_name;
use crate::chain::IntoLayers;
use crate::layer::{
    container_lines, display_via_layer, join_name, Layer, Mode, NamedParam, TreeLine,
};

type Combine<T> = Rc<dyn Fn(&Tensor<T>, &Tensor<T>) -> Tensor<T>>;
type Connection<T> = Rc<dyn Fn(&[Tensor<T>]) -> Tensor<T>>;

/// Applies a layer and combines its output with its input: `connection(layer(x), x)`.
///
/// [`SkipConnection::residual`] uses `+` (a residual block, which needs the
/// layer to keep the shape); [`SkipConnection::new`] takes any combination,
/// e.g. a vertical concatenation. Parameter names continue inside the layer
/// with the prefix `layer`.
///
/// ```
/// use ferroflux_linalg::Matrix;
/// use ferroflux_nn::{relu, Dense, Layer, SkipConnection};
///
/// let block = SkipConnection::residual(Dense::new(4, 4, relu));
/// assert_eq!(block.to_string(), "SkipConnection(Dense(4 => 4, relu), +)");
/// assert_eq!(block.forward(&Matrix::zeros(4, 2)).shape(), (4, 2));
/// ```
pub struct SkipConnection<T: Float = f32> {
    layer: Box<dyn Layer<T>>,
    connection: Combine<T>,
    name: String,
}

impl<T: Float> SkipConnection<T> {
    /// `layer(x) + x`.
    pub fn residual(layer: impl Layer<T>) -> Self {
        Self {
            layer: Box::new(layer),
            connection: Rc::new(|y, x| y + x),
            name: "+".to_string(),
        }
    }

    /// `connection(layer(x), x)`, displayed with the connection's function name.
    pub fn new<F>(layer: impl Layer<T>, connection: F) -> Self
    where
        F: Fn(&Tensor<T>, &Tensor<T>) -> Tensor<T> + 'static,
    {
        Self {
            layer: Box::new(layer),
            connection: Rc::new(connection),
            name: function_name::<F>(),
        }
    }

    /// The wrapped layer.
    pub fn layer(&self) -> &dyn Layer<T> {
        &*self.layer
    }
}

impl<T: Float> Layer<T> for SkipConnection<T> {
    #[track_caller]
    fn apply(&self, x: &Tensor<T>) -> Tensor<T> {
        let y = self.layer.apply(x);
        (self.connection)(&y, x)
    }

    fn input_features(&self) -> Option<usize> {
        self.layer.input_features()
    }

    fn collect_params(&self, prefix: &str, out: &mut Vec<NamedParam<T>>) {
        self.layer.collect_params(&join_name(prefix, "layer"), out);
    }

    fn set_mode(&self, mode: Mode) {
        self.layer.set_mode(mode);
    }

    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SkipConnection(")?;
        self.layer.describe(f)?;
        write!(f, ", {})", self.name)
    }

    fn tree_lines(&self, indent: usize) -> Vec<TreeLine> {
        let mut lines = container_lines("SkipConnection", &[&*self.layer], indent);
        let close = lines.len() - 1;
        lines.insert(
            close,
            TreeLine {
                text: format!("{:width$}{},", "", self.name, width = indent + 2),
                comment: String::new(),
            },
        );
        lines
    }
}

/// Applies several layers to the same input and combines their outputs:
/// `connection(&[l1(x), l2(x), ...])`.
///
/// [`Parallel::vcat`] stacks the outputs vertically (Flux's
/// `Parallel(vcat, ...)`); [`Parallel::new`] takes any combination, such as
/// a sum. Parameter names are `layers.0.weight`, `layers.1.weight`, ...
///
/// ```
/// use ferroflux_linalg::Matrix;
/// use ferroflux_nn::{relu, tanh, Dense, Layer, Parallel};
///
/// let heads = Parallel::vcat((Dense::new(3, 2, relu), Dense::new(3, 5, tanh)));
/// assert_eq!(heads.forward(&Matrix::zeros(3, 4)).shape(), (7, 4));
/// ```
pub struct Parallel<T: Float = f32> {
    layers: Vec<Box<dyn Layer<T>>>,
    connection: Connection<T>,
    name: String,
}

impl<T: Float> Parallel<T> {
    /// Stacks the outputs vertically; they must have the same number of columns.
    pub fn vcat(layers: impl IntoLayers<T>) -> Self {
        Self {
            layers: layers.into_layers(),
            connection: Rc::new(|ys: &[Tensor<T>]| {
                let parts: Vec<&Tensor<T>> = ys.iter().collect();
                Tensor::vcat(&parts)
            }),
            name: "vcat".to_string(),
        }
    }

    /// Combines the outputs with `connection`, displayed with its function name.
    pub fn new<F>(connection: F, layers: impl IntoLayers<T>) -> Self
    where
        F: Fn(&[Tensor<T>]) -> Tensor<T> + 'static,
    {
        Self {
            layers: layers.into_layers(),
            connection: Rc::new(connection),
            name: function_name::<F>(),
        }
    }

    /// The branches in order.
    pub fn iter(&self) -> impl Iterator<Item = &dyn Layer<T>> {
        self.layers.iter().map(|l| &**l)
    }
}

impl<T: Float> Layer<T> for Parallel<T> {
    #[track_caller]
    fn apply(&self, x: &Tensor<T>) -> Tensor<T> {
        let outputs: Vec<Tensor<T>> = self.layers.iter().map(|l| l.apply(x)).collect();
        (self.connection)(&outputs)
    }

    /// Every branch receives the same input, so any branch's width applies.
    fn input_features(&self) -> Option<usize> {
        self.layers.iter().find_map(|layer| layer.input_features())
    }

    fn collect_params(&self, prefix: &str, out: &mut Vec<NamedParam<T>>) {
        let base = join_name(prefix, "layers");
        for (i, layer) in self.layers.iter().enumerate() {
            layer.collect_params(&join_name(&base, &i.to_string()), out);
        }
    }

    fn set_mode(&self, mode: Mode) {
        for layer in &self.layers {
            layer.set_mode(mode);
        }
    }

    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Parallel({}", self.name)?;
        for layer in &self.layers {
            f.write_str(", ")?;
            layer.describe(f)?;
        }
        f.write_str(")")
    }

    fn tree_lines(&self, indent: usize) -> Vec<TreeLine> {
        let children: Vec<&dyn Layer<T>> = self.iter().collect();
        let mut lines = container_lines("Parallel", &children, indent);
        lines.insert(
            1,
            TreeLine {
                text: format!("{:width$}{},", "", self.name, width = indent + 2),
                comment: String::new(),
            },
        );
        lines
    }
}

display_via_layer!(SkipConnection, Parallel);

impl<T: Float> fmt::Debug for SkipConnection<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.describe(f)
    }
}

impl<T: Float> fmt::Debug for Parallel<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.describe(f)
    }
}
