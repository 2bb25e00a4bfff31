//! Sizes as people write them: `16MiB`, `512KiB`, `1MB`, `2048`.

/// A size that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum SizeError {
    #[error("{0:?} is not a size: give bytes, optionally with a unit (B, KB, MB, GB, KiB, MiB, GiB), e.g. 16MiB")]
    Malformed(String),
    #[error("{0:?} is too large")]
    TooLarge(String),
    #[error("the size must be at least 1 byte")]
    Zero,
}

/// Parses a byte count: a whole number, optionally followed by a unit
/// (`B`; decimal `KB`, `MB`, `GB`; binary `KiB`, `MiB`, `GiB`; case-insensitive,
/// a space allowed before it).
pub fn parse_size(text: &str) -> Result<usize, SizeError> {
    let s = text.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, unit) = s.split_at(split);
    if digits.is_empty() {
        return Err(SizeError::Malformed(text.to_string()));
    }
    let n: u64 = digits
        .parse()
        .map_err(|_| SizeError::TooLarge(text.to_string()))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        _ => return Err(SizeError::Malformed(text.to_string())),
    };
    let bytes = n
        .checked_mul(mult)
        .and_then(|b| usize::try_from(b).ok())
        .ok_or_else(|| SizeError::TooLarge(text.to_string()))?;
    if bytes == 0 {
        return Err(SizeError::Zero);
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        for (s, n) in [
            ("2048", 2048),
            ("16MiB", 16 << 20),
            ("512KiB", 512 << 10),
            ("1KiB", 1024),
            ("1MB", 1_000_000),
            ("3 kb", 3000),
            ("1GiB", 1 << 30),
            ("7B", 7),
            (" 10mib ", 10 << 20),
        ] {
            assert_eq!(parse_size(s).unwrap(), n, "{s}");
        }
        for s in ["", "MiB", "1.5MiB", "-1", "12 parsecs", "1TiB", "0"] {
            assert!(parse_size(s).is_err(), "{s}");
        }
        assert!(matches!(
            parse_size("99999999999999999999999GiB"),
            Err(SizeError::TooLarge(_))
        ));
        assert!(matches!(
            parse_size("18446744073709551615GiB"),
            Err(SizeError::TooLarge(_))
        ));
    }
}
