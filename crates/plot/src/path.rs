//! The error-versus-sparsity path of a regularised factorisation, with one
//! label per prior weight placed clear of the other labels and the points.

use std::cell::RefCell;
use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::lines::draw_legend;
use crate::placement::{place_labels, LabelBox, Obstacles, Segment};
use crate::render::{render, save, DrawError, Figure, FONT};
use crate::style::{self, format_tick, padded, tick_step, LABEL_SIZE, TICK_SIZE, TITLE_SIZE};
use crate::validate::invalid;
use crate::PlotError;

/// One fit on a regularisation path: the prior weight it used, its relative
/// error and the sparsity of its weights.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TradeOffPoint {
    /// Weight λ of the log-prior term.
    pub prior_weight: f64,
    /// ‖A − W·H‖_F / ‖A‖_F.
    pub relative_error: f64,
    /// Median over series of the largest weight in the series' column of H.
    pub median_max_weight: f64,
    /// Share of series whose largest weight exceeds 0.9.
    pub share_above_0_9: f64,
    /// Whether the fit collapsed: a component is the largest weight of no
    /// series, so the fit has fewer clusters than components and its
    /// sparsity partly comes from dropping one. Drawn as a hollow marker,
    /// and the title says so.
    pub collapsed: bool,
}

/// Pixel positions (origin top left) of the points and labels that
/// [`error_sparsity_path`] draws, for example to build an HTML image map or
/// to check a layout.
#[derive(Clone, Debug, PartialEq)]
pub struct PathLayout {
    /// The plotting area inside the axes. Labels are kept inside it.
    pub plot_area: LabelBox,
    /// Centre of every marker of both sparsity measures.
    pub markers: Vec<(i32, i32)>,
    /// Radius of the markers in pixels.
    pub marker_radius: i32,
    /// One label per point, in the order of the points.
    pub labels: Vec<PointLabel>,
}

/// The label of one point of a regularisation path.
#[derive(Clone, Debug, PartialEq)]
pub struct PointLabel {
    /// The prior weight the label names.
    pub prior_weight: f64,
    /// The text drawn, for example "λ = 0.03".
    pub text: String,
    /// Centre of the labelled marker: the higher of the point's two measures.
    pub anchor: (i32, i32),
    /// The box the label covers, its white background included.
    pub bounds: LabelBox,
    /// Whether a leader line joins the label to its marker, because the
    /// label had to move away from the point.
    pub leader: bool,
}

/// Draws the error-versus-sparsity path of a regularisation path: relative
/// error on the horizontal axis, the two sparsity measures on the vertical
/// axis, each point labelled with its prior weight λ.
///
/// Labels are placed so that they overlap neither each other nor any
/// marker. A label that had to move away from its point is joined to it by
/// a thin leader line. Labels of points that lie close together are stacked
/// in a column beside them, top to bottom in the order of the points'
/// heights. [`error_sparsity_layout`] returns the positions.
///
/// `svd_relative_error`, if given, is drawn as a dashed vertical line: the
/// error of the rank-k SVD, which no rank-k fit can beat.
///
/// # Errors
///
/// [`PlotError::InvalidInput`] if `points` is empty, a value is not finite,
/// or a sparsity measure lies outside [0, 1]; otherwise as
/// [`crate::Heatmap::save`].
pub fn error_sparsity_path(
    path: &Path,
    points: &[TradeOffPoint],
    svd_relative_error: Option<f64>,
) -> Result<(), PlotError> {
    validate_points(points, svd_relative_error).map_err(|reason| invalid(path, reason))?;
    save(path, &TradeOffPath::new(points, svd_relative_error))
}

/// Returns the layout [`error_sparsity_path`] would draw to `path`, without
/// writing a file. The extension of `path` matters because PNG and SVG
/// measure text differently.
///
/// # Errors
///
/// As [`error_sparsity_path`], except that no file is written.
pub fn error_sparsity_layout(
    path: &Path,
    points: &[TradeOffPoint],
    svd_relative_error: Option<f64>,
) -> Result<PathLayout, PlotError> {
    validate_points(points, svd_relative_error).map_err(|reason| invalid(path, reason))?;
    let figure = TradeOffPath::new(points, svd_relative_error);
    render(path, &figure)?;
    let layout = figure.layout.into_inner();
    Ok(layout.expect("drawing the path records its layout"))
}

