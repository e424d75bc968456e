//! Elementwise activation functions, with the definitions of NNlib.jl.

use ferroflux_linalg::Float;

use super::elementwise::{self, Elementwise};
use super::nan_or;
use crate::rules::Attrs;
use crate::tensor::Tensor;

struct Sigmoid;
struct LogSigmoid;
struct Tanh;
struct Relu;
struct LeakyRelu;
struct Elu;
struct Gelu;
struct Swish;
struct Softplus;
struct Softsign;

/// `σ(x) = 1/(1 + e⁻ˣ)`, evaluated so that `e^|x|` never overflows.
pub(crate) fn sigmoid<T: Float>(x: T) -> T {
    if x >= T::zero() {
        T::one() / (T::one() + (-x).exp())
    } else {
        let e = x.exp();
        e / (T::one() + e)
    }
}

/// `log(1 + eˣ) = max(x, 0) + log1p(e^-|x|)`, which never overflows.
fn softplus<T: Float>(x: T) -> T {
    x.max_nan(T::zero()) + (-x.abs()).exp().ln_1p()
}

impl<T: Float> Elementwise<T> for Sigmoid {
    const NAME: &'static str = "sigmoid";
    fn value(x: T, _: &Attrs<T>) -> T {
        sigmoid(x)
    }
    // σ' = σ(1 - σ)
    fn derivative(t: T, _: T, y: T, _: &Attrs<T>) -> T {
        t * y * (T::one() - y)
    }
}

impl<T: Float> Elementwise<T> for LogSigmoid {
    const NAME: &'static str = "log_sigmoid";
    fn value(x: T, _: &Attrs<T>) -> T {
        -softplus(-x)
    }
    // d/dx log σ(x) = 1 - σ(x) = σ(-x)
    fn derivative(t: T, x: T, _: T, _: &Attrs<T>) -> T {
        t * sigmoid(-x)
    }
}

impl<T: Float> Elementwise<T> for Tanh {
    const NAME: &'static str = "tanh";
    fn value(x: T, _: &Attrs<T>) -> T {
        x.tanh()
    }
    // tanh' = 1 - tanh²
    fn derivative(t: T, _: T, y: T, _: &Attrs<T>) -> T {
        t * (T::one() - y * y)
    }
}

impl<T: Float> Elementwise<T> for Relu {
    const NAME: &'static str = "relu";
    fn value(x: T, _: &Attrs<T>) -> T {
        x.max_nan(T::zero())
    }
    // relu'(x) = 1 for x > 0 and 0 otherwise, so relu'(0) = 0.
    fn derivative(t: T, x: T, _: T, _: &Attrs<T>) -> T {
        let d = if x > T::zero() {
            T::one()
        } else {
            nan_or(x, T::zero())
        };
        t * d
    }
}

impl<T: Float> Elementwise<T> for LeakyRelu {
    const NAME: &'static str = "leaky_relu";
    fn value(x: T, p: &Attrs<T>) -> T {
        if x > T::zero() {
            x
        } else {
            p.scalars[0] * x
        }
    }
    // 1 for x > 0, the slope otherwise (also at 0, matching relu'(0) = 0).
    fn derivative(t: T, x: T, _: T, p: &Attrs<T>) -> T {
        let d = if x > T::zero() {
            T::one()
        } else {
            nan_or(x, p.scalars[0])
        };
        t * d
    }
}

impl<T: Float> Elementwise<T> for Elu {
    const NAME: &'static str = "elu";
    fn value(x: T, p: &Attrs<T>) -> T {
        if x > T::zero() {
            x
        } else {
            p.scalars[0] * x.exp_m1()
        }
    }
    // 1 for x > 0, α·eˣ = y + α otherwise.
    fn derivative(t: T, x: T, y: T, p: &Attrs<T>) -> T {
        let d = if x > T::zero() {
            T::one()
        } else {
            y + p.scalars[0]
        };
        t * d
    }
}

/// `√(2/π)`, the scale inside the tanh approximation of GELU.
const GELU_SCALE: f64 = 0.797_884_560_802_865_4;
/// The cubic coefficient of the tanh approximation of GELU.
const GELU_CUBIC: f64 = 0.044_715;

