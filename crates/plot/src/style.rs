//! Shared text styles, colours and tick formatting.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::render::{DrawError, FONT};

/// Font sizes in pixels.
pub(crate) const TITLE_SIZE: f64 = 20.0;
pub(crate) const PANEL_TITLE_SIZE: f64 = 15.0;
pub(crate) const LABEL_SIZE: f64 = 14.0;
pub(crate) const TICK_SIZE: f64 = 12.0;

/// Observed data: blue. Model output: orange. The pair stays distinct for
/// the common forms of colour blindness.
pub(crate) const OBSERVED: RGBColor = RGBColor(31, 119, 180);
pub(crate) const MODEL: RGBColor = RGBColor(255, 127, 14);
pub(crate) const GRID: RGBColor = RGBColor(225, 225, 225);
pub(crate) const AXIS: RGBColor = RGBColor(90, 90, 90);

/// Ten distinct colours for components (the "tab10" palette of matplotlib).
pub(crate) const COMPONENT_COLORS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Returns the colour of component `index`, cycling through the palette.
pub(crate) fn component_color(index: usize) -> RGBColor {
    COMPONENT_COLORS[index % COMPONENT_COLORS.len()]
}

/// Returns a text style of the embedded font with the given size, colour and anchor.
pub(crate) fn text(size: f64, color: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle {
        font: (FONT, size).into_font(),
        color: color.to_backend_color(),
        pos: Pos::new(h, v),
    }
}

/// Returns `text` rotated to read from bottom to top, for vertical axis titles.
pub(crate) fn vertical(style: TextStyle<'static>) -> TextStyle<'static> {
    style.transform(FontTransform::Rotate270)
}

/// Formats a tick value with as many decimals as a tick step of `step` needs.
pub(crate) fn format_tick(value: f64, step: f64) -> String {
    // Zero reads as "0" on any axis; "0.0e0" next to "5.0e-6" looks like a bug.
    if value.abs() < step.abs() * 1e-9 {
        return "0".to_string();
    }
    let magnitude = value.abs().max(step.abs());
    if magnitude != 0.0 && !(1e-3..1e6).contains(&magnitude) {
        return format!("{value:.1e}");
    }
    let decimals = if step > 0.0 {
        (-step.log10().floor()).clamp(0.0, 6.0) as usize
    } else {
        2
    };
    let text = format!("{value:.decimals$}");
    // "-0.0" reads as an error on an axis.
    if text
        .trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        text.trim_start_matches('-').to_string()
    } else {
        text
    }
}

/// Returns about `count` evenly spaced "nice" ticks (1, 2 or 5 times a power
/// of ten) inside `[low, high]`, and their step.
pub(crate) fn nice_ticks(low: f64, high: f64, count: usize) -> (Vec<f64>, f64) {
    let span = high - low;
    if span <= 0.0 || !span.is_finite() {
        return (vec![low], 0.0);
    }
    let rough = span / count.max(1) as f64;
    let power = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| *s >= 0.75 * rough)
        .unwrap_or(10.0 * power);
    let first = (low / step).ceil() as i64;
    let last = (high / step).floor() as i64;
    let ticks = (first..=last).map(|i| i as f64 * step).collect();
    (ticks, step)
}

/// Returns the step plotters' mesh uses for at most `max_labels` labels on
/// `[low, high]`, so that tick labels can be formatted with its decimals.
///
/// The step is the smallest 1, 2 or 5 times a power of ten that puts no
/// more than `max_labels` of its multiples in the range, as in
/// `compute_f64_key_points` of plotters 0.3.7.
pub(crate) fn tick_step(low: f64, high: f64, max_labels: usize) -> f64 {
    let span = high - low;
    if span <= 0.0 || !span.is_finite() || max_labels == 0 {
        return 0.0;
    }
    let count = |step: f64| ((high / step).floor() - (low / step).ceil() + 1.0).max(0.0);
    let mut power = 10f64.powf(span.log10().floor() - 2.0);
    loop {
        for mantissa in [1.0, 2.0, 5.0] {
            let step = mantissa * power;
            if count(step) <= max_labels as f64 {
                return step;
            }
        }
        power *= 10.0;
    }
}

/// Formats `value` with four significant digits, trailing zeros dropped.
pub(crate) fn format_significant(value: f64) -> String {
    if value == 0.0 {
        return "0".to_string();
    }
    let decimals = (3 - value.abs().log10().floor() as i32).max(0) as usize;
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// Returns `[low, high]` widened by 5% on each side, or by 1 if it is a point.
pub(crate) fn padded(low: f64, high: f64) -> (f64, f64) {
    let span = high - low;
    if span > 0.0 {
        (low - 0.05 * span, high + 0.05 * span)
    } else {
        (low - 1.0, high + 1.0)
    }
}

/// Returns `label`, shortened with a trailing "…" if it is wider than
/// `max_width` pixels in `style`.
pub(crate) fn shorten<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    label: &str,
    style: &TextStyle<'_>,
    max_width: i32,
) -> Result<String, DrawError> {
    let fits = |text: &str| -> Result<bool, DrawError> {
        Ok(area.estimate_text_size(text, style)?.0 as i32 <= max_width)
    };
    if fits(label)? {
        return Ok(label.to_string());
    }
    let mut characters: Vec<char> = label.chars().collect();
    while !characters.is_empty() {
        characters.pop();
        let candidate: String = characters.iter().collect::<String>() + "…";
        if fits(&candidate)? {
            return Ok(candidate);
        }
    }
    Ok("…".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_step_matches_plotters_choice() {
        // 5.3..8.4 with at most 5 labels: 0.5 gives 6, so plotters uses 1.
        assert_eq!(tick_step(5.3, 8.4, 5), 1.0);
        assert_eq!(tick_step(0.0, 1.05, 11), 0.1);
        assert_eq!(tick_step(1.0, 2000.0, 10), 200.0);
        assert_eq!(tick_step(1.0, 2201.0, 10), 500.0);
    }

    #[test]
    fn nice_ticks_cover_unit_interval() {
        let (ticks, step) = nice_ticks(0.0, 1.0, 5);
        assert_eq!(step, 0.2);
        assert_eq!(ticks.len(), 6);
    }

    #[test]
    fn format_tick_drops_negative_zero() {
        assert_eq!(format_tick(-0.0, 0.5), "0");
        assert_eq!(format_tick(0.0, 5e-6), "0");
        assert_eq!(format_tick(-1.0, 0.5), "-1.0");
        assert_eq!(format_tick(1960.0, 10.0), "1960");
        assert_eq!(format_tick(0.25, 0.05), "0.25");
    }
}
