//! Grids of line plots: observed series against their reconstruction, and
//! the basis series of a factorisation.

use std::path::Path;

use ferroflux_linalg::Matrix;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::heatmap::invalid;
use crate::render::{save, DrawError, Figure, FONT};
use crate::style::{self, format_tick, padded, PANEL_TITLE_SIZE, TICK_SIZE, TITLE_SIZE};
use crate::{validate, PlotError};

/// The time axis of a series plot: row `i` of a matrix is drawn at
/// `start + i * step`, and the axis is titled `label`.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeAxis {
    /// Axis title, for example "year" or "month".
    pub label: String,
    /// Value of the first row.
    pub start: f64,
    /// Distance between consecutive rows.
    pub step: f64,
}

impl TimeAxis {
    /// Returns an axis titled `label` whose first row is at `start` and whose rows are `step` apart.
    pub fn new(label: impl Into<String>, start: f64, step: f64) -> Self {
        TimeAxis {
            label: label.into(),
            start,
            step,
        }
    }

    fn at(&self, row: usize) -> f64 {
        self.start + self.step * row as f64
    }
}

impl Default for TimeAxis {
    /// Rows numbered 0, 1, 2, ... on an axis titled "time step".
    fn default() -> Self {
        TimeAxis::new("time step", 0.0, 1.0)
    }
}

/// A grid of line plots, one panel per series (column of a T x n matrix),
/// with the observed series in blue and, if given, a reconstruction of it in
/// dashed orange.
///
/// Only the first `max_panels` series are drawn (12 by default), four
/// panels per row. Each panel is titled with the series name.
#[derive(Clone, Debug)]
pub struct LineGrid<'a> {
    observed: &'a Matrix<f64>,
    reconstruction: Option<&'a Matrix<f64>>,
    names: Option<&'a [String]>,
    title: String,
    axis: TimeAxis,
    max_panels: usize,
    columns: usize,
}

impl<'a> LineGrid<'a> {
    /// Starts a grid of the columns of `observed` (T x n).
    pub fn new(observed: &'a Matrix<f64>, title: impl Into<String>) -> Self {
        LineGrid {
            observed,
            reconstruction: None,
            names: None,
            title: title.into(),
            axis: TimeAxis::default(),
            max_panels: 12,
            columns: 4,
        }
    }

    /// Adds a reconstruction of the same shape, drawn over each observed series.
    pub fn reconstruction(mut self, reconstruction: &'a Matrix<f64>) -> Self {
        self.reconstruction = Some(reconstruction);
        self
    }

    /// Names the series; the names title the panels. One name per column.
    pub fn names(mut self, names: &'a [String]) -> Self {
        self.names = Some(names);
        self
    }

    /// Sets the time axis (default: rows 0, 1, 2, ... titled "time step").
    pub fn axis(mut self, axis: TimeAxis) -> Self {
        self.axis = axis;
        self
    }

    /// Sets how many series are drawn at most, from the first (default 12).
    pub fn max_panels(mut self, max_panels: usize) -> Self {
        self.max_panels = max_panels;
        self
    }

    /// Sets how many panels stand in one row (default 4).
    pub fn columns(mut self, columns: usize) -> Self {
        self.columns = columns;
        self
    }

    /// Draws the grid to `path` (`.png` or `.svg`), atomically.
    ///
    /// # Errors
    ///
    /// [`PlotError::InvalidInput`] for an empty or non-finite matrix, a
    /// reconstruction of another shape, a count of names that differs from
    /// the number of series, `max_panels` or `columns` of 0, or a time axis
    /// with a non-finite or zero step; otherwise as [`crate::Heatmap::save`].
    pub fn save(&self, path: &Path) -> Result<(), PlotError> {
        self.validate().map_err(|reason| invalid(path, reason))?;
        let panels = (0..self.observed.ncols().min(self.max_panels))
            .map(|column| Panel {
                title: match self.names {
                    Some(names) => names[column].clone(),
                    None => format!("series {}", column + 1),
                },
                lines: std::iter::once(Line::solid(
                    column_of(self.observed, column),
                    style::OBSERVED,
                ))
                .chain(
                    self.reconstruction
                        .map(|r| Line::dashed(column_of(r, column), style::MODEL)),
                )
                .collect(),
            })
            .collect();
        let mut legend = vec![("observed".to_string(), style::OBSERVED, false)];
        if self.reconstruction.is_some() {
            legend.push(("reconstruction W·H".to_string(), style::MODEL, true));
        }
        let grid = PanelGrid {
            title: self.title.clone(),
            legend,
            axis: self.axis.clone(),
            panels,
            columns: self.columns,
        };
        save(path, &grid)
    }

