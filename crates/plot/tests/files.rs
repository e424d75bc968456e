//! How pictures reach the disk (atomically, never half-written) and how bad
//! input is reported (the error names the value and where it is).

use std::path::{Path, PathBuf};

use ferroflux_linalg::Matrix;
use ferroflux_plot::{
    basis_functions, error_sparsity_path, loss_trace, write_atomically, Heatmap, LineGrid,
    PlotError, TimeAxis, TradeOffPoint,
};

/// Returns an empty folder for one test.
fn folder(name: &str) -> PathBuf {
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("file-tests")
        .join(name);
    let _ = std::fs::remove_dir_all(&folder);
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

/// Returns the names of the entries of `folder`, sorted.
fn entries(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn invalid_reason(result: Result<(), PlotError>) -> String {
    match result {
        Err(PlotError::InvalidInput { reason, .. }) => reason,
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

/// Returns a positive trace to draw as costs: the monthly sea-surface
/// temperatures of 1950 from the shipped El Niño table.
fn elnino_1950() -> Vec<f64> {
    let text = include_str!("data/elnino_sst_monthly_12x61.csv");
    text.lines()
        .skip(1)
        .map(|line| line.split(',').next().unwrap().parse().unwrap())
        .collect()
}

#[test]
fn saved_picture_leaves_no_temporary_file() {
    let folder = folder("clean");
    loss_trace(&folder.join("loss.png"), &elnino_1950(), "Cost").unwrap();
    loss_trace(&folder.join("loss.svg"), &elnino_1950(), "Cost").unwrap();
    assert_eq!(entries(&folder), ["loss.png", "loss.svg"]);
}

#[test]
fn invalid_input_keeps_existing_file() {
    let folder = folder("keep");
    let path = folder.join("loss.png");
    loss_trace(&path, &elnino_1950(), "Cost").unwrap();
    let before = std::fs::read(&path).unwrap();

    let mut costs = elnino_1950();
    costs[3] = f64::NAN;
    let reason = invalid_reason(loss_trace(&path, &costs, "Cost"));
    assert!(reason.contains("NaN at index 3"), "{reason}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the old picture changed"
    );
    assert_eq!(entries(&folder), ["loss.png"]);
}

#[test]
fn overwrite_replaces_whole_file() {
    let folder = folder("overwrite");
    let path = folder.join("data.txt");
    write_atomically(&path, &[b'x'; 5000]).unwrap();
    write_atomically(&path, b"short").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"short");
    assert_eq!(entries(&folder), ["data.txt"]);
}

#[test]
fn failed_rename_removes_temporary_file() {
    let folder = folder("rename");
    // A folder named like the picture: the temporary file is written, but
    // renaming it onto a non-empty folder fails.
    let blocked = folder.join("loss.png");
    std::fs::create_dir(&blocked).unwrap();
    std::fs::write(blocked.join("inside"), b"x").unwrap();
    let error = loss_trace(&blocked, &elnino_1950(), "Cost").unwrap_err();
    assert!(matches!(error, PlotError::Io { .. }), "{error:?}");
    assert!(error.to_string().contains("loss.png"), "{error}");
    assert_eq!(entries(&folder), ["loss.png"]);
}

#[test]
fn missing_folder_writes_nothing() {
    let folder = folder("missing");
    let path = folder.join("absent").join("loss.png");
    let error = loss_trace(&path, &elnino_1950(), "Cost").unwrap_err();
    assert!(matches!(error, PlotError::Io { .. }), "{error:?}");
    assert!(entries(&folder).is_empty(), "{:?}", entries(&folder));
}

#[test]
fn empty_cost_trace_is_named() {
    let path = folder("empty").join("loss.png");
    let error = loss_trace(&path, &[], "Cost").unwrap_err();
    let message = error.to_string();
    assert!(message.contains("loss.png"), "{message}");
    assert!(message.contains("cost trace is empty"), "{message}");
    assert!(!path.exists());
}

#[test]
fn infinite_cost_is_named_with_index() {
    let path = folder("infinite").join("loss.png");
    let reason = invalid_reason(loss_trace(&path, &[3.0, 2.0, f64::INFINITY], "Cost"));
    assert!(reason.contains("non-finite value inf"), "{reason}");
    assert!(reason.contains("index 2"), "{reason}");
}

#[test]
fn non_finite_path_value_is_named() {
    let path = folder("path").join("path.png");
    let good = TradeOffPoint {
        prior_weight: 0.0,
        relative_error: 0.0167,
        median_max_weight: 0.511,
        share_above_0_9: 0.0,
        collapsed: false,
    };
    let bad = TradeOffPoint {
        relative_error: f64::NAN,
        ..good
    };
    let reason = invalid_reason(error_sparsity_path(&path, &[good, bad], None));
    assert!(reason.contains("point 1"), "{reason}");
    assert!(reason.contains("relative_error NaN"), "{reason}");

    let reason = invalid_reason(error_sparsity_path(&path, &[good], Some(f64::NAN)));
    assert!(reason.contains("SVD relative error is NaN"), "{reason}");
    assert!(!path.exists());
}

#[test]
fn non_finite_heatmap_cell_is_named() {
    let path = folder("heatmap").join("h.png");
    let mut values = Matrix::from_fn(3, 4, |i, j| (i * 4 + j) as f64);
    values[(1, 2)] = f64::NEG_INFINITY;
    let reason = invalid_reason(Heatmap::new(&values, "H").save(&path));
    assert!(reason.contains("-inf at row 1, column 2"), "{reason}");
}

/// A time axis whose far end or margin overflows, or whose steps vanish
/// next to its start, has no ticks to draw. It must be an error that names
/// the axis, never a picture drawn forever: `start = step = 1e308` once
/// kept the drawing loop spinning.
#[test]
fn unplottable_time_axes_are_named() {
    let out = folder("time-axis");
    let w = Matrix::from_fn(52, 2, |i, j| (i + j) as f64);
    for (start, step) in [
        (1e308, 1e308),
        (1.7e308, 1e306),
        (-1e308, -1e307),
        (1e15, 1e-9),
    ] {
        let axis = TimeAxis::new("year", start, step);
        let reason = invalid_reason(basis_functions(&out.join("basis.png"), &w, None, &axis));
        assert!(
            reason.contains(&format!("{start}")) && reason.contains(&format!("{step}")),
            "{reason}"
        );
        let lines = LineGrid::new(&w, "series").axis(axis.clone());
        let reason = invalid_reason(lines.save(&out.join("series.png")));
        assert!(reason.contains("time axis"), "{reason}");
    }
    assert!(entries(&out).is_empty(), "{:?}", entries(&out));
}
