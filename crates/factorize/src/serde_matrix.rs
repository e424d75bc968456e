//! Serialises a matrix as `{"rows": m, "cols": n, "data": [[row 0], [row 1], ...]}`,
//! row by row, which reads naturally in a JSON report.

use ferroflux_linalg::Matrix;
use serde::ser::{SerializeSeq, SerializeStruct, Serializer};

struct Rows<'a>(&'a Matrix<f64>);

impl serde::Serialize for Rows<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.nrows()))?;
        for row in self.0.row_iter() {
            let values: Vec<f64> = row.iter().copied().collect();
            seq.serialize_element(&values)?;
        }
        seq.end()
    }
}

pub(crate) fn serialize<S: Serializer>(m: &Matrix<f64>, serializer: S) -> Result<S::Ok, S::Error> {
    let mut out = serializer.serialize_struct("Matrix", 3)?;
    out.serialize_field("rows", &m.nrows())?;
    out.serialize_field("cols", &m.ncols())?;
    out.serialize_field("data", &Rows(m))?;
    out.end()
}
