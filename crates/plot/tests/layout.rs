//! Choices a reader relies on, checked without looking at the pictures:
//! the view of a cost trace, and where the labels of a regularisation path go.

use std::path::{Path, PathBuf};

use ferroflux_linalg::Matrix;
use ferroflux_plot::{
    error_sparsity_layout, error_sparsity_path, loss_trace, Heatmap, LabelBox, LossScale,
    PathLayout, TradeOffPoint,
};

/// Returns a fresh path for `name` in a folder of this test run.
fn output(name: &str) -> PathBuf {
    let folder = Path::new(env!("CARGO_TARGET_TMPDIR")).join("layout-tests");
    std::fs::create_dir_all(&folder).unwrap();
    let path = folder.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

/// Builds path points from (λ, relative error, median largest weight, share above 0.9).
fn points(rows: &[(f64, f64, f64, f64)]) -> Vec<TradeOffPoint> {
    rows.iter()
        .map(
            |&(prior_weight, relative_error, median, share)| TradeOffPoint {
                prior_weight,
                relative_error,
                median_max_weight: median,
                share_above_0_9: share,
                collapsed: false,
            },
        )
        .collect()
}

/// Returns the regularisation path that `ferroflux factorize --input
/// crates/factorize/data/world_fertility_52x188.csv --path 0,0.01,0.03,0.1,0.3,1`
/// prints, at its printed precision: six points of one error, five of them
/// within 0.005 in sparsity.
fn fertility_path() -> Vec<TradeOffPoint> {
    points(&[
        (0.0, 0.0633, 0.524, 0.0),
        (0.01, 0.0633, 0.523, 0.0),
        (0.03, 0.0633, 0.524, 0.0),
        (0.1, 0.0633, 0.526, 0.0),
        (0.3, 0.0633, 0.528, 0.0),
        (1.0, 0.0633, 0.568, 0.011),
    ])
}

/// Returns the path of the same command on
/// `crates/factorize/data/elnino_sst_monthly_12x61.csv`.
fn elnino_path() -> Vec<TradeOffPoint> {
    points(&[
        (0.0, 0.0167, 0.511, 0.0),
        (0.01, 0.0167, 0.512, 0.0),
        (0.03, 0.0167, 0.511, 0.0),
        (0.1, 0.0167, 0.656, 0.033),
        (0.3, 0.0167, 0.683, 0.033),
        (1.0, 0.0175, 0.799, 0.295),
    ])
}

/// Ten prior weights whose fits all but coincide, next to the SVD line.
fn ten_close_points() -> Vec<TradeOffPoint> {
    let weights = [0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0];
    weights
        .iter()
        .enumerate()
        .map(|(i, &prior_weight)| TradeOffPoint {
            prior_weight,
            relative_error: 0.05 + 1e-5 * i as f64,
            median_max_weight: 0.6 + 0.002 * i as f64,
            share_above_0_9: 0.3 + 0.001 * i as f64,
            collapsed: false,
        })
        .collect()
}

/// Asserts that every label of `layout` is inside the plot area, clear of
/// every other label and of every marker, and joined to its point if away from it.
fn assert_readable(layout: &PathLayout, count: usize) {
    assert_eq!(layout.labels.len(), count, "one label per point");
    let radius = f64::from(layout.marker_radius);
    for (i, label) in layout.labels.iter().enumerate() {
        let bounds = label.bounds;
        assert!(
            layout.plot_area.contains_box(&bounds),
            "label {:?} at {bounds:?} leaves the plot area {:?}",
            label.text,
            layout.plot_area
        );
        for marker in &layout.markers {
            let gap = bounds.distance_to(*marker);
            assert!(
                gap > radius,
                "label {:?} at {bounds:?} covers the marker at {marker:?}",
                label.text
            );
        }
        for other in &layout.labels[i + 1..] {
            assert!(
                !bounds.intersects(&other.bounds),
                "labels {:?} at {bounds:?} and {:?} at {:?} overlap",
                label.text,
                other.text,
                other.bounds
            );
        }
        let far = bounds.distance_to(label.anchor) > radius + 7.0;
        assert_eq!(
            label.leader, far,
            "label {:?} at {bounds:?}, point {:?}: a leader line iff away from the point",
            label.text, label.anchor
        );
    }
}

#[test]
fn fertility_path_labels_are_disjoint() {
    let points = fertility_path();
    let layout = error_sparsity_layout(&output("fertility.png"), &points, Some(0.0383)).unwrap();
    assert_readable(&layout, points.len());
    let texts: Vec<&str> = layout.labels.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "λ = 0",
            "λ = 0.01",
            "λ = 0.03",
            "λ = 0.1",
            "λ = 0.3",
            "λ = 1"
        ]
    );
}

#[test]
fn elnino_path_labels_are_disjoint() {
    let points = elnino_path();
    let layout = error_sparsity_layout(&output("elnino.png"), &points, Some(0.0123)).unwrap();
    assert_readable(&layout, points.len());
}

