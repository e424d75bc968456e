//! Borrowing a `Param`: a `value()` guard held across `update` or `set`, and
//! reads inside an `update` closure, panic at the caller's line with the
//! operation, the shape and the fix. The borrow-free paths keep working.

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

use ferroflux_autodiff::{gradient, Matrix, Param, Params};

/// What the panic hook saw for the last panic on this thread.
#[derive(Debug)]
struct PanicRecord {
    message: String,
    file: String,
    line: u32,
}

thread_local! {
    static LAST_PANIC: RefCell<Option<PanicRecord>> = const { RefCell::new(None) };
}

/// Installs, once per process, a hook that records each panic's message and
/// location for the panicking thread and then runs the previous hook, so a
/// failing assertion still prints as usual.
fn install_recording_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let message = match (
                payload.downcast_ref::<&str>(),
                payload.downcast_ref::<String>(),
            ) {
                (Some(s), _) => s.to_string(),
                (None, Some(s)) => s.clone(),
                (None, None) => String::new(),
            };
            let (file, line) = info
                .location()
                .map_or((String::new(), 0), |l| (l.file().to_string(), l.line()));
            LAST_PANIC.with(|last| {
                *last.borrow_mut() = Some(PanicRecord {
                    message,
                    file,
                    line,
                })
            });
            previous(info);
        }));
    });
}

/// Runs `f`, which must panic, and returns what the hook recorded.
fn expect_panic<R>(f: impl FnOnce() -> R) -> PanicRecord {
    install_recording_hook();
    LAST_PANIC.with(|last| last.borrow_mut().take());
    let outcome = panic::catch_unwind(AssertUnwindSafe(f));
    assert!(outcome.is_err(), "expected a panic, but the call returned");
    LAST_PANIC
        .with(|last| last.borrow_mut().take())
        .expect("the panic hook recorded no panic on this thread")
}

/// Asserts that the panic was reported at `line` of this file.
fn assert_reported_at(record: &PanicRecord, line: u32) {
    assert!(
        record.file.ends_with("param_borrow.rs"),
        "the panic points into {}:{}, not at the caller in this file",
        record.file,
        record.line
    );
    assert_eq!(record.line, line, "panic message: {}", record.message);
}

fn param_2x5() -> Param {
    Param::new(Matrix::from_fn(2, 5, |i, j| (i * 5 + j) as f64))
}

#[test]
fn update_with_held_guard_panics_at_caller() {
    let w = param_2x5();
    let held = w.value();
    let line = line!() + 1;
    let record = expect_panic(|| w.update(|v| v.fill(0.0)));

    assert_reported_at(&record, line);
    let message = &record.message;
    assert!(message.starts_with("Param::update: "), "{message}");
    assert!(message.contains(&w.id().to_string()), "{message}");
    assert!(message.contains("(2x5)"), "{message}");
    assert!(message.contains("`value()` guard"), "{message}");
    assert!(message.contains("still alive"), "{message}");
    assert!(message.contains("Drop the guard first"), "{message}");
    assert!(message.contains("`w.value().clone()`"), "{message}");
    assert!(message.contains("`w.to_matrix()`"), "{message}");

    // The failed update changed nothing and the guard still reads the value.
    assert_eq!(held[(1, 4)], 9.0);
}

#[test]
fn set_with_held_guard_panics_at_caller() {
    let w = param_2x5();
    let _held = w.value();
    let line = line!() + 1;
    let record = expect_panic(|| w.set(Matrix::zeros(2, 5)));

    assert_reported_at(&record, line);
    let message = &record.message;
    assert!(message.starts_with("Param::set: "), "{message}");
    assert!(message.contains("(2x5)"), "{message}");
    assert!(message.contains("`value()` guard"), "{message}");
    assert!(message.contains("`w.value().clone()`"), "{message}");
}

#[test]
fn guard_of_clone_blocks_update_of_original() {
    let w = param_2x5();
    let alias = w.clone();
    let _held = alias.value();
    let line = line!() + 1;
    let record = expect_panic(|| w.update(|v| v.fill(0.0)));

    assert_reported_at(&record, line);
    assert!(
        record.message.contains("`value()` guard"),
        "{}",
        record.message
    );
}

#[test]
fn reads_inside_update_closure_panic_at_caller() {
    let w = param_2x5();

    let line = line!() + 1;
    let record = expect_panic(|| w.update(|_| w.value()[0]));
    assert_reported_at(&record, line);
    let message = &record.message;
    assert!(message.starts_with("Param::value: "), "{message}");
    assert!(message.contains("(2x5)"), "{message}");
    assert!(
        message.contains("being changed by Param::update"),
        "{message}"
    );
    assert!(
        message.contains("through the closure's argument"),
        "{message}"
    );

    let line = line!() + 1;
    let record = expect_panic(|| w.update(|_| w.to_matrix()));
    assert_reported_at(&record, line);
    assert!(
        record.message.starts_with("Param::to_matrix: "),
        "{}",
        record.message
    );

    let line = line!() + 1;
    let record = expect_panic(|| w.update(|_| w.tensor()));
    assert_reported_at(&record, line);
    assert!(
        record.message.starts_with("Param::tensor: "),
        "{}",
        record.message
    );
}

