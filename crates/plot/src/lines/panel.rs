//! One panel of line plots, and the grid of panels under a title and legend.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::TimeAxis;
use crate::render::{DrawError, Figure, FONT};
use crate::style::{
    self, format_tick, padded, shorten, tick_step, PANEL_TITLE_SIZE, TICK_SIZE, TITLE_SIZE,
};

pub(super) struct Line {
    values: Vec<f64>,
    color: RGBColor,
    dashed: bool,
}

impl Line {
    pub(super) fn solid(values: Vec<f64>, color: RGBColor) -> Self {
        Line {
            values,
            color,
            dashed: false,
        }
    }

    pub(super) fn dashed(values: Vec<f64>, color: RGBColor) -> Self {
        Line {
            values,
            color,
            dashed: true,
        }
    }
}

pub(super) struct Panel {
    pub(super) title: String,
    pub(super) lines: Vec<Line>,
}

/// Panels in rows of `columns`, under a title and an optional legend.
pub(super) struct PanelGrid {
    pub(super) title: String,
    /// Label, colour and whether the line is dashed.
    pub(super) legend: Vec<(String, RGBColor, bool)>,
    pub(super) axis: TimeAxis,
    pub(super) panels: Vec<Panel>,
    pub(super) columns: usize,
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

    // A title wider than the panel would run into its neighbours.
    let (width, _) = area.dim_in_pixel();
    let title_style = style::text(PANEL_TITLE_SIZE, RGBColor(0, 0, 0), HPos::Center, VPos::Top);
    let title = shorten(area, &panel.title, &title_style, width as i32 - 12)?;

    let mut chart = ChartBuilder::on(area)
        .caption(&title, (FONT, PANEL_TITLE_SIZE))
        .margin_top(4)
        .margin_left(6)
        .margin_right(14)
        .margin_bottom(4)
        .x_label_area_size(44)
        .y_label_area_size(54)
        .build_cartesian_2d(x_low..x_high, y_low..y_high)?;

    let x_step = tick_step(x_low, x_high, 5);
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
