//! Variants of Adam: RAdam, AdaMax, OAdam, AmsGrad, NAdam and AdaBelief.

use ferroflux_linalg::{Float, Matrix};

use super::adam::{check_adam_like, AdamState};
use crate::rule::{check_eta, check_shapes, eta_accessors, expect_valid, Rule, StepContext};
use crate::simd::{flush_subnormal, for_each_step, Target};
use crate::OptimError;

/// Declares a rule struct with fields η, β and ε, its `new` and `Default`.
macro_rules! adam_like_rule {
    ($(#[$doc:meta])* $name:ident, $beta:expr, $epsilon:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub struct $name {
            /// η: learning rate.
            pub eta: f64,
            /// (β₁, β₂): decay rates of the moment estimates.
            pub beta: (f64, f64),
            /// ε: added to the denominator.
            pub epsilon: f64,
        }

        impl $name {
            #[doc = concat!("Creates ", stringify!($name), " with learning rate η = `eta` and the default β and ε.")]
            ///
            /// # Panics
            /// If `eta` is negative or not finite, naming the value.
            #[track_caller]
            pub fn new(eta: f64) -> Self {
                expect_valid(check_eta(stringify!($name), eta));
                Self { eta, ..Self::default() }
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self { eta: 0.001, beta: $beta, epsilon: $epsilon }
            }
        }
    };
}

/// Implements `Rule` for a rule whose state is [`AdamState`], from a step
/// function `step(&self, &constants, g, &mut m, &mut v) -> step`.
macro_rules! adam_state_rule {
    ($name:ident) => {
        impl<T: Float> Rule<T> for $name {
            type State = AdamState<T>;

            fn init(&self, shape: (usize, usize)) -> AdamState<T> {
                AdamState::new(shape, self.beta)
            }

            #[track_caller]
            fn apply(&self, state: &mut AdamState<T>, x: &mut Matrix<T>, g: &Matrix<T>) {
                check_shapes(stringify!($name), state.m.shape(), x, g);
                let rule = *self;
                run_adam_state(
                    state,
                    Target::apply(x, g),
                    self.eta,
                    self.beta,
                    self.epsilon,
                    #[inline(always)]
                    move |c, g, m, v| rule.step(c, g, m, v),
                );
            }

            #[track_caller]
            fn transform(
                &self,
                state: &mut AdamState<T>,
                x: &Matrix<T>,
                dx: &mut Matrix<T>,
                _context: &StepContext<T>,
            ) -> Result<(), OptimError> {
                check_shapes(stringify!($name), state.m.shape(), x, dx);
                let rule = *self;
                run_adam_state(
                    state,
                    Target::transform(x, dx),
                    self.eta,
                    self.beta,
                    self.epsilon,
                    #[inline(always)]
                    move |c, g, m, v| rule.step(c, g, m, v),
                );
                Ok(())
            }

            fn validate(&self) -> Result<(), OptimError> {
                check_adam_like(stringify!($name), self.eta, self.beta, self.epsilon)
            }

            eta_accessors!();
        }
    };
}

/// Advances the moments of a rule with [`AdamState`] by one step of
/// `step(&constants, g, &mut m, &mut v)` and delivers each element's step to
/// `target`.
#[inline(always)]
fn run_adam_state<T: Float>(
    state: &mut AdamState<T>,
    target: Target<'_, T>,
    eta: f64,
    beta: (f64, f64),
    epsilon: f64,
    step: impl Fn(&Constants<T>, T, &mut T, &mut T) -> T,
) {
    let constants = Constants::new(eta, beta, epsilon, state.beta_power);
    let moments = state
        .m
        .as_mut_slice()
        .iter_mut()
        .zip(state.v.as_mut_slice());
    for_each_step(
        target,
        moments,
        #[inline(always)]
        move |_, g, (m, v)| step(&constants, g, m, v),
    );
    state.advance(constants.beta);
}

/// η, β and ε cast to `T`, with the bias corrections 1 − β₁ᵗ and 1 − β₂ᵗ
/// of the current step.
#[derive(Clone, Copy)]
struct Constants<T> {
    eta: T,
    beta: (T, T),
    epsilon: T,
    beta_power: (T, T),
    correction: (T, T),
}