impl<T: Float> Elementwise<T> for Gelu {
    const NAME: &'static str = "gelu";
    fn value(x: T, _: &Attrs<T>) -> T {
        let u = T::cast(GELU_SCALE) * (x + T::cast(GELU_CUBIC) * x * x * x);
        T::cast(0.5) * x * (T::one() + u.tanh())
    }
    // With u = c(x + k·x³) and s = tanh(u):
    // d/dx ½x(1 + s) = ½(1 + s) + ½x(1 - s²)·c(1 + 3k·x²)
    fn derivative(t: T, x: T, _: T, _: &Attrs<T>) -> T {
        let (c, k, half) = (T::cast(GELU_SCALE), T::cast(GELU_CUBIC), T::cast(0.5));
        let s = (c * (x + k * x * x * x)).tanh();
        let du = c * (T::one() + T::cast(3.0) * k * x * x);
        t * (half * (T::one() + s) + half * x * (T::one() - s * s) * du)
    }
}

impl<T: Float> Elementwise<T> for Swish {
    const NAME: &'static str = "swish";
    fn value(x: T, _: &Attrs<T>) -> T {
        x * sigmoid(x)
    }
    // d/dx x·σ(x) = σ + x·σ(1 - σ) = σ + y(1 - σ)
    fn derivative(t: T, x: T, y: T, _: &Attrs<T>) -> T {
        let s = sigmoid(x);
        t * (s + y * (T::one() - s))
    }
}

impl<T: Float> Elementwise<T> for Softplus {
    const NAME: &'static str = "softplus";
    fn value(x: T, _: &Attrs<T>) -> T {
        softplus(x)
    }
    // d/dx log(1 + eˣ) = σ(x)
    fn derivative(t: T, x: T, _: T, _: &Attrs<T>) -> T {
        t * sigmoid(x)
    }
}

impl<T: Float> Elementwise<T> for Softsign {
    const NAME: &'static str = "softsign";
    fn value(x: T, _: &Attrs<T>) -> T {
        x / (T::one() + x.abs())
    }
    // d/dx x/(1 + |x|) = 1/(1 + |x|)²
    fn derivative(t: T, x: T, _: T, _: &Attrs<T>) -> T {
        let d = T::one() + x.abs();
        t / (d * d)
    }
}

impl<T: Float> Tensor<T> {
    /// Returns the logistic sigmoid `σ(x) = 1/(1 + e⁻ˣ)` elementwise.
    pub fn sigmoid(&self) -> Tensor<T> {
        elementwise::apply::<T, Sigmoid>(self, Attrs::default())
    }

    /// Returns `log σ(x) = -softplus(-x)` elementwise, finite for large
    /// negative `x` where `log(sigmoid(x))` underflows to `-inf`.
    pub fn log_sigmoid(&self) -> Tensor<T> {
        elementwise::apply::<T, LogSigmoid>(self, Attrs::default())
    }

    /// Returns `tanh x` elementwise.
    pub fn tanh(&self) -> Tensor<T> {
        elementwise::apply::<T, Tanh>(self, Attrs::default())
    }

    /// Returns `max(x, 0)` elementwise, with `relu'(0) = 0`. NaN stays NaN.
    pub fn relu(&self) -> Tensor<T> {
        elementwise::apply::<T, Relu>(self, Attrs::default())
    }

    /// Returns `x` for `x > 0` and `slope·x` otherwise (NNlib's default slope
    /// is 0.01). The derivative at 0 is `slope`.
    pub fn leaky_relu(&self, slope: T) -> Tensor<T> {
        elementwise::apply::<T, LeakyRelu>(self, Attrs::scalar(slope))
    }

    /// Returns `x` for `x > 0` and `α(eˣ - 1)` otherwise (NNlib's default α
    /// is 1). The derivative at 0 is `α`.
    pub fn elu(&self, alpha: T) -> Tensor<T> {
        elementwise::apply::<T, Elu>(self, Attrs::scalar(alpha))
    }

    /// Returns GELU in its tanh approximation, as NNlib's `gelu`:
    /// `½x(1 + tanh(√(2/π)(x + 0.044715x³)))`, not the exact `x·Φ(x)` with
    /// the normal CDF Φ.
    pub fn gelu(&self) -> Tensor<T> {
        elementwise::apply::<T, Gelu>(self, Attrs::default())
    }

    /// Returns swish (SiLU) `x·σ(x)` elementwise.
    pub fn swish(&self) -> Tensor<T> {
        elementwise::apply::<T, Swish>(self, Attrs::default())
    }

    /// Returns `softplus(x) = log(1 + eˣ)` elementwise, computed as
    /// `max(x, 0) + log1p(e^-|x|)` so that it never overflows.
    pub fn softplus(&self) -> Tensor<T> {
        elementwise::apply::<T, Softplus>(self, Attrs::default())
    }

    /// Returns `x/(1 + |x|)` elementwise.
    pub fn softsign(&self) -> Tensor<T> {
        elementwise::apply::<T, Softsign>(self, Attrs::default())
    }
}