fn validate_points(
    points: &[TradeOffPoint],
    svd_relative_error: Option<f64>,
) -> Result<(), String> {
    if points.is_empty() {
        return Err(
            "the regularisation path has no points; fit at least one prior weight".to_string(),
        );
    }
    for (index, p) in points.iter().enumerate() {
        let values = [
            ("prior_weight", p.prior_weight),
            ("relative_error", p.relative_error),
            ("median_max_weight", p.median_max_weight),
            ("share_above_0_9", p.share_above_0_9),
        ];
        if let Some((name, value)) = values.iter().find(|(_, v)| !v.is_finite()) {
            return Err(format!(
                "point {index} of the path has the non-finite {name} {value}; \
                 drop the fit or fix its value: {p:?}"
            ));
        }
        if !(0.0..=1.0).contains(&p.median_max_weight) || !(0.0..=1.0).contains(&p.share_above_0_9)
        {
            return Err(format!(
                "point {index} of the path has a sparsity measure outside [0, 1]: {p:?}"
            ));
        }
    }
    match svd_relative_error {
        Some(e) if !e.is_finite() => {
            Err(format!("the SVD relative error is {e}; it must be finite"))
        }
        _ => Ok(()),
    }
}

const MARKER_RADIUS: i32 = 5;
/// White margin in pixels around the text of a label.
const LABEL_PADDING: i32 = 2;

struct TradeOffPath<'a> {
    points: &'a [TradeOffPoint],
    svd_relative_error: Option<f64>,
    /// Filled by `draw`, read by [`error_sparsity_layout`].
    layout: RefCell<Option<PathLayout>>,
}

impl<'a> TradeOffPath<'a> {
    fn new(points: &'a [TradeOffPoint], svd_relative_error: Option<f64>) -> Self {
        TradeOffPath {
            points,
            svd_relative_error,
            layout: RefCell::new(None),
        }
    }
}

impl Figure for TradeOffPath<'_> {
    fn size(&self) -> (u32, u32) {
        (920, 600)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let (header, body) = root.split_vertically(80);
        self.draw_header(&header)?;

        let errors = self
            .points
            .iter()
            .map(|p| p.relative_error)
            .chain(self.svd_relative_error);
        let low = errors.clone().fold(f64::INFINITY, f64::min);
        let high = errors.fold(f64::NEG_INFINITY, f64::max);
        let (x_low, x_high) = padded(low.max(0.0), high);
        let (x_low, x_high) = (x_low.max(0.0), x_high + 0.08 * (x_high - x_low));
        let mut chart = ChartBuilder::on(&body)
            .margin(16)
            .margin_right(24)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(x_low..x_high, 0.0..1.05)?;
        let x_step = tick_step(x_low, x_high, 8);
        let x_format = |v: &f64| format_tick(*v, x_step);
        let y_format = |v: &f64| format_tick(*v, 0.1);
        chart
            .configure_mesh()
            .x_labels(8)
            .y_labels(11)
            .x_label_formatter(&x_format)
            .y_label_formatter(&y_format)
            .x_desc("relative error ‖A − W·H‖ / ‖A‖")
            .y_desc("sparsity of H")
            .label_style((FONT, TICK_SIZE))
            .axis_desc_style((FONT, LABEL_SIZE))
            .bold_line_style(style::GRID)
            .light_line_style(TRANSPARENT)
            .draw()?;

        let mut lines: Vec<Segment> = Vec::new();
        if let Some(svd) = self.svd_relative_error {
            let line = vec![(svd, 0.0), (svd, 1.05)];
            lines.push((chart.backend_coord(&line[0]), chart.backend_coord(&line[1])));
            chart.draw_series(DashedLineSeries::new(
                line,
                8,
                5,
                style::AXIS.stroke_width(2),
            ))?;
        }

        let share: Vec<(f64, f64)> = self
            .points
            .iter()
            .map(|p| (p.relative_error, p.share_above_0_9))
            .collect();
        let median: Vec<(f64, f64)> = self
            .points
            .iter()
            .map(|p| (p.relative_error, p.median_max_weight))
            .collect();
        let mut markers = Vec::new();
        for (points, color) in [
            (share, style::COMPONENT_COLORS[0]),
            (median, style::COMPONENT_COLORS[1]),
        ] {
            let pixels: Vec<(i32, i32)> = points.iter().map(|p| chart.backend_coord(p)).collect();
            lines.extend(pixels.windows(2).map(|pair| (pair[0], pair[1])));
            markers.extend(pixels);
            chart.draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))?;
            chart.draw_series(points.iter().zip(self.points).map(|(&p, point)| {
                if point.collapsed {
                    // Hollow: white inside a ring in the series' colour.
                    EmptyElement::at(p)
                        + Circle::new((0, 0), MARKER_RADIUS, WHITE.filled())
                        + Circle::new((0, 0), MARKER_RADIUS, color.stroke_width(2))
                } else {
                    EmptyElement::at(p)
                        + Circle::new((0, 0), MARKER_RADIUS, color.filled())
                        + Circle::new((0, 0), MARKER_RADIUS, color.stroke_width(2))
                }
            }))?;
        }

        let (x_pixels, y_pixels) = chart.plotting_area().get_pixel_range();
        let plot_area = LabelBox {
            left: x_pixels.start,
            top: y_pixels.start,
            right: x_pixels.end,
            bottom: y_pixels.end,
        };
        let obstacles = Obstacles {
            markers,
            marker_radius: MARKER_RADIUS,
            lines,
            area: plot_area,
        };
        let anchors: Vec<(i32, i32)> = self
            .points
            .iter()
            .map(|p| {
                let y = p.share_above_0_9.max(p.median_max_weight);
                chart.backend_coord(&(p.relative_error, y))
            })
            .collect();
        let labels = self.draw_labels(root, &anchors, &obstacles)?;
        *self.layout.borrow_mut() = Some(PathLayout {
            plot_area,
            markers: obstacles.markers,
            marker_radius: MARKER_RADIUS,
            labels,
        });
        Ok(())
    }
}

