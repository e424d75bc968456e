//! Heatmaps of matrices with axis labels and a colour bar.

use std::path::Path;

use ferroflux_linalg::Matrix;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::color::{text_color_on, ColorScale};
use crate::render::{save, DrawError, Figure};
use crate::style::{self, format_tick, nice_ticks, LABEL_SIZE, TICK_SIZE, TITLE_SIZE};
use crate::{validate, PlotError};

/// A heatmap of one matrix: row `i`, column `j` is a cell coloured by its value.
///
/// Rows run top to bottom and columns left to right, as the matrix is
/// printed. Build it with [`Heatmap::new`], set labels with the builder
/// methods, then call [`Heatmap::save`].
///
/// # Examples
///
/// ```no_run
/// use ferroflux_linalg::Matrix;
/// use ferroflux_plot::{ColorScale, Heatmap};
///
/// let h = Matrix::from_row_slice(2, 3, &[0.9, 0.2, 0.5, 0.1, 0.8, 0.5]);
/// Heatmap::new(&h, "Weights H")
///     .x_label("series")
///     .y_label("component")
///     .scale(ColorScale::Sequential { min: 0.0, max: 1.0 })
///     .save("h.png".as_ref())?;
/// # Ok::<(), ferroflux_plot::PlotError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Heatmap<'a> {
    values: &'a Matrix<f64>,
    title: String,
    x_label: String,
    y_label: String,
    row_names: Option<&'a [String]>,
    column_names: Option<&'a [String]>,
    scale: Option<ColorScale>,
    annotate: Option<bool>,
}

impl<'a> Heatmap<'a> {
    /// Starts a heatmap of `values` with a title, axis labels "column" and
    /// "row", 1-based numbers as row and column names, and a sequential
    /// colour scale over the range of the values.
    pub fn new(values: &'a Matrix<f64>, title: impl Into<String>) -> Self {
        Heatmap {
            values,
            title: title.into(),
            x_label: "column".to_string(),
            y_label: "row".to_string(),
            row_names: None,
            column_names: None,
            scale: None,
            annotate: None,
        }
    }

    /// Sets the title of the horizontal axis (the columns).
    pub fn x_label(mut self, label: impl Into<String>) -> Self {
        self.x_label = label.into();
        self
    }

    /// Sets the title of the vertical axis (the rows).
    pub fn y_label(mut self, label: impl Into<String>) -> Self {
        self.y_label = label.into();
        self
    }

    /// Names the rows, top to bottom; one name per row.
    pub fn row_names(mut self, names: &'a [String]) -> Self {
        self.row_names = Some(names);
        self
    }

    /// Names the columns, left to right; one name per column. When the
    /// columns are too narrow for every name, every few names are shown.
    pub fn column_names(mut self, names: &'a [String]) -> Self {
        self.column_names = Some(names);
        self
    }

    /// Sets the colour scale; by default it is sequential over the range of the values.
    pub fn scale(mut self, scale: ColorScale) -> Self {
        self.scale = Some(scale);
        self
    }

    /// Writes each value into its cell (`true`) or never (`false`). By
    /// default values are written when the cells are large enough to hold them.
    pub fn annotate(mut self, annotate: bool) -> Self {
        self.annotate = Some(annotate);
        self
    }

    /// Draws the heatmap to `path` (`.png` or `.svg`), atomically.
    ///
    /// # Errors
    ///
    /// [`PlotError::InvalidInput`] for an empty matrix, a non-finite value or
    /// a count of row or column names that differs from the matrix shape;
    /// [`PlotError::UnsupportedFormat`], [`PlotError::Draw`] or
    /// [`PlotError::Io`] when the picture cannot be produced or written.
    pub fn save(&self, path: &Path) -> Result<(), PlotError> {
        self.validate().map_err(|reason| invalid(path, reason))?;
        save(path, &Stack::single(self))
    }

    fn validate(&self) -> Result<(), String> {
        validate::matrix("heatmap", self.values)?;
        validate::names("row", self.row_names, self.values.nrows())?;
        validate::names("column", self.column_names, self.values.ncols())
    }

    fn color_scale(&self) -> ColorScale {
        self.scale
            .unwrap_or_else(|| ColorScale::sequential_for(self.values.as_slice()))
    }

