//! The cost per iteration of a solver, on a logarithmic axis.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::render::{save, DrawError, Figure, FONT};
use crate::style::{
    self, format_tick, nice_ticks, padded, tick_step, LABEL_SIZE, TICK_SIZE, TITLE_SIZE,
};
use crate::validate::invalid;
use crate::{validate, PlotError};

/// The view [`loss_trace`] draws of a cost trace.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LossScale {
    /// Every cost is positive: the cost itself on a logarithmic axis, so
    /// that late iterations, which change the cost by a small fraction,
    /// stay visible next to the large early drop.
    Logarithmic,
    /// Some cost is zero or negative (a cost with a log-prior term can be):
    /// the gap `cost − smallest` on a logarithmic axis. Iterations whose cost
    /// equals the smallest have a gap of 0 and are left out, and the picture
    /// states the smallest cost and its iteration.
    GapToSmallest {
        /// The smallest cost of the trace.
        smallest: f64,
    },
    /// Some cost is zero or negative and every cost is the same, so there is
    /// no gap to draw: the cost on a linear axis.
    Linear,
}

impl LossScale {
    /// Returns the view [`loss_trace`] uses for `costs`; an empty trace
    /// counts as positive. Non-finite costs are rejected by [`loss_trace`].
    pub fn for_costs(costs: &[f64]) -> Self {
        let smallest = costs.iter().copied().fold(f64::INFINITY, f64::min);
        let largest = costs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if costs.iter().all(|&c| c > 0.0) {
            LossScale::Logarithmic
        } else if largest > smallest {
            LossScale::GapToSmallest { smallest }
        } else {
            LossScale::Linear
        }
    }
}

/// Draws the cost of each iteration of a solver, in the view
/// [`LossScale::for_costs`] chooses.
///
/// When every cost is positive, the vertical axis is logarithmic. A cost of
/// zero or less has no logarithm, so then the picture shows the gap to the
/// smallest cost on a log axis, as convergence plots in optimisation do. It
/// prints the smallest cost under the title, so absolute values can be
/// recovered. A trace that still falls at its last iteration has its
/// smallest cost there, so its gap dives towards zero at the right edge.
/// That dive comes from the reference and is no sign of convergence. Only a
/// constant trace with a cost of zero or less is drawn on a linear axis.
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
        scale: LossScale::for_costs(costs),
    };
    save(path, &figure)
}

struct LossTrace<'a> {
    costs: &'a [f64],
    title: String,
    scale: LossScale,
}

/// Maximum number of labels on the iteration axis.
const ITERATION_LABELS: usize = 10;

impl Figure for LossTrace<'_> {
    fn size(&self) -> (u32, u32) {
        (900, 520)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        // The title, and under it the smallest cost when the axis shows the gap to it.
        let note = match self.scale {
            LossScale::GapToSmallest { smallest } => {
                let at = self.costs.iter().position(|&c| c == smallest).unwrap_or(0) + 1;
                Some(format!(
                    "gap to the smallest cost, {} at iteration {at} (a gap of 0 is not drawn)",
                    crate::style::format_significant(smallest)
                ))
            }
            LossScale::Logarithmic | LossScale::Linear => None,
        };
        let header_height = if note.is_some() { 62 } else { 44 };
        let (header, body) = root.split_vertically(header_height);
        let (width, _) = header.dim_in_pixel();
        let black = RGBColor(0, 0, 0);
        let title_style = style::text(TITLE_SIZE, black, HPos::Center, VPos::Center);
        header.draw_text(&self.title, &title_style, (width as i32 / 2, 24))?;
        if let Some(note) = &note {
            let note_style = style::text(LABEL_SIZE, style::AXIS, HPos::Center, VPos::Center);
            header.draw_text(note, &note_style, (width as i32 / 2, 50))?;
        }

        let x_range = 1.0..(self.costs.len().max(2)) as f64;
        let x_step = tick_step(x_range.start, x_range.end, ITERATION_LABELS);
        let x_format = |v: &f64| format_tick(*v, x_step);
        let mut builder = ChartBuilder::on(&body);
        builder
            .margin(16)
            .margin_top(8)
            .margin_right(28)
            .x_label_area_size(50)
            .y_label_area_size(90);

        match self.scale {
            LossScale::Logarithmic => {
                let runs = runs_of_positive(self.costs, |c| c);
                draw_logarithmic(root, builder, x_range, &x_format, &runs, "cost (log scale)")
            }
            LossScale::GapToSmallest { smallest } => {
                let runs = runs_of_positive(self.costs, |c| c - smallest);
                let y_label = "cost − smallest cost (log scale)";
                draw_logarithmic(root, builder, x_range, &x_format, &runs, y_label)
            }
            LossScale::Linear => self.draw_linear(builder, x_range, &x_format),
        }
    }
}

