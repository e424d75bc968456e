//! The `Optimiser` layer over `Params`: convergence of every rule, both
//! training styles, `update_all` with the global norm, `adjust`,
//! `freeze`/`thaw` and the errors.

use ferroflux::autodiff::{gradient, value_and_gradient, Grads, Param, Params, Tensor};
use ferroflux::linalg::Matrix;
use ferroflux::optim::{
    setup, setup_matrices, AdaBelief, AdaDelta, AdaGrad, AdaMax, Adam, AdamW, AmsGrad, ClipGrad,
    ClipNorm, Descent, Lion, Momentum, NAdam, Nesterov, OAdam, OptimError, Optimiser,
    OptimiserChain, OptimiserState, RAdam, RmsProp, Rule, WeightDecay,
};

/// A convex problem over two parameters: f = Σ aᵢⱼ·(wᵢⱼ − cᵢⱼ)² + Σ (bᵢ − dᵢ)²,
/// minimised at w = c, b = d with f = 0.
struct Quadratic {
    w: Param,
    b: Param,
    a: Tensor,
    c: Tensor,
    d: Tensor,
}

impl Quadratic {
    fn new() -> Self {
        let a = Matrix::from_fn(2, 3, |r, c| 0.5 + 0.5 * (r + 2 * c) as f64); // 0.5 ..= 3
        let c = Matrix::from_fn(2, 3, |r, c| (r as f64 - c as f64) * 0.7 + 0.3);
        let d = Matrix::from_column_slice(2, 1, &[1.5, -0.5]);
        Self {
            w: Param::new(Matrix::zeros(2, 3)),
            b: Param::new(Matrix::zeros(2, 1)),
            a: Tensor::constant(a),
            c: Tensor::constant(c),
            d: Tensor::constant(d),
        }
    }

    fn params(&self) -> Params {
        Params::new([&self.w, &self.b])
    }

    fn loss(&self) -> Tensor {
        let dw = self.w.tensor() - &self.c;
        let db = self.b.tensor() - &self.d;
        (&self.a * dw.square()).sum() + db.square().sum()
    }

    fn grads(&self) -> Grads {
        gradient(&self.params(), || self.loss())
    }

    fn loss_value(&self) -> f64 {
        self.loss().item()
    }
}

fn boxed<R: Rule<f64> + std::fmt::Debug + 'static>(rule: R) -> Box<dyn Optimiser<f64>> {
    Box::new(OptimiserState::new(rule))
}

