//! A vectorisable `exp` for slices, the inner loop of the softmax kernels.
//!
//! `f64::exp` from libm is a function call per element that the compiler
//! cannot vectorise. These kernels use the textbook scheme instead:
//! `exp(x) = 2^n * exp(r)` with `n = round(x / ln 2)` and `|r| <= ln(2)/2`.
//! The reduction subtracts `n ln 2` in two parts (Cody and Waite) so that `r`
//! stays exact, and a Taylor polynomial gives `exp(r)`. The scale `2^n` is
//! applied as two halves, so subnormal results and overflow to infinity come
//! out right. The loop has no branches, so it compiles to SIMD. On x86-64 an
//! AVX-512F or AVX2 copy with FMA is chosen at run time. The polynomial uses
//! fused multiply-adds (`mul_add`), which are correctly rounded whether the
//! CPU or libm computes them, so every machine returns identical bits; a
//! CPU without FMA gets them from libm, slowly.
//!
//! Accuracy, checked against libm in this module's tests over the whole
//! range: at most 2 ulp for f64 and f32. NaN gives NaN, `-inf` gives 0 and
//! `+inf` gives `+inf`.

use crate::Float;

/// Replaces every element of `xs` with its exponential.
pub fn exp_in_place<T: Float>(xs: &mut [T]) {
    T::exp_slice(xs);
}

/// Writes `exp(x)` for each element of `xs` into `out`.
///
/// # Panics
/// If the slices differ in length.
pub fn exp_slice<T: Float>(xs: &[T], out: &mut [T]) {
    assert_eq!(
        xs.len(),
        out.len(),
        "exp_slice: input has {} elements, output {}",
        xs.len(),
        out.len()
    );
    out.copy_from_slice(xs);
    T::exp_slice(out);
}

// 1/k! for k = 0..=13. The remainder term r^14/14! is below 5e-18 for
// |r| <= ln(2)/2, well under half an ulp of f64.
const INV_FACT_F64: [f64; 14] = [
    1.0,
    1.0,
    0.5,
    0.16666666666666666,
    0.041666666666666664,
    0.008333333333333333,
    0.001388888888888889,
    0.0001984126984126984,
    2.48015873015873e-05,
    2.7557319223985893e-06,
    2.755731922398589e-07,
    2.505210838544172e-08,
    2.08767569878681e-09,
    1.6059043836821613e-10,
];

const LOG2_E: f64 = std::f64::consts::LOG2_E;
// ln(2) split so that n * LN2_HI is exact for |n| < 2^11.
const LN2_HI_F64: f64 = 6.931_471_803_691_238e-1;
const LN2_LO_F64: f64 = 1.908_214_929_270_587_7e-10;
// 1.5 * 2^52: adding it rounds to an integer held in the low mantissa bits.
const ROUND_F64: f64 = 6_755_399_441_055_744.0;

#[inline(always)]
fn exp_f64(x: f64) -> f64 {
    // Beyond these bounds the result is 0 or infinity anyway; clamping keeps
    // n inside the range where the two-step scale below is valid.
    let x = x.clamp(-746.0, 710.0);
    let t = x * LOG2_E + ROUND_F64;
    let n = t - ROUND_F64;
    let r = (x - n * LN2_HI_F64) - n * LN2_LO_F64;
    let mut p = INV_FACT_F64[13];
    for &c in INV_FACT_F64[..13].iter().rev() {
        p = p.mul_add(r, c);
    }
    // n is an integer in [-1077, 1025]; split it so each half is a normal power of two.
    let ni = (t.to_bits() as i64).wrapping_sub(ROUND_F64.to_bits() as i64);
    let half = ni >> 1;
    let scale_a = f64::from_bits(((half + 1023) as u64) << 52);
    let scale_b = f64::from_bits(((ni - half + 1023) as u64) << 52);
    p * scale_a * scale_b
}

// 1/k! for k = 0..=7: r^8/8! < 5e-9 relative for |r| <= ln(2)/2, below half
// an ulp of f32 (6e-8).
const INV_FACT_F32: [f32; 8] = [
    1.0,
    1.0,
    0.5,
    1.666_666_7e-1,
    4.166_666_8e-2,
    8.333_334e-3,
    1.388_888_9e-3,
    1.984_127e-4,
];
const LN2_HI_F32: f32 = 0.693_359_4;
const LN2_LO_F32: f32 = -2.121_944_4e-4;
// 1.5 * 2^23.
const ROUND_F32: f32 = 12_582_912.0;

