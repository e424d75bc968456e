//! The LAPACK calls. Every `unsafe` LAPACK call of the crate lives here.
//!
//! The SVD uses `?gesdd` (divide and conquer) with `jobz = 'S'`: it returns
//! the thin factors, so a 2000x200 input costs a 2000x200 `U` rather than the
//! 2000x2000 one that nalgebra-lapack's `SVD` (which asks for `jobz = 'A'`)
//! allocates. Divide and conquer is the faster of LAPACK's two SVD drivers
//! on large inputs, and numpy's `svd` calls it too.

use crate::LinalgError;

fn gesdd_meaning(info: i32) -> &'static str {
    if info < 0 {
        "an argument had an illegal value (a bug in ferroflux-linalg)"
    } else {
        "the bidiagonal SVD did not converge"
    }
}

macro_rules! gesdd_fn {
    ($name:ident, $t:ty, $lapack:path, $routine:literal) => {
        /// Thin SVD of the column-major `m x n` matrix in `a` (destroyed).
        ///
        /// `s` gets `min(m, n)` values, `u` is `m x min(m, n)` and `vt` is
        /// `min(m, n) x n`, both column-major.
        pub(crate) fn $name(
            m: usize,
            n: usize,
            a: &mut [$t],
            s: &mut [$t],
            u: &mut [$t],
            vt: &mut [$t],
        ) -> Result<(), LinalgError> {
            let p = m.min(n);
            assert!(p > 0, "gesdd: empty input reached LAPACK");
            assert_eq!(a.len(), m * n);
            assert_eq!(s.len(), p);
            assert_eq!(u.len(), m * p);
            assert_eq!(vt.len(), p * n);
            let to_i32 = |x: usize| {
                i32::try_from(x).unwrap_or_else(|_| panic!("svd: dimension {x} exceeds i32::MAX"))
            };
            let (mi, ni, pi) = (to_i32(m), to_i32(n), to_i32(p));
            let mut iwork = vec![0i32; 8 * p];
            let mut info = 0;

            // Workspace query: lwork = -1 writes the optimal size into work[0].
            let mut query = [0.0 as $t; 1];
            // SAFETY: the slices have the lengths asserted above, with lda = m,
            // ldu = m and ldvt = p, which is what jobz = 'S' requires; iwork has
            // the documented 8*min(m, n) entries.
            unsafe {
                $lapack(
                    b'S', mi, ni, a, mi, s, u, mi, vt, pi, &mut query, -1, &mut iwork, &mut info,
                );
            }
            if info != 0 {
                return Err(LinalgError::Lapack {
                    routine: $routine,
                    info,
                    meaning: gesdd_meaning(info),
                });
            }

            let lwork = (query[0] as usize).max(1);
            let mut work = vec![0.0 as $t; lwork];
            // SAFETY: as above, and work has the lwork entries the query asked for.
            unsafe {
                $lapack(
                    b'S',
                    mi,
                    ni,
                    a,
                    mi,
                    s,
                    u,
                    mi,
                    vt,
                    pi,
                    &mut work,
                    to_i32(lwork),
                    &mut iwork,
                    &mut info,
                );
            }
            if info != 0 {
                return Err(LinalgError::Lapack {
                    routine: $routine,
                    info,
                    meaning: gesdd_meaning(info),
                });
            }
            Ok(())
        }
    };
}

gesdd_fn!(sgesdd, f32, lapack::sgesdd, "sgesdd");
gesdd_fn!(dgesdd, f64, lapack::dgesdd, "dgesdd");