/// A row of the convergence table: name, optimiser, steps, loss threshold.
type Case = (&'static str, Box<dyn Optimiser<f64>>, usize, f64);

/// Every rule, with a learning rate suited to the problem, must push the
/// loss (7.47 at the start) below the threshold in the given steps. AdaDelta
/// (no η, first steps near √ε) gets more steps; the sign-based Lion moves
/// by η per step and gets a looser threshold.
#[test]
fn every_rule_minimises_quadratic() {
    let table: Vec<Case> = vec![
        ("Descent", boxed(Descent::new(0.1)), 300, 1e-8),
        ("Momentum", boxed(Momentum::new(0.05)), 300, 1e-8),
        ("Nesterov", boxed(Nesterov::new(0.05)), 300, 1e-8),
        ("RmsProp", boxed(RmsProp::new(0.01)), 1000, 1e-6),
        (
            "RmsProp centred",
            boxed(RmsProp {
                centred: true,
                ..RmsProp::new(0.01)
            }),
            1000,
            1e-6,
        ),
        ("Adam", boxed(Adam::new(0.05)), 1000, 1e-6),
        ("AdamW", boxed(AdamW::new(0.05, 0.0)), 1000, 1e-6),
        ("RAdam", boxed(RAdam::new(0.05)), 1000, 1e-6),
        ("AdaMax", boxed(AdaMax::new(0.05)), 1000, 1e-6),
        ("OAdam", boxed(OAdam::new(0.01)), 2000, 1e-6),
        ("AdaGrad", boxed(AdaGrad::new(0.5)), 1000, 1e-6),
        ("AdaDelta", boxed(AdaDelta::default()), 3000, 1e-6),
        ("AmsGrad", boxed(AmsGrad::new(0.05)), 1000, 1e-6),
        ("NAdam", boxed(NAdam::new(0.05)), 1000, 1e-6),
        ("AdaBelief", boxed(AdaBelief::new(0.05)), 1000, 1e-6),
        ("Lion", boxed(Lion::new(0.01)), 1000, 1e-4),
        (
            "ClipNorm then Adam",
            boxed(OptimiserChain::new((ClipNorm::new(1.0), Adam::new(0.05)))),
            1000,
            1e-6,
        ),
        (
            "ClipGrad then Descent",
            boxed(OptimiserChain::new((ClipGrad::new(0.5), Descent::new(0.1)))),
            300,
            1e-8,
        ),
    ];
    let mut failures = Vec::new();
    for (name, mut opt, steps, threshold) in table {
        let problem = Quadratic::new();
        for _ in 0..steps {
            opt.update_all(&problem.params(), &problem.grads()).unwrap();
        }
        let end = problem.loss_value();
        println!("{name}: loss {end:e} after {steps} steps");
        if end >= threshold || end.is_nan() {
            failures.push(format!(
                "{name}: loss {end:e} after {steps} steps, threshold {threshold:e}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "rules that did not converge:\n{}",
        failures.join("\n")
    );
}

/// Builds gradients equal to the given matrices: the gradient of
/// Σ ⟨p, gₚ⟩ with respect to p is gₚ.
fn grads_of(ps: &Params, pairs: &[(&Param, &Matrix)]) -> Grads {
    gradient(ps, || {
        let mut total = Tensor::scalar(0.0);
        for (p, g) in pairs {
            total = total + p.tensor().dot(&Tensor::constant((*g).clone()));
        }
        total
    })
}

fn filled(rows: usize, cols: usize, value: f64) -> Matrix {
    Matrix::from_element(rows, cols, value)
}

#[test]
fn implicit_style_keeps_state_between_calls() {
    let problem = Quadratic::new();
    let ps = problem.params();
    let mut opt = Adam::new(0.1);
    for _ in 0..3 {
        let grads = problem.grads();
        for p in ps.iter() {
            opt.update(p, &grads[p]).unwrap();
        }
    }

    let explicit = Quadratic::new();
    let mut state = setup(Adam::new(0.1), &explicit.params()).unwrap();
    for _ in 0..3 {
        state
            .update_all(&explicit.params(), &explicit.grads())
            .unwrap();
    }
    assert_eq!(*problem.w.value(), *explicit.w.value());
    assert_eq!(*problem.b.value(), *explicit.b.value());
}

#[test]
fn implicit_reset_restarts_moments() {
    let p = Param::new(filled(1, 2, 1.0));
    let ps = Params::new([&p]);
    let g = filled(1, 2, 0.5);
    let mut opt = Adam::new(0.1);
    opt.update(&p, &g).unwrap();
    opt.update(&p, &g).unwrap();
    Optimiser::<f64>::reset(&mut opt);

    // After reset the step is a first Adam step again: η·sign(g) up to ε.
    let before = p.value()[0];
    opt.update(&p, &g).unwrap();
    let step = before - p.value()[0];
    assert!(
        (step - 0.1).abs() < 1e-6,
        "first step after reset moved {step}"
    );
    assert_eq!(ps.len(), 1);
}

#[test]
fn clip_norm_uses_global_norm_in_update_all() {
    let w = Param::new(Matrix::zeros(1, 2));
    let b = Param::new(Matrix::zeros(1, 1));
    let ps = Params::new([&w, &b]);
    let gw = Matrix::from_row_slice(1, 2, &[3.0, 0.0]);
    let gb = filled(1, 1, 4.0);
    let grads = grads_of(&ps, &[(&w, &gw), (&b, &gb)]);

    // Global norm 5, so both gradients scale by ω/5 = 0.2, then Descent(1).
    let mut opt = setup(
        OptimiserChain::new((ClipNorm::new(1.0), Descent::new(1.0))),
        &ps,
    )
    .unwrap();
    opt.update_all(&ps, &grads).unwrap();
    assert!((w.value()[0] + 0.6).abs() < 1e-15, "w = {}", *w.value());
    assert!((b.value()[0] + 0.8).abs() < 1e-15, "b = {}", *b.value());
}

#[test]
fn clip_norm_per_parameter_in_update() {
    let w = Param::new(Matrix::zeros(1, 2));
    let b = Param::new(Matrix::zeros(1, 1));
    let mut opt = OptimiserState::new(OptimiserChain::new((ClipNorm::new(1.0), Descent::new(1.0))));
    opt.update(&w, &Matrix::from_row_slice(1, 2, &[3.0, 0.0]))
        .unwrap();
    opt.update(&b, &filled(1, 1, 4.0)).unwrap();
    assert!((w.value()[0] + 1.0).abs() < 1e-15, "w = {}", *w.value());
    assert!((b.value()[0] + 1.0).abs() < 1e-15, "b = {}", *b.value());
}

#[test]
fn clip_norm_zero_gradient_stays_zero() {
    let w = Param::new(filled(2, 2, 1.5));
    let ps = Params::new([&w]);
    let grads = grads_of(&ps, &[(&w, &Matrix::zeros(2, 2))]);
    let mut opt = setup(
        OptimiserChain::new((ClipNorm::new(1.0), Descent::new(1.0))),
        &ps,
    )
    .unwrap();
    opt.update_all(&ps, &grads).unwrap();
    assert_eq!(*w.value(), filled(2, 2, 1.5));

    let rule = ClipNorm::new(1.0);
    let mut x = filled(2, 2, 1.5);
    let mut state = Rule::<f64>::init(&rule, x.shape());
    rule.apply(&mut state, &mut x, &Matrix::zeros(2, 2));
    assert_eq!(x, filled(2, 2, 1.5));
}

#[test]
fn clip_norm_infinite_norm_is_error() {
    let w = Param::new(filled(1, 2, 1.0));
    let b = Param::new(filled(1, 1, 1.0));
    let ps = Params::new([&w, &b]);
    let gb = filled(1, 1, f64::INFINITY);
    let grads = grads_of(&ps, &[(&w, &filled(1, 2, 1.0)), (&b, &gb)]);
    let mut opt = setup(
        OptimiserChain::new((ClipNorm::new(1.0), Adam::new(0.1))),
        &ps,
    )
    .unwrap();

    let error = opt.update_all(&ps, &grads).unwrap_err();
    assert_eq!(
        error,
        OptimError::NonFiniteNorm {
            norm: f64::INFINITY
        }
    );
    assert!(
        error.to_string().contains("gradient norm is inf"),
        "{error}"
    );
    assert_eq!(
        *w.value(),
        filled(1, 2, 1.0),
        "the finite parameter does not move either"
    );
    assert_eq!(*b.value(), filled(1, 1, 1.0));

    let rule = ClipNorm::new(1.0);
    let mut x = filled(1, 1, 1.0);
    let mut state = Rule::<f64>::init(&rule, x.shape());
    let result = rule.try_apply(&mut state, &mut x, &gb);
    assert!(
        matches!(result, Err(OptimError::NonFiniteNorm { .. })),
        "{result:?}"
    );
    assert_eq!(x, filled(1, 1, 1.0));
}

#[test]
#[should_panic(expected = "gradient norm is NaN in ClipNorm")]
fn clip_norm_apply_panics_on_nan() {
    let rule = ClipNorm::new(1.0);
    let mut x = filled(1, 1, 1.0);
    let mut state = Rule::<f64>::init(&rule, x.shape());
    rule.apply(&mut state, &mut x, &filled(1, 1, f64::NAN));
}

#[test]
fn clip_norm_without_throw_zeroes_infinite_gradient() {
    let rule = ClipNorm {
        throw: false,
        ..ClipNorm::new(1.0)
    };
    let mut x = filled(1, 2, 1.0);
    let mut state = Rule::<f64>::init(&rule, x.shape());
    let g = Matrix::from_row_slice(1, 2, &[f64::INFINITY, 2.0]);
    rule.apply(&mut state, &mut x, &g);
    // ω/∞ = 0 scales the finite entry to 0; ∞·0 is NaN for the other.
    assert_eq!(x[1], 1.0);
    assert!(x[0].is_nan());
}

#[test]
fn freeze_skips_parameter_and_thaw_resumes() {
    let problem = Quadratic::new();
    let ps = problem.params();
    let mut opt = setup(Adam::new(0.1), &ps).unwrap();
    opt.update_all(&ps, &problem.grads()).unwrap();
    let b_after_one = problem.b.value().clone();

    opt.freeze(&problem.b);
    assert!(opt.is_frozen(&problem.b));
    opt.update_all(&ps, &problem.grads()).unwrap();
    opt.update_all(&ps, &problem.grads()).unwrap();
    assert_eq!(
        *problem.b.value(),
        b_after_one,
        "a frozen parameter does not move"
    );
    let beta_power = opt.state(&problem.b).unwrap().beta_power;
    assert_eq!(
        beta_power,
        (0.9 * 0.9, 0.999 * 0.999),
        "a frozen parameter keeps its state"
    );

    opt.thaw(&problem.b);
    opt.update_all(&ps, &problem.grads()).unwrap();
    assert_ne!(*problem.b.value(), b_after_one);
    let beta_power = opt.state(&problem.b).unwrap().beta_power;
    assert_eq!(beta_power.0, 0.9 * 0.9 * 0.9);
}

#[test]
fn freeze_all_then_thaw_all() {
    let problem = Quadratic::new();
    let ps = problem.params();
    let mut opt = setup(Descent::new(0.1), &ps).unwrap();
    opt.freeze_all(&ps);
    opt.update_all(&ps, &problem.grads()).unwrap();
    assert_eq!(*problem.w.value(), Matrix::zeros(2, 3));
    opt.thaw_all(&ps);
    opt.update_all(&ps, &problem.grads()).unwrap();
    assert_ne!(*problem.w.value(), Matrix::zeros(2, 3));
}

#[test]
fn adjust_changes_eta_and_keeps_state() {
    let problem = Quadratic::new();
    let ps = problem.params();
    let mut opt = setup(Adam::new(0.1), &ps).unwrap();
    opt.update_all(&ps, &problem.grads()).unwrap();
    let m_before = opt.state(&problem.w).unwrap().m.clone();
    opt.adjust(0.01).unwrap();
    assert_eq!(opt.eta(), Some(0.01));
    assert_eq!(opt.rule().eta, 0.01);
    assert_eq!(opt.state(&problem.w).unwrap().m, m_before);
}

#[test]
fn adjust_chain_sets_every_eta() {
    let mut opt = OptimiserState::<_, f64>::new(OptimiserChain::new((
        WeightDecay::new(1e-3),
        Descent::new(0.1),
        Adam::new(0.2),
    )));
    assert_eq!(opt.eta(), Some(0.1));
    opt.adjust(0.05).unwrap();
    assert_eq!(opt.rule().rules.1.eta, 0.05);
    assert_eq!(opt.rule().rules.2.eta, 0.05);
    assert_eq!(opt.rule().rules.0.lambda, 1e-3);
}

#[test]
fn adjust_errors_are_named() {
    let mut adadelta = OptimiserState::<_, f64>::new(AdaDelta::default());
    let error = adadelta.adjust(0.1).unwrap_err();
    assert!(
        matches!(error, OptimError::NoLearningRate { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("AdaDelta"), "{error}");

    let mut adam = Adam::default();
    let error = Optimiser::<f64>::adjust(&mut adam, -1.0).unwrap_err();
    assert!(error.to_string().contains("eta = -1"), "{error}");
    assert_eq!(adam.eta, 0.001, "a rejected eta is not stored");
}

#[test]
fn missing_gradient_is_error_and_nothing_moves() {
    let problem = Quadratic::new();
    let only_w = Params::new([&problem.w]);
    let grads = gradient(&only_w, || problem.loss());
    let mut opt = setup(Descent::new(0.1), &problem.params()).unwrap();
    let error = opt.update_all(&problem.params(), &grads).unwrap_err();
    assert_eq!(
        error,
        OptimError::MissingGradient {
            index: 1,
            rows: 2,
            cols: 1
        }
    );
    assert_eq!(*problem.w.value(), Matrix::zeros(2, 3));
}

#[test]
#[should_panic(expected = "the gradient is 3x2 but the parameter is 2x3")]
fn gradient_shape_mismatch_panics() {
    let problem = Quadratic::new();
    let mut opt = Descent::new(0.1);
    let _ = opt.update(&problem.w, &Matrix::zeros(3, 2));
}

/// The shape panic points at the caller's line, in the implicit style, in
/// a chain and with explicit state, so the user sees their own mistake.
#[test]
fn gradient_shape_panic_names_the_callers_line() {
    use std::sync::{Arc, Mutex};
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let file = info
            .location()
            .map(|l| l.file().to_string())
            .unwrap_or_default();
        record.lock().unwrap().push(file);
    }));
    let problem = Quadratic::new();
    let wrong = Matrix::zeros(3, 2);
    let calls: [&dyn Fn(); 3] = [
        &|| drop(Descent::new(0.1).update(&problem.w, &wrong)),
        &|| {
            drop(
                OptimiserChain::new((ClipGrad::new(1.0), Adam::default()))
                    .update(&problem.w, &wrong),
            )
        },
        &|| {
            drop(
                setup(Adam::default(), &Params::new([&problem.w]))
                    .unwrap()
                    .update(&problem.w, &wrong),
            )
        },
    ];
    for call in calls {
        assert!(std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)).is_err());
    }
    std::panic::set_hook(previous);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 3);
    for file in seen.iter() {
        assert!(
            file.ends_with("optim_optimiser.rs"),
            "panic located in {file}"
        );
    }
}