#[inline(always)]
fn exp_f32(x: f32) -> f32 {
    let x = x.clamp(-104.0, 89.0);
    let t = x * std::f32::consts::LOG2_E + ROUND_F32;
    let n = t - ROUND_F32;
    let r = (x - n * LN2_HI_F32) - n * LN2_LO_F32;
    let mut p = INV_FACT_F32[7];
    for &c in INV_FACT_F32[..7].iter().rev() {
        p = p.mul_add(r, c);
    }
    let ni = (t.to_bits() as i32).wrapping_sub(ROUND_F32.to_bits() as i32);
    let half = ni >> 1;
    let scale_a = f32::from_bits(((half + 127) as u32) << 23);
    let scale_b = f32::from_bits(((ni - half + 127) as u32) << 23);
    p * scale_a * scale_b
}

/// Elements per block of the block kernels: four 512-bit vectors of f64.
const BLOCK_F64: usize = 32;
/// Elements per block for f32: four 512-bit vectors.
const BLOCK_F32: usize = 64;

/// [`exp_f64`] on a block, one stage at a time across all elements.
///
/// Horner's rule is a chain of dependent multiply-adds, so an element-wise
/// loop waits on each step's latency. Running each stage over the whole
/// block gives the CPU four independent vectors to overlap. Every element
/// sees the same operations in the same order as in `exp_f64`, so the
/// results are identical.
#[inline(always)]
fn exp_block_f64(xs: &mut [f64; BLOCK_F64]) {
    let mut t = [0.0; BLOCK_F64];
    let mut r = [0.0; BLOCK_F64];
    for i in 0..BLOCK_F64 {
        let x = xs[i].clamp(-746.0, 710.0);
        t[i] = x * LOG2_E + ROUND_F64;
        let n = t[i] - ROUND_F64;
        r[i] = (x - n * LN2_HI_F64) - n * LN2_LO_F64;
    }
    let mut p = [INV_FACT_F64[13]; BLOCK_F64];
    for &c in INV_FACT_F64[..13].iter().rev() {
        for i in 0..BLOCK_F64 {
            p[i] = p[i].mul_add(r[i], c);
        }
    }
    for i in 0..BLOCK_F64 {
        let ni = (t[i].to_bits() as i64).wrapping_sub(ROUND_F64.to_bits() as i64);
        let half = ni >> 1;
        let scale_a = f64::from_bits(((half + 1023) as u64) << 52);
        let scale_b = f64::from_bits(((ni - half + 1023) as u64) << 52);
        xs[i] = p[i] * scale_a * scale_b;
    }
}

/// [`exp_f32`] on a block; see [`exp_block_f64`].
#[inline(always)]
fn exp_block_f32(xs: &mut [f32; BLOCK_F32]) {
    let mut t = [0.0; BLOCK_F32];
    let mut r = [0.0; BLOCK_F32];
    for i in 0..BLOCK_F32 {
        let x = xs[i].clamp(-104.0, 89.0);
        t[i] = x * std::f32::consts::LOG2_E + ROUND_F32;
        let n = t[i] - ROUND_F32;
        r[i] = (x - n * LN2_HI_F32) - n * LN2_LO_F32;
    }
    let mut p = [INV_FACT_F32[7]; BLOCK_F32];
    for &c in INV_FACT_F32[..7].iter().rev() {
        for i in 0..BLOCK_F32 {
            p[i] = p[i].mul_add(r[i], c);
        }
    }
    for i in 0..BLOCK_F32 {
        let ni = (t[i].to_bits() as i32).wrapping_sub(ROUND_F32.to_bits() as i32);
        let half = ni >> 1;
        let scale_a = f32::from_bits(((half + 127) as u32) << 23);
        let scale_b = f32::from_bits(((ni - half + 127) as u32) << 23);
        xs[i] = p[i] * scale_a * scale_b;
    }
}

macro_rules! exp_kernels {
    (
        $portable:ident, $avx2:ident, $avx512:ident, $dispatch:ident, $t:ty, $scalar:ident,
        $block:ident, $len:ident
    ) => {
        #[inline(always)]
        fn $portable(xs: &mut [$t]) {
            let mut blocks = xs.chunks_exact_mut($len);
            for block in &mut blocks {
                $block(block.try_into().expect("chunks_exact yields full blocks"));
            }
            for x in blocks.into_remainder() {
                *x = $scalar(*x);
            }
        }

        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx2,fma")]
        fn $avx2(xs: &mut [$t]) {
            $portable(xs)
        }

        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = "avx512f,fma")]
        fn $avx512(xs: &mut [$t]) {
            $portable(xs)
        }

        pub(crate) fn $dispatch(xs: &mut [$t]) {
            #[cfg(target_arch = "x86_64")]
            {
                let fma = std::arch::is_x86_feature_detected!("fma");
                if fma && std::arch::is_x86_feature_detected!("avx512f") {
                    // SAFETY: the CPU supports AVX-512F and FMA, checked above.
                    unsafe { $avx512(xs) };
                    return;
                }
                if fma && std::arch::is_x86_feature_detected!("avx2") {
                    // SAFETY: the CPU supports AVX2 and FMA, checked above.
                    unsafe { $avx2(xs) };
                    return;
                }
            }
            $portable(xs)
        }
    };
}

