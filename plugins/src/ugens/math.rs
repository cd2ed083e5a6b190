//! The arithmetic that operators and UGens share, as scsynth defines it.

/// `x` truncated to an integer, as the bitwise operators read their inputs.
#[inline(always)]
pub(crate) fn int(x: f32) -> i32 {
    x as i32
}

/// `a mod b`: `a` wrapped into `[0, b)` (into `(b, 0]` for a negative `b`; 0 when `b` is 0).
/// One step of `b` is taken by subtraction or addition before falling back on division,
/// which is how scsynth rounds it.
#[inline(always)]
pub(crate) fn modulo(a: f32, b: f32) -> f32 {
    let mut x = a;
    if x >= b {
        x -= b;
        if x < b {
            return x;
        }
    } else if x < 0.0 {
        x += b;
        if x >= 0.0 {
            return x;
        }
    } else {
        return x;
    }
    if b == 0.0 {
        return 0.0;
    }
    x - b * (x / b).floor()
}

/// The greatest common divisor of `a` and `b` truncated to integers, negative when neither
/// is positive (as scsynth's is).
#[inline(always)]
pub(crate) fn gcd(a: f32, b: f32) -> f32 {
    let (a, b) = (int(a), int(b));
    let (mut x, mut y) = (a.unsigned_abs(), b.unsigned_abs());
    while y != 0 {
        (x, y) = (y, x % y);
    }
    let g = x as f32;
    if a <= 0 && b <= 0 {
        -g
    } else {
        g
    }
}

/// The least common multiple of `a` and `b` truncated to integers: their product over
/// their [`gcd`], 0 when that is 0.
#[inline(always)]
pub(crate) fn lcm(a: f32, b: f32) -> f32 {
    let g = gcd(a, b);
    if g == 0.0 {
        0.0
    } else {
        int(a) as f32 * int(b) as f32 / g
    }
}

/// `hypotApx`: `|a| + |b|` less `(√2 − 1)` times the smaller of them.
#[inline(always)]
pub(crate) fn hypot_approx(a: f32, b: f32) -> f32 {
    let (x, y) = (a.abs(), b.abs());
    x + y - (std::f32::consts::SQRT_2 - 1.0) * x.min(y)
}

/// `a ** b` with the sign of `a`: `−(|a| ** b)` for a negative `a`.
#[inline(always)]
pub(crate) fn signed_pow(a: f32, b: f32) -> f32 {
    if a < 0.0 {
        -(-a).powf(b)
    } else {
        a.powf(b)
    }
}

/// `a` clipped to `[-b, b]`, tested against `b` first (so a negative `b` gives `b` or `-b`).
#[inline(always)]
pub(crate) fn clip2(a: f32, b: f32) -> f32 {
    if a > b {
        b
    } else if a < -b {
        -b
    } else {
        a
    }
}

/// `x` folded back and forth into `[lo, hi]`. One reflection is taken by subtraction
/// before falling back on division, which is how scsynth rounds it.
#[inline(always)]
pub(crate) fn fold(x: f32, lo: f32, hi: f32) -> f32 {
    let offset = x - lo;
    let mut y = x;
    if y >= hi {
        y = hi + hi - y;
        if y >= lo {
            return y;
        }
    } else if y < lo {
        y = lo + lo - y;
        if y < hi {
            return y;
        }
    } else {
        return y;
    }
    if hi == lo {
        return lo;
    }
    let range = hi - lo;
    let range2 = range + range;
    let mut c = offset - range2 * (offset / range2).floor();
    if c >= range {
        c = range2 - c;
    }
    c + lo
}

/// `x` wrapped into `[lo, hi)`. One step of the range is taken by subtraction or addition
/// before falling back on division, which is how scsynth rounds it.
#[inline(always)]
pub(crate) fn wrap(x: f32, lo: f32, hi: f32) -> f32 {
    let range = hi - lo;
    let mut y = x;
    if y >= hi {
        y -= range;
        if y < hi {
            return y;
        }
    } else if y < lo {
        y += range;
        if y >= lo {
            return y;
        }
    } else {
        return y;
    }
    if hi == lo {
        return lo;
    }
    y - range * ((y - lo) / range).floor()
}

/// `2 ** x`, correctly rounded (through `f64`), as scsynth's control-rate code computes it.
#[inline(always)]
pub(crate) fn exp2(x: f32) -> f32 {
    f64::from(x).exp2() as f32
}

/// `log2(x)`, correctly rounded (through `f64`).
#[inline(always)]
pub(crate) fn log2(x: f32) -> f32 {
    f64::from(x).log2() as f32
}

/// `log2(x)` as scsynth's audio-rate (vector) code gives it for the values it handles:
/// exact for positive `x`, and −127 for 0 (the exponent of 0's bits), where the control-rate
/// code gives −∞. (scsynth's values for a negative `x` are meaningless; this gives NaN.)
#[inline(always)]
pub(crate) fn log2_audio(x: f32) -> f32 {
    if x == 0.0 {
        -127.0
    } else {
        log2(x)
    }
}

/// `1 / x` refined by one Newton step, as scsynth's reciprocal is: NaN for 0, where plain
/// division gives an infinity.
#[inline(always)]
pub(crate) fn reciprocal(x: f32) -> f32 {
    let r = 1.0 / x;
    r * (2.0 - x * r)
}