#[test]
fn matrix_state_matches_params_style() {
    // The same three Adam steps on plain matrices and on Params.
    let problem = Quadratic::new();
    let ps = problem.params();
    let mut params_state = setup(Adam::new(0.1), &ps).unwrap();

    let mut w = Matrix::zeros(2, 3);
    let mut b = Matrix::zeros(2, 1);
    let mut matrix_state = setup_matrices(Adam::new(0.1), &[&w, &b]).unwrap();
    for _ in 0..3 {
        let grads = problem.grads();
        let gs = [grads[&problem.w].clone(), grads[&problem.b].clone()];
        params_state.update_all(&ps, &grads).unwrap();
        matrix_state.update(&mut [&mut w, &mut b], &gs).unwrap();
    }
    assert_eq!(w, *problem.w.value());
    assert_eq!(b, *problem.b.value());
    // The state keeps running products of β, which can differ from powi in
    // the last bit (0.9⁴ is 0.6561000000000001 as a product).
    let running = |beta: f64| (0..4).fold(1.0, |power, _| power * beta);
    assert_eq!(
        matrix_state.state(0).beta_power,
        (running(0.9), running(0.999))
    );
}

#[test]
fn matrix_state_with_value_and_gradient() {
    // f(w) = Σ (w − 2)², minimised at w = 2.
    let mut w = Matrix::zeros(2, 2);
    let mut state = setup_matrices(Descent::new(0.25), &[&w]).unwrap();
    for _ in 0..40 {
        let (_, gs) =
            value_and_gradient(|xs: &[Tensor]| xs[0].add_scalar(-2.0).square().sum(), &[&w]);
        state.update(&mut [&mut w], &gs).unwrap();
    }
    assert!(w.iter().all(|v| (v - 2.0).abs() < 1e-9), "w = {w}");
}

