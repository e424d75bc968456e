//! Row and column labels of a heatmap: defaults, thinning and widths.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::render::DrawError;

/// Returns the given names, or "1", "2", ... when there are none.
pub(super) fn labels(names: Option<&[String]>, count: usize) -> Vec<String> {
    match names {
        Some(names) => names.to_vec(),
        None => (1..=count).map(|i| i.to_string()).collect(),
    }
}

/// Returns how many rows or columns one label must span so that labels of
/// height `font_size` do not overlap: 1 shows every label, 2 every second.
pub(super) fn label_step(cell_size: f64, font_size: f64) -> usize {
    ((font_size + 3.0) / cell_size).ceil().max(1.0) as usize
}

/// Estimates the widest label in pixels (DejaVu Sans averages about 0.6 em
/// per character), for sizing a picture before it is drawn.
pub(super) fn approximate_width(labels: &[String], font_size: f64) -> u32 {
    let characters = labels.iter().map(|l| l.chars().count()).max().unwrap_or(0);
    (characters as f64 * font_size * 0.62).ceil() as u32
}

/// Measures the widest label in pixels with the real font.
pub(super) fn measure_max<DB: DrawingBackend>(
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