    fn validate(&self) -> Result<(), String> {
        validate::matrix("observed", self.observed)?;
        if let Some(reconstruction) = self.reconstruction {
            validate::matrix("reconstruction", reconstruction)?;
            validate::same_shape(
                ("observed", self.observed),
                ("reconstruction", reconstruction),
            )?;
        }
        validate::names("series", self.names, self.observed.ncols())?;
        if self.max_panels == 0 || self.columns == 0 {
            return Err(format!(
                "max_panels is {} and columns is {}; both must be at least 1",
                self.max_panels, self.columns
            ));
        }
        validate_axis(&self.axis)
    }
}

/// Draws each column of `w` (the T x k basis series of a factorisation) in
/// its own panel, in the colour of its component.
///
/// `titles` names the panels (for example "basis 1: 63 series"); by default
/// they are "basis 1", "basis 2", ...
///
/// # Errors
///
/// [`PlotError::InvalidInput`] for an empty or non-finite `w`, a count of
/// titles that differs from its number of columns, or a time axis with a
/// non-finite or zero step; otherwise as [`crate::Heatmap::save`].
pub fn basis_functions(
    path: &Path,
    w: &Matrix<f64>,
    titles: Option<&[String]>,
    axis: &TimeAxis,
) -> Result<(), PlotError> {
    validate::matrix("basis (W)", w)
        .and_then(|()| validate::names("basis", titles, w.ncols()))
        .and_then(|()| validate_axis(axis))
        .map_err(|reason| invalid(path, reason))?;
    let k = w.ncols();
    let panels = (0..k)
        .map(|column| Panel {
            title: match titles {
                Some(titles) => titles[column].clone(),
                None => format!("basis {}", column + 1),
            },
            lines: vec![Line::solid(
                column_of(w, column),
                style::component_color(column),
            )],
        })
        .collect();
    let grid = PanelGrid {
        title: format!("{k} basis series (columns of W)"),
        legend: Vec::new(),
        axis: axis.clone(),
        panels,
        columns: if k <= 4 { k } else { 4 },
    };
    save(path, &grid)
}

fn validate_axis(axis: &TimeAxis) -> Result<(), String> {
    if axis.start.is_finite() && axis.step.is_finite() && axis.step != 0.0 {
        Ok(())
    } else {
        Err(format!(
            "the time axis starts at {} with step {}; both must be finite and the step non-zero",
            axis.start, axis.step
        ))
    }
}

fn column_of(matrix: &Matrix<f64>, column: usize) -> Vec<f64> {
    matrix.column(column).iter().copied().collect()
}

struct Line {
    values: Vec<f64>,
    color: RGBColor,
    dashed: bool,
}

impl Line {
    fn solid(values: Vec<f64>, color: RGBColor) -> Self {
        Line {
            values,
            color,
            dashed: false,
        }
    }

    fn dashed(values: Vec<f64>, color: RGBColor) -> Self {
        Line {
            values,
            color,
            dashed: true,
        }
    }
}

struct Panel {
    title: String,
    lines: Vec<Line>,
}

/// Panels in rows of `columns`, under a title and an optional legend.
struct PanelGrid {
    title: String,
    /// Label, colour and whether the line is dashed.
    legend: Vec<(String, RGBColor, bool)>,
    axis: TimeAxis,
    panels: Vec<Panel>,
    columns: usize,
}

const PANEL_WIDTH: u32 = 340;
const PANEL_HEIGHT: u32 = 250;
const HEADER_HEIGHT: u32 = 70;
const HEADER_HEIGHT_WITHOUT_LEGEND: u32 = 46;

impl PanelGrid {
    fn header_height(&self) -> u32 {
        if self.legend.is_empty() {
            HEADER_HEIGHT_WITHOUT_LEGEND
        } else {
            HEADER_HEIGHT
        }
    }

    fn shape(&self) -> (usize, usize) {
        let columns = self.columns.min(self.panels.len()).max(1);
        (self.panels.len().div_ceil(columns), columns)
    }
}