#[test]
fn matrix_state_global_clip_and_freeze() {
    let mut w = Matrix::zeros(1, 2);
    let mut b = Matrix::zeros(1, 1);
    let chain = OptimiserChain::new((ClipNorm::new(1.0), Descent::new(1.0)));
    let mut state = setup_matrices(chain, &[&w, &b]).unwrap();
    let gs = [Matrix::from_row_slice(1, 2, &[3.0, 0.0]), filled(1, 1, 4.0)];
    state.update(&mut [&mut w, &mut b], &gs).unwrap();
    assert!(
        (w[0] + 0.6).abs() < 1e-15 && (b[0] + 0.8).abs() < 1e-15,
        "w = {w}, b = {b}"
    );

    state.freeze(1);
    assert!(state.is_frozen(1));
    state.update(&mut [&mut w, &mut b], &gs).unwrap();
    assert!((b[0] + 0.8).abs() < 1e-15, "a frozen matrix does not move");
    assert!(
        (w[0] + 1.6).abs() < 1e-15,
        "w alone has norm 3, clipped to 1: w = {w}"
    );
    state.thaw(1);
    state.adjust(0.5).unwrap();
    assert_eq!(state.eta(), Some(0.5));
}

#[test]
#[should_panic(expected = "1 matrices and 2 gradients given, but the state was set up for 2")]
fn matrix_state_count_mismatch_panics() {
    let mut w = Matrix::<f64>::zeros(1, 2);
    let b = Matrix::zeros(1, 1);
    let mut state = setup_matrices(Descent::new(0.1), &[&w, &b]).unwrap();
    let gs = [Matrix::zeros(1, 2), Matrix::zeros(1, 1)];
    let _ = state.update(&mut [&mut w], &gs);
}

#[test]
fn update_all_accepts_grads_in_other_order() {
    let problem = Quadratic::new();
    let reversed = Params::new([&problem.b, &problem.w]);
    let grads = gradient(&reversed, || problem.loss());

    let reference = Quadratic::new();
    let mut reference_opt = setup(Adam::new(0.1), &reference.params()).unwrap();
    reference_opt
        .update_all(&reference.params(), &reference.grads())
        .unwrap();

    let mut opt = setup(Adam::new(0.1), &problem.params()).unwrap();
    opt.update_all(&problem.params(), &grads).unwrap();
    assert_eq!(*problem.w.value(), *reference.w.value());
    assert_eq!(*problem.b.value(), *reference.b.value());
}

#[test]
fn frozen_parameter_needs_no_gradient() {
    let problem = Quadratic::new();
    let only_w = Params::new([&problem.w]);
    let grads = gradient(&only_w, || problem.loss());
    let mut opt = setup(Descent::new(0.1), &problem.params()).unwrap();
    opt.freeze(&problem.b);
    opt.update_all(&problem.params(), &grads).unwrap();
    assert_ne!(*problem.w.value(), Matrix::zeros(2, 3));
    assert_eq!(*problem.b.value(), Matrix::zeros(2, 1));
}
