//! Heatmaps of matrices with axis labels and a colour bar.

use std::path::Path;

use ferroflux_linalg::Matrix;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::color::{text_color_on, ColorScale};
use crate::render::{save, DrawError};
use crate::style::{self, shorten, LABEL_SIZE, TICK_SIZE, TITLE_SIZE};
use crate::validate::{self, invalid};
use crate::PlotError;

use colorbar::{draw_color_bar, COLOR_BAR_TITLE_WIDTH, COLOR_BAR_WIDTH};
use compose::Stack;
use labels::{approximate_width, label_step, labels, measure_max};

/// Length in pixels beyond which vertical column labels are shortened.
const MAX_LABEL_LENGTH: i32 = 140;

mod colorbar;
mod compose;
mod labels;

pub use compose::{correlation_heatmap, heatmap_pair};

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
    color_label: Option<String>,
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
            color_label: None,
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

    /// Titles the colour bar with what the colours measure, for example
    /// "weight" or "correlation"; by default the colour bar has no title.
    pub fn color_label(mut self, label: impl Into<String>) -> Self {
        self.color_label = Some(label.into());
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
            approximate_width(&self.column_labels(), TICK_SIZE).min(MAX_LABEL_LENGTH as u32)
        } else {
            TICK_SIZE as u32 + 4
        };
        let width = 30 + row_label_width + 10 + grid_width + self.color_bar_width() + 20;
        let height = 48 + grid_height + 10 + column_label_height + 34;
        let title_width = approximate_width(std::slice::from_ref(&self.title), TITLE_SIZE) + 40;
        (width.max(title_width).max(420), height)
    }

    /// Returns the width reserved right of the grid for the colour bar, its
    /// ticks and its title.
    fn color_bar_width(&self) -> u32 {
        match self.color_label {
            Some(_) => COLOR_BAR_WIDTH + COLOR_BAR_TITLE_WIDTH,
            None => COLOR_BAR_WIDTH,
        }
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
        let grid_right = width - self.color_bar_width() as i32 - 20;

        // Vertical layout: title, grid, column labels, axis title.
        let column_labels = self.column_labels();
        let cell_width = f64::from(grid_right - grid_left) / columns as f64;
        let column_step = label_step(cell_width, TICK_SIZE);
        let vertical_columns = self.vertical_column_labels(cell_width);
        let column_label_height = if vertical_columns {
            measure_max(area, &column_labels, &tick_style)?.min(MAX_LABEL_LENGTH)
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
                let label = shorten(area, label, &tick_style, column_label_height)?;
                area.draw_text(&label, &style, (x, grid_bottom + 6))?;
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

        draw_color_bar(
            area,
            &scale,
            self.color_label.as_deref(),
            (grid_right + 18, grid_top),
            grid_bottom,
        )
    }
}
