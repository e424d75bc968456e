//! Structural ops: transpose, slicing, gathering columns, reshaping and
//! concatenation. Each moves elements without arithmetic, so its reverse
//! rule moves the cotangent back (adding where an element was used twice).

use ferroflux_linalg::{Float, Matrix};

use crate::rules::{Attrs, Jvp, Output, Vjp};
use crate::tensor::Tensor;

fn transpose_vjp<T: Float>(v: &mut Vjp<'_, T>) {
    let ybar = v.ybar;
    if let Some(g) = v.grad(0) {
        for j in 0..g.ncols() {
            for i in 0..g.nrows() {
                g[(i, j)] += ybar[(j, i)];
            }
        }
    }
}

fn transpose_jvp<T: Float>(j: &Jvp<'_, T>) -> Matrix<T> {
    j.xdot(0).transpose()
}

/// Slice attributes: `ints = [start, count, axis]` with axis 0 for rows and 1
/// for columns.
fn slice_vjp<T: Float>(v: &mut Vjp<'_, T>) {
    let [start, count, axis] = v.attrs.ints;
    let ybar = v.ybar;
    if let Some(g) = v.grad(0) {
        let mut part = if axis == 0 {
            g.rows_mut(start, count)
        } else {
            g.columns_mut(start, count)
        };
        part += ybar;
    }
}

fn slice_jvp<T: Float>(j: &Jvp<'_, T>) -> Matrix<T> {
    let [start, count, axis] = j.attrs.ints;
    if axis == 0 {
        j.xdot(0).rows(start, count).into_owned()
    } else {
        j.xdot(0).columns(start, count).into_owned()
    }
}

fn select_vjp<T: Float>(v: &mut Vjp<'_, T>) {
    let (indices, ybar) = (v.indices, v.ybar);
    if let Some(g) = v.grad(0) {
        for (k, &c) in indices.iter().enumerate() {
            let mut col = g.column_mut(c);
            col += ybar.column(k);
        }
    }
}

fn select_jvp<T: Float>(j: &Jvp<'_, T>) -> Matrix<T> {
    j.xdot(0).select_columns(j.indices)
}

fn reshape_vjp<T: Float>(v: &mut Vjp<'_, T>) {
    let ybar = v.ybar;
    if let Some(g) = v.grad(0) {
        let gs = g.as_mut_slice();
        gs.iter_mut()
            .zip(ybar.as_slice())
            .for_each(|(g, &t)| *g += t);
    }
}

fn reshape_jvp<T: Float>(j: &Jvp<'_, T>) -> Matrix<T> {
    let x = j.xdot(0);
    Matrix::from_column_slice(j.y.nrows(), j.y.ncols(), x.as_slice())
}

/// Concatenation attributes: `ints[0]` is 0 for vcat and 1 for hcat.
fn concat_vjp<T: Float>(v: &mut Vjp<'_, T>) {
    let vertical = v.attrs.ints[0] == 0;
    let ybar = v.ybar;
    let mut offset = 0;
    for k in 0..v.arity() {
        let x = v.x(k);
        let len = if vertical { x.nrows() } else { x.ncols() };
        if let Some(g) = v.grad(k) {
            if vertical {
                *g += ybar.rows(offset, len);
            } else {
                *g += ybar.columns(offset, len);
            }
        }
        offset += len;
    }
}

fn concat_jvp<T: Float>(j: &Jvp<'_, T>) -> Matrix<T> {
    let vertical = j.attrs.ints[0] == 0;
    let mut out = Matrix::zeros(j.y.nrows(), j.y.ncols());
    let mut offset = 0;
    for k in 0..j.arity() {
        let d = j.xdot(k);
        if vertical {
            out.rows_mut(offset, d.nrows()).copy_from(d);
            offset += d.nrows();
        } else {
            out.columns_mut(offset, d.ncols()).copy_from(d);
            offset += d.ncols();
        }
    }
    out
}

#[track_caller]
fn concat<T: Float>(parts: &[&Tensor<T>], vertical: bool) -> Tensor<T> {
    let rule = if vertical {
        rule!("vcat", concat_vjp::<T>, concat_jvp::<T>)
    } else {
        rule!("hcat", concat_vjp::<T>, concat_jvp::<T>)
    };
    let name = rule.name;
    assert!(
        !parts.is_empty(),
        "{name}: no parts given; pass at least one tensor"
    );
    let (r0, c0) = parts[0].shape();
    for (k, p) in parts.iter().enumerate() {
        let (r, c) = p.shape();
        let fits = if vertical { c == c0 } else { r == r0 };
        assert!(
            fits,
            "{name}: part 0 is {r0}x{c0} but part {k} is {r}x{c}; all parts need the same \
             number of {}",
            if vertical { "columns" } else { "rows" }
        );
    }
    let (rows, cols) = if vertical {
        (parts.iter().map(|p| p.nrows()).sum(), c0)
    } else {
        (r0, parts.iter().map(|p| p.ncols()).sum())
    };
    let mut out = Output::new(parts, rows, cols);
    {
        let y = out.matrix();
        let mut offset = 0;
        for p in parts {
            if vertical {
                y.rows_mut(offset, p.nrows()).copy_from(&*p.value);
                offset += p.nrows();
            } else {
                y.columns_mut(offset, p.ncols()).copy_from(&*p.value);
                offset += p.ncols();
            }
        }
    }
    out.finish(parts, rule, Attrs::ints([usize::from(!vertical), 0, 0]))
}

