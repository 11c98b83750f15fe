//! Durations and fractions as written in scenario files.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

/// A non-negative duration \[h\]: a number of hours, or a string with a unit
/// (`s`, `m` minutes, `h`, `d`, `w`, `y` = 365 d), e.g. `"30s"`, `"4h"`, `"1y"`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Duration(pub f64);

const DURATION_HINT: &str = "write a number of hours, or a string with a unit s, m, h, d, w or y (e.g. \"30s\", \"4h\", \"1.5d\", \"1y\")";

impl Duration {
    /// Parses the string form.
    ///
    /// # Errors
    /// A message saying what is wrong and how to write it.
    pub fn parse(s: &str) -> Result<Self, String> {
        let t = s.trim();
        // The unit is the trailing run of letters, so that an exponent ("1e3h") stays in the number.
        let num = t.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        let (num, unit) = t.split_at(num.len());
        if num.trim().is_empty() {
            // All letters ("nope", "soon"): no number, so no unit either.
            return Err(format!(
                "invalid duration \"{s}\": no number in it; {DURATION_HINT}"
            ));
        }
        let factor = match unit.trim() {
            "s" => 1.0 / 3600.0,
            "m" => 1.0 / 60.0,
            "h" | "" => 1.0,
            "d" => 24.0,
            "w" => 168.0,
            "y" => 8760.0,
            other => {
                return Err(format!(
                    "invalid duration \"{s}\": unknown unit \"{other}\"; {DURATION_HINT}"
                ));
            }
        };
        let value: f64 = num.trim().parse().map_err(|_| {
            format!(
                "invalid duration \"{s}\": \"{}\" is not a number; {DURATION_HINT}",
                num.trim()
            )
        })?;
        if value < 0.0 {
            // Said in the file's own words, not as a fraction of an hour.
            return Err(format!("invalid duration \"{s}\": durations cannot be negative"));
        }
        Self::hours(value * factor).map_err(|e| format!("invalid duration \"{s}\": {e}"))
    }

    /// A duration from a number of hours.
    ///
    /// # Errors
    /// When it is negative or not finite.
    pub fn hours(h: f64) -> Result<Self, String> {
        if !h.is_finite() {
            Err("durations must be finite".into())
        } else if h < 0.0 {
            Err(format!(
                "durations cannot be negative (got {} h)",
                super::shown(h)
            ))
        } else {
            Ok(Self(h))
        }
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Duration;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a duration: a number of hours, or a string with a unit s, m, h, d, w or y such as \"4h\"")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Duration, E> {
                Duration::hours(v).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Duration, E> {
                Duration::hours(v as f64).map_err(E::custom)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Duration, E> {
                Duration::hours(v as f64).map_err(E::custom)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
                Duration::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for Duration {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A duration: a number of hours, or a string with a unit s, m (minutes), h, d, w, y (365 d).",
            "oneOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": "^\\s*[+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?\\s*[smhdwy]?\\s*$"}
            ]
        })
    }
}

/// A fraction in (0, 1): a number, or a percentage string such as `"1.5%"`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fraction(pub f64);

const FRACTION_HINT: &str = "write a percentage such as \"1.5%\" or a fraction such as 0.015";

impl Fraction {
    /// `shown` says what was written and its allowed range, e.g. `the fraction 1.5 is not
    /// strictly between 0 and 1`.
    fn check(v: f64, shown: &str) -> Result<Self, String> {
        if v.is_finite() && v > 0.0 && v < 1.0 {
            Ok(Self(v))
        } else {
            Err(format!("{shown}; {FRACTION_HINT}"))
        }
    }
}

impl<'de> Deserialize<'de> for Fraction {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Fraction;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(FRACTION_HINT)
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Fraction, E> {
                Fraction::check(
                    v,
                    &format!("the fraction {} is not strictly between 0 and 1", super::shown(v)),
                )
                .map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Fraction, E> {
                self.visit_f64(v as f64)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Fraction, E> {
                self.visit_f64(v as f64)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Fraction, E> {
                let num = v
                    .trim()
                    .strip_suffix('%')
                    .ok_or_else(|| E::custom(format!("invalid fraction \"{v}\": {FRACTION_HINT}")))?;
                let p: f64 = num
                    .trim()
                    .parse()
                    .map_err(|_| E::custom(format!("invalid percentage \"{v}\": {FRACTION_HINT}")))?;
                Fraction::check(
                    p / 100.0,
                    &format!("the percentage \"{v}\" is not strictly between 0 % and 100 %"),
                )
                .map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for Fraction {
    fn schema_name() -> Cow<'static, str> {
        "Fraction".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A fraction strictly between 0 and 1, or a percentage string such as \"1.5%\".",
            "oneOf": [
                {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
                {"type": "string", "pattern": "^\\s*[+]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][-+]?[0-9]+)?\\s*%\\s*$"}
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_convert_to_hours() {
        let h = |s| Duration::parse(s).unwrap().0;
        assert_eq!(h("30s"), 30.0 / 3600.0);
        assert_eq!(h("45m"), 0.75);
        assert_eq!(h("4h"), 4.0);
        assert_eq!(h("1.5d"), 36.0);
        assert_eq!(h("2w"), 336.0);
        assert_eq!(h("1y"), 8760.0);
        assert_eq!(h(" 150000h "), 150_000.0);
        assert_eq!(h("12"), 12.0);
        assert_eq!(h("1e3h"), 1000.0);
        assert_eq!(h("2.5E1m"), 25.0 / 60.0);
    }

    #[test]
    fn bad_durations_say_why() {
        assert!(
            Duration::parse("4hh")
                .unwrap_err()
                .contains("unknown unit \"hh\"")
        );
        assert!(Duration::parse("h").unwrap_err().contains("no number in it"));
        assert!(Duration::parse("nope").unwrap_err().contains("no number in it"));
        assert!(Duration::parse("-3h").unwrap_err().contains("negative"));
        assert!(Duration::parse("1e400h").unwrap_err().contains("finite"));
        assert!(Duration::parse("inf").unwrap_err().contains("no number in it"));
        assert!(serde_json::from_str::<Duration>("true").is_err());
    }

    #[test]
    fn fractions_take_percent_or_plain() {
        assert_eq!(serde_json::from_str::<Fraction>("\"20%\"").unwrap().0, 0.2);
        assert_eq!(serde_json::from_str::<Fraction>("0.015").unwrap().0, 0.015);
        assert!(serde_json::from_str::<Fraction>("1.5").is_err());
        assert!(serde_json::from_str::<Fraction>("\"0%\"").is_err());
    }
}
