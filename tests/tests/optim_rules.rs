//! Every optimiser rule pinned by a reference trajectory, and every rule's
//! defaults and hyper-parameter checks.
//!
//! The expected numbers come from `crates/optim/tests/reference/rules.py`,
//! which writes each rule out from its formula in plain Python floats
//! (Optimisers.jl's src/rules.jl at commit 06fac74 for all rules but Lion,
//! Algorithm 2 of Chen et al. 2023 for Lion), independently of the Rust
//! code. The problem is f(x) = Σ ½·aᵢ·xᵢ² + bᵢ·xᵢ with gradient
//! gᵢ = aᵢ·xᵢ + bᵢ, from x₀ = (1, −2, 0.5, 3) stored as a 2x2 matrix.

use ferroflux::autodiff::{Param, Params};
use ferroflux::linalg::Matrix;
use ferroflux::optim::{
    setup, AdaBelief, AdaDelta, AdaGrad, AdaMax, Adam, AdamW, AmsGrad, ClipGrad, ClipNorm, Descent,
    Lion, Momentum, NAdam, Nesterov, OAdam, OptimError, Optimiser, OptimiserChain, RAdam, RmsProp,
    Rule, StepContext, WeightDecay,
};

const A: [f64; 4] = [1.0, 2.0, 0.5, 3.0];
const B: [f64; 4] = [0.1, -0.3, 0.2, 0.0];
const X0: [f64; 4] = [1.0, -2.0, 0.5, 3.0];
const TOLERANCE: f64 = 1e-12;

