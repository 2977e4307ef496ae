//! Whole numbers in the report's text (`CHF 4999`, `1450 W`) written fast.
//!
//! A plan writes several thousand `{:.0}` figures; the standard library
//! formats each through its exact decimal algorithm (Grisu with a bignum
//! Dragon fallback), which was about a tenth of a plan's CPU time. Rounding
//! half to even and writing the integer gives the same text: `{:.0}` rounds
//! the exact binary value half to even as well (a test below compares them).

use std::fmt;

/// `x` as `{:.0}` writes it. Use it as the argument of a `{:.0}` (or `{}`)
/// placeholder; any other precision, a width or a sign flag, and figures
/// beyond `i64`, go to `f64`'s own formatting.
#[derive(Clone, Copy)]
pub(crate) struct Whole(pub f64);

/// Magnitudes up to which every rounded value converts to `i64` exactly.
const EXACT: f64 = 9.0e15;

impl fmt::Display for Whole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let x = self.0;
        let plain = f.precision().is_none_or(|p| p == 0)
            && f.width().is_none()
            && !f.sign_plus()
            && x.is_finite()
            && x.abs() < EXACT;
        if !plain {
            return match f.precision() {
                Some(_) => fmt::Display::fmt(&x, f),
                None => write!(f, "{x:.0}"),
            };
        }
        let r = x.round_ties_even();
        if r == 0.0 && x.is_sign_negative() {
            // `{:.0}` keeps the sign of a negative figure that rounds to zero.
            return f.write_str("-0");
        }
        write!(f, "{}", r as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::Whole;

    #[test]
    fn writes_what_the_standard_precision_zero_writes() {
        let mut v = vec![
            0.5,
            1.5,
            2.5,
            -0.5,
            -1.5,
            -0.4,
            -0.0,
            0.0,
            4999.5,
            1e15 + 0.5,
            2.675,
            0.49999999999999994,
            8.9e15,
            1e300,
            -1e300,
            f64::NAN,
            f64::INFINITY,
        ];
        // A deterministic spread of prices, watts and percentages.
        let mut s: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..200_000 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let m = (s % 200_000_000) as f64 / 1000.0 - 100_000.0;
            v.extend([m, m * 1.0001, (s % 100_000) as f64 + 0.5]);
        }
        for x in v {
            assert_eq!(format!("{:.0}", Whole(x)), format!("{x:.0}"), "{x:?}");
            assert_eq!(format!("{}", Whole(x)), format!("{x:.0}"), "{x:?}");
        }
        // Other precisions and flags fall back to f64's formatting.
        assert_eq!(format!("{:.1}", Whole(2.25)), "2.2");
        assert_eq!(format!("{:+.0}", Whole(3.0)), "+3");
        assert_eq!(format!("{:>5.0}", Whole(3.0)), "    3");
    }
}