impl<T: Float> Constants<T> {
    fn new(eta: f64, beta: (f64, f64), epsilon: f64, beta_power: (T, T)) -> Self {
        Self {
            eta: T::cast(eta),
            beta: (T::cast(beta.0), T::cast(beta.1)),
            epsilon: T::cast(epsilon),
            beta_power,
            correction: (T::one() - beta_power.0, T::one() - beta_power.1),
        }
    }

    /// m ← β₁·m + (1 − β₁)·g
    #[inline(always)]
    fn first_moment(&self, g: T, m: &mut T) {
        *m = flush_subnormal(self.beta.0 * *m + (T::one() - self.beta.0) * g);
    }

    /// v ← β₂·v + (1 − β₂)·g²
    #[inline(always)]
    fn second_moment(&self, g: T, v: &mut T) {
        *v = flush_subnormal(self.beta.1 * *v + (T::one() - self.beta.1) * g * g);
    }

    /// Returns the Adam step η·m̂ / (√v̂ + ε) from the updated moments.
    #[inline(always)]
    fn adam_step(&self, m: T, v: T) -> T {
        self.eta * m / self.correction.0 / ((v / self.correction.1).sqrt() + self.epsilon)
    }
}

adam_like_rule!(
    /// AdaMax (Kingma & Ba, 2015, section 7): Adam with the second moment
    /// replaced by an exponentially weighted infinity norm.
    ///
    /// Hyper-parameters, with Optimisers.jl's defaults: η (`eta`, 0.001),
    /// β = (β₁, β₂) (`beta`, (0.9, 0.999)), ε (`epsilon`, 1e-8).
    ///
    /// ```text
    /// m ← β₁·m + (1 − β₁)·g
    /// u ← max(β₂·u, |g|)
    /// x ← x − (η / (1 − β₁ᵗ)) · m / (u + ε)
    /// ```
    ///
    /// PyTorch's `torch.optim.Adamax` defaults to `lr=0.002` and adds ε
    /// inside the maximum (u ← max(β₂·u, |g| + ε)).
    AdaMax, (0.9, 0.999), 1e-8
);

impl AdaMax {
    #[inline(always)]
    fn step<T: Float>(&self, c: &Constants<T>, g: T, m: &mut T, u: &mut T) -> T {
        c.first_moment(g, m);
        *u = flush_subnormal((c.beta.1 * *u).max(g.abs()));
        (c.eta / c.correction.0) * *m / (*u + c.epsilon)
    }
}

adam_state_rule!(AdaMax);

adam_like_rule!(
    /// NAdam (Dozat, 2016): Adam with Nesterov momentum, looking one step
    /// ahead in the first moment.
    ///
    /// Hyper-parameters, with Optimisers.jl's defaults: η (`eta`, 0.001),
    /// β = (β₁, β₂) (`beta`, (0.9, 0.999)), ε (`epsilon`, 1e-8).
    ///
    /// ```text
    /// m ← β₁·m + (1 − β₁)·g
    /// v ← β₂·v + (1 − β₂)·g²
    /// x ← x − η · (β₁·m / (1 − β₁·β₁ᵗ) + (1 − β₁)·g / (1 − β₁ᵗ)) / (√(β₂·v / (1 − β₂ᵗ)) + ε)
    /// ```
    ///
    /// PyTorch's `torch.optim.NAdam` defaults to `lr=0.002` and multiplies
    /// β₁ by a warm-up schedule (`momentum_decay=0.004`), so its
    /// trajectories differ from these.
    NAdam, (0.9, 0.999), 1e-8
);

impl NAdam {
    #[inline(always)]
    fn step<T: Float>(&self, c: &Constants<T>, g: T, m: &mut T, v: &mut T) -> T {
        let one = T::one();
        c.first_moment(g, m);
        c.second_moment(g, v);
        let lookahead = c.beta.0 * *m / (one - c.beta.0 * c.beta_power.0)
            + (one - c.beta.0) * g / c.correction.0;
        lookahead / ((*v * c.beta.1 / c.correction.1).sqrt() + c.epsilon) * c.eta
    }
}

adam_state_rule!(NAdam);

