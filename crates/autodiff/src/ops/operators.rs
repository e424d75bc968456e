//! `std::ops` operators on tensors: `+ - * /` (elementwise with
//! broadcasting, `*` is Julia's `.*`), unary `-`, and the same with an `f32`
//! or `f64` scalar on either side. Every owned and borrowed combination is
//! implemented, so `&a + &b`, `a + &b` and `a * 2.0` all work.

use std::ops::{Add, Div, Mul, Neg, Sub};

use ferroflux_linalg::Float;

use super::arith;
use super::broadcast;
use super::elementwise;
use crate::rules::Attrs;
use crate::tensor::Tensor;

macro_rules! tensor_binary {
    ($trait:ident, $method:ident, $op:ty) => {
        impl<T: Float> $trait<&Tensor<T>> for &Tensor<T> {
            type Output = Tensor<T>;
            #[track_caller]
            fn $method(self, rhs: &Tensor<T>) -> Tensor<T> {
                broadcast::apply::<T, $op>(self, rhs)
            }
        }
        impl<T: Float> $trait<Tensor<T>> for &Tensor<T> {
            type Output = Tensor<T>;
            #[track_caller]
            fn $method(self, rhs: Tensor<T>) -> Tensor<T> {
                broadcast::apply::<T, $op>(self, &rhs)
            }
        }
        impl<T: Float> $trait<&Tensor<T>> for Tensor<T> {
            type Output = Tensor<T>;
            #[track_caller]
            fn $method(self, rhs: &Tensor<T>) -> Tensor<T> {
                broadcast::apply::<T, $op>(&self, rhs)
            }
        }
        impl<T: Float> $trait<Tensor<T>> for Tensor<T> {
            type Output = Tensor<T>;
            #[track_caller]
            fn $method(self, rhs: Tensor<T>) -> Tensor<T> {
                broadcast::apply::<T, $op>(&self, &rhs)
            }
        }
    };
}

tensor_binary!(Add, add, arith::Add);
tensor_binary!(Sub, sub, arith::Sub);
tensor_binary!(Mul, mul, arith::Mul);
tensor_binary!(Div, div, arith::Div);

impl<T: Float> Neg for &Tensor<T> {
    type Output = Tensor<T>;
    fn neg(self) -> Tensor<T> {
        elementwise::apply::<T, arith::Neg>(self, Attrs::default())
    }
}

impl<T: Float> Neg for Tensor<T> {
    type Output = Tensor<T>;
    fn neg(self) -> Tensor<T> {
        -&self
    }
}

macro_rules! scalar_ops {
    ($t:ty) => {
        impl Add<$t> for &Tensor<$t> {
            type Output = Tensor<$t>;
            fn add(self, c: $t) -> Tensor<$t> {
                self.add_scalar(c)
            }
        }
        impl Add<$t> for Tensor<$t> {
            type Output = Tensor<$t>;
            fn add(self, c: $t) -> Tensor<$t> {
                self.add_scalar(c)
            }
        }
        impl Add<&Tensor<$t>> for $t {
            type Output = Tensor<$t>;
            fn add(self, x: &Tensor<$t>) -> Tensor<$t> {
                x.add_scalar(self)
            }
        }
        impl Add<Tensor<$t>> for $t {
            type Output = Tensor<$t>;
            fn add(self, x: Tensor<$t>) -> Tensor<$t> {
                x.add_scalar(self)
            }
        }
        impl Sub<$t> for &Tensor<$t> {
            type Output = Tensor<$t>;
            fn sub(self, c: $t) -> Tensor<$t> {
                self.add_scalar(-c)
            }
        }
        impl Sub<$t> for Tensor<$t> {
            type Output = Tensor<$t>;
            fn sub(self, c: $t) -> Tensor<$t> {
                self.add_scalar(-c)
            }
        }
        impl Sub<&Tensor<$t>> for $t {
            type Output = Tensor<$t>;
            fn sub(self, x: &Tensor<$t>) -> Tensor<$t> {
                x.scalar_sub(self)
            }
        }
        impl Sub<Tensor<$t>> for $t {
            type Output = Tensor<$t>;
            fn sub(self, x: Tensor<$t>) -> Tensor<$t> {
                x.scalar_sub(self)
            }
        }
        impl Mul<$t> for &Tensor<$t> {
            type Output = Tensor<$t>;
            fn mul(self, c: $t) -> Tensor<$t> {
                self.mul_scalar(c)
            }
        }
        impl Mul<$t> for Tensor<$t> {
            type Output = Tensor<$t>;
            fn mul(self, c: $t) -> Tensor<$t> {
                self.mul_scalar(c)
            }
        }
        impl Mul<&Tensor<$t>> for $t {
            type Output = Tensor<$t>;
            fn mul(self, x: &Tensor<$t>) -> Tensor<$t> {
                x.mul_scalar(self)
            }
        }
        impl Mul<Tensor<$t>> for $t {
            type Output = Tensor<$t>;
            fn mul(self, x: Tensor<$t>) -> Tensor<$t> {
                x.mul_scalar(self)
            }
        }
        impl Div<$t> for &Tensor<$t> {
            type Output = Tensor<$t>;
            fn div(self, c: $t) -> Tensor<$t> {
                self.div_scalar(c)
            }
        }
        impl Div<$t> for Tensor<$t> {
            type Output = Tensor<$t>;
            fn div(self, c: $t) -> Tensor<$t> {
                self.div_scalar(c)
            }
        }
        impl Div<&Tensor<$t>> for $t {
            type Output = Tensor<$t>;
            fn div(self, x: &Tensor<$t>) -> Tensor<$t> {
                x.scalar_div(self)
            }
        }
        impl Div<Tensor<$t>> for $t {
            type Output = Tensor<$t>;
            fn div(self, x: Tensor<$t>) -> Tensor<$t> {
                x.scalar_div(self)
            }
        }
    };
}

scalar_ops!(f32);
scalar_ops!(f64);
