//! Rendering a figure to PNG or SVG bytes and writing it atomically.

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::glyph::GlyphBitmap;
use crate::PlotError;

/// Family name under which the embedded font is registered with plotters.
pub(crate) const FONT: &str = "sans-serif";

/// DejaVu Sans 2.37 (Bitstream Vera licence, see `fonts/LICENSE`). Embedding
/// it keeps text readable on machines with no system fonts.
pub(crate) static FONT_BYTES: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");

/// Registers the embedded font once per process.
fn register_font() {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        let registered =
            plotters::style::register_font(FONT, FontStyle::Normal, FONT_BYTES).is_ok();
        assert!(registered, "the embedded DejaVu Sans font failed to parse");
    });
}

/// A drawing failure inside a figure, before the path is attached.
#[derive(Debug)]
pub(crate) struct DrawError(pub(crate) String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for DrawError {
    fn from(error: DrawingAreaErrorKind<E>) -> Self {
        DrawError(error.to_string())
    }
}

/// A picture that can be drawn on any plotters backend.
pub(crate) trait Figure {
    /// Width and height in pixels.
    fn size(&self) -> (u32, u32);

    /// Draws the picture on `root`, which is already filled white.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), DrawError>;
}

/// Renders `figure` in the format the extension of `path` names and writes
/// it atomically.
pub(crate) fn save<F: Figure>(path: &Path, figure: &F) -> Result<(), PlotError> {
    let bytes = render(path, figure)?;
    write_atomically(path, &bytes).map_err(|source| PlotError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Renders `figure` to the bytes of a PNG or SVG file, as the extension of
/// `path` names, without writing anything.
pub(crate) fn render<F: Figure>(path: &Path, figure: &F) -> Result<Vec<u8>, PlotError> {
    register_font();
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let bytes = match extension.as_deref() {
        Some("png") => render_png(figure),
        Some("svg") => render_svg(figure),
        _ => {
            return Err(PlotError::UnsupportedFormat {
                path: path.to_path_buf(),
            })
        }
    };
    bytes.map_err(|DrawError(message)| PlotError::Draw {
        path: path.to_path_buf(),
        message,
    })
}

fn render_png<F: Figure>(figure: &F) -> Result<Vec<u8>, DrawError> {
    use image::ImageEncoder;

    let (width, height) = figure.size();
    let mut pixels = vec![0u8; width as usize * height as usize * 3];
    {
        let bitmap = BitMapBackend::with_buffer(&mut pixels, (width, height));
        let root = GlyphBitmap::new(bitmap).into_drawing_area();
        root.fill(&WHITE)?;
        figure.draw(&root)?;
        root.present()?;
    }

    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&pixels, width, height, image::ColorType::Rgb8)
        .map_err(|e| DrawError(format!("PNG encoding failed: {e}")))?;
    Ok(png)
}

fn render_svg<F: Figure>(figure: &F) -> Result<Vec<u8>, DrawError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, figure.size()).into_drawing_area();
        root.fill(&WHITE)?;
        figure.draw(&root)?;
        root.present()?;
    }
    Ok(svg.into_bytes())
}

/// Writes `bytes` to `path` atomically: to a temporary file in the same
/// folder first, flushed to disk, then renamed onto `path`.
///
/// A reader never sees a half-written file, and a failed write leaves an
/// existing file at `path` untouched.
///
/// # Errors
///
/// Returns the I/O error of creating, writing or renaming the temporary file
/// (for example a missing folder or no permission). The temporary file is
/// removed on failure.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    // Distinguishes concurrent writes of the same file name in one process.
    static COUNTER: AtomicU64 = AtomicU64::new(0);

    let file_name = path.file_name().ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the path has no file name",
        )
    })?;
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let temporary = folder.join(format!(
        ".{}.{}-{}.tmp",
        file_name.to_string_lossy(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));

    let written = File::create(&temporary).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    let result = written.and_then(|()| fs::rename(&temporary, path));
    if result.is_err() {
        // The temporary file may not exist (creation failed); nothing to report then.
        let _ = fs::remove_file(&temporary);
    }
    result
}