impl LossTrace<'_> {
    fn draw_linear<DB: DrawingBackend>(
        &self,
        mut builder: ChartBuilder<'_, '_, DB>,
        x_range: std::ops::Range<f64>,
        x_format: &dyn Fn(&f64) -> String,
    ) -> Result<(), DrawError> {
        let cost = self.costs[0];
        let (y_low, y_high) = padded(cost, cost);
        let y_step = tick_step(y_low, y_high, 8);
        let y_format = |v: &f64| format_tick(*v, y_step);
        let mut chart = builder.build_cartesian_2d(x_range, y_low..y_high)?;
        chart
            .configure_mesh()
            .x_labels(ITERATION_LABELS)
            .y_labels(8)
            .x_label_formatter(x_format)
            .y_label_formatter(&y_format)
            .x_desc("iteration")
            .y_desc("cost (constant)")
            .label_style((FONT, TICK_SIZE))
            .axis_desc_style((FONT, LABEL_SIZE))
            .bold_line_style(style::GRID)
            .light_line_style(TRANSPARENT)
            .draw()?;
        let points = (0..self.costs.len()).map(|i| ((i + 1) as f64, cost));
        chart.draw_series(LineSeries::new(points, style::OBSERVED.stroke_width(2)))?;
        Ok(())
    }
}

