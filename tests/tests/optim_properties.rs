//! Property tests of the optimiser rules and the data loader over random
//! parameters, gradients and shapes.

use ferroflux::autodiff::{gradient, Param, Params, Tensor};
use ferroflux::linalg::testing::{matrix, BOUND};
use ferroflux::linalg::Matrix;
use ferroflux::optim::{
    setup, AdaBelief, AdaDelta, AdaGrad, AdaMax, Adam, AdamW, AmsGrad, ClipGrad, ClipNorm,
    DataLoader, Descent, Lion, Momentum, NAdam, Nesterov, OAdam, Optimiser, OptimiserChain, RAdam,
    RmsProp, Rule, StepContext, WeightDecay,
};
use proptest::prelude::*;

/// A start value and three gradients of one 3x2 parameter.
fn trajectory_inputs() -> impl Strategy<Value = (Matrix, [Matrix; 3])> {
    (
        matrix::<f64>(3, 2, BOUND),
        [
            matrix::<f64>(3, 2, BOUND),
            matrix::<f64>(3, 2, BOUND),
            matrix::<f64>(3, 2, BOUND),
        ],
    )
}

/// Runs three steps through `apply`, through `transform` and through
/// `update_all` on a `Param`, and requires the three results to be equal.
fn paths_agree<R: Rule<f64> + Clone + std::fmt::Debug>(rule: R, x0: &Matrix, gs: &[Matrix; 3]) {
    let mut fused = x0.clone();
    let mut state = rule.init(x0.shape());
    for g in gs {
        rule.apply(&mut state, &mut fused, g);
    }

    let mut staged = x0.clone();
    let mut state = rule.init(x0.shape());
    for g in gs {
        let mut dx = g.clone();
        rule.transform(&mut state, &staged, &mut dx, &StepContext::single())
            .unwrap();
        staged -= dx;
    }

    let p = Param::new(x0.clone());
    let ps = Params::new([&p]);
    let mut opt = setup(rule.clone(), &ps).unwrap();
    for g in gs {
        let target = Tensor::constant(g.clone());
        let grads = gradient(&ps, || p.tensor().dot(&target));
        opt.update_all(&ps, &grads).unwrap();
    }

    for ((a, b), c) in fused.iter().zip(staged.iter()).zip(p.value().iter()) {
        let same = (a == b || (a.is_nan() && b.is_nan())) && (a == c || (a.is_nan() && c.is_nan()));
        assert!(same, "{rule:?}: apply {a}, transform {b}, update_all {c}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn apply_transform_and_update_all_agree((x0, gs) in trajectory_inputs()) {
        paths_agree(Descent::new(0.1), &x0, &gs);
        paths_agree(Momentum::default(), &x0, &gs);
        paths_agree(Nesterov::default(), &x0, &gs);
        paths_agree(RmsProp::default(), &x0, &gs);
        paths_agree(RmsProp { centred: true, ..RmsProp::default() }, &x0, &gs);
        paths_agree(Adam::default(), &x0, &gs);
        paths_agree(AdamW { lambda: 0.1, ..AdamW::default() }, &x0, &gs);
        paths_agree(AdamW { lambda: 0.1, couple: false, ..AdamW::default() }, &x0, &gs);
        paths_agree(RAdam::default(), &x0, &gs);
        paths_agree(AdaMax::default(), &x0, &gs);
        paths_agree(OAdam::default(), &x0, &gs);
        paths_agree(AdaGrad::default(), &x0, &gs);
        paths_agree(AdaDelta::default(), &x0, &gs);
        paths_agree(AmsGrad::default(), &x0, &gs);
        paths_agree(NAdam::default(), &x0, &gs);
        paths_agree(AdaBelief::default(), &x0, &gs);
        paths_agree(Lion::default(), &x0, &gs);
        paths_agree(WeightDecay::default(), &x0, &gs);
        paths_agree(ClipGrad::new(1.0), &x0, &gs);
        paths_agree(ClipNorm::new(1.0), &x0, &gs);
        paths_agree(OptimiserChain::new((ClipNorm::new(5.0), WeightDecay::new(0.01), Adam::default())), &x0, &gs);
    }

    #[test]
    fn clip_norm_bounds_norm_and_keeps_direction(g in matrix::<f64>(4, 3, BOUND), omega in 0.1..20.0_f64) {
        let rule = ClipNorm::new(omega);
        let mut dx = g.clone();
        let mut state = Rule::<f64>::init(&rule, g.shape());
        rule.transform(&mut state, &Matrix::zeros(4, 3), &mut dx, &StepContext::single()).unwrap();
        let norm = g.norm();
        if norm <= omega {
            prop_assert_eq!(&dx, &g);
        } else {
            prop_assert!((dx.norm() - omega).abs() <= 1e-12 * omega, "norm {} vs {omega}", dx.norm());
            for (d, v) in dx.iter().zip(g.iter()) {
                prop_assert!((d * norm / omega - v).abs() <= 1e-12 * norm, "{d} is not {v} scaled");
            }
        }
    }

    #[test]
    fn clip_grad_bounds_every_component(g in matrix::<f64>(3, 3, BOUND), delta in 0.1..12.0_f64) {
        let rule = ClipGrad::new(delta);
        let mut dx = g.clone();
        let mut state = Rule::<f64>::init(&rule, g.shape());
        rule.transform(&mut state, &Matrix::zeros(3, 3), &mut dx, &StepContext::single()).unwrap();
        for (d, v) in dx.iter().zip(g.iter()) {
            prop_assert!(d.abs() <= delta);
            if v.abs() <= delta {
                prop_assert_eq!(d, v);
            }
        }
    }

    #[test]
    fn global_clip_norm_equals_clip_of_concatenation(
        g in matrix::<f64>(2, 5, BOUND),
        omega in 0.1..20.0_f64,
        split in 1..5_usize,
    ) {
        // Two parameters holding columns [0, split) and [split, 5) must be
        // clipped exactly like one parameter holding all five columns.
        let chain = OptimiserChain::new((ClipNorm::new(omega), Descent::new(1.0)));
        let left = Param::new(Matrix::zeros(2, split));
        let right = Param::new(Matrix::zeros(2, 5 - split));
        let ps = Params::new([&left, &right]);
        let gl = Tensor::constant(g.columns(0, split).into_owned());
        let gr = Tensor::constant(g.columns(split, 5 - split).into_owned());
        let grads = gradient(&ps, || left.tensor().dot(&gl) + right.tensor().dot(&gr));
        setup(chain, &ps).unwrap().update_all(&ps, &grads).unwrap();

        let whole = Param::new(Matrix::zeros(2, 5));
        let mut single = setup(chain, &Params::new([&whole])).unwrap();
        single.update(&whole, &g).unwrap();
        let whole = whole.value();
        for (j, column) in (0..5).map(|j| (j, whole.column(j))) {
            let part = if j < split { left.value().column(j).into_owned() } else { right.value().column(j - split).into_owned() };
            for (a, b) in part.iter().zip(column.iter()) {
                prop_assert!((a - b).abs() <= 1e-12 * (1.0 + b.abs()), "column {j}: {a} vs {b}");
            }
        }
    }

    #[test]
    fn lion_moves_each_coordinate_by_eta_or_zero((x0, gs) in trajectory_inputs(), eta in 0.001..1.0_f64) {
        let rule = Lion::new(eta);
        let mut x = x0.clone();
        let mut state = rule.init(x.shape());
        for g in &gs {
            let before = x.clone();
            rule.apply(&mut state, &mut x, g);
            for (a, b) in x.iter().zip(before.iter()) {
                let moved = (a - b).abs();
                prop_assert!(moved == 0.0 || (moved - eta).abs() <= 1e-12 * (1.0 + b.abs()), "moved {moved}, eta {eta}");
            }
        }
    }

    #[test]
    fn adam_first_step_is_at_most_eta(x0 in matrix::<f64>(3, 3, BOUND), g in matrix::<f64>(3, 3, BOUND), eta in 0.001..1.0_f64) {
        // m̂ = g and √v̂ = |g| at t = 1, so each step is η·|g|/(|g| + ε) ≤ η.
        let rule = Adam::new(eta);
        let mut x = x0.clone();
        let mut state = rule.init(x.shape());
        rule.apply(&mut state, &mut x, &g);
        for (a, b) in x.iter().zip(x0.iter()) {
            prop_assert!((a - b).abs() <= eta * (1.0 + 1e-12) + 1e-12 * b.abs());
        }
    }

    #[test]
    fn data_loader_covers_every_observation(
        n in 0..40_usize,
        batch_size in 1..12_usize,
        seed in any::<u64>(),
        epoch in 0..5_u64,
        partial in any::<bool>(),
    ) {
        let x = Matrix::from_fn(2, n, |r, c| (c * 2 + r) as f64);
        let y = Matrix::from_fn(1, n, |_, c| c as f64);
        let loader = DataLoader::new(x, y, batch_size).unwrap().shuffle(seed).partial(partial);
        let mut seen = Vec::new();
        for (bx, by) in loader.epoch(epoch) {
            prop_assert!(bx.ncols() == batch_size || (partial && bx.ncols() < batch_size));
            for j in 0..by.ncols() {
                let index = by[(0, j)] as usize;
                prop_assert_eq!(bx[(1, j)], (index * 2 + 1) as f64);
                seen.push(index);
            }
        }
        prop_assert_eq!(loader.len(), loader.epoch(epoch).count());
        let expected = if partial { n } else { n - n % batch_size };
        prop_assert_eq!(seen.len(), expected);
        seen.sort_unstable();
        seen.dedup();
        prop_assert_eq!(seen.len(), expected, "an observation appeared twice");
    }
}