#[track_caller]
fn slice<T: Float>(x: &Tensor<T>, start: usize, count: usize, axis: usize) -> Tensor<T> {
    let (name, what, len) = if axis == 0 {
        ("rows", "rows", x.nrows())
    } else {
        ("columns", "columns", x.ncols())
    };
    assert!(
        start.checked_add(count).is_some_and(|end| end <= len),
        "{name}: the slice of {count} {what} from {start} exceeds the {}x{} tensor, which has \
         {len} {what}",
        x.nrows(),
        x.ncols()
    );
    let (r, c) = if axis == 0 {
        (count, x.ncols())
    } else {
        (x.nrows(), count)
    };
    let mut out = Output::new(&[x], r, c);
    if axis == 0 {
        out.matrix().copy_from(&x.value.rows(start, count));
    } else {
        out.matrix().copy_from(&x.value.columns(start, count));
    }
    let rule = if axis == 0 {
        rule!("rows", slice_vjp::<T>, slice_jvp::<T>)
    } else {
        rule!("columns", slice_vjp::<T>, slice_jvp::<T>)
    };
    out.finish(&[x], rule, Attrs::ints([start, count, axis]))
}

impl<T: Float> Tensor<T> {
    /// Returns the transpose `xᵀ`.
    pub fn transpose(&self) -> Tensor<T> {
        let mut out = Output::new(&[self], self.ncols(), self.nrows());
        self.value.transpose_to(out.matrix());
        let rule = rule!("transpose", transpose_vjp::<T>, transpose_jvp::<T>);
        out.finish(&[self], rule, Attrs::default())
    }

    /// Returns `count` rows starting at row `start`.
    ///
    /// # Panics
    /// If the range exceeds the rows; the message names it and the shape.
    #[track_caller]
    pub fn rows(&self, start: usize, count: usize) -> Tensor<T> {
        slice(self, start, count, 0)
    }

    /// Returns `count` columns starting at column `start`.
    ///
    /// # Panics
    /// If the range exceeds the columns; the message names it and the shape.
    #[track_caller]
    pub fn columns(&self, start: usize, count: usize) -> Tensor<T> {
        slice(self, start, count, 1)
    }

    /// Returns the columns at `indices`, in that order; an index may repeat,
    /// and its column's gradient then sums over the repeats (an embedding
    /// lookup).
    ///
    /// # Panics
    /// If an index is out of range; the message names it and the column count.
    #[track_caller]
    pub fn select_columns(&self, indices: &[usize]) -> Tensor<T> {
        let n = self.ncols();
        if let Some((k, &c)) = indices.iter().enumerate().find(|(_, &c)| c >= n) {
            panic!(
                "select_columns: index {c} at position {k} is out of range for a {}x{n} tensor; \
                 column indices run from 0 to {}",
                self.nrows(),
                n.saturating_sub(1)
            );
        }
        let mut out = Output::new(&[self], self.nrows(), indices.len());
        {
            let y = out.matrix();
            for (k, &c) in indices.iter().enumerate() {
                y.column_mut(k).copy_from(&self.value.column(c));
            }
        }
        let rule = rule!("select_columns", select_vjp::<T>, select_jvp::<T>);
        out.finish_with_indices(&[self], rule, Attrs::default(), indices)
    }

    /// Returns the elements in a `nrows x ncols` shape, keeping column-major
    /// order (Julia's `reshape`).
    ///
    /// # Panics
    /// If `nrows·ncols` differs from the element count; the message names
    /// both shapes.
    #[track_caller]
    pub fn reshape(&self, nrows: usize, ncols: usize) -> Tensor<T> {
        assert!(
            nrows.checked_mul(ncols) == Some(self.len()),
            "reshape: a {}x{} tensor has {} elements and cannot become {nrows}x{ncols}",
            self.nrows(),
            self.ncols(),
            self.len()
        );
        let mut out = Output::new(&[self], nrows, ncols);
        out.matrix()
            .as_mut_slice()
            .copy_from_slice(self.value.as_slice());
        let rule = rule!("reshape", reshape_vjp::<T>, reshape_jvp::<T>);
        out.finish(&[self], rule, Attrs::default())
    }

    /// Stacks tensors with equal column counts on top of each other.
    ///
    /// # Panics
    /// If `parts` is empty or the column counts differ (the message names the
    /// shapes).
    #[track_caller]
    pub fn vcat(parts: &[&Tensor<T>]) -> Tensor<T> {
        concat(parts, true)
    }

    /// Places tensors with equal row counts side by side.
    ///
    /// # Panics
    /// If `parts` is empty or the row counts differ (the message names the
    /// shapes).
    #[track_caller]
    pub fn hcat(parts: &[&Tensor<T>]) -> Tensor<T> {
        concat(parts, false)
    }
}