/// Output of `python3 crates/optim/tests/reference/rules.py`.
#[rustfmt::skip]
const REFERENCE: &[(&str, &[[f64; 4]])] = &[
        (
            "descent",
            &[
            [0.89, -1.57, 0.455, 2.1],
            [0.791, -1.226, 0.41225, 1.47],
            [0.7019, -0.9508, 0.3716375, 1.029],
            ],
        ),
        (
            "momentum",
            &[
            [0.89, -1.57, 0.455, 2.1],
            [0.692, -0.839, 0.37175, 0.6599999999999999],
            [0.43459999999999993, 0.01670000000000016, 0.2582375, -0.8340000000000003],
            ],
        ),
        (
            "nesterov",
            &[
            [0.7909999999999999, -1.183, 0.4145, 1.29],
            [0.5326099999999999, -0.32816, 0.3006725, -0.17430000000000012],
            [0.2600530999999999, 0.3829568, 0.16831636249999998, -1.0445190000000002],
            ],
        ),
        (
            "rmsprop",
            &[
            [0.6837722430740709, -1.6837722363087433, 0.18377225620538262, 2.683772235094273],
            [0.4938637306612552, -1.472349977766686, 0.005290369489838187, 2.466820780034599],
            [0.3571043780151212, -1.3050413194266115, -0.11543278021663739, 2.291765790727641],
            ],
        ),
        (
            "rmsprop_centred",
            &[
            [0.6666666767676764, -1.666666669250646, 0.16666669135802276, 2.6666666679012345],
            [0.45939814669275214, -1.4331655742000677, -0.026498782136998467, 2.426523861201036],
            [0.3079268289363172, -1.2406264728085086, -0.1565677542018101, 2.2236949842781044],
            ],
        ),
        (
            "adam",
            &[
            [0.9000000009090909, -1.900000000232558, 0.40000000222222215, 2.900000000111111],
            [0.8003611627734645, -1.8001524222844993, 0.30047871199515147, 2.800102707302868],
            [0.70138244621909, -1.700569748619489, 0.2018543217153384, 2.7003815232817217],
            ],
        ),
        (
            "adamw_coupled",
            &[
            [0.8500000009090909, -1.8000000002325582, 0.3750000022222222, 2.750000000111111],
            [0.7081470943924932, -1.6103727744376142, 0.25691530110949123, 2.5128208373999827],
            [0.5745680717616811, -1.4308741117525168, 0.14595173221317911, 2.288051909803666],
            ],
        ),
        (
            "adamw_decoupled",
            &[
            [0.40000000090909094, -0.9000000002325581, 0.15000000222222215, 1.400000000111111],
            [0.10820000265697144, -0.35712800284630863, -0.020984219665325543, 0.6078044918227745],
            [-0.026686316329340515, -0.09507975230553678, -0.10192935328577818, 0.22226288815377793],
            ],
        ),
        (
            "radam",
            &[
            [0.89, -1.57, 0.455, 2.1],
            [0.7857894736842105, -1.1852631578947368, 0.4111842105263158, 1.3421052631578947],
            [0.687347057681103, -0.8439522237327635, 0.368570110701107, 0.7153039425131091],
            ],
        ),
        (
            "radam_rectified",
            &[
            [0.89, -1.57, 0.455, 2.1],
            [0.7857894736842105, -1.1852631578947368, 0.4111842105263158, 1.3421052631578947],
            [0.687347057681103, -0.8439522237327635, 0.368570110701107, 0.7153039425131091],
            [0.5946352930984659, -0.5440837116165653, 0.32717310720917925, 0.20836599432858904],
            [0.5929663937335756, -0.5425509097216457, 0.32546588914329544, 0.20707041058899153],
            [0.5904992208252692, -0.540344715200037, 0.3229279063213978, 0.20533680379237798],
            ],
        ),
        (
            "adamax",
            &[
            [0.9000000009090909, -1.900000000232558, 0.4000000022222222, 2.900000000111111],
            [0.8046893801064666, -1.8023503312010827, 0.30575371111189364, 2.8016560422254595],
            [0.7140792213360421, -1.7070968401193933, 0.2172309704249879, 2.705009512065112],
            ],
        ),
        (
            "oadam",
            &[
            [0.8000000018181818, -1.8000000004651162, 0.3000000044444443, 2.800000000222222],
            [0.7066157721493622, -1.70298042670376, 0.20856933442771913, 2.702057143432725],
            [0.6157240765842916, -1.6070122074821316, 0.12046683326146704, 2.6048269880174475],
            ],
        ),
        (
            "adagrad",
            &[
            [0.9000000013223141, -1.9000000002595998, 0.40000000469135777, 2.900000000117284],
            [0.8327327224786596, -1.8309924670236604, 0.3335636226105415, 2.830497790488825],
            [0.7795852601047987, -1.7755121259192348, 0.2815380390947535, 2.7743593461464724],
            ],
        ),
        (
            "adadelta",
            &[
            [0.9996837722470504, -1.9996837722348384, 0.49968377231206407, 2.9996837722341785],
            [0.9993593736094616, -1.9993593520002764, 0.49935938356585097, 2.999359345593129],
            [0.9990293988812056, -1.9990293255597478, 0.499029432436863, 2.999029303808814],
            ],
        ),
        (
            "amsgrad",
            &[
            [0.6837736044299061, -1.6837723492853196, 0.18378019294661357, 2.6837722614327046],
            [0.26834850143077277, -1.2618990142883384, -0.22721774474854206, 2.2607000478313792],
            [-0.17578674418316503, -0.780702809041216, -0.642910241110743, 1.7736635851432767],
            ],
        ),
        (
            "nadam",
            &[
            [0.8525578407686452, -1.8525578397706517, 0.3525578427057231, 2.8525578395914977],
            [0.7410732651092349, -1.738826037457585, 0.24219682541729967, 2.738213866845077],
            [0.6391939943309038, -1.6337063583283857, 0.1420191840377219, 2.6322520092739206],
            ],
        ),
        (
            "adabelief",
            &[
            [0.8888888888888946, -1.8888888888888893, 0.3888888888889228, 2.888888888888889],
            [0.772646740898379, -1.7723169182213552, 0.2728370083999214, 2.7722407022770432],
            [0.6519306480289938, -1.650477779737098, 0.15280259315675582, 2.6501551122654967],
            ],
        ),
        (
            "lion",
            &[
            [0.9, -1.9, 0.4, 2.9],
            [0.8, -1.7999999999999998, 0.30000000000000004, 2.8],
            [0.7000000000000001, -1.6999999999999997, 0.20000000000000004, 2.6999999999999997],
            ],
        ),
        (
            "weight_decay",
            &[
            [-0.20000000000000018, 2.5, 0.0, -6.300000000000001],
            [-0.07999999999999999, -2.45, -0.2, 13.23],
            [-0.09200000000000001, 2.995, -0.28, -27.782999999999998],
            ],
        ),
        (
            "clip_grad",
            &[
            [0.5, -1.5, 0.04999999999999999, 2.5],
            [0.0, -1.0, -0.17500000000000002, 2.0],
            [-0.1, -0.5, -0.28750000000000003, 1.5],
            ],
        ),
        (
            "clip_norm",
            &[
            [0.8904930402325656, -1.571927339090938, 0.45520169827695867, 2.104033965539173],
            [0.7542669188719557, -1.098281441257921, 0.3963921935125827, 1.2359075637552113],
            [0.5672635770786677, -0.5517712209581179, 0.3092250574132493, 0.4242683460912028],
            ],
        ),
        (
            "chain_decay_clip_descent",
            &[
            [0.95, -1.95, 0.45, 2.95],
            [0.8999999999999999, -1.9, 0.403, 2.9000000000000004],
            [0.8499999999999999, -1.8499999999999999, 0.35882000000000003, 2.8500000000000005],
            ],
        ),
];

