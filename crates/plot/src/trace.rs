//! The cost per iteration of a solver, and the error-versus-sparsity path
//! of a regularised factorisation.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::lines::{draw_legend, tick_step};
use crate::render::{save, DrawError, Figure, FONT};
use crate::style::{self, format_tick, padded, LABEL_SIZE, TICK_SIZE, TITLE_SIZE};
use crate::validate::invalid;
use crate::{validate, PlotError};

/// Draws the cost of each iteration of a solver.
///
/// The vertical axis is logarithmic when every cost is positive and the
/// largest is at least 10 times the smallest; otherwise it is linear (a
/// cost with a log-prior term can be negative).
///
/// # Errors
///
/// [`PlotError::InvalidInput`] if `costs` is empty or has a non-finite
/// value; otherwise as [`crate::Heatmap::save`].
pub fn loss_trace(path: &Path, costs: &[f64], title: &str) -> Result<(), PlotError> {
    validate::series("cost trace", costs).map_err(|reason| invalid(path, reason))?;
    let figure = LossTrace {
        costs,
        title: title.to_string(),
    };
    save(path, &figure)
}

struct LossTrace<'a> {
    costs: &'a [f64],
    title: String,
}

impl LossTrace<'_> {
    fn logarithmic(&self) -> bool {
        let low = self.costs.iter().copied().fold(f64::INFINITY, f64::min);
        let high = self.costs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        low > 0.0 && high / low >= 10.0
    }
}

impl Figure for LossTrace<'_> {
    fn size(&self) -> (u32, u32) {
        (900, 520)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let points: Vec<(f64, f64)> = self
            .costs
            .iter()
            .enumerate()
            .map(|(i, &c)| ((i + 1) as f64, c))
            .collect();
        let x_range = 1.0..(self.costs.len().max(2)) as f64;
        let low = self.costs.iter().copied().fold(f64::INFINITY, f64::min);
        let high = self.costs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let x_step = tick_step(x_range.start, x_range.end, 6);
        let x_format = |v: &f64| format_tick(*v, x_step);
        let y_label = if self.logarithmic() {
            "cost (log scale)"
        } else {
            "cost"
        };
        let line = style::OBSERVED.stroke_width(2);

        let mut builder = ChartBuilder::on(root);
        builder
            .caption(&self.title, (FONT, TITLE_SIZE))
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(90);

        if self.logarithmic() {
            // The chart's y axis is log10(cost); ticks and grid lines at
            // 1, 2 and 5 times powers of ten are drawn by hand, because
            // plotters' logarithmic axis leaves out ticks below its largest decade.
            let (log_low, log_high) = padded(low.log10(), high.log10());
            let mut chart = builder.build_cartesian_2d(x_range.clone(), log_low..log_high)?;
            chart
                .configure_mesh()
                .x_label_formatter(&x_format)
                .y_labels(0)
                .x_desc("iteration")
                .y_desc(y_label)
                .label_style((FONT, TICK_SIZE))
                .axis_desc_style((FONT, LABEL_SIZE))
                .bold_line_style(style::GRID)
                .light_line_style(TRANSPARENT)
                .draw()?;
            let tick_style = style::text(TICK_SIZE, RGBColor(0, 0, 0), HPos::Right, VPos::Center);
            for tick in log_ticks(low, high) {
                let y = tick.log10();
                let grid = vec![(x_range.start, y), (x_range.end, y)];
                chart.draw_series(LineSeries::new(grid, style::GRID))?;
                let (px, py) = chart.backend_coord(&(x_range.start, y));
                root.draw_text(&format_log_tick(tick), &tick_style, (px - 8, py))?;
            }
            let log_points = points.into_iter().map(|(x, c)| (x, c.log10()));
            chart.draw_series(LineSeries::new(log_points, line))?;
        } else {
            let (y_low, y_high) = padded(low, high);
            let y_step = tick_step(y_low, y_high, 8);
            let y_format = |v: &f64| format_tick(*v, y_step);
            let mut chart = builder.build_cartesian_2d(x_range, y_low..y_high)?;
            chart
                .configure_mesh()
                .x_label_formatter(&x_format)
                .y_label_formatter(&y_format)
                .x_desc("iteration")
                .y_desc(y_label)
                .label_style((FONT, TICK_SIZE))
                .axis_desc_style((FONT, LABEL_SIZE))
                .bold_line_style(style::GRID)
                .light_line_style(TRANSPARENT)
                .draw()?;
            chart.draw_series(LineSeries::new(points, line))?;
        }
        Ok(())
    }
}

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
}

