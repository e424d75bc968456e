//! Arithmetic: `+ - * /` with broadcasting, negation and the ops with a
//! scalar constant.

use ferroflux_linalg::Float;

use super::broadcast::Broadcast;
use super::elementwise::{self, Elementwise};
use crate::rules::Attrs;
use crate::tensor::Tensor;

pub(crate) struct Add;
pub(crate) struct Sub;
pub(crate) struct Mul;
pub(crate) struct Div;

impl<T: Float> Broadcast<T> for Add {
    const NAME: &'static str = "add";
    fn value(a: T, b: T) -> T {
        a + b
    }
    fn da(t: T, _: T, _: T, _: T) -> T {
        t
    }
    fn db(t: T, _: T, _: T, _: T) -> T {
        t
    }
}

impl<T: Float> Broadcast<T> for Sub {
    const NAME: &'static str = "sub";
    fn value(a: T, b: T) -> T {
        a - b
    }
    fn da(t: T, _: T, _: T, _: T) -> T {
        t
    }
    fn db(t: T, _: T, _: T, _: T) -> T {
        -t
    }
}

impl<T: Float> Broadcast<T> for Mul {
    const NAME: &'static str = "mul";
    fn value(a: T, b: T) -> T {
        a * b
    }
    // ∂(ab)/∂a = b, ∂(ab)/∂b = a
    fn da(t: T, _: T, b: T, _: T) -> T {
        t * b
    }
    fn db(t: T, a: T, _: T, _: T) -> T {
        t * a
    }
}

impl<T: Float> Broadcast<T> for Div {
    const NAME: &'static str = "div";
    fn value(a: T, b: T) -> T {
        a / b
    }
    // ∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = -a/b² = -y/b
    fn da(t: T, _: T, b: T, _: T) -> T {
        t / b
    }
    fn db(t: T, _: T, b: T, y: T) -> T {
        -t * y / b
    }
}

pub(crate) struct Neg;
struct AddScalar;
struct MulScalar;
struct ScalarDiv;

impl<T: Float> Elementwise<T> for Neg {
    const NAME: &'static str = "neg";
    fn value(x: T, _: &Attrs<T>) -> T {
        -x
    }
    fn derivative(t: T, _: T, _: T, _: &Attrs<T>) -> T {
        -t
    }
}

impl<T: Float> Elementwise<T> for AddScalar {
    const NAME: &'static str = "add_scalar";
    fn value(x: T, p: &Attrs<T>) -> T {
        x + p.scalars[0]
    }
    fn derivative(t: T, _: T, _: T, _: &Attrs<T>) -> T {
        t
    }
}

impl<T: Float> Elementwise<T> for MulScalar {
    const NAME: &'static str = "mul_scalar";
    fn value(x: T, p: &Attrs<T>) -> T {
        x * p.scalars[0]
    }
    fn derivative(t: T, _: T, _: T, p: &Attrs<T>) -> T {
        t * p.scalars[0]
    }
}

impl<T: Float> Elementwise<T> for ScalarDiv {
    const NAME: &'static str = "scalar_div";
    fn value(x: T, p: &Attrs<T>) -> T {
        p.scalars[0] / x
    }
    // d(c/x)/dx = -c/x² = -y/x
    fn derivative(t: T, x: T, y: T, _: &Attrs<T>) -> T {
        -t * y / x
    }
}

impl<T: Float> Tensor<T> {
    /// Returns `self .+ c`.
    pub fn add_scalar(&self, c: T) -> Tensor<T> {
        elementwise::apply::<T, AddScalar>(self, Attrs::scalar(c))
    }

    /// Returns `c .* self`.
    pub fn mul_scalar(&self, c: T) -> Tensor<T> {
        elementwise::apply::<T, MulScalar>(self, Attrs::scalar(c))
    }

    /// Returns `self ./ c`, computed as `self .* (1/c)`.
    pub fn div_scalar(&self, c: T) -> Tensor<T> {
        self.mul_scalar(T::one() / c)
    }

    /// Returns `c ./ self`.
    pub fn scalar_div(&self, c: T) -> Tensor<T> {
        elementwise::apply::<T, ScalarDiv>(self, Attrs::scalar(c))
    }

    /// Returns `c .- self`.
    pub fn scalar_sub(&self, c: T) -> Tensor<T> {
        elementwise::apply::<T, Neg>(self, Attrs::default()).add_scalar(c)
    }
}