fn start() -> Matrix {
    Matrix::from_column_slice(2, 2, &X0)
}

fn gradient_at(x: &Matrix) -> Matrix {
    Matrix::from_fn(2, 2, |r, c| {
        let i = r + 2 * c;
        A[i] * x[i] + B[i]
    })
}

fn expected(name: &str) -> &'static [[f64; 4]] {
    REFERENCE
        .iter()
        .find(|(case, _)| *case == name)
        .unwrap_or_else(|| panic!("no reference trajectory named {name}"))
        .1
}

fn assert_close(path: &str, name: &str, step: usize, actual: &Matrix, expected: &[f64; 4]) {
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        assert!(
            (a - e).abs() <= TOLERANCE,
            "{name} via {path}, step {}, element {i}: got {a:e}, reference {e:e}",
            step + 1
        );
    }
}

/// Runs the reference problem through `Rule::apply`, `Rule::transform` and
/// the `Optimiser` trait on a `Param`, and compares each with the table.
fn check_reference<R: Rule<f64> + Clone + std::fmt::Debug>(name: &str, rule: R) {
    let expected = expected(name);
    rule.validate().expect("the reference rules are valid");

    let mut x = start();
    let mut state = rule.init(x.shape());
    for (step, row) in expected.iter().enumerate() {
        let g = gradient_at(&x);
        rule.apply(&mut state, &mut x, &g);
        assert_close("apply", name, step, &x, row);
    }

    let mut x = start();
    let mut state = rule.init(x.shape());
    for (step, row) in expected.iter().enumerate() {
        let mut dx = gradient_at(&x);
        rule.transform(&mut state, &x, &mut dx, &StepContext::single())
            .unwrap();
        x -= dx;
        assert_close("transform", name, step, &x, row);
    }

    let p = Param::new(start());
    let mut opt = setup(rule, &Params::new([&p])).unwrap();
    for (step, row) in expected.iter().enumerate() {
        let g = gradient_at(&p.value());
        opt.update(&p, &g).unwrap();
        assert_close("Optimiser::update", name, step, &p.value(), row);
    }
}

macro_rules! reference_tests {
    ($($test:ident: $name:literal => $rule:expr;)+) => {
        $(
            #[test]
            fn $test() {
                check_reference($name, $rule);
            }
        )+
    };
}