adam_like_rule!(
    /// AdaBelief (Zhuang et al., 2020): Adam with the second moment taken
    /// of the gradient's deviation from its running mean, the "belief".
    ///
    /// Hyper-parameters, with Optimisers.jl's defaults: η (`eta`, 0.001),
    /// β = (β₁, β₂) (`beta`, (0.9, 0.999)), ε (`epsilon`, 1e-16).
    ///
    /// ```text
    /// m ← β₁·m + (1 − β₁)·g
    /// s ← β₂·s + (1 − β₂)·(g − m)² + ε
    /// x ← x − η · (m / (1 − β₁ᵗ)) / (√(s / (1 − β₂ᵗ)) + ε)
    /// ```
    ///
    /// PyTorch has no AdaBelief in `torch.optim`; the authors'
    /// `adabelief-pytorch` package also defaults to ε = 1e-16.
    AdaBelief, (0.9, 0.999), 1e-16
);

impl AdaBelief {
    #[inline(always)]
    fn step<T: Float>(&self, c: &Constants<T>, g: T, m: &mut T, s: &mut T) -> T {
        c.first_moment(g, m);
        let deviation = g - *m;
        *s = c.beta.1 * *s + (T::one() - c.beta.1) * deviation * deviation + c.epsilon;
        c.adam_step(*m, *s)
    }
}

adam_state_rule!(AdaBelief);

adam_like_rule!(
    /// RAdam (Liu et al., 2020): Adam whose adaptive step is switched on
    /// only once the variance of the second moment estimate is tractable,
    /// and then scaled by a rectification term r.
    ///
    /// Hyper-parameters, with Optimisers.jl's defaults: η (`eta`, 0.001),
    /// β = (β₁, β₂) (`beta`, (0.9, 0.999)), ε (`epsilon`, 1e-8).
    ///
    /// ```text
    /// m ← β₁·m + (1 − β₁)·g,   v ← β₂·v + (1 − β₂)·g²
    /// ρ∞ = 2 / (1 − β₂) − 1,   ρₜ = ρ∞ − 2·t·β₂ᵗ / (1 − β₂ᵗ)
    /// if ρₜ > 4:  r = √((ρₜ − 4)(ρₜ − 2)·ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)·ρₜ))
    ///             x ← x − η·r · (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
    /// otherwise:  x ← x − η · m / (1 − β₁ᵗ)
    /// ```
    ///
    /// The warm-up threshold ρₜ > 4 follows Optimisers.jl and the paper.
    /// PyTorch's `torch.optim.RAdam` switches at ρₜ > 5, so with the
    /// default β₂ (ρ₅ ≈ 4.996) its fifth step is still unrectified while
    /// ours is rectified.
    RAdam, (0.9, 0.999), 1e-8
);

/// Per-parameter state of [`RAdam`].
#[derive(Debug, Clone, PartialEq)]
pub struct RAdamState<T: Float> {
    /// The moments and (β₁ᵗ, β₂ᵗ), as for Adam.
    pub adam: AdamState<T>,
    /// The step count t of the next step, from 1.
    pub t: usize,
}

impl RAdam {
    /// Advances the moments and step count and delivers every element's
    /// step to `target`.
    #[inline(always)]
    fn run<T: Float>(&self, state: &mut RAdamState<T>, target: Target<'_, T>) {
        let (c, r) = self.constants(state);
        let moments = state
            .adam
            .m
            .as_mut_slice()
            .iter_mut()
            .zip(state.adam.v.as_mut_slice());
        for_each_step(
            target,
            moments,
            #[inline(always)]
            move |_, g, (m, v)| Self::step(&c, r, g, m, v),
        );
        state.adam.advance(c.beta);
        state.t += 1;
    }
}

impl<T: Float> Rule<T> for RAdam {
    type State = RAdamState<T>;

    fn init(&self, shape: (usize, usize)) -> RAdamState<T> {
        RAdamState {
            adam: AdamState::new(shape, self.beta),
            t: 1,
        }
    }

    #[track_caller]
    fn apply(&self, state: &mut RAdamState<T>, x: &mut Matrix<T>, g: &Matrix<T>) {
        check_shapes("RAdam", state.adam.m.shape(), x, g);
        self.run(state, Target::apply(x, g));
    }

    #[track_caller]
    fn transform(
        &self,
        state: &mut RAdamState<T>,
        x: &Matrix<T>,
        dx: &mut Matrix<T>,
        _context: &StepContext<T>,
    ) -> Result<(), OptimError> {
        check_shapes("RAdam", state.adam.m.shape(), x, dx);
        self.run(state, Target::transform(x, dx));
        Ok(())
    }

