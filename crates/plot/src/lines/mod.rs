//! Grids of line plots: observed series against their reconstruction, and
//! the basis series of a factorisation.

use std::path::Path;

use ferroflux_linalg::Matrix;

use crate::render::save;
use crate::style;
use crate::validate::{self, invalid};
use crate::PlotError;

pub(crate) use panel::draw_legend;
use panel::{Line, Panel, PanelGrid};

mod panel;

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
    /// that cannot be drawn (a non-finite or zero step, a far end that
    /// overflows, or steps too small to tell apart next to the start);
    /// otherwise as [`crate::Heatmap::save`].
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
        validate_axis(&self.axis, self.observed.nrows())
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
/// titles that differs from its number of columns, or a time axis that
/// cannot be drawn (see [`LineGrid::save`]); otherwise as
/// [`crate::Heatmap::save`].
pub fn basis_functions(
    path: &Path,
    w: &Matrix<f64>,
    titles: Option<&[String]>,
    axis: &TimeAxis,
) -> Result<(), PlotError> {
    validate::matrix("basis (W)", w)
        .and_then(|()| validate::names("basis", titles, w.ncols()))
        .and_then(|()| validate_axis(axis, w.nrows()))
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

/// The smallest width of the drawn time axis relative to the size of its
/// values. Below it neighbouring tick labels print the same digits and
/// plotters finds no ticks to place.
const MIN_RELATIVE_AXIS_WIDTH: f64 = 1e-9;

/// Checks that the axis of `rows` time steps can be drawn: finite start and
/// non-zero step, a finite far end and margin, and steps that do not vanish
/// next to the size of the values.
fn validate_axis(axis: &TimeAxis, rows: usize) -> Result<(), String> {
    let (start, step) = (axis.start, axis.step);
    if !(start.is_finite() && step.is_finite() && step != 0.0) {
        return Err(format!(
            "the time axis starts at {start} with step {step}; both must be finite and the step \
             non-zero"
        ));
    }
    let end = axis.at(rows.saturating_sub(1));
    let (low, high) = style::padded(start.min(end), start.max(end));
    let size = low.abs().max(high.abs());
    let drawable = low.is_finite()
        && high.is_finite()
        && (high - low).is_finite()
        && high - low >= MIN_RELATIVE_AXIS_WIDTH * size;
    if drawable {
        return Ok(());
    }
    Err(format!(
        "the time axis starts at {start} with step {step}, so its {rows} time steps end at \
         {end}; the axis with its 5% margins must stay below the largest float (about 1.8e308) \
         and span at least {MIN_RELATIVE_AXIS_WIDTH:e} times the size of its values; count time from a nearer start \
         (for example 0) or use a larger step"
    ))
}

fn column_of(matrix: &Matrix<f64>, column: usize) -> Vec<f64> {
    matrix.column(column).iter().copied().collect()
}
