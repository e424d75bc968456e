//! Colour scales for heatmaps.

use plotters::style::RGBColor;

/// The mapping from values to colours in a heatmap.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ColorScale {
    /// Viridis from `min` (dark violet) to `max` (yellow); for values of one
    /// sign such as simplex weights.
    Sequential {
        /// Value drawn darkest.
        min: f64,
        /// Value drawn brightest.
        max: f64,
    },
    /// Blue through white to red on `[-limit, limit]`; for signed values such
    /// as correlations or SVD loadings. White is zero.
    Diverging {
        /// Magnitude drawn fully saturated; larger magnitudes are clamped.
        limit: f64,
    },
}

impl ColorScale {
    /// Returns the sequential scale spanning the finite values of `values`.
    pub fn sequential_for(values: &[f64]) -> Self {
        let (min, max) = finite_range(values);
        ColorScale::Sequential { min, max }
    }

    /// Returns the diverging scale whose limit is the largest finite magnitude in `values`.
    pub fn diverging_for(values: &[f64]) -> Self {
        let (min, max) = finite_range(values);
        ColorScale::Diverging {
            limit: min.abs().max(max.abs()),
        }
    }

    /// Returns the lowest and highest value of the colour bar.
    pub fn bounds(&self) -> (f64, f64) {
        match *self {
            ColorScale::Sequential { min, max } => (min, max),
            ColorScale::Diverging { limit } => (-limit, limit),
        }
    }

    /// Returns the colour of `value`; values outside the bounds are clamped.
    pub fn color(&self, value: f64) -> RGBColor {
        let (low, high) = self.bounds();
        let span = high - low;
        // A constant matrix has zero span: draw it at the middle of the scale.
        let t = if span > 0.0 {
            ((value - low) / span).clamp(0.0, 1.0)
        } else {
            0.5
        };
        match self {
            ColorScale::Sequential { .. } => interpolate(&VIRIDIS, t),
            ColorScale::Diverging { .. } => interpolate(&BLUE_WHITE_RED, t),
        }
    }
}

fn finite_range(values: &[f64]) -> (f64, f64) {
    let finite = values.iter().copied().filter(|v| v.is_finite());
    let min = finite.clone().fold(f64::INFINITY, f64::min);
    let max = finite.fold(f64::NEG_INFINITY, f64::max);
    if min <= max {
        (min, max)
    } else {
        (0.0, 1.0)
    }
}

/// Viridis sampled at nine evenly spaced points.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (71, 44, 122),
    (59, 81, 139),
    (44, 113, 142),
    (33, 144, 141),
    (39, 173, 129),
    (92, 200, 99),
    (170, 220, 50),
    (253, 231, 37),
];

/// ColorBrewer's RdBu, reversed so that negative is blue, at nine evenly spaced points.
const BLUE_WHITE_RED: [(u8, u8, u8); 9] = [
    (5, 48, 97),
    (33, 102, 172),
    (67, 147, 195),
    (146, 197, 222),
    (247, 247, 247),
    (244, 165, 130),
    (214, 96, 77),
    (178, 24, 43),
    (103, 0, 31),
];

/// Linear interpolation in RGB between evenly spaced anchors, `t` in [0, 1].
fn interpolate(anchors: &[(u8, u8, u8)], t: f64) -> RGBColor {
    let position = t * (anchors.len() - 1) as f64;
    let lower = (position.floor() as usize).min(anchors.len() - 2);
    let fraction = position - lower as f64;
    let mix =
        |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * fraction).round() as u8;
    let (a, b) = (anchors[lower], anchors[lower + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Returns black or white, whichever reads better on `background`.
pub(crate) fn text_color_on(background: RGBColor) -> RGBColor {
    let RGBColor(r, g, b) = background;
    let luminance = 0.299 * f64::from(r) + 0.587 * f64::from(g) + 0.114 * f64::from(b);
    if luminance > 140.0 {
        RGBColor(0, 0, 0)
    } else {
        RGBColor(255, 255, 255)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diverging_zero_is_white_and_ends_saturate() {
        let scale = ColorScale::Diverging { limit: 1.0 };
        assert_eq!(scale.color(0.0), RGBColor(247, 247, 247));
        assert_eq!(scale.color(-1.0), RGBColor(5, 48, 97));
        assert_eq!(scale.color(5.0), RGBColor(103, 0, 31));
    }

    #[test]
    fn sequential_constant_matrix_uses_middle() {
        let scale = ColorScale::sequential_for(&[2.0, 2.0]);
        assert_eq!(scale.color(2.0), RGBColor(33, 144, 141));
    }

    #[test]
    fn range_ignores_non_finite() {
        let scale = ColorScale::sequential_for(&[f64::NAN, -1.0, 3.0, f64::INFINITY]);
        assert_eq!(scale.bounds(), (-1.0, 3.0));
    }
}