    fn validate(&self) -> Result<(), OptimError> {
        check_adam_like("RAdam", self.eta, self.beta, self.epsilon)
    }

    eta_accessors!();
}

impl RAdam {
    /// Computes the step constants and the rectification r (`None` during
    /// warm-up).
    ///
    /// ρₜ and r are computed in f64 from t and β₂ whatever `T` is, because
    /// ρ∞ − 2t·β₂ᵗ/(1 − β₂ᵗ) subtracts two numbers near 2/(1 − β₂): in f32
    /// the difference near the threshold keeps only about three digits.
    fn constants<T: Float>(&self, state: &RAdamState<T>) -> (Constants<T>, Option<T>) {
        let c = Constants::new(self.eta, self.beta, self.epsilon, state.adam.beta_power);
        let beta2 = self.beta.1;
        let t = state.t as f64;
        let power = beta2.powf(t);
        let rho_inf = 2.0 / (1.0 - beta2) - 1.0;
        let rho = rho_inf - 2.0 * t * power / (1.0 - power);
        let r = (rho > 4.0).then(|| {
            let ratio =
                (rho - 4.0) * (rho - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho);
            T::cast(ratio.sqrt())
        });
        (c, r)
    }

    #[inline(always)]
    fn step<T: Float>(c: &Constants<T>, r: Option<T>, g: T, m: &mut T, v: &mut T) -> T {
        c.first_moment(g, m);
        c.second_moment(g, v);
        match r {
            Some(r) => c.adam_step(*m, *v) * r,
            None => *m / c.correction.0 * c.eta,
        }
    }
}

adam_like_rule!(
    /// OAdam, optimistic Adam (Daskalakis et al., 2018): adds the change of
    /// the Adam step, which damps the cycling of adversarial training.
    ///
    /// Hyper-parameters, with Optimisers.jl's defaults: η (`eta`, 0.001),
    /// β = (β₁, β₂) (`beta`, (0.5, 0.9)), ε (`epsilon`, 1e-8).
    ///
    /// With aₜ the Adam step η·m̂ / (√v̂ + ε) of step t (a₀ = 0):
    ///
    /// ```text
    /// x ← x − (2·aₜ − aₜ₋₁)
    /// ```
    ///
    /// PyTorch has no OAdam in `torch.optim`.
    OAdam, (0.5, 0.9), 1e-8
);

/// Per-parameter state of [`OAdam`].
#[derive(Debug, Clone, PartialEq)]
pub struct OAdamState<T: Float> {
    /// The moments and (β₁ᵗ, β₂ᵗ), as for Adam.
    pub adam: AdamState<T>,
    /// The previous Adam step aₜ₋₁.
    pub previous: Matrix<T>,
}

impl OAdam {
    #[inline(always)]
    fn step<T: Float>(c: &Constants<T>, g: T, m: &mut T, v: &mut T, previous: &mut T) -> T {
        c.first_moment(g, m);
        c.second_moment(g, v);
        let term = c.adam_step(*m, *v);
        let step = T::cast(2.0) * term - *previous;
        *previous = term;
        step
    }
}

impl OAdam {
    /// Advances the moments and the previous step and delivers every
    /// element's step to `target`.
    #[inline(always)]
    fn run<T: Float>(&self, state: &mut OAdamState<T>, target: Target<'_, T>) {
        let c = Constants::new(self.eta, self.beta, self.epsilon, state.adam.beta_power);
        let moments = state
            .adam
            .m
            .as_mut_slice()
            .iter_mut()
            .zip(state.adam.v.as_mut_slice())
            .zip(state.previous.as_mut_slice());
        for_each_step(
            target,
            moments,
            #[inline(always)]
            move |_, g, ((m, v), p)| Self::step(&c, g, m, v, p),
        );
        state.adam.advance(c.beta);
    }
}

impl<T: Float> Rule<T> for OAdam {
    type State = OAdamState<T>;

    fn init(&self, shape: (usize, usize)) -> OAdamState<T> {
        OAdamState {
            adam: AdamState::new(shape, self.beta),
            previous: Matrix::zeros(shape.0, shape.1),
        }
    }

    #[track_caller]
    fn apply(&self, state: &mut OAdamState<T>, x: &mut Matrix<T>, g: &Matrix<T>) {
        check_shapes("OAdam", state.previous.shape(), x, g);
        self.run(state, Target::apply(x, g));
    }