/// Returns the runs of consecutive iterations whose `value(cost)` is
/// positive, as (iteration, value) points; a value of zero or less ends a run.
fn runs_of_positive(costs: &[f64], value: impl Fn(f64) -> f64) -> Vec<Vec<(f64, f64)>> {
    let mut runs = Vec::new();
    let mut current = Vec::new();
    for (i, &cost) in costs.iter().enumerate() {
        let v = value(cost);
        if v > 0.0 {
            current.push(((i + 1) as f64, v));
        } else if !current.is_empty() {
            runs.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs
}

/// Draws `runs` (positive values) on a logarithmic vertical axis.
///
/// The chart's y axis is log10 of the value. Ticks and grid lines are drawn
/// by hand, because plotters' logarithmic axis (0.3.7) leaves out ticks
/// below its largest decade.
fn draw_logarithmic<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    mut builder: ChartBuilder<'_, '_, DB>,
    x_range: std::ops::Range<f64>,
    x_format: &dyn Fn(&f64) -> String,
    runs: &[Vec<(f64, f64)>],
    y_label: &str,
) -> Result<(), DrawError> {
    let values = runs.iter().flatten().map(|&(_, v)| v);
    let low = values.clone().fold(f64::INFINITY, f64::min);
    let high = values.fold(f64::NEG_INFINITY, f64::max);
    let (log_low, log_high) = padded(low.log10(), high.log10());
    let mut chart = builder.build_cartesian_2d(x_range.clone(), log_low..log_high)?;
    chart
        .configure_mesh()
        .x_labels(ITERATION_LABELS)
        .x_label_formatter(x_format)
        .y_labels(0)
        .x_desc("iteration")
        .y_desc(y_label)
        .label_style((FONT, TICK_SIZE))
        .axis_desc_style((FONT, LABEL_SIZE))
        .bold_line_style(style::GRID)
        .light_line_style(TRANSPARENT)
        .draw()?;

    let tick_style = style::text(TICK_SIZE, RGBColor(0, 0, 0), HPos::Right, VPos::Center);
    for tick in log_ticks(10f64.powf(log_low), 10f64.powf(log_high)) {
        let y = tick.log10();
        let grid = vec![(x_range.start, y), (x_range.end, y)];
        chart.draw_series(LineSeries::new(grid, style::GRID))?;
        let (px, py) = chart.backend_coord(&(x_range.start, y));
        root.draw_text(&format_log_tick(tick), &tick_style, (px - 8, py))?;
    }

    let line = style::OBSERVED.stroke_width(2);
    for run in runs {
        let points = run.iter().map(|&(x, v)| (x, v.log10()));
        if run.len() == 1 {
            chart.draw_series(points.map(|p| Circle::new(p, 2, line.filled())))?;
        } else {
            chart.draw_series(LineSeries::new(points, line))?;
        }
    }
    Ok(())
}

/// Returns the ticks of a logarithmic axis over `[low, high]` (both > 0).
///
/// Up to three decades get 1, 2 and 5 times each power of ten, up to eight
/// decades the powers of ten, wider ranges every second or third power. A
/// range too narrow to hold two such ticks gets evenly spaced ones instead.
pub(crate) fn log_ticks(low: f64, high: f64) -> Vec<f64> {
    let first = low.log10().floor() as i32;
    let last = high.log10().ceil() as i32;
    let decades = last - first;
    let (mantissas, every): (&[f64], i32) = match decades {
        ..=3 => (&[1.0, 2.0, 5.0], 1),
        4..=8 => (&[1.0], 1),
        _ => (&[1.0], (decades + 7) / 8),
    };
    let ticks: Vec<f64> = (first..=last)
        .filter(|exponent| exponent.rem_euclid(every) == 0)
        .flat_map(|exponent| mantissas.iter().map(move |m| m * 10f64.powi(exponent)))
        .filter(|tick| (low..=high).contains(tick))
        .collect();
    if ticks.len() >= 2 {
        return ticks;
    }
    nice_ticks(low, high, 4)
        .0
        .into_iter()
        .filter(|&tick| tick > 0.0)
        .collect()
}

/// Formats a tick of a logarithmic axis: plain decimals from 0.001 to
/// 9999999 (as many as the value needs), scientific notation outside.
pub(crate) fn format_log_tick(value: f64) -> String {
    if !(1e-3..1e7).contains(&value.abs()) {
        let text = format!("{value:.1e}");
        return text.replace(".0e", "e");
    }
    crate::style::format_significant(value)
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
        assert_eq!(format_log_tick(2.5e-9), "2.5e-9");
        assert_eq!(format_log_tick(200000.0), "200000");
        assert_eq!(format_log_tick(12500.0), "12500");
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
    fn log_ticks_thin_out_many_decades() {
        let ticks = log_ticks(1e-13, 1e3);
        assert!(ticks.len() <= 9, "{ticks:?}");
        assert!(ticks.len() >= 5, "{ticks:?}");
    }

    #[test]
    fn log_ticks_in_narrow_range_are_linear() {
        let ticks = log_ticks(12100.0, 14800.0);
        assert!(ticks.len() >= 2, "{ticks:?}");
        assert!(ticks.iter().all(|t| (12100.0..=14800.0).contains(t)));
    }

    #[test]
    fn significant_digits_drop_trailing_zeros() {
        assert_eq!(crate::style::format_significant(-535.1734), "-535.2");
        assert_eq!(crate::style::format_significant(0.0012344), "0.001234");
        assert_eq!(crate::style::format_significant(123456.0), "123456");
    }

    #[test]
    fn scale_for_costs_of_each_sign() {
        assert_eq!(
            LossScale::for_costs(&[3.0, 2.0, 1.0]),
            LossScale::Logarithmic
        );
        assert_eq!(
            LossScale::for_costs(&[3.0, 0.0, -1.0]),
            LossScale::GapToSmallest { smallest: -1.0 }
        );
        assert_eq!(LossScale::for_costs(&[-2.0, -2.0]), LossScale::Linear);
    }

    #[test]
    fn runs_split_at_non_positive_values() {
        let runs = runs_of_positive(&[3.0, 1.0, 1.0, 2.0], |c| c - 1.0);
        assert_eq!(runs, vec![vec![(1.0, 2.0)], vec![(4.0, 1.0)]]);
    }
}
