//! Each plotting function on real data (monthly sea-surface temperature of
//! the Niño 1+2 region, 12 months x 61 years; see `data/README.md`) and on
//! bad input.

use std::path::{Path, PathBuf};

use ferroflux_linalg::Matrix;
use ferroflux_plot::{
    basis_functions, correlation_heatmap, error_sparsity_layout, error_sparsity_path, heatmap_pair,
    loss_trace, ColorScale, Heatmap, LineGrid, PlotError, TimeAxis, TradeOffPoint,
};

/// Reads the shipped El Niño table: a header of years, then 12 rows of 61 values.
fn elnino() -> (Matrix<f64>, Vec<String>) {
    let text = include_str!("data/elnino_sst_monthly_12x61.csv");
    let mut lines = text.lines();
    let names: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    let rows: Vec<Vec<f64>> = lines
        .map(|line| line.split(',').map(|cell| cell.parse().unwrap()).collect())
        .collect();
    let matrix = Matrix::from_fn(rows.len(), names.len(), |i, j| rows[i][j]);
    (matrix, names)
}

/// Returns a fresh path for `name` in a folder of this test run.
fn output(name: &str) -> PathBuf {
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join("plot-tests");
    std::fs::create_dir_all(&folder).unwrap();
    let path = folder.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

/// Asserts that `path` is a decodable PNG of the given size.
fn assert_png(path: &Path, width: u32, height: u32) {
    let bytes = std::fs::read(path).unwrap();
    assert!(
        bytes.len() > 1000,
        "{} has only {} bytes",
        path.display(),
        bytes.len()
    );
    let image = image::load_from_memory_with_format(&bytes, image::ImageFormat::Png).unwrap();
    assert_eq!(
        (image.width(), image.height()),
        (width, height),
        "size of {}",
        path.display()
    );
}

/// Shifts `a` and scales each column to sum to 1: a stand-in for simplex weights.
fn simplex_columns(a: &Matrix<f64>) -> Matrix<f64> {
    let mut h = a.map(|v| v - 18.0);
    for mut column in h.column_iter_mut() {
        let sum: f64 = column.iter().sum();
        column /= sum;
    }
    h
}

fn invalid_reason(result: Result<(), PlotError>) -> String {
    match result {
        Err(PlotError::InvalidInput { reason, .. }) => reason,
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

#[test]
fn heatmap_of_elnino_has_expected_size() {
    let (a, years) = elnino();
    let months: Vec<String> = (1..=12).map(|m| format!("month {m}")).collect();
    let path = output("heatmap.png");
    Heatmap::new(&a, "Sea-surface temperature (°C)")
        .x_label("year")
        .y_label("month")
        .row_names(&months)
        .column_names(&years)
        .save(&path)
        .unwrap();
    // 61 columns of 900/61 px and 12 rows of 40 px, plus labels and colour bar.
    let bytes = std::fs::read(&path).unwrap();
    let image = image::load_from_memory(&bytes).unwrap();
    assert!(
        image.width() > 900 && image.width() < 1300,
        "width {}",
        image.width()
    );
    assert!(
        image.height() > 480 && image.height() < 800,
        "height {}",
        image.height()
    );
}

#[test]
fn heatmap_writes_svg_too() {
    let (a, _) = elnino();
    let path = output("heatmap.svg");
    Heatmap::new(&a, "Sea-surface temperature (°C)")
        .save(&path)
        .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("<svg"), "{}", &text[..40]);
    assert!(text.contains("Sea-surface temperature"));
}

#[test]
fn line_grid_draws_twelve_panels() {
    let (a, years) = elnino();
    let smooth = Matrix::from_fn(a.nrows(), a.ncols(), |i, j| {
        let column = a.column(j);
        (column[i.saturating_sub(1)] + column[i] + column[(i + 1).min(11)]) / 3.0
    });
    let path = output("line_grid.png");
    LineGrid::new(&a, "Observed and smoothed seasonal cycles")
        .reconstruction(&smooth)
        .names(&years)
        .axis(TimeAxis::new("month", 1.0, 1.0))
        .save(&path)
        .unwrap();
    // 12 panels in 3 rows of 4: 4 x 340 wide, 70 + 3 x 250 high.
    assert_png(&path, 1360, 820);
}

#[test]
fn basis_functions_one_panel_each() {
    let (a, _) = elnino();
    let w = a.columns(0, 3).into_owned();
    let titles = vec![
        "basis 1".to_string(),
        "basis 2".to_string(),
        "basis 3".to_string(),
    ];
    let path = output("basis.png");
    basis_functions(&path, &w, Some(&titles), &TimeAxis::new("month", 1.0, 1.0)).unwrap();
    assert_png(&path, 1020, 296);
}

#[test]
fn heatmap_pair_stacks_wide_matrices() {
    let (a, years) = elnino();
    let h = simplex_columns(&a.rows(0, 3).into_owned());
    let signed = h.map(|v| v - 1.0 / 3.0);
    let path = output("h_pair.png");
    heatmap_pair(
        &path,
        &Heatmap::new(&h, "NMF weights H").column_names(&years),
        &Heatmap::new(&signed, "SVD weights")
            .column_names(&years)
            .scale(ColorScale::diverging_for(signed.as_slice())),
    )
    .unwrap();
    let image = image::open(&path).unwrap();
    assert!(
        image.height() > image.width() / 3,
        "stacked panels: {}x{}",
        image.width(),
        image.height()
    );
}

#[test]
fn correlation_heatmap_of_months() {
    let (a, _) = elnino();
    let w = a.columns(0, 4).transpose();
    let centered = Matrix::from_fn(w.nrows(), w.ncols(), |i, j| {
        let mean = w.column(j).mean();
        w[(i, j)] - mean
    });
    let norms: Vec<f64> = centered.column_iter().map(|c| c.norm()).collect();
    let correlation = Matrix::from_fn(4, 4, |i, j| {
        centered.column(i).dot(&centered.column(j)) / (norms[i] * norms[j])
    });
    let path = output("correlation.png");
    correlation_heatmap(
        &path,
        &correlation,
        None,
        "Correlation between basis series",
    )
    .unwrap();
    // 4 x 4 cells of 80 px plus labels, title, colour bar and its title.
    assert_png(&path, 500, 428);
}

#[test]
fn loss_trace_switches_to_log_scale() {
    let decaying: Vec<f64> = (0..500)
        .map(|i| 10.0 * (-(i as f64) / 50.0).exp() + 1e-3)
        .collect();
    let path = output("loss_log.png");
    loss_trace(&path, &decaying, "Cost per iteration").unwrap();
    assert_png(&path, 900, 520);

    let negative: Vec<f64> = (0..200).map(|i| 1.0 - i as f64 * 0.02).collect();
    let path = output("loss_linear.png");
    loss_trace(&path, &negative, "Cost per iteration").unwrap();
    assert_png(&path, 900, 520);
}

#[test]
fn error_sparsity_path_labels_points() {
    let points: Vec<TradeOffPoint> = [0.0, 0.01, 0.1, 1.0]
        .iter()
        .enumerate()
        .map(|(i, &weight)| TradeOffPoint {
            prior_weight: weight,
            relative_error: 0.05 + 0.1 * i as f64,
            median_max_weight: 0.6 + 0.13 * i as f64,
            share_above_0_9: 0.1 + 0.3 * i as f64,
            collapsed: false,
        })
        .collect();
    let path = output("path.png");
    error_sparsity_path(&path, &points, Some(0.04)).unwrap();
    assert_png(&path, 920, 600);
}

#[test]
fn empty_matrix_is_invalid_input() {
    let empty = Matrix::<f64>::zeros(0, 3);
    let reason = invalid_reason(Heatmap::new(&empty, "empty").save(&output("empty.png")));
    assert!(reason.contains("empty (0 x 3)"), "{reason}");
    assert!(!output("empty.png").exists());
}

#[test]
fn nan_is_invalid_input_with_position() {
    let (mut a, _) = elnino();
    a[(4, 7)] = f64::NAN;
    let reason = invalid_reason(LineGrid::new(&a, "nan").save(&output("nan.png")));
    assert!(reason.contains("NaN at row 4, column 7"), "{reason}");
}

#[test]
fn mismatched_lengths_are_invalid_input() {
    let (a, years) = elnino();
    let short = a.rows(0, 6).into_owned();
    let reason = invalid_reason(
        LineGrid::new(&a, "x")
            .reconstruction(&short)
            .save(&output("shape.png")),
    );
    assert!(
        reason.contains("12 x 61") && reason.contains("6 x 61"),
        "{reason}"
    );

    let reason = invalid_reason(
        Heatmap::new(&a, "x")
            .column_names(&years[..10])
            .save(&output("names.png")),
    );
    assert!(
        reason.contains("10 column names were given for 61 column"),
        "{reason}"
    );

    let reason = invalid_reason(loss_trace(&output("loss.png"), &[], "x"));
    assert!(reason.contains("empty"), "{reason}");

    let reason = invalid_reason(loss_trace(&output("loss.png"), &[1.0, f64::INFINITY], "x"));
    assert!(reason.contains("index 1"), "{reason}");
}

#[test]
fn unsupported_extension_is_rejected() {
    let (a, _) = elnino();
    let error = Heatmap::new(&a, "x")
        .save(&output("picture.jpg"))
        .unwrap_err();
    assert!(
        matches!(error, PlotError::UnsupportedFormat { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("picture.jpg"), "{error}");
}

#[test]
fn missing_folder_is_io_error_naming_path() {
    let (a, _) = elnino();
    let path = output("no-such-folder").join("heatmap.png");
    let error = Heatmap::new(&a, "x").save(&path).unwrap_err();
    assert!(matches!(error, PlotError::Io { .. }), "{error:?}");
    assert!(error.to_string().contains("no-such-folder"), "{error}");
}

#[test]
fn title_text_is_drawn() {
    let (a, _) = elnino();
    let path = output("title.png");
    Heatmap::new(&a, "Sea-surface temperature")
        .save(&path)
        .unwrap();
    let image = image::open(&path).unwrap().to_rgb8();
    // The title is centred in the top 44 rows; the rest of that band is white.
    let dark = (0..44)
        .flat_map(|y| (0..image.width()).map(move |x| (x, y)))
        .filter(|&(x, y)| image.get_pixel(x, y)[0] < 100)
        .count();
    assert!(dark > 200, "only {dark} dark pixels in the title band");
}

#[test]
fn heatmap_of_many_columns_stays_narrow() {
    let (a, _) = elnino();
    // 1098 columns: the 61 years repeated 18 times.
    let wide = Matrix::from_fn(12, 61 * 18, |i, j| a[(i, j % 61)]);
    let path = output("wide.png");
    Heatmap::new(&wide, "Many series").save(&path).unwrap();
    let image = image::open(&path).unwrap();
    assert!(image.width() < 1300, "width {}", image.width());
}

#[test]
fn figure_specific_checks_reject_bad_input() {
    let (a, _) = elnino();
    let w = a.columns(0, 3).into_owned();
    let one_title = vec!["basis 1".to_string()];
    let axis = TimeAxis::default();
    let reason = invalid_reason(basis_functions(
        &output("b.png"),
        &w,
        Some(&one_title),
        &axis,
    ));
    assert!(
        reason.contains("1 basis names were given for 3 basis"),
        "{reason}"
    );

    let zero_step = TimeAxis::new("month", 1.0, 0.0);
    let reason = invalid_reason(basis_functions(&output("b.png"), &w, None, &zero_step));
    assert!(reason.contains("step 0"), "{reason}");

    let rectangle = Matrix::<f64>::zeros(2, 3);
    let reason = invalid_reason(correlation_heatmap(&output("c.png"), &rectangle, None, "x"));
    assert!(reason.contains("2 x 3; it must be square"), "{reason}");

    let reason = invalid_reason(error_sparsity_path(&output("p.png"), &[], None));
    assert!(reason.contains("no points"), "{reason}");

    let bad_share = TradeOffPoint {
        prior_weight: 1.0,
        relative_error: 0.1,
        median_max_weight: 0.5,
        share_above_0_9: 1.5,
        collapsed: false,
    };
    let reason = invalid_reason(error_sparsity_path(&output("p.png"), &[bad_share], None));
    assert!(reason.contains("outside [0, 1]"), "{reason}");
}

#[test]
fn long_panel_title_stays_in_its_panel() {
    let (a, _) = elnino();
    let two = a.columns(0, 2).into_owned();
    let names = vec![
        "Sea-surface temperature of the Niño 1+2 region in 1950, monthly mean".to_string(),
        "1951".to_string(),
    ];
    let path = output("long_title.png");
    LineGrid::new(&two, "Two years")
        .names(&names)
        .columns(2)
        .save(&path)
        .unwrap();
    let image = image::open(&path).unwrap().to_rgb8();
    // Panels are 340 pixels wide below a 70-pixel header with the legend;
    // the panel titles sit in the first 24 rows of the panels.
    let ink_at = |x: u32| (70..94).any(|y| image.get_pixel(x, y)[0] < 160);
    let left_edge: Vec<u32> = (0..4).filter(|&x| ink_at(x)).collect();
    assert!(
        left_edge.is_empty(),
        "title ink at the left edge: {left_edge:?}"
    );
    let border: Vec<u32> = (334..346).filter(|&x| ink_at(x)).collect();
    assert!(
        border.is_empty(),
        "title ink across the panel border: {border:?}"
    );
}

/// A collapsed point of the path is drawn hollow (white at its centre) in
/// both series, and the others filled, so nobody picks it from the picture.
#[test]
fn collapsed_path_points_are_hollow() {
    let points: Vec<TradeOffPoint> = [(0.0, false), (1.0, true), (10.0, false)]
        .iter()
        .enumerate()
        .map(|(i, &(prior_weight, collapsed))| TradeOffPoint {
            prior_weight,
            relative_error: 0.05 + 0.01 * i as f64,
            median_max_weight: 0.5 + 0.2 * i as f64,
            share_above_0_9: 0.1 + 0.3 * i as f64,
            collapsed,
        })
        .collect();
    let path = output("collapsed.png");
    error_sparsity_path(&path, &points, None).unwrap();
    let layout = error_sparsity_layout(&path, &points, None).unwrap();
    let image = image::open(&path).unwrap().to_rgb8();
    // Markers come series by series: share above 0.9 first, then the median.
    for (k, &(x, y)) in layout.markers.iter().enumerate() {
        let centre = image.get_pixel(x as u32, y as u32).0;
        let white = centre == [255, 255, 255];
        assert_eq!(
            white,
            points[k % points.len()].collapsed,
            "marker {k} at ({x}, {y}) has centre {centre:?}"
        );
    }
}