    #[track_caller]
    fn transform(
        &self,
        state: &mut OAdamState<T>,
        x: &Matrix<T>,
        dx: &mut Matrix<T>,
        _context: &StepContext<T>,
    ) -> Result<(), OptimError> {
        check_shapes("OAdam", state.previous.shape(), x, dx);
        self.run(state, Target::transform(x, dx));
        Ok(())
    }

    fn validate(&self) -> Result<(), OptimError> {
        check_adam_like("OAdam", self.eta, self.beta, self.epsilon)
    }

    eta_accessors!();
}

adam_like_rule!(
    /// AMSGrad (Reddi, Kale & Kumar, 2018): Adam that divides by the running
    /// maximum of the second moment, so the effective step never grows.
    ///
    /// Hyper-parameters, with Optimisers.jl's defaults: η (`eta`, 0.001),
    /// β = (β₁, β₂) (`beta`, (0.9, 0.999)), ε (`epsilon`, 1e-8).
    ///
    /// As in Optimisers.jl, m, v and v̂ all start at ε and there is no bias
    /// correction:
    ///
    /// ```text
    /// m ← β₁·m + (1 − β₁)·g
    /// v ← β₂·v + (1 − β₂)·g²
    /// v̂ ← max(v̂, v)
    /// x ← x − η·m / (√v̂ + ε)
    /// ```
    ///
    /// PyTorch's `Adam(amsgrad=True)` starts from zeros and keeps the maximum
    /// of the uncorrected v. It divides by the bias corrections, so its early
    /// steps are larger: x ← x − η/(1 − β₁ᵗ) · m / (√v̂ / √(1 − β₂ᵗ) + ε).
    AmsGrad, (0.9, 0.999), 1e-8
);

/// Per-parameter state of [`AmsGrad`].
#[derive(Debug, Clone, PartialEq)]
pub struct AmsGradState<T: Float> {
    /// First moment m.
    pub m: Matrix<T>,
    /// Second moment v.
    pub v: Matrix<T>,
    /// Running maximum v̂ of v.
    pub v_max: Matrix<T>,
}

impl AmsGrad {
    #[inline(always)]
    fn step<T: Float>(c: &Constants<T>, g: T, m: &mut T, v: &mut T, v_max: &mut T) -> T {
        c.first_moment(g, m);
        c.second_moment(g, v);
        *v_max = v_max.max(*v);
        c.eta * *m / (v_max.sqrt() + c.epsilon)
    }
}

impl AmsGrad {
    /// Advances the moments and their running maximum and delivers every
    /// element's step to `target`.
    #[inline(always)]
    fn run<T: Float>(&self, state: &mut AmsGradState<T>, target: Target<'_, T>) {
        let c = Constants::new(self.eta, self.beta, self.epsilon, (T::zero(), T::zero()));
        let moments = state
            .m
            .as_mut_slice()
            .iter_mut()
            .zip(state.v.as_mut_slice())
            .zip(state.v_max.as_mut_slice());
        for_each_step(
            target,
            moments,
            #[inline(always)]
            move |_, g, ((m, v), v_max)| Self::step(&c, g, m, v, v_max),
        );
    }
}

impl<T: Float> Rule<T> for AmsGrad {
    type State = AmsGradState<T>;

    fn init(&self, shape: (usize, usize)) -> AmsGradState<T> {
        let start = Matrix::from_element(shape.0, shape.1, T::cast(self.epsilon));
        AmsGradState {
            m: start.clone(),
            v: start.clone(),
            v_max: start,
        }
    }

    #[track_caller]
    fn apply(&self, state: &mut AmsGradState<T>, x: &mut Matrix<T>, g: &Matrix<T>) {
        check_shapes("AmsGrad", state.m.shape(), x, g);
        self.run(state, Target::apply(x, g));
    }

    #[track_caller]
    fn transform(
        &self,
        state: &mut AmsGradState<T>,
        x: &Matrix<T>,
        dx: &mut Matrix<T>,
        _context: &StepContext<T>,
    ) -> Result<(), OptimError> {
        check_shapes("AmsGrad", state.m.shape(), x, dx);
        self.run(state, Target::transform(x, dx));
        Ok(())
    }

    fn validate(&self) -> Result<(), OptimError> {
        check_adam_like("AmsGrad", self.eta, self.beta, self.epsilon)
    }

    eta_accessors!();
}
