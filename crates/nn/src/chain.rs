//! Layers applied in sequence.

use std::fmt;
use std::ops::Index;

use ferroflux_autodiff::Tensor;
use ferroflux_linalg::Float;

use crate::layer::{
    container_lines, display_via_layer, join_name, Layer, Mode, NamedParam, TreeLine,
};

/// Layers applied one after another: `Chain::new((a, b, c))` computes `c(b(a(x)))`.
///
/// A chain takes a tuple of up to 16 layers, or a `Vec<Box<dyn Layer<T>>>`
/// for any number. Chains nest, index like a slice (`model[0]` is the first
/// layer as `&dyn Layer<T>`), and [`Chain::get`] returns a layer as its
/// concrete type. Parameter names follow the position: `0.weight`, `1.bias`,
/// and `2.0.weight` inside a nested chain.
///
/// ```
/// use ferroflux_linalg::{rand_f32, seed};
/// use ferroflux_nn::{identity, sigmoid, softmax, Chain, Dense, Layer};
///
/// seed(0);
/// let model = Chain::new((
///     Dense::new(10, 5, sigmoid),
///     Dense::new(5, 2, identity),
///     softmax,
/// ));
/// assert_eq!(model.to_string(), "Chain(Dense(10 => 5, sigmoid), Dense(5 => 2), softmax)");
///
/// let y = model.forward(&rand_f32(10, 1));
/// assert!((y.sum() - 1.0).abs() < 1e-6);
/// assert_eq!(model.get::<Dense>(1).unwrap().outputs(), 2);
/// ```
pub struct Chain<T: Float = f32> {
    layers: Vec<Box<dyn Layer<T>>>,
}

impl<T: Float> Chain<T> {
    /// Creates a chain of the given layers: a tuple or a `Vec<Box<dyn Layer<T>>>`.
    pub fn new(layers: impl IntoLayers<T>) -> Self {
        Self {
            layers: layers.into_layers(),
        }
    }

    /// Appends a layer at the end.
    pub fn push(&mut self, layer: impl Layer<T>) {
        self.layers.push(Box::new(layer));
    }

    /// Number of layers (a nested chain counts as one).
    pub fn len(&self) -> usize {
        self.layers.len()
    }

    /// `true` for a chain without layers, which is the identity.
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }

    /// The layers in order.
    pub fn iter(&self) -> impl Iterator<Item = &dyn Layer<T>> {
        self.layers.iter().map(|l| &**l)
    }

    /// Returns the layer at `index` as its concrete type, or `None` if the index is
    /// out of range or the layer has another type.
    pub fn get<L: Layer<T>>(&self, index: usize) -> Option<&L> {
        let layer: &dyn Layer<T> = &**self.layers.get(index)?;
        // Through the trait object, so the `Any` is the layer's and not the box's.
        layer.as_any().downcast_ref::<L>()
    }

    /// Applies the layers in order, returning the output of every layer
    /// (Flux's `activations`): element `i` is the output of layer `i`.
    pub fn activations(&self, x: &Tensor<T>) -> Vec<Tensor<T>> {
        let mut outputs: Vec<Tensor<T>> = Vec::with_capacity(self.layers.len());
        for layer in &self.layers {
            let input = outputs.last().unwrap_or(x);
            let output = layer.apply(input);
            outputs.push(output);
        }
        outputs
    }
}

impl<T: Float> Index<usize> for Chain<T> {
    type Output = dyn Layer<T>;

    #[track_caller]
    fn index(&self, index: usize) -> &Self::Output {
        match self.layers.get(index) {
            Some(layer) => &**layer,
            None => panic!(
                "Chain index {index} is out of range for a chain of {} layers",
                self.layers.len()
            ),
        }
    }
}

impl<T: Float> Layer<T> for Chain<T> {
    #[track_caller]
    fn apply(&self, x: &Tensor<T>) -> Tensor<T> {
        let Some((first, rest)) = self.layers.split_first() else {
            return x.clone();
        };
        let mut y = first.apply(x);
        for layer in rest {
            y = layer.apply(&y);
        }
        y
    }

    /// The input width of the first layer. A chain that starts with a layer
    /// of any width (an activation, dropout) reports `None`, because a
    /// later layer's width says nothing about the input if a layer such as
    /// `Embedding` changes it in between.
    fn input_features(&self) -> Option<usize> {
        self.layers.first()?.input_features()
    }

    fn collect_params(&self, prefix: &str, out: &mut Vec<NamedParam<T>>) {
        for (i, layer) in self.layers.iter().enumerate() {
            layer.collect_params(&join_name(prefix, &i.to_string()), out);
        }
    }

    fn set_mode(&self, mode: Mode) {
        for layer in &self.layers {
            layer.set_mode(mode);
        }
    }

    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Chain(")?;
        for (i, layer) in self.layers.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            layer.describe(f)?;
        }
        f.write_str(")")
    }

    fn tree_lines(&self, indent: usize) -> Vec<TreeLine> {
        let children: Vec<&dyn Layer<T>> = self.iter().collect();
        container_lines("Chain", &children, indent)
    }
}

display_via_layer!(Chain);

impl<T: Float> fmt::Debug for Chain<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.describe(f)
    }
}

/// Collections of layers that [`Chain::new`] accepts: tuples of up to 16
/// layers and `Vec<Box<dyn Layer<T>>>`.
pub trait IntoLayers<T: Float> {
    /// Boxes the layers in order.
    fn into_layers(self) -> Vec<Box<dyn Layer<T>>>;
}

impl<T: Float> IntoLayers<T> for Vec<Box<dyn Layer<T>>> {
    fn into_layers(self) -> Vec<Box<dyn Layer<T>>> {
        self
    }
}

macro_rules! tuple_into_layers {
    ($($name:ident),+) => {
        impl<T: Float, $($name: Layer<T>),+> IntoLayers<T> for ($($name,)+) {
            #[allow(non_snake_case)]
            fn into_layers(self) -> Vec<Box<dyn Layer<T>>> {
                let ($($name,)+) = self;
                vec![$(Box::new($name) as Box<dyn Layer<T>>),+]
            }
        }
    };
}

tuple_into_layers!(A);
tuple_into_layers!(A, B);
tuple_into_layers!(A, B, C);
tuple_into_layers!(A, B, C, D);
tuple_into_layers!(A, B, C, D, E);
tuple_into_layers!(A, B, C, D, E, F);
tuple_into_layers!(A, B, C, D, E, F, G);
tuple_into_layers!(A, B, C, D, E, F, G, H);
tuple_into_layers!(A, B, C, D, E, F, G, H, I);
tuple_into_layers!(A, B, C, D, E, F, G, H, I, J);
tuple_into_layers!(A, B, C, D, E, F, G, H, I, J, K);
tuple_into_layers!(A, B, C, D, E, F, G, H, I, J, K, L);
tuple_into_layers!(A, B, C, D, E, F, G, H, I, J, K, L, M);
tuple_into_layers!(A, B, C, D, E, F, G, H, I, J, K, L, M, N);
tuple_into_layers!(A, B, C, D, E, F, G, H, I, J, K, L, M, N, O);
tuple_into_layers!(A, B, C, D, E, F, G, H, I, J, K, L, M, N, O, P);