exp_kernels!(
    exp_f64_portable,
    exp_f64_avx2,
    exp_f64_avx512,
    exp_f64_slice,
    f64,
    exp_f64,
    exp_block_f64,
    BLOCK_F64
);
exp_kernels!(
    exp_f32_portable,
    exp_f32_avx2,
    exp_f32_avx512,
    exp_f32_slice,
    f32,
    exp_f32,
    exp_block_f32,
    BLOCK_F32
);

#[cfg(test)]
mod tests {
    use super::*;

    fn ulp_distance_f64(a: f64, b: f64) -> u64 {
        (a.to_bits() as i64 - b.to_bits() as i64).unsigned_abs()
    }

    #[test]
    fn exp_f64_within_two_ulp_of_libm() {
        let mut worst = 0;
        let mut x = -745.0;
        while x < 709.7 {
            let got = exp_f64(x);
            let want = x.exp();
            if want > f64::MIN_POSITIVE {
                worst = worst.max(ulp_distance_f64(got, want));
            } else {
                // Subnormal results carry fewer bits; compare absolutely.
                assert!(
                    (got - want).abs() <= 2.0 * 4.9e-324,
                    "exp({x}) = {got}, libm {want}"
                );
            }
            x += 0.0137;
        }
        assert!(worst <= 2, "worst error {worst} ulp");
    }

    #[test]
    fn exp_f32_within_two_ulp_of_libm() {
        let mut worst = 0;
        let mut x = -87.0f32;
        while x < 88.7 {
            let got = exp_f32(x);
            let want = (x as f64).exp() as f32;
            worst = worst.max((got.to_bits() as i64 - want.to_bits() as i64).unsigned_abs());
            x += 0.00731;
        }
        assert!(worst <= 2, "worst error {worst} ulp");
    }

    #[test]
    fn exp_special_values() {
        let mut xs = [
            f64::NAN,
            f64::NEG_INFINITY,
            f64::INFINITY,
            0.0,
            -800.0,
            800.0,
            -744.0,
        ];
        exp_f64_slice(&mut xs);
        assert!(xs[0].is_nan());
        assert_eq!(xs[1], 0.0);
        assert_eq!(xs[2], f64::INFINITY);
        assert_eq!(xs[3], 1.0);
        assert_eq!(xs[4], 0.0);
        assert_eq!(xs[5], f64::INFINITY);
        assert!(
            xs[6] > 0.0 && xs[6] < f64::MIN_POSITIVE,
            "exp(-744) is subnormal, got {}",
            xs[6]
        );

        let mut ys = [
            f32::NAN,
            f32::NEG_INFINITY,
            f32::INFINITY,
            0.0,
            -200.0,
            200.0,
        ];
        exp_f32_slice(&mut ys);
        assert!(ys[0].is_nan());
        assert_eq!(ys[1], 0.0);
        assert_eq!(ys[2], f32::INFINITY);
        assert_eq!(ys[3], 1.0);
        assert_eq!(ys[4], 0.0);
        assert_eq!(ys[5], f32::INFINITY);
    }

    #[test]
    fn dispatch_matches_portable_bits() {
        let xs: Vec<f64> = (0..1000).map(|i| -700.0 + 1.4 * i as f64).collect();
        let mut a = xs.clone();
        let mut b = xs;
        exp_f64_portable(&mut a);
        exp_f64_slice(&mut b);
        assert_eq!(a, b);
    }

    #[test]
    fn blocks_match_scalar_bits() {
        // 1000 elements: 31 full f64 blocks plus a remainder of 8, and 15
        // full f32 blocks plus 40.
        let xs: Vec<f64> = (0..1000).map(|i| -745.0 + 1.45 * i as f64).collect();
        let mut blocked = xs.clone();
        exp_f64_slice(&mut blocked);
        for (x, got) in xs.iter().zip(&blocked) {
            assert_eq!(got.to_bits(), exp_f64(*x).to_bits(), "exp({x})");
        }

        let ys: Vec<f32> = (0..1000).map(|i| -103.0 + 0.19 * i as f32).collect();
        let mut blocked = ys.clone();
        exp_f32_slice(&mut blocked);
        for (y, got) in ys.iter().zip(&blocked) {
            assert_eq!(got.to_bits(), exp_f32(*y).to_bits(), "exp({y})");
        }
    }
}