#[test]
fn writes_inside_update_closure_panic_at_caller() {
    let w = param_2x5();

    let line = line!() + 1;
    let record = expect_panic(|| w.update(|_| w.update(|v| v.fill(1.0))));
    assert_reported_at(&record, line);
    let message = &record.message;
    assert!(message.starts_with("Param::update: "), "{message}");
    assert!(message.contains("(2x5)"), "{message}");
    assert!(
        message.contains("already being changed by Param::update"),
        "{message}"
    );

    let line = line!() + 1;
    let record = expect_panic(|| w.update(|_| w.set(Matrix::zeros(2, 5))));
    assert_reported_at(&record, line);
    assert!(
        record.message.starts_with("Param::set: "),
        "{}",
        record.message
    );
    assert!(
        record.message.contains("already being changed"),
        "{}",
        record.message
    );
}

#[test]
fn gradient_inside_update_closure_names_gradient() {
    let w = param_2x5();
    let ps = Params::new([&w]);
    let record = expect_panic(|| w.update(|_| gradient(&ps, || w.tensor().sum())));

    let message = &record.message;
    assert!(message.starts_with("gradient: "), "{message}");
    assert!(message.contains("(2x5)"), "{message}");
    assert!(
        message.contains("being changed by Param::update"),
        "{message}"
    );
}

#[test]
fn param_works_after_caught_borrow_panics() {
    let w = param_2x5();

    let held = w.value();
    expect_panic(|| w.update(|v| v.fill(0.0)));
    drop(held);
    w.update(|v| v.fill(2.0));
    assert_eq!(*w.value(), Matrix::from_element(2, 5, 2.0));

    // Unwinding out of the closure releases the mutable borrow.
    expect_panic(|| w.update(|_| w.value()[0]));
    w.set(Matrix::from_element(2, 5, 3.0));
    assert_eq!(w.to_matrix(), Matrix::from_element(2, 5, 3.0));
}

#[test]
fn dropped_guard_lets_update_run() {
    let w = param_2x5();
    {
        let held = w.value();
        assert_eq!(held[(0, 1)], 1.0);
    }
    w.update(|v| v[(0, 1)] = 10.0);
    assert_eq!(w.value()[(0, 1)], 10.0);

    let held = w.value();
    let seen = held[(0, 1)];
    drop(held);
    w.update(|v| v[(0, 1)] = seen + 1.0);
    assert_eq!(w.value()[(0, 1)], 11.0);
}

#[test]
fn temporary_guard_ends_with_statement() {
    let w = param_2x5();
    // Each guard below is dropped at its `;`, so the updates in between run.
    let first = w.value()[(1, 0)];
    w.update(|v| v[(1, 0)] = first * 2.0);
    assert!(*w.value() != Matrix::zeros(2, 5));
    w.update(|v| v[(1, 0)] += 1.0);
    assert_eq!(w.value()[(1, 0)], 11.0);
}

#[test]
fn copies_outlive_update_and_compare() {
    let b = param_2x5();
    let cloned = b.value().clone();
    let copied = b.to_matrix();
    assert_eq!(cloned, copied);
    assert!(copied == *b.value());

    b.update(|v| *v *= 2.0);
    assert_eq!(*b.value(), &copied * 2.0);
    assert_ne!(copied, b.to_matrix());
    assert_eq!(cloned, Matrix::from_fn(2, 5, |i, j| (i * 5 + j) as f64));
}

#[test]
fn several_guards_may_coexist() {
    let w = param_2x5();
    let alias = w.clone();
    let first = w.value();
    let second = alias.value();
    assert_eq!(*first, *second);
    assert_eq!(w.to_matrix(), *first);
    assert_eq!(w.tensor().to_matrix(), *second);
}

#[test]
fn gradient_runs_while_guard_held() {
    let w = param_2x5();
    let ps = Params::new([&w]);
    let held = w.value();
    // d/dw Σ w² = 2w
    let grads = gradient(&ps, || w.tensor().square().sum());
    assert_eq!(grads[&w], &*held * 2.0);
}

#[test]
fn tensor_holds_no_borrow() {
    let w = param_2x5();
    let before = w.tensor();
    w.update(|v| v.fill(-1.0));
    assert_eq!(
        before.to_matrix(),
        Matrix::from_fn(2, 5, |i, j| (i * 5 + j) as f64)
    );
    assert_eq!(w.tensor().to_matrix(), Matrix::from_element(2, 5, -1.0));
}

#[test]
fn shape_len_and_debug_work_inside_update() {
    let w = param_2x5();
    let (shape, len, debug) = w.update(|v| {
        v.fill(0.0);
        (w.shape(), w.len(), format!("{w:?}"))
    });
    assert_eq!(shape, (2, 5));
    assert_eq!(len, 10);
    assert!(debug.contains("2x5"), "{debug}");

    let held = w.value();
    assert_eq!(w.shape(), (2, 5));
    assert_eq!(w.len(), held.len());
}
