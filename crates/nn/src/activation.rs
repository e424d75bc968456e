//! Activation functions.
//!
//! Each one is a plain function of a tensor, so the same name works in three
//! places: as a [`Dense`](crate::Dense) activation (`Dense::new(784, 32, relu)`),
//! as a layer of its own in a [`Chain`](crate::Chain) (`softmax`), and on a
//! tensor in a loss or a custom layer (`relu(&x)`). Through [`Layer`](crate::Layer)
//! they also apply to plain matrices: `sigmoid.forward(&m)`.
//!
//! Element-wise functions act on every entry; [`softmax`] and [`log_softmax`]
//! act on each column (one sample per column). Activations with a parameter
//! use the default of Flux's NNlib; for another value, pass a closure such as
//! `|x: &Tensor<f32>| x.leaky_relu(0.2)`.

use std::fmt;
use std::rc::Rc;

use ferroflux_autodiff::Tensor;
use ferroflux_linalg::Float;

/// Returns `x` unchanged (the identity). A [`Dense`](crate::Dense) layer with it prints without an activation.
pub fn identity<T: Float>(x: &Tensor<T>) -> Tensor<T> {
    x.clone()
}

/// Applies the logistic sigmoid, `σ(x) = 1 / (1 + exp(-x))`.
pub fn sigmoid<T: Float>(x: &Tensor<T>) -> Tensor<T> {
    x.sigmoid()
}

/// Applies the hyperbolic tangent.
pub fn tanh<T: Float>(x: &Tensor<T>) -> Tensor<T> {
    x.tanh()
}

/// Applies the rectified linear unit, `max(x, 0)`. Its gradient at 0 is 0.
pub fn relu<T: Float>(x: &Tensor<T>) -> Tensor<T> {
    x.relu()
}

/// Applies leaky ReLU with slope a = 0.01 for negative inputs: `max(x, a x)`.
///
/// For another slope use [`Tensor::leaky_relu`], e.g. `|x: &Tensor<f32>| x.leaky_relu(0.2)`.
pub fn leaky_relu<T: Float>(x: &Tensor<T>) -> Tensor<T> {
    x.leaky_relu(T::cast(0.01))
}

/// Applies the exponential linear unit with α = 1: `x` for `x > 0`, `α (exp(x) - 1)` otherwise.
///
/// For another α use [`Tensor::elu`].
pub fn elu<T: Float>(x: &Tensor<T>) -> Tensor<T> {
    x.elu(T::one())
}

/// Applies the Gaussian error linear unit in the tanh approximation used by NNlib and
/// `torch.nn.GELU(approximate="tanh")`:
/// `0.5 x (1 + tanh(sqrt(2/π) (x + 0.044715 x³)))`.
pub fn gelu<T: Float>(x: &Tensor<T>) -> Tensor<T> {
    x.gelu()
}

/// Applies swish (SiLU), `x σ(x)`.
pub fn swish<T: Float>(x: &Tensor<T>) -> Tensor<T> {
    x.swish()
}

/// Applies softplus, `ln(1 + exp(x))`, computed without overflow for large `x`.
pub fn softplus<T: Float>(x: &Tensor<T>) -> Tensor<T> {
    x.softplus()
}

/// Applies softsign, `x / (1 + |x|)`.
pub fn softsign<T: Float>(x: &Tensor<T>) -> Tensor<T> {
    x.softsign()
}

/// Applies log-sigmoid, `ln σ(x) = -softplus(-x)`, finite for large negative `x`
/// where `ln` of the sigmoid would give `-inf`.
pub fn log_sigmoid<T: Float>(x: &Tensor<T>) -> Tensor<T> {
    x.log_sigmoid()
}

/// Applies the hard sigmoid, `clamp((x + 3) / 6, 0, 1)`: NNlib's `hardσ` and PyTorch's `Hardsigmoid`.
pub fn hard_sigmoid<T: Float>(x: &Tensor<T>) -> Tensor<T> {
    x.add_scalar(T::cast(3.0))
        .div_scalar(T::cast(6.0))
        .clamp(T::zero(), T::one())
}