    /// Returns the width and height of the cell grid in pixels.
    fn grid_size(&self) -> (u32, u32) {
        let (rows, columns) = self.values.shape();
        // Wide matrices shrink their cells below a pixel rather than grow the
        // picture past about 1100 pixels; labels are thinned to fit.
        let cell_width = (900.0 / columns as f64).min(80.0);
        let cell_height = (480.0 / rows as f64).min(80.0);
        (
            (cell_width * columns as f64).round() as u32,
            (cell_height * rows as f64).round() as u32,
        )
    }

    /// Returns the size of the whole panel: grid, labels, title and colour bar.
    fn panel_size(&self) -> (u32, u32) {
        let (grid_width, grid_height) = self.grid_size();
        let row_label_width = approximate_width(&self.row_labels(), TICK_SIZE);
        let cell_width = f64::from(grid_width) / self.values.ncols() as f64;
        let column_label_height = if self.vertical_column_labels(cell_width) {
            approximate_width(&self.column_labels(), TICK_SIZE).min(140)
        } else {
            TICK_SIZE as u32 + 4
        };
        let width = 30 + row_label_width + 10 + grid_width + COLOR_BAR_WIDTH + 20;
        let height = 48 + grid_height + 10 + column_label_height + 34;
        let title_width = approximate_width(std::slice::from_ref(&self.title), TITLE_SIZE) + 40;
        (width.max(title_width).max(420), height)
    }

    /// Returns whether column labels must read upwards because the widest
    /// one does not fit across the columns it spans.
    fn vertical_column_labels(&self, cell_width: f64) -> bool {
        let span = cell_width * label_step(cell_width, TICK_SIZE) as f64;
        f64::from(approximate_width(&self.column_labels(), TICK_SIZE)) > span - 4.0
    }

    fn row_labels(&self) -> Vec<String> {
        labels(self.row_names, self.values.nrows())
    }

    fn column_labels(&self) -> Vec<String> {
        labels(self.column_names, self.values.ncols())
    }

    /// Draws the panel into `area`.
    fn draw_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
    ) -> Result<(), DrawError> {
        let (width, height) = area.dim_in_pixel();
        let (width, height) = (width as i32, height as i32);
        let (rows, columns) = self.values.shape();
        let scale = self.color_scale();
        let black = RGBColor(0, 0, 0);

        let title = style::text(TITLE_SIZE, black, HPos::Center, VPos::Center);
        area.draw_text(&self.title, &title, (width / 2, 22))?;

        // Horizontal layout: axis title, row labels, grid, colour bar.
        let tick_style = style::text(TICK_SIZE, black, HPos::Right, VPos::Center);
        let row_labels = self.row_labels();
        let row_label_width = measure_max(area, &row_labels, &tick_style)?;
        let grid_left = 30 + row_label_width + 10;
        let grid_right = width - COLOR_BAR_WIDTH as i32 - 20;

        // Vertical layout: title, grid, column labels, axis title.
        let column_labels = self.column_labels();
        let cell_width = f64::from(grid_right - grid_left) / columns as f64;
        let column_step = label_step(cell_width, TICK_SIZE);
        let vertical_columns = self.vertical_column_labels(cell_width);
        let column_label_height = if vertical_columns {
            measure_max(area, &column_labels, &tick_style)?.min(140)
        } else {
            TICK_SIZE as i32 + 4
        };
        let grid_top = 48;
        let grid_bottom = height - 34 - 10 - column_label_height;
        let cell_height = f64::from(grid_bottom - grid_top) / rows as f64;
        let x_of = |column: usize| grid_left + (column as f64 * cell_width).round() as i32;
        let y_of = |row: usize| grid_top + (row as f64 * cell_height).round() as i32;

        // Cells, and their values where they fit.
        let annotate = self
            .annotate
            .unwrap_or(cell_width >= 44.0 && cell_height >= 24.0);
        for row in 0..rows {
            for column in 0..columns {
                let value = self.values[(row, column)];
                let fill = scale.color(value);
                let corners = [(x_of(column), y_of(row)), (x_of(column + 1), y_of(row + 1))];
                area.draw(&Rectangle::new(corners, fill.filled()))?;
                if annotate {
                    let style =
                        style::text(TICK_SIZE, text_color_on(fill), HPos::Center, VPos::Center);
                    let center = (
                        (corners[0].0 + corners[1].0) / 2,
                        (corners[0].1 + corners[1].1) / 2,
                    );
                    area.draw_text(&format!("{value:.2}"), &style, center)?;
                }
            }
        }
        let frame = [(grid_left, grid_top), (grid_right, grid_bottom)];
        area.draw(&Rectangle::new(frame, style::AXIS.stroke_width(1)))?;

        // Row labels, thinned like the column labels when rows are short.
        let row_step = label_step(cell_height, TICK_SIZE);
        for (row, label) in row_labels.iter().enumerate().step_by(row_step) {
            let y = (y_of(row) + y_of(row + 1)) / 2;
            area.draw_text(label, &tick_style, (grid_left - 6, y))?;
        }

        // Column labels: horizontal when they fit, else reading upwards.
        for (column, label) in column_labels.iter().enumerate().step_by(column_step) {
            let x = (x_of(column) + x_of(column + 1)) / 2;
            if vertical_columns {
                let style =
                    style::vertical(style::text(TICK_SIZE, black, HPos::Right, VPos::Center));
                area.draw_text(label, &style, (x, grid_bottom + 6))?;
            } else {
                let style = style::text(TICK_SIZE, black, HPos::Center, VPos::Top);
                area.draw_text(label, &style, (x, grid_bottom + 6))?;
            }
        }

        // Axis titles.
        let axis_style = style::text(LABEL_SIZE, black, HPos::Center, VPos::Center);
        let x_title_y = (grid_bottom + 10 + column_label_height + 18).min(height - 18);
        area.draw_text(
            &self.x_label,
            &axis_style,
            ((grid_left + grid_right) / 2, x_title_y),
        )?;
        let y_title = style::vertical(axis_style);
        area.draw_text(&self.y_label, &y_title, (14, (grid_top + grid_bottom) / 2))?;

        draw_color_bar(area, &scale, (grid_right + 18, grid_top), grid_bottom)
    }
}

