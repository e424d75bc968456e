//! A bitmap backend that draws text with correct glyph placement.
//!
//! plotters' `ab_glyph` text path (0.3.7) places each glyph by the top of its
//! own outline and drops the left side bearing, so a period sits at cap
//! height and descenders rise above the baseline. [`GlyphBitmap`] wraps
//! [`BitMapBackend`] and replaces text layout and drawing: every glyph is
//! placed on a common baseline at its advance and kerning, then rasterised
//! with anti-aliasing. Everything else is delegated unchanged.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

use crate::render::FONT_BYTES;

/// Returns the embedded font, parsed on first use.
fn font() -> &'static FontRef<'static> {
    static FONT: OnceLock<FontRef<'static>> = OnceLock::new();
    FONT.get_or_init(|| {
        FontRef::try_from_slice(FONT_BYTES).expect("the embedded DejaVu Sans font parses")
    })
}

/// Returns the ab_glyph scale for a font size in pixels per em.
///
/// ab_glyph scales by the height from descender to ascender; CSS and most
/// plotting libraries mean the em size, which is smaller for DejaVu Sans.
fn scale_for(size: f64) -> PxScale {
    let font = font();
    let units_per_em = font.units_per_em().unwrap_or(2048.0);
    PxScale::from(size as f32 * font.height_unscaled() / units_per_em)
}

/// Horizontal advance of `text` in pixels, and the line height.
fn layout(text: &str, size: f64) -> (f32, f32) {
    let scaled = font().as_scaled(scale_for(size));
    let mut width = 0.0;
    let mut previous = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(previous) = previous {
            width += scaled.kern(previous, id);
        }
        width += scaled.h_advance(id);
        previous = Some(id);
    }
    (width, scaled.ascent() - scaled.descent())
}

/// [`BitMapBackend`] with its own text layout and rasterisation.
pub(crate) struct GlyphBitmap<'a> {
    inner: BitMapBackend<'a>,
}

impl<'a> GlyphBitmap<'a> {
    pub(crate) fn new(inner: BitMapBackend<'a>) -> Self {
        GlyphBitmap { inner }
    }
}

impl<'a> DrawingBackend for GlyphBitmap<'a> {
    type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.present()
    }

    fn draw_pixel(
        &mut self,
        point: BackendCoord,
        color: BackendColor,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vertices: I,
        style: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.fill_polygon(vertices, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        (width, height): (u32, u32),
        source: &[u8],
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.inner.blit_bitmap(pos, (width, height), source)
    }

    fn estimate_text_size<TStyle: BackendTextStyle>(
        &self,
        text: &str,
        style: &TStyle,
    ) -> Result<(u32, u32), DrawingErrorKind<Self::ErrorType>> {
        let (width, height) = layout(text, style.size());
        Ok((width.ceil() as u32, height.ceil() as u32))
    }

    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let scale = scale_for(style.size());
        let scaled = font().as_scaled(scale);
        let (width, height) = layout(text, style.size());

        // Offset of the text box's top-left corner from the anchor, in the
        // text's own (unrotated) coordinates.
        let anchor = style.anchor();
        let dx = match anchor.h_pos {
            HPos::Left => 0.0,
            HPos::Center => -width / 2.0,
            HPos::Right => -width,
        };
        let dy = match anchor.v_pos {
            VPos::Top => 0.0,
            VPos::Center => -height / 2.0,
            VPos::Bottom => -height,
        };
        let baseline = dy + scaled.ascent();
        let transform = style.transform();
        let (canvas_width, canvas_height) = self.get_size();

        let mut caret = dx;
        let mut previous = None;
        for c in text.chars() {
            let id = scaled.glyph_id(c);
            if let Some(previous) = previous {
                caret += scaled.kern(previous, id);
            }
            let glyph = id.with_scale_and_position(scale, ab_glyph::point(caret, baseline));
            caret += scaled.h_advance(id);
            previous = Some(id);

            let Some(outline) = font().outline_glyph(glyph) else {
                continue; // a space or a glyph without outline
            };
            let bounds = outline.px_bounds();
            let mut pixels = Vec::new();
            outline.draw(|x, y, coverage| {
                if coverage > 0.0 {
                    pixels.push((
                        bounds.min.x as i32 + x as i32,
                        bounds.min.y as i32 + y as i32,
                        coverage,
                    ));
                }
            });
            for (x, y, coverage) in pixels {
                let (x, y) = transform.transform(x, y);
                let (x, y) = (pos.0 + x, pos.1 + y);
                if x < 0 || y < 0 || x >= canvas_width as i32 || y >= canvas_height as i32 {
                    continue;
                }
                let shade = BackendColor {
                    alpha: color.alpha * f64::from(coverage.min(1.0)),
                    rgb: color.rgb,
                };
                self.inner.draw_pixel((x, y), shade)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::style;

    /// Draws `text` at the top left of a white 80 x 40 bitmap and returns the pixels.
    fn render(text: &str) -> Vec<u8> {
        let (width, height) = (80u32, 40u32);
        let mut pixels = vec![255u8; (width * height * 3) as usize];
        {
            let bitmap = BitMapBackend::with_buffer(&mut pixels, (width, height));
            let root = GlyphBitmap::new(bitmap).into_drawing_area();
            let black = RGBColor(0, 0, 0);
            let text_style = style::text(24.0, black, HPos::Left, VPos::Top);
            root.draw_text(text, &text_style, (2, 2)).unwrap();
            root.present().unwrap();
        }
        pixels
    }

    /// Returns the lowest row with a dark pixel in columns `columns`.
    fn lowest_ink(pixels: &[u8], columns: std::ops::Range<usize>) -> usize {
        let dark = |x: usize, y: usize| pixels[(y * 80 + x) * 3] < 128;
        (0..40)
            .rev()
            .find(|&y| columns.clone().any(|x| dark(x, y)))
            .expect("some ink")
    }

    #[test]
    fn period_sits_on_baseline() {
        // "T" then "."; the advance of "T" at 24 px is about 15 px, so the
        // period starts right of column 17.
        let pixels = render("T.");
        let stem = lowest_ink(&pixels, 2..16);
        let period = lowest_ink(&pixels, 18..30);
        assert!(
            stem.abs_diff(period) <= 1,
            "T ends at row {stem}, the period at row {period}"
        );
    }

    #[test]
    fn descender_goes_below_baseline() {
        let pixels = render("np");
        let n = lowest_ink(&pixels, 2..14);
        let p = lowest_ink(&pixels, 18..32);
        assert!(p >= n + 4, "n ends at row {n}, p at row {p}");
    }

    #[test]
    fn layout_width_grows_with_text() {
        let (short, height) = layout("1", 12.0);
        let (long, _) = layout("1000", 12.0);
        assert!(long > 3.5 * short, "{short} and {long}");
        assert!((13.0..16.0).contains(&height), "line height {height}");
    }
}