#[test]
fn ten_close_points_get_disjoint_labels() {
    let points = ten_close_points();
    for name in ["ten.png", "ten.svg"] {
        let path = output(name);
        let layout = error_sparsity_layout(&path, &points, Some(0.049)).unwrap();
        assert_readable(&layout, points.len());
        error_sparsity_path(&path, &points, Some(0.049)).unwrap();
    }
}

#[test]
fn corner_points_keep_labels_inside() {
    // Eight fits at the largest error and full sparsity: the top right
    // corner of the plot area, where labels cannot go right or up.
    let points: Vec<TradeOffPoint> = (0..8)
        .map(|i| TradeOffPoint {
            prior_weight: 10f64.powi(i - 4),
            relative_error: 0.2 + 1e-4 * f64::from(i),
            median_max_weight: 1.0 - 0.001 * f64::from(i),
            share_above_0_9: 1.0,
            collapsed: false,
        })
        .collect();
    let path = output("corner.png");
    let layout = error_sparsity_layout(&path, &points, Some(0.01)).unwrap();
    assert_readable(&layout, points.len());
    error_sparsity_path(&path, &points, Some(0.01)).unwrap();
}

#[test]
fn stacked_labels_follow_point_heights() {
    // λ = 1 is the highest point of the fertility path, so its label is on top.
    let layout = error_sparsity_layout(&output("order.png"), &fertility_path(), None).unwrap();
    let top = layout.labels.iter().min_by_key(|l| l.bounds.top).unwrap();
    assert_eq!(top.text, "λ = 1");
}

#[test]
fn spread_points_keep_labels_close() {
    // The Seed objective's path on the El Niño data: points 20 px or more apart.
    let points = points(&[
        (0.0, 0.337, 0.452, 0.0),
        (0.01, 0.256, 0.543, 0.0),
        (0.03, 0.186, 0.536, 0.0),
        (0.1, 0.1235, 0.527, 0.0),
        (0.3, 0.0729, 0.522, 0.0),
        (1.0, 0.0458, 0.536, 0.0),
    ]);
    let layout = error_sparsity_layout(&output("spread.png"), &points, Some(0.0123)).unwrap();
    assert_readable(&layout, points.len());
    for label in &layout.labels {
        assert!(!label.leader, "{label:?} moved away from its point");
    }
}

#[test]
fn layout_matches_written_picture() {
    let points = elnino_path();
    let path = output("written.png");
    error_sparsity_path(&path, &points, Some(0.0123)).unwrap();
    let image = image::open(&path).unwrap();
    let layout = error_sparsity_layout(&path, &points, Some(0.0123)).unwrap();
    let whole = LabelBox {
        left: 0,
        top: 0,
        right: image.width() as i32,
        bottom: image.height() as i32,
    };
    assert!(
        whole.contains_box(&layout.plot_area),
        "{:?}",
        layout.plot_area
    );
}

#[test]
fn positive_costs_use_log_axis() {
    let costs = [350_000.0, 40_000.0, 13_000.0, 12_480.0, 12_479.5];
    assert_eq!(LossScale::for_costs(&costs), LossScale::Logarithmic);
    // Less than a factor of 10 between the costs: still logarithmic.
    assert_eq!(
        LossScale::for_costs(&[2.0, 1.5, 1.4]),
        LossScale::Logarithmic
    );
    loss_trace(&output("positive.png"), &costs, "Cost").unwrap();
}

#[test]
fn negative_costs_use_gap_to_smallest() {
    let costs = [-49.0, -80.5, -126.7, -126.6];
    assert_eq!(
        LossScale::for_costs(&costs),
        LossScale::GapToSmallest { smallest: -126.7 }
    );
    let with_zero = [3.0, 1.0, 0.0];
    assert_eq!(
        LossScale::for_costs(&with_zero),
        LossScale::GapToSmallest { smallest: 0.0 }
    );
    loss_trace(&output("negative.png"), &costs, "Cost").unwrap();
}

#[test]
fn constant_non_positive_cost_is_linear() {
    let costs = [-3.0; 5];
    assert_eq!(LossScale::for_costs(&costs), LossScale::Linear);
    loss_trace(&output("constant.png"), &costs, "Cost").unwrap();
    loss_trace(&output("single.png"), &[0.0], "Cost").unwrap();
}

#[test]
fn color_bar_title_widens_heatmap() {
    // Wide enough that the picture is wider than its minimum of 420 pixels.
    let values = Matrix::from_fn(3, 12, |i, j| ((i + j) % 4) as f64 / 3.0);
    let plain = output("plain.png");
    let titled = output("titled.png");
    Heatmap::new(&values, "Weights H").save(&plain).unwrap();
    Heatmap::new(&values, "Weights H")
        .color_label("weight")
        .save(&titled)
        .unwrap();
    let plain = image::open(&plain).unwrap();
    let titled = image::open(&titled).unwrap();
    assert!(
        titled.width() > plain.width(),
        "{} is not wider than {}",
        titled.width(),
        plain.width()
    );
}