/// Width reserved right of the grid for the colour bar and its ticks.
const COLOR_BAR_WIDTH: u32 = 88;

/// Draws a vertical colour bar with ticks, from `top` down to `bottom`.
fn draw_color_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    scale: &ColorScale,
    (left, top): (i32, i32),
    bottom: i32,
) -> Result<(), DrawError> {
    const BAR: i32 = 16;
    let (low, high) = scale.bounds();
    let height = (bottom - top).max(1);
    for pixel in 0..height {
        let value = high - (high - low) * f64::from(pixel) / f64::from(height - 1).max(1.0);
        let row = [(left, top + pixel), (left + BAR, top + pixel + 1)];
        area.draw(&Rectangle::new(row, scale.color(value).filled()))?;
    }
    area.draw(&Rectangle::new(
        [(left, top), (left + BAR, bottom)],
        style::AXIS.stroke_width(1),
    ))?;

    let tick_style = style::text(TICK_SIZE, RGBColor(0, 0, 0), HPos::Left, VPos::Center);
    let tick_count = if height < 120 { 3 } else { 5 };
    let (ticks, step) = nice_ticks(low, high, tick_count);
    for tick in ticks {
        let y = if high > low {
            top + ((high - tick) / (high - low) * f64::from(height)).round() as i32
        } else {
            (top + bottom) / 2
        };
        area.draw(&PathElement::new(
            vec![(left + BAR, y), (left + BAR + 4, y)],
            style::AXIS,
        ))?;
        area.draw_text(&format_tick(tick, step), &tick_style, (left + BAR + 7, y))?;
    }
    Ok(())
}

/// One or more heatmaps stacked in a column or a row.
struct Stack<'h, 'a> {
    panels: Vec<&'h Heatmap<'a>>,
    side_by_side: bool,
}

impl<'h, 'a> Stack<'h, 'a> {
    fn single(heatmap: &'h Heatmap<'a>) -> Self {
        Stack {
            panels: vec![heatmap],
            side_by_side: false,
        }
    }
}

