//! Parsing of Pipy's option value forms: times like `'5s'`, `'100ms'` or a number of seconds,
//! and sizes like `'64k'` or a number of bytes.

use std::time::Duration;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum OptionError {
    #[error("invalid time '{0}' (expected a number of seconds or e.g. '5s', '100ms', '1m')")]
    Time(String),
    #[error("invalid size '{0}' (expected a number of bytes or e.g. '64k', '1m')")]
    Size(String),
}

/// Seconds as a number; negative or non-finite is an error.
pub fn seconds(n: f64) -> Result<Duration, OptionError> {
    if n.is_finite() && n >= 0.0 {
        Ok(Duration::from_secs_f64(n))
    } else {
        Err(OptionError::Time(n.to_string()))
    }
}

/// `'10ms'`, `'5s'`, `'2m'`, `'1h'`, `'1d'`, or a bare number of seconds.
pub fn parse_time(s: &str) -> Result<Duration, OptionError> {
    let t = s.trim();
    let err = || OptionError::Time(s.to_string());
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().map_err(|_| err())?;
    let scale = match unit.trim() {
        "" | "s" => 1.0,
        "ms" => 0.001,
        "m" => 60.0,
        "h" => 3600.0,
        "d" => 86400.0,
        _ => return Err(err()),
    };
    seconds(n * scale).map_err(|_| err())
}

/// `'64k'`, `'1m'`, `'2g'` (powers of 1024, any case, optional trailing `b`), or a number.
pub fn parse_size(s: &str) -> Result<u64, OptionError> {
    let t = s.trim();
    let err = || OptionError::Size(s.to_string());
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().map_err(|_| err())?;
    let unit = unit.trim().to_ascii_lowercase();
    let unit = unit.strip_suffix('b').unwrap_or(&unit);
    let scale = match unit {
        "" => 1.0,
        "k" => 1024.0,
        "m" => 1024.0 * 1024.0,
        "g" => 1024.0 * 1024.0 * 1024.0,
        _ => return Err(err()),
    };
    let v = n * scale;
    if v.is_finite() && v >= 0.0 && v <= u64::MAX as f64 {
        Ok(v as u64)
    } else {
        Err(err())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(parse_time("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_time("100ms"), Ok(Duration::from_millis(100)));
        assert_eq!(parse_time("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_time("1.5"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_time("1h"), Ok(Duration::from_secs(3600)));
        assert!(parse_time("5x").is_err());
        assert!(parse_time("").is_err());
        assert!(parse_time("s").is_err());
        assert!(seconds(-1.0).is_err());
        assert!(seconds(f64::NAN).is_err());
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("64k"), Ok(65536));
        assert_eq!(parse_size("1M"), Ok(1 << 20));
        assert_eq!(parse_size("2gb"), Ok(2 << 30));
        assert_eq!(parse_size("100"), Ok(100));
        assert!(parse_size("1q").is_err());
        assert!(parse_size("-1").is_err());
    }
}
