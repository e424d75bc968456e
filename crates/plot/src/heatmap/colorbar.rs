//! The colour bar beside a heatmap.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::color::ColorScale;
use crate::render::DrawError;
use crate::style::{self, format_tick, nice_ticks, LABEL_SIZE, TICK_SIZE};

/// Width reserved right of the grid for the colour bar and its ticks.
pub(super) const COLOR_BAR_WIDTH: u32 = 88;

/// Extra width reserved for the title of the colour bar, which reads upwards.
pub(super) const COLOR_BAR_TITLE_WIDTH: u32 = 24;

/// Draws a vertical colour bar with ticks, from `top` down to `bottom`, and
/// `title` reading upwards right of the ticks.
pub(super) fn draw_color_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    scale: &ColorScale,
    title: Option<&str>,
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
    let mut widest = 0;
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
        let label = format_tick(tick, step);
        widest = widest.max(area.estimate_text_size(&label, &tick_style)?.0 as i32);
        area.draw_text(&label, &tick_style, (left + BAR + 7, y))?;
    }

    if let Some(title) = title {
        let style = style::vertical(style::text(
            LABEL_SIZE,
            RGBColor(0, 0, 0),
            HPos::Center,
            VPos::Center,
        ));
        let x = left + BAR + 7 + widest + 14;
        area.draw_text(title, &style, (x, (top + bottom) / 2))?;
    }
    Ok(())
}