impl TradeOffPath<'_> {
    fn draw_header<DB: DrawingBackend>(
        &self,
        header: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawError> {
        let (width, _) = header.dim_in_pixel();
        let title = style::text(TITLE_SIZE, RGBColor(0, 0, 0), HPos::Center, VPos::Center);
        let title_text = if self.points.iter().any(|p| p.collapsed) {
            "Relative error against sparsity of H (hollow: collapsed fit, a component is empty)"
        } else {
            "Relative error against sparsity of H"
        };
        header.draw_text(title_text, &title, (width as i32 / 2, 24))?;
        let mut legend = vec![
            (
                "share of series with a weight > 0.9".to_string(),
                style::COMPONENT_COLORS[0],
                false,
            ),
            (
                "median largest weight".to_string(),
                style::COMPONENT_COLORS[1],
                false,
            ),
        ];
        if self.svd_relative_error.is_some() {
            legend.push(("rank-k SVD error".to_string(), style::AXIS, true));
        }
        draw_legend(header, &legend, width as i32 / 2, 60)
    }

    /// Places and draws the label of each point at `anchors` (pixels of
    /// `root`): leader lines first, then a white box with the text.
    fn draw_labels<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        anchors: &[(i32, i32)],
        obstacles: &Obstacles,
    ) -> Result<Vec<PointLabel>, DrawError> {
        let label_style = style::text(TICK_SIZE, RGBColor(0, 0, 0), HPos::Left, VPos::Top);
        let texts: Vec<String> = self
            .points
            .iter()
            .map(|p| format!("λ = {}", format_weight(p.prior_weight)))
            .collect();
        let mut sizes = Vec::with_capacity(texts.len());
        for text in &texts {
            let (width, height) = root.estimate_text_size(text, &label_style)?;
            sizes.push((
                width as i32 + 2 * LABEL_PADDING,
                height as i32 + 2 * LABEL_PADDING,
            ));
        }
        let placements = place_labels(anchors, &sizes, obstacles);

        let leader_style = style::AXIS.stroke_width(1);
        for (start, end) in placements.iter().filter_map(|p| p.leader) {
            root.draw(&PathElement::new(vec![start, end], leader_style))?;
        }
        let background = WHITE.mix(0.85).filled();
        let mut labels = Vec::with_capacity(texts.len());
        for ((text, placement), (point, &anchor)) in texts
            .into_iter()
            .zip(&placements)
            .zip(self.points.iter().zip(anchors))
        {
            let b = placement.bounds;
            root.draw(&Rectangle::new(
                [(b.left, b.top), (b.right - 1, b.bottom - 1)],
                background,
            ))?;
            let origin = (b.left + LABEL_PADDING, b.top + LABEL_PADDING);
            root.draw_text(&text, &label_style, origin)?;
            labels.push(PointLabel {
                prior_weight: point.prior_weight,
                text,
                anchor,
                bounds: b,
                leader: placement.leader.is_some(),
            });
        }
        Ok(labels)
    }
}

/// Formats a prior weight with up to four significant digits: 0, 0.03, 1,
/// 10, and 1e-5 for weights below 0.001.
fn format_weight(weight: f64) -> String {
    if weight != 0.0 && weight.abs() < 1e-3 {
        return format!("{weight:e}");
    }
    crate::style::format_significant(weight)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prior_weights_drop_trailing_zeros() {
        assert_eq!(format_weight(1.0), "1");
        assert_eq!(format_weight(0.03), "0.03");
        assert_eq!(format_weight(0.0), "0");
        assert_eq!(format_weight(1e-5), "1e-5");
        assert_eq!(format_weight(1000.0), "1000");
    }
}
