//! Numbers in messages, without `core::fmt`'s float formatting (about 12 KB of the
//! browser build). Integers and short decimals print exactly as `f64`'s `Display`
//! would; anything else gets at most 15 decimals, which is plenty for an error
//! message.

/// `v` as text: `31`, `0.05`, `-2.5`, `NaN`, `inf`.
pub fn fmt_num(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf" } else { "-inf" }.into();
    }
    let sign = if v < 0.0 { "-" } else { "" };
    let a = v.abs();
    if a >= 1e15 {
        // Integral at this size. Past u64, the low digits print as zeros.
        let (mut a, mut zeros) = (a, 0);
        while a >= 1e19 {
            a /= 10.0;
            zeros += 1;
        }
        return format!("{sign}{}{}", a as u64, "0".repeat(zeros));
    }
    // The fewest decimals that give `v` back exactly (the shortest form), else 15.
    let (mut decimals, mut scale) = (0u32, 1.0);
    let mut scaled = a.round();
    while scaled / scale != a && decimals < 15 && scaled < 9e15 {
        decimals += 1;
        scale *= 10.0;
        scaled = (a * scale).round();
    }
    let pow = 10u64.pow(decimals);
    let digits = scaled as u64;
    let (int, frac) = (digits / pow, digits % pow);
    if frac == 0 {
        format!("{sign}{int}")
    } else {
        let frac = format!("{frac:0width$}", width = decimals as usize);
        format!("{sign}{int}.{}", frac.trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    use super::fmt_num;

    #[test]
    fn matches_display_for_the_numbers_messages_show() {
        for v in [
            0.0, 1.0, 30.0, 31.0, 0.05, 0.1, 0.5, 2.5, 60.0, -3.0, 1.25, 0.001, 12345.678, 3.0,
            64.0, 600000.0, 1e14,
        ] {
            assert_eq!(fmt_num(v), v.to_string(), "{v}");
        }
        assert_eq!(fmt_num(6.0 * 0.5), "3");
        assert_eq!(fmt_num(f64::NAN), "NaN");
        assert_eq!(fmt_num(f64::NEG_INFINITY), "-inf");
        assert_eq!(fmt_num(1.0 / 3.0), "0.333333333333333");
        assert_eq!(fmt_num(1e20), "100000000000000000000");
    }
}
