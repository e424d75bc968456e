//! Elementwise powers, roots, exponentials and logarithms.

use ferroflux_linalg::Float;

use super::elementwise::{self, Elementwise};
use super::nan_or;
use crate::rules::Attrs;
use crate::tensor::Tensor;

struct Powi;
struct Powf;
struct Square;
struct Sqrt;
struct Abs;
struct Exp;
struct Log;
struct Log1p;
struct Expm1;

/// The integer exponent of `powi`, stored in the first integer attribute.
fn exponent<T: Float>(p: &Attrs<T>) -> i32 {
    p.ints[0] as i64 as i32
}

impl<T: Float> Elementwise<T> for Powi {
    const NAME: &'static str = "powi";
    fn value(x: T, p: &Attrs<T>) -> T {
        x.powi(exponent(p))
    }
    // d/dx xⁿ = n·xⁿ⁻¹; for n = 0 the derivative is 0 everywhere, also at 0
    // where xⁿ⁻¹ is infinite.
    fn derivative(t: T, x: T, _: T, p: &Attrs<T>) -> T {
        let n = exponent(p);
        if n == 0 {
            return nan_or(x, T::zero()) * t;
        }
        t * T::cast(f64::from(n)) * x.powi(n - 1)
    }
}

impl<T: Float> Elementwise<T> for Powf {
    const NAME: &'static str = "powf";
    fn value(x: T, p: &Attrs<T>) -> T {
        x.powf(p.scalars[0])
    }
    // d/dx xᵖ = p·xᵖ⁻¹, infinite at x = 0 for p < 1; a zero cotangent gives 0.
    fn derivative(t: T, x: T, _: T, p: &Attrs<T>) -> T {
        if t == T::zero() && !x.nan() {
            return T::zero();
        }
        let e = p.scalars[0];
        t * e * x.powf(e - T::one())
    }
}

impl<T: Float> Elementwise<T> for Square {
    const NAME: &'static str = "square";
    fn value(x: T, _: &Attrs<T>) -> T {
        x * x
    }
    // d/dx x² = 2x
    fn derivative(t: T, x: T, _: T, _: &Attrs<T>) -> T {
        t * (x + x)
    }
}

impl<T: Float> Elementwise<T> for Sqrt {
    const NAME: &'static str = "sqrt";
    fn value(x: T, _: &Attrs<T>) -> T {
        x.sqrt()
    }
    // d/dx √x = 1/(2√x), infinite at 0; a zero cotangent gives 0, not NaN.
    fn derivative(t: T, x: T, y: T, _: &Attrs<T>) -> T {
        if t == T::zero() && !x.nan() {
            return T::zero();
        }
        t / (y + y)
    }
}

impl<T: Float> Elementwise<T> for Abs {
    const NAME: &'static str = "abs";
    fn value(x: T, _: &Attrs<T>) -> T {
        x.abs()
    }
    // d/dx |x| = sign(x), with abs'(0) = 0.
    fn derivative(t: T, x: T, _: T, _: &Attrs<T>) -> T {
        let sign = if x > T::zero() {
            T::one()
        } else if x < T::zero() {
            -T::one()
        } else {
            nan_or(x, T::zero())
        };
        t * sign
    }
}

impl<T: Float> Elementwise<T> for Exp {
    const NAME: &'static str = "exp";
    fn value(x: T, _: &Attrs<T>) -> T {
        x.exp()
    }
    // d/dx eˣ = eˣ = y
    fn derivative(t: T, _: T, y: T, _: &Attrs<T>) -> T {
        t * y
    }
}

impl<T: Float> Elementwise<T> for Log {
    const NAME: &'static str = "log";
    fn value(x: T, _: &Attrs<T>) -> T {
        x.ln()
    }
    // d/dx ln x = 1/x
    fn derivative(t: T, x: T, _: T, _: &Attrs<T>) -> T {
        t / x
    }
}

impl<T: Float> Elementwise<T> for Log1p {
    const NAME: &'static str = "log1p";
    fn value(x: T, _: &Attrs<T>) -> T {
        x.ln_1p()
    }
    // d/dx ln(1 + x) = 1/(1 + x)
    fn derivative(t: T, x: T, _: T, _: &Attrs<T>) -> T {
        t / (T::one() + x)
    }
}

impl<T: Float> Elementwise<T> for Expm1 {
    const NAME: &'static str = "expm1";
    fn value(x: T, _: &Attrs<T>) -> T {
        x.exp_m1()
    }
    // d/dx (eˣ - 1) = eˣ = y + 1
    fn derivative(t: T, _: T, y: T, _: &Attrs<T>) -> T {
        t * (y + T::one())
    }
}

impl<T: Float> Tensor<T> {
    /// Returns `xⁿ` elementwise. The derivative is `n·xⁿ⁻¹`, and 0 for
    /// `n = 0`.
    pub fn powi(&self, n: i32) -> Tensor<T> {
        let attrs = Attrs::ints([i64::from(n) as usize, 0, 0]);
        elementwise::apply::<T, Powi>(self, attrs)
    }

    /// Returns `xᵖ` elementwise (NaN for negative `x` and non-integer `p`).
    /// The derivative `p·xᵖ⁻¹` is infinite at 0 for `p < 1`; a zero
    /// cotangent there still gives a zero gradient.
    pub fn powf(&self, p: T) -> Tensor<T> {
        elementwise::apply::<T, Powf>(self, Attrs::scalar(p))
    }

    /// Returns `x²` elementwise.
    pub fn square(&self) -> Tensor<T> {
        elementwise::apply::<T, Square>(self, Attrs::default())
    }

    /// Returns `√x` elementwise. The derivative `1/(2√x)` is infinite at 0,
    /// but a zero cotangent there gives a zero gradient, not NaN.
    pub fn sqrt(&self) -> Tensor<T> {
        elementwise::apply::<T, Sqrt>(self, Attrs::default())
    }

    /// Returns `|x|` elementwise, with derivative `sign(x)` and `abs'(0) = 0`.
    pub fn abs(&self) -> Tensor<T> {
        elementwise::apply::<T, Abs>(self, Attrs::default())
    }

    /// Returns `eˣ` elementwise.
    pub fn exp(&self) -> Tensor<T> {
        elementwise::apply::<T, Exp>(self, Attrs::default())
    }

    /// Returns the natural logarithm `ln x` elementwise.
    pub fn log(&self) -> Tensor<T> {
        elementwise::apply::<T, Log>(self, Attrs::default())
    }

    /// Returns `ln(1 + x)` elementwise, accurate for small `x`.
    pub fn log1p(&self) -> Tensor<T> {
        elementwise::apply::<T, Log1p>(self, Attrs::default())
    }

    /// Returns `eˣ - 1` elementwise, accurate for small `x`.
    pub fn expm1(&self) -> Tensor<T> {
        elementwise::apply::<T, Expm1>(self, Attrs::default())
    }
}