/// Applies the hard tanh, `clamp(x, -1, 1)`.
pub fn hard_tanh<T: Float>(x: &Tensor<T>) -> Tensor<T> {
    x.clamp(-T::one(), T::one())
}

/// Applies the softmax to each column, `exp(x_i) / Σ_j exp(x_j)`, with the column maximum
/// subtracted first so that large scores do not overflow.
///
/// Paired with [`crate::cross_entropy`] it computes `ln` of a probability that
/// may have rounded to 0; for training prefer a model without the final
/// softmax and [`crate::logit_cross_entropy`], which is the stable form of
/// the same loss.
pub fn softmax<T: Float>(x: &Tensor<T>) -> Tensor<T> {
    x.softmax()
}

/// Applies the log-softmax to each column, `x_i - ln Σ_j exp(x_j)`, computed without
/// forming the softmax, so it stays finite where the softmax underflows to 0.
pub fn log_softmax<T: Float>(x: &Tensor<T>) -> Tensor<T> {
    x.log_softmax()
}

/// The shared function inside an [`Activation`].
type TensorFn<T> = Rc<dyn Fn(&Tensor<T>) -> Tensor<T>>;

/// A named activation function, as a layer stores it.
///
/// Built from any `Fn(&Tensor<T>) -> Tensor<T>`. The name shown by layers'
/// `Display` is taken from the function's type: `sigmoid` for
/// [`sigmoid`], `closure` for a closure. [`Activation::named`] sets it
/// explicitly.
#[derive(Clone)]
pub struct Activation<T: Float> {
    name: Rc<str>,
    function: TensorFn<T>,
}

impl<T: Float> Activation<T> {
    /// Wraps a function, naming it after its type.
    pub fn new<F>(function: F) -> Self
    where
        F: Fn(&Tensor<T>) -> Tensor<T> + 'static,
    {
        Self {
            name: function_name::<F>().into(),
            function: Rc::new(function),
        }
    }

    /// Wraps a function under the given name.
    pub fn named<F>(name: &str, function: F) -> Self
    where
        F: Fn(&Tensor<T>) -> Tensor<T> + 'static,
    {
        Self {
            name: name.into(),
            function: Rc::new(function),
        }
    }

    /// Applies the function.
    pub fn apply(&self, x: &Tensor<T>) -> Tensor<T> {
        (self.function)(x)
    }

    /// The name shown by `Display`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `true` for [`identity`], which layers leave out of their `Display`.
    pub fn is_identity(&self) -> bool {
        &*self.name == "identity"
    }
}

impl<T: Float> fmt::Debug for Activation<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl<T: Float> fmt::Display for Activation<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// Returns the last path segment of a type's name, without generic arguments:
/// `ferroflux_nn::activation::relu<f32>` gives `relu`.
///
/// A closure's type name ends in `{{closure}}` and gives `closure`.
/// NOTE: `std::any::type_name` is documented as best effort. A change in its
/// format would alter only what `Display` prints.
pub(crate) fn function_name<F: ?Sized>() -> String {
    let full = std::any::type_name::<F>();
    // Drop generic arguments, which may themselves contain `::`.
    let base = match full.find('<') {
        Some(i) => &full[..i],
        None => full,
    };
    let last = base.rsplit("::").next().unwrap_or(base);
    if last.contains("closure") {
        "closure".to_string()
    } else {
        last.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_name_strips_path_and_generics() {
        fn takes<F: Fn(&Tensor<f32>) -> Tensor<f32>>(_: F) -> String {
            function_name::<F>()
        }
        assert_eq!(takes(relu), "relu");
        assert_eq!(takes(log_softmax), "log_softmax");
        assert_eq!(takes(|x: &Tensor<f32>| x.leaky_relu(0.2)), "closure");
    }
}