/// Draws the error-versus-sparsity path of a regularisation path: relative
/// error on the horizontal axis, the two sparsity measures on the vertical
/// axis, each point labelled with its prior weight λ.
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
    let figure = TradeOffPath {
        points,
        svd_relative_error,
    };
    save(path, &figure)
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
            p.prior_weight,
            p.relative_error,
            p.median_max_weight,
            p.share_above_0_9,
        ];
        if values.iter().any(|v| !v.is_finite()) {
            return Err(format!(
                "point {index} of the path has a non-finite value: {p:?}"
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

struct TradeOffPath<'a> {
    points: &'a [TradeOffPoint],
    svd_relative_error: Option<f64>,
}

impl Figure for TradeOffPath<'_> {
    fn size(&self) -> (u32, u32) {
        (920, 600)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let (header, body) = root.split_vertically(80);
        let black = RGBColor(0, 0, 0);
        let (width, _) = header.dim_in_pixel();
        let title = style::text(TITLE_SIZE, black, HPos::Center, VPos::Center);
        header.draw_text(
            "Relative error against sparsity of H",
            &title,
            (width as i32 / 2, 24),
        )?;
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
        draw_legend(&header, &legend, width as i32 / 2, 60)?;

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
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(x_low..x_high, 0.0..1.05)?;
        let x_step = tick_step(x_low, x_high, 8);
        let x_format = |v: &f64| format_tick(*v, x_step);
        let y_format = |v: &f64| format_tick(*v, 0.1);
        chart
            .configure_mesh()
            .x_label_formatter(&x_format)
            .y_label_formatter(&y_format)
            .x_desc("relative error ‖A − W·H‖ / ‖A‖")
            .y_desc("sparsity of H")
            .label_style((FONT, TICK_SIZE))
            .axis_desc_style((FONT, LABEL_SIZE))
            .bold_line_style(style::GRID)
            .light_line_style(TRANSPARENT)
            .draw()?;

        if let Some(svd) = self.svd_relative_error {
            let line = vec![(svd, 0.0), (svd, 1.05)];
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
        for (points, color) in [
            (share, style::COMPONENT_COLORS[0]),
            (median, style::COMPONENT_COLORS[1]),
        ] {
            chart.draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))?;
            chart.draw_series(points.iter().map(|&p| Circle::new(p, 5, color.filled())))?;
        }

        // Label each point of the upper curve with its prior weight, leaving
        // out labels that would overlap one already drawn (points of nearly
        // equal error and sparsity).
        let label_style = style::text(TICK_SIZE, black, HPos::Left, VPos::Bottom);
        let mut placed: Vec<(i32, i32, i32)> = Vec::new();
        let mut labels = Vec::new();
        for p in self.points {
            let y = p.share_above_0_9.max(p.median_max_weight);
            let label = format!("λ = {}", format_weight(p.prior_weight));
            let (px, py) = chart.backend_coord(&(p.relative_error, y));
            let (width, _) = body.estimate_text_size(&label, &label_style)?;
            let overlaps = placed.iter().any(|&(x, top, w)| {
                (px - x).abs() < w.max(width as i32) + 4 && (py - top).abs() < TICK_SIZE as i32 + 4
            });
            if !overlaps {
                placed.push((px, py, width as i32));
                labels.push((p.relative_error, y, label));
            }
        }
        chart.draw_series(labels.into_iter().map(|(x, y, label)| {
            EmptyElement::at((x, y)) + Text::new(label, (6, -6), label_style.clone())
        }))?;
        Ok(())
    }
}

/// Formats a prior weight compactly: 0.001, 0.03, 1, 10.
fn format_weight(weight: f64) -> String {
    let text = format!("{weight:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Returns the ticks of a logarithmic axis over `[low, high]` (both > 0):
/// 1, 2 and 5 times each power of ten over up to three decades, only the
/// powers of ten beyond.
fn log_ticks(low: f64, high: f64) -> Vec<f64> {
    let first = low.log10().floor() as i32;
    let last = high.log10().ceil() as i32;
    let mantissas: &[f64] = if last - first <= 3 {
        &[1.0, 2.0, 5.0]
    } else {
        &[1.0]
    };
    (first..=last)
        .flat_map(|exponent| mantissas.iter().map(move |m| m * 10f64.powi(exponent)))
        .filter(|tick| (low..=high).contains(tick))
        .collect()
}

/// Formats a tick of a logarithmic axis: plain decimals from 0.001 to
/// 9999999, scientific notation outside.
fn format_log_tick(value: f64) -> String {
    if !(1e-3..1e7).contains(&value.abs()) {
        return format!("{value:.0e}");
    }
    let decimals = (-value.abs().log10().floor()).max(0.0) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_ticks_read_as_plain_numbers() {
        assert_eq!(format_log_tick(10.0), "10");
        assert_eq!(format_log_tick(0.01), "0.01");
        assert_eq!(format_log_tick(0.2), "0.2");
        assert_eq!(format_log_tick(1e-6), "1e-6");
        assert_eq!(format_log_tick(200000.0), "200000");
    }

    #[test]
    fn log_ticks_follow_decades() {
        assert_eq!(
            log_ticks(15.0, 600.0),
            vec![20.0, 50.0, 100.0, 200.0, 500.0]
        );
        assert_eq!(
            log_ticks(0.5, 2e6),
            vec![1.0, 10.0, 100.0, 1000.0, 1e4, 1e5, 1e6]
        );
    }

    #[test]
    fn prior_weights_drop_trailing_zeros() {
        assert_eq!(format_weight(1.0), "1");
        assert_eq!(format_weight(0.03), "0.03");
    }
}
