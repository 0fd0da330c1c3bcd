//! Names for colours: the nearest entry of a small palette.

/// The nearest named colour to `rgb`.
pub fn colour_name(rgb: [u8; 3]) -> &'static str {
    const PALETTE: [(&str, [i32; 3]); 11] = [
        ("red", [220, 30, 30]),
        ("green", [30, 200, 30]),
        ("blue", [30, 30, 220]),
        ("yellow", [230, 230, 40]),
        ("cyan", [40, 220, 220]),
        ("magenta", [220, 40, 220]),
        ("orange", [240, 140, 20]),
        ("purple", [120, 40, 160]),
        ("white", [240, 240, 240]),
        ("gray", [128, 128, 128]),
        ("black", [15, 15, 15]),
    ];
    let [r, g, b] = rgb.map(i32::from);
    PALETTE
        .iter()
        .min_by_key(|(_, [pr, pg, pb])| (r - pr).pow(2) + (g - pg).pow(2) + (b - pb).pow(2))
        .map_or("unknown", |(name, _)| name)
}

#[cfg(test)]
mod tests {
    use super::colour_name;

    #[test]
    fn names_the_test_colours() {
        assert_eq!(colour_name([230, 20, 20]), "red");
        assert_eq!(colour_name([0, 250, 0]), "green");
        assert_eq!(colour_name([128, 130, 126]), "gray");
    }
}