reference_tests! {
    descent_reference: "descent" => Descent::new(0.1);
    momentum_reference: "momentum" => Momentum { eta: 0.1, rho: 0.9 };
    nesterov_reference: "nesterov" => Nesterov { eta: 0.1, rho: 0.9 };
    rmsprop_reference: "rmsprop" => RmsProp::new(0.1);
    rmsprop_centred_reference: "rmsprop_centred" => RmsProp { centred: true, ..RmsProp::new(0.1) };
    adam_reference: "adam" => Adam::new(0.1);
    adamw_coupled_reference: "adamw_coupled" => AdamW::new(0.1, 0.5);
    adamw_decoupled_reference: "adamw_decoupled" => AdamW { couple: false, ..AdamW::new(0.1, 0.5) };
    radam_warmup_reference: "radam" => RAdam::new(0.1);
    radam_rectified_reference: "radam_rectified" => RAdam::new(0.1);
    adamax_reference: "adamax" => AdaMax::new(0.1);
    oadam_reference: "oadam" => OAdam::new(0.1);
    adagrad_reference: "adagrad" => AdaGrad::new(0.1);
    adadelta_reference: "adadelta" => AdaDelta::default();
    amsgrad_reference: "amsgrad" => AmsGrad::new(0.1);
    nadam_reference: "nadam" => NAdam::new(0.1);
    adabelief_reference: "adabelief" => AdaBelief::new(0.1);
    lion_reference: "lion" => Lion::new(0.1);
    weight_decay_reference: "weight_decay" => WeightDecay::new(0.1);
    clip_grad_reference: "clip_grad" => ClipGrad::new(0.5);
    clip_norm_reference: "clip_norm" => ClipNorm::new(1.0);
    chain_reference: "chain_decay_clip_descent" =>
        OptimiserChain::new((WeightDecay::new(0.1), ClipGrad::new(0.5), Descent::new(0.1)));
}

/// Runs the reference problem in f32 through `apply` and requires every
/// step within 1e-5 of the f64 reference (f32 rounding over three steps of
/// values near 1 stays far below that).
fn check_reference_f32<R: Rule<f32>>(name: &str, rule: R) {
    let expected = expected(name);
    let mut x = start().map(|v| v as f32);
    let mut state = rule.init(x.shape());
    for (step, row) in expected.iter().enumerate() {
        let g = gradient_at(&x.map(f64::from)).map(|v| v as f32);
        rule.apply(&mut state, &mut x, &g);
        for (i, (a, e)) in x.iter().zip(row).enumerate() {
            assert!(
                (f64::from(*a) - e).abs() < 1e-5,
                "{name} in f32, step {}, element {i}: got {a}, reference {e}",
                step + 1
            );
        }
    }
}

#[test]
fn every_rule_f32_follows_f64_reference() {
    check_reference_f32("descent", Descent::new(0.1));
    check_reference_f32("momentum", Momentum { eta: 0.1, rho: 0.9 });
    check_reference_f32("nesterov", Nesterov { eta: 0.1, rho: 0.9 });
    check_reference_f32("rmsprop", RmsProp::new(0.1));
    check_reference_f32(
        "rmsprop_centred",
        RmsProp {
            centred: true,
            ..RmsProp::new(0.1)
        },
    );
    check_reference_f32("adam", Adam::new(0.1));
    check_reference_f32("adamw_coupled", AdamW::new(0.1, 0.5));
    check_reference_f32(
        "adamw_decoupled",
        AdamW {
            couple: false,
            ..AdamW::new(0.1, 0.5)
        },
    );
    check_reference_f32("radam", RAdam::new(0.1));
    check_reference_f32("radam_rectified", RAdam::new(0.1));
    check_reference_f32("adamax", AdaMax::new(0.1));
    check_reference_f32("oadam", OAdam::new(0.1));
    check_reference_f32("adagrad", AdaGrad::new(0.1));
    check_reference_f32("adadelta", AdaDelta::default());
    check_reference_f32("amsgrad", AmsGrad::new(0.1));
    check_reference_f32("nadam", NAdam::new(0.1));
    check_reference_f32("adabelief", AdaBelief::new(0.1));
    check_reference_f32("lion", Lion::new(0.1));
    check_reference_f32("weight_decay", WeightDecay::new(0.1));
    check_reference_f32("clip_grad", ClipGrad::new(0.5));
    check_reference_f32("clip_norm", ClipNorm::new(1.0));
    check_reference_f32(
        "chain_decay_clip_descent",
        OptimiserChain::new((WeightDecay::new(0.1), ClipGrad::new(0.5), Descent::new(0.1))),
    );
}