impl Figure for PanelGrid {
    fn size(&self) -> (u32, u32) {
        let (rows, columns) = self.shape();
        (
            (PANEL_WIDTH * columns as u32).max(520),
            self.header_height() + PANEL_HEIGHT * rows as u32,
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let (header, body) = root.split_vertically(self.header_height());
        let (width, _) = header.dim_in_pixel();
        let black = RGBColor(0, 0, 0);
        let title = style::text(TITLE_SIZE, black, HPos::Center, VPos::Center);
        header.draw_text(&self.title, &title, (width as i32 / 2, 22))?;
        draw_legend(&header, &self.legend, width as i32 / 2, 52)?;

        let (rows, columns) = self.shape();
        let cells = body.split_evenly((rows, columns));
        for (panel, area) in self.panels.iter().zip(&cells) {
            draw_panel(area, panel, &self.axis)?;
        }
        Ok(())
    }
}

/// Draws legend entries (a short line and a label each), centred on `center_x`.
pub(crate) fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(String, RGBColor, bool)],
    center_x: i32,
    y: i32,
) -> Result<(), DrawError> {
    if entries.is_empty() {
        return Ok(());
    }
    let label_style = style::text(
        style::LABEL_SIZE,
        RGBColor(0, 0, 0),
        HPos::Left,
        VPos::Center,
    );
    let mut widths = Vec::new();
    for (label, _, _) in entries {
        widths.push(area.estimate_text_size(label, &label_style)?.0 as i32);
    }
    const SWATCH: i32 = 32;
    const GAP: i32 = 28;
    let total: i32 =
        widths.iter().map(|w| SWATCH + 8 + w).sum::<i32>() + GAP * (entries.len() as i32 - 1);
    let mut x = center_x - total / 2;
    for ((label, color, dashed), width) in entries.iter().zip(widths) {
        let stroke = color.stroke_width(3);
        if *dashed {
            for start in (0..SWATCH).step_by(10) {
                area.draw(&PathElement::new(
                    vec![(x + start, y), (x + (start + 6).min(SWATCH), y)],
                    stroke,
                ))?;
            }
        } else {
            area.draw(&PathElement::new(vec![(x, y), (x + SWATCH, y)], stroke))?;
        }
        area.draw_text(label, &label_style, (x + SWATCH + 8, y))?;
        x += SWATCH + 8 + width + GAP;
    }
    Ok(())
}

fn draw_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &Panel,
    axis: &TimeAxis,
) -> Result<(), DrawError> {
    let length = panel
        .lines
        .iter()
        .map(|l| l.values.len())
        .max()
        .unwrap_or(1);
    let (x_low, x_high) = if length > 1 {
        let (a, b) = (axis.at(0), axis.at(length - 1));
        (a.min(b), a.max(b))
    } else {
        padded(axis.at(0), axis.at(0))
    };
    let all = panel.lines.iter().flat_map(|l| l.values.iter().copied());
    let low = all.clone().fold(f64::INFINITY, f64::min);
    let high = all.fold(f64::NEG_INFINITY, f64::max);
    let (y_low, y_high) = padded(low, high);

    let mut chart = ChartBuilder::on(area)
        .caption(&panel.title, (FONT, PANEL_TITLE_SIZE))
        .margin_top(4)
        .margin_left(6)
        .margin_right(14)
        .margin_bottom(4)
        .x_label_area_size(44)
        .y_label_area_size(54)
        .build_cartesian_2d(x_low..x_high, y_low..y_high)?;

    let x_step = tick_step(x_low, x_high, 4);
    let y_step = tick_step(y_low, y_high, 5);
    let x_format = |v: &f64| format_tick(*v, x_step);
    let y_format = |v: &f64| format_tick(*v, y_step);
    chart
        .configure_mesh()
        .x_labels(5)
        .y_labels(5)
        .x_label_formatter(&x_format)
        .y_label_formatter(&y_format)
        .x_desc(axis.label.as_str())
        .label_style((FONT, TICK_SIZE))
        .axis_desc_style((FONT, TICK_SIZE))
        .bold_line_style(style::GRID)
        .light_line_style(TRANSPARENT)
        .axis_style(style::AXIS)
        .draw()?;

    for line in &panel.lines {
        let points: Vec<(f64, f64)> = line
            .values
            .iter()
            .enumerate()
            .map(|(row, &v)| (axis.at(row), v))
            .collect();
        if line.dashed {
            chart.draw_series(DashedLineSeries::new(
                points,
                7,
                4,
                line.color.stroke_width(2),
            ))?;
        } else {
            chart.draw_series(LineSeries::new(points, line.color.stroke_width(2)))?;
        }
    }
    Ok(())
}

/// Returns the step plotters' mesh will roughly use for `count` labels, for
/// choosing the number of decimals of the tick labels.
pub(crate) fn tick_step(low: f64, high: f64, count: usize) -> f64 {
    style::nice_ticks(low, high, count).1
}