impl Figure for Stack<'_, '_> {
    fn size(&self) -> (u32, u32) {
        let sizes = self.panels.iter().map(|p| p.panel_size());
        if self.side_by_side {
            sizes.fold((0, 0), |(w, h), (pw, ph)| (w + pw, h.max(ph)))
        } else {
            sizes.fold((0, 0), |(w, h), (pw, ph)| (w.max(pw), h + ph))
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError> {
        let mut rest = root.clone();
        for panel in &self.panels {
            let (width, height) = panel.panel_size();
            let (this, next) = if self.side_by_side {
                rest.split_horizontally(width)
            } else {
                rest.split_vertically(height)
            };
            panel.draw_panel(&this)?;
            rest = next;
        }
        Ok(())
    }
}

/// Draws two heatmaps in one picture, typically the weights `H` of NMF and
/// of the SVD for the same series.
///
/// Wide matrices (more than 30 columns) are stacked one above the other so
/// that their columns line up; narrower ones stand side by side. Each keeps
/// its own colour scale and colour bar.
///
/// # Errors
///
/// As [`Heatmap::save`], for either heatmap.
pub fn heatmap_pair(
    path: &Path,
    first: &Heatmap<'_>,
    second: &Heatmap<'_>,
) -> Result<(), PlotError> {
    first.validate().map_err(|reason| invalid(path, reason))?;
    second.validate().map_err(|reason| invalid(path, reason))?;
    let wide = first.values.ncols().max(second.values.ncols()) > 30;
    let stack = Stack {
        panels: vec![first, second],
        side_by_side: !wide,
    };
    save(path, &stack)
}

/// Draws a correlation matrix on the diverging scale [-1, 1] with each value
/// written in its cell, for example the correlation between the basis series
/// of a factorisation.
///
/// `names` labels both rows and columns (for example "basis 1", "basis 2").
///
/// # Errors
///
/// [`PlotError::InvalidInput`] if `correlation` is empty, not square, has a
/// non-finite value or a value outside [-1, 1] by more than 1e-9, or if
/// `names` does not have one entry per row; otherwise as [`Heatmap::save`].
pub fn correlation_heatmap(
    path: &Path,
    correlation: &Matrix<f64>,
    names: Option<&[String]>,
    title: &str,
) -> Result<(), PlotError> {
    validate::matrix("correlation", correlation).map_err(|reason| invalid(path, reason))?;
    let (rows, columns) = correlation.shape();
    if rows != columns {
        return Err(invalid(
            path,
            format!("the correlation matrix is {rows} x {columns}; it must be square"),
        ));
    }
    if let Some(value) = correlation.iter().find(|v| v.abs() > 1.0 + 1e-9) {
        return Err(invalid(
            path,
            format!("the correlation matrix has the value {value}, outside [-1, 1]"),
        ));
    }
    let mut heatmap = Heatmap::new(correlation, title)
        .x_label("component")
        .y_label("component")
        .scale(ColorScale::Diverging { limit: 1.0 });
    if let Some(names) = names {
        heatmap = heatmap.row_names(names).column_names(names);
    }
    if rows <= 12 {
        heatmap = heatmap.annotate(true);
    }
    heatmap.save(path)
}

pub(crate) fn invalid(path: &Path, reason: String) -> PlotError {
    PlotError::InvalidInput {
        path: path.to_path_buf(),
        reason,
    }
}

/// Returns the given names, or "1", "2", ... when there are none.
fn labels(names: Option<&[String]>, count: usize) -> Vec<String> {
    match names {
        Some(names) => names.to_vec(),
        None => (1..=count).map(|i| i.to_string()).collect(),
    }
}

/// Returns how many rows or columns one label must span so that labels of
/// height `font_size` do not overlap: 1 shows every label, 2 every second.
fn label_step(cell_size: f64, font_size: f64) -> usize {
    ((font_size + 3.0) / cell_size).ceil().max(1.0) as usize
}

/// Estimates the widest label in pixels (DejaVu Sans averages about 0.6 em
/// per character), for sizing a picture before it is drawn.
fn approximate_width(labels: &[String], font_size: f64) -> u32 {
    let characters = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    (characters as f64 * font_size * 0.62).ceil() as u32
}

/// Measures the widest label in pixels with the real font.
fn measure_max<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    labels: &[String],
    style: &TextStyle<'_>,
) -> Result<i32, DrawError> {
    let mut widest = 0;
    for label in labels {
        let (width, _) = area.estimate_text_size(label, style)?;
        widest = widest.max(width as i32);
    }
    Ok(widest)
}