#[test]
fn defaults_match_optimisers_jl() {
    assert_eq!(Descent::default(), Descent { eta: 0.1 });
    assert_eq!(
        Momentum::default(),
        Momentum {
            eta: 0.01,
            rho: 0.9
        }
    );
    assert_eq!(
        Nesterov::default(),
        Nesterov {
            eta: 0.001,
            rho: 0.9
        }
    );
    assert_eq!(
        RmsProp::default(),
        RmsProp {
            eta: 0.001,
            rho: 0.9,
            epsilon: 1e-8,
            centred: false
        }
    );
    assert_eq!(
        Adam::default(),
        Adam {
            eta: 0.001,
            beta: (0.9, 0.999),
            epsilon: 1e-8
        }
    );
    assert_eq!(
        AdamW::default(),
        AdamW {
            eta: 0.001,
            beta: (0.9, 0.999),
            lambda: 0.0,
            epsilon: 1e-8,
            couple: true
        }
    );
    assert_eq!(
        RAdam::default(),
        RAdam {
            eta: 0.001,
            beta: (0.9, 0.999),
            epsilon: 1e-8
        }
    );
    assert_eq!(
        AdaMax::default(),
        AdaMax {
            eta: 0.001,
            beta: (0.9, 0.999),
            epsilon: 1e-8
        }
    );
    assert_eq!(
        OAdam::default(),
        OAdam {
            eta: 0.001,
            beta: (0.5, 0.9),
            epsilon: 1e-8
        }
    );
    assert_eq!(
        AdaGrad::default(),
        AdaGrad {
            eta: 0.1,
            epsilon: 1e-8
        }
    );
    assert_eq!(
        AdaDelta::default(),
        AdaDelta {
            rho: 0.9,
            epsilon: 1e-8
        }
    );
    assert_eq!(
        AmsGrad::default(),
        AmsGrad {
            eta: 0.001,
            beta: (0.9, 0.999),
            epsilon: 1e-8
        }
    );
    assert_eq!(
        NAdam::default(),
        NAdam {
            eta: 0.001,
            beta: (0.9, 0.999),
            epsilon: 1e-8
        }
    );
    assert_eq!(
        AdaBelief::default(),
        AdaBelief {
            eta: 0.001,
            beta: (0.9, 0.999),
            epsilon: 1e-16
        }
    );
    assert_eq!(
        Lion::default(),
        Lion {
            eta: 0.001,
            beta: (0.9, 0.999)
        }
    );
    assert_eq!(WeightDecay::default(), WeightDecay { lambda: 5e-4 });
    assert_eq!(ClipGrad::default(), ClipGrad { delta: 10.0 });
    assert_eq!(
        ClipNorm::default(),
        ClipNorm {
            omega: 10.0,
            p: 2.0,
            throw: true
        }
    );
}

/// Asserts that `rule` fails validation on `name` with `value`, and that
/// the message names both.
fn assert_invalid<R: Rule<f64>>(rule: R, name: &str, value: f64) {
    let error = rule
        .validate()
        .expect_err("the hyper-parameter is out of range");
    match &error {
        OptimError::InvalidHyperParameter {
            name: n, value: v, ..
        } => {
            assert_eq!(*n, name);
            assert!(
                v == &value || (v.is_nan() && value.is_nan()),
                "value {v} vs {value}"
            );
        }
        other => panic!("expected InvalidHyperParameter, got {other:?}"),
    }
    let message = error.to_string();
    assert!(message.contains(name), "message {message:?} lacks {name}");
    assert!(
        message.contains(&value.to_string()),
        "message {message:?} lacks {value}"
    );
}

