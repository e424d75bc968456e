//! Pictures made of heatmaps: two side by side, and a correlation matrix.

use std::path::Path;

use ferroflux_linalg::Matrix;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::Heatmap;
use crate::color::ColorScale;
use crate::render::{save, DrawError, Figure};
use crate::validate::{self, invalid};
use crate::PlotError;

/// One or more heatmaps stacked in a column or a row.
pub(super) struct Stack<'h, 'a> {
    panels: Vec<&'h Heatmap<'a>>,
    side_by_side: bool,
}

impl<'h, 'a> Stack<'h, 'a> {
    pub(super) fn single(heatmap: &'h Heatmap<'a>) -> Self {
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
        .scale(ColorScale::Diverging { limit: 1.0 })
        .color_label("correlation");
    if let Some(names) = names {
        heatmap = heatmap.row_names(names).column_names(names);
    }
    if rows <= 12 {
        heatmap = heatmap.annotate(true);
    }
    heatmap.save(path)
}