#[test]
fn invalid_hyper_parameters_are_named() {
    assert_invalid(Descent { eta: -0.5 }, "eta", -0.5);
    assert_invalid(Descent { eta: f64::NAN }, "eta", f64::NAN);
    assert_invalid(Momentum { eta: 0.1, rho: 1.0 }, "rho", 1.0);
    assert_invalid(
        Nesterov {
            eta: 0.1,
            rho: -0.1,
        },
        "rho",
        -0.1,
    );
    assert_invalid(
        RmsProp {
            epsilon: 0.0,
            ..RmsProp::default()
        },
        "epsilon",
        0.0,
    );
    assert_invalid(
        Adam {
            beta: (1.0, 0.999),
            ..Adam::default()
        },
        "beta.0",
        1.0,
    );
    assert_invalid(
        Adam {
            beta: (0.9, 1.5),
            ..Adam::default()
        },
        "beta.1",
        1.5,
    );
    assert_invalid(
        Adam {
            eta: f64::INFINITY,
            ..Adam::default()
        },
        "eta",
        f64::INFINITY,
    );
    assert_invalid(
        AdamW {
            lambda: -1.0,
            ..AdamW::default()
        },
        "lambda",
        -1.0,
    );
    assert_invalid(
        RAdam {
            epsilon: -1e-8,
            ..RAdam::default()
        },
        "epsilon",
        -1e-8,
    );
    assert_invalid(
        AdaMax {
            eta: -1.0,
            ..AdaMax::default()
        },
        "eta",
        -1.0,
    );
    assert_invalid(
        OAdam {
            beta: (0.5, -0.9),
            ..OAdam::default()
        },
        "beta.1",
        -0.9,
    );
    assert_invalid(
        AdaGrad {
            eta: 0.1,
            epsilon: 0.0,
        },
        "epsilon",
        0.0,
    );
    assert_invalid(
        AdaDelta {
            rho: 2.0,
            epsilon: 1e-8,
        },
        "rho",
        2.0,
    );
    assert_invalid(
        AmsGrad {
            eta: -0.1,
            ..AmsGrad::default()
        },
        "eta",
        -0.1,
    );
    assert_invalid(
        NAdam {
            beta: (-0.1, 0.999),
            ..NAdam::default()
        },
        "beta.0",
        -0.1,
    );
    assert_invalid(
        AdaBelief {
            epsilon: 0.0,
            ..AdaBelief::default()
        },
        "epsilon",
        0.0,
    );
    assert_invalid(
        Lion {
            eta: 0.1,
            beta: (0.9, 1.0),
        },
        "beta.1",
        1.0,
    );
    assert_invalid(WeightDecay { lambda: -5e-4 }, "lambda", -5e-4);
    assert_invalid(ClipGrad { delta: 0.0 }, "delta", 0.0);
    assert_invalid(
        ClipNorm {
            omega: -1.0,
            ..ClipNorm::default()
        },
        "omega",
        -1.0,
    );
    assert_invalid(
        ClipNorm {
            p: 0.5,
            ..ClipNorm::default()
        },
        "p",
        0.5,
    );
    assert_invalid(
        OptimiserChain::new((
            ClipGrad::new(1.0),
            Adam {
                eta: -2.0,
                ..Adam::default()
            },
        )),
        "eta",
        -2.0,
    );
}

#[test]
#[should_panic(expected = "invalid eta = -0.1 for Adam")]
fn constructor_panics_on_negative_eta() {
    let _ = Adam::new(-0.1);
}

#[test]
fn setup_rejects_invalid_rule() {
    let p = Param::new(start());
    let error = setup(Momentum { eta: 0.1, rho: 1.0 }, &Params::new([&p])).unwrap_err();
    assert!(error.to_string().contains("rho = 1"), "{error}");
}

#[test]
fn update_rejects_rule_edited_invalid() {
    let p = Param::new(start());
    let mut opt = setup(Adam::new(0.1), &Params::new([&p])).unwrap();
    opt.rule_mut().epsilon = 0.0;
    let error = opt.update(&p, &gradient_at(&start())).unwrap_err();
    assert!(matches!(
        error,
        OptimError::InvalidHyperParameter {
            name: "epsilon",
            ..
        }
    ));
    assert_eq!(
        *p.value(),
        start(),
        "a rejected update leaves the parameter unchanged"
    );
}

#[test]
#[should_panic(expected = "gradient shape (2, 3)")]
fn apply_panics_on_shape_mismatch() {
    let rule = Adam::default();
    let mut x = start();
    let mut state = rule.init(x.shape());
    rule.apply(&mut state, &mut x, &Matrix::zeros(2, 3));
}

#[test]
fn lion_zero_direction_does_not_move() {
    // sign(0) = 0: a zero gradient from a zero momentum leaves x in place.
    let rule = Lion::new(0.1);
    let mut x = start();
    let mut state = rule.init(x.shape());
    rule.apply(&mut state, &mut x, &Matrix::zeros(2, 2));
    assert_eq!(x, start());
}
