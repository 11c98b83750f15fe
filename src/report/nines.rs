//! Numbers at many nines, as the tables print them: an availability above
//! 99.999 %, or one whose interval would need more than six decimals of a
//! percentage, reads as its unavailability in scientific form
//! (`8.4e-9 [5.7e-9, 1.3e-8]`), with the digits its interval supports; a
//! duration's point and bounds share one unit. JSON keeps full precision:
//! none of this touches it.

use super::{Round, UNITS, decimals, round_pct, sig, unit_for};
use crate::analysis::Estimate;

/// Availabilities whose whole interval is above `1 − this` (99.999 %)
/// are shown as unavailabilities.
const PERCENT_LIMIT: f64 = 1e-5;

/// Decimals of a percentage beyond which it is shown as an unavailability.
const MAX_PERCENT_DECIMALS: usize = 6;

/// Significant digits a value in scientific form is never shown beyond.
const MAX_SIGNIFICANT: i32 = 6;

/// How a column of availabilities (a run's row, a compare block, a sweep
/// column) is printed: the same form for every value in it, so they read
/// against each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AvailabilityForm {
    /// `99.99930 % [99.99913, 99.99941]`.
    Percent,
    /// `8.4e-9 [5.7e-9, 1.3e-8]`: the unavailability, `1 − availability`.
    Unavailability,
}

impl AvailabilityForm {
    /// Unavailability when any of the availabilities would need it: its
    /// interval lies wholly above 99.999 %, or is so narrow that a
    /// percentage would need more than six decimals to show it.
    pub(crate) fn for_column<'a>(column: impl IntoIterator<Item = &'a Estimate>) -> Self {
        let needs = |e: &Estimate| {
            1.0 - e.ci_low < PERCENT_LIMIT
                || decimals((e.ci_high - e.ci_low) * 100.0, 0) > MAX_PERCENT_DECIMALS
        };
        if column.into_iter().any(needs) {
            Self::Unavailability
        } else {
            Self::Percent
        }
    }

    /// What the column is called: `availability` or `unavailability`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Percent => "availability",
            Self::Unavailability => "unavailability",
        }
    }

    /// An availability `e` (or, with `signed`, a difference of two) and
    /// its interval in this form: `99.99930 % [99.99913, 99.99941]`, or
    /// the unavailability `8.4e-9 [5.7e-9, 1.3e-8]` (a difference then
    /// being one of unavailabilities: the sign turns over).
    pub(crate) fn interval(self, e: &Estimate, signed: bool) -> String {
        match self {
            Self::Percent => super::availability_interval(e, signed),
            Self::Unavailability => {
                let u = if signed { negated(e) } else { e.complement() };
                let (p, l, h) = sci_interval(&u, signed);
                format!("{p} [{l}, {h}]")
            }
        }
    }
}

/// `−e`, its interval's ends swapped.
fn negated(e: &Estimate) -> Estimate {
    Estimate {
        point: -e.point + 0.0,
        ci_low: -e.ci_high + 0.0,
        ci_high: -e.ci_low + 0.0,
        ..*e
    }
}

/// The decimals (powers of ten below one, negative above) that show an
/// interval of width `width`: one digit below its half-width's first. None
/// for an interval without width.
fn resolution(width: f64) -> Option<i32> {
    let half = width / 2.0;
    (half > 0.0 && half.is_finite()).then(|| (-half.log10()).ceil() as i32 + 1)
}

/// An estimate's point and ends in scientific form at one resolution (the
/// one its interval supports; three significant digits without width),
/// the ends rounded outwards. With `signed`, positive values carry a `+`.
pub(crate) fn sci_interval(e: &Estimate, signed: bool) -> (String, String, String) {
    let d = resolution(e.ci_high - e.ci_low);
    // Without width there is no outside to round to.
    let (down, up) = if d.is_some() {
        (Round::Down, Round::Up)
    } else {
        (Round::Nearest, Round::Nearest)
    };
    (
        sci(e.point, d, Round::Nearest, signed),
        sci(e.ci_low, d, down, signed),
        sci(e.ci_high, d, up, signed),
    )
}

/// `x` in scientific form (`8.4e-9`) with its last digit at `10^-d` (at
/// least one significant digit, at most six; three when `d` is None),
/// rounded as asked; `0` for zero.
pub(crate) fn sci(x: f64, d: Option<i32>, r: Round, signed: bool) -> String {
    if x == 0.0 || !x.is_finite() {
        return if x == 0.0 { "0".into() } else { format!("{x}") };
    }
    let mut e = x.abs().log10().floor() as i32;
    let n = d.map_or(3, |d| e + d + 1).clamp(1, MAX_SIGNIFICANT);
    let step = 10f64.powi(e - n + 1);
    let scaled = x / step;
    // Rounding outwards must not turn the float noise of `1 − x`
    // (4.0000000001e-5, about 1e-16 in size: the values shown here are
    // unavailabilities and differences of availabilities) into a digit
    // (4.1e-5).
    let noise = (1e-15 / step).clamp(1e-6, 1e-2);
    let r = if (scaled - scaled.round()).abs() < noise {
        Round::Nearest
    } else {
        r
    };
    let k = match r {
        Round::Down => scaled.floor(),
        Round::Nearest => scaled.round(),
        Round::Up => scaled.ceil(),
    };
    let mut digits = k.abs() as u64;
    // 9.96 rounded up to two digits is 10.0: one more power of ten.
    if digits >= 10u64.pow(n as u32) {
        digits /= 10;
        e += 1;
    }
    // `log10` may land one below for an exact power of ten.
    if digits < 10u64.pow(n as u32 - 1) {
        digits *= 10;
        e -= 1;
    }
    let digits = digits.to_string();
    let sign = if k < 0.0 {
        "-"
    } else if signed {
        "+"
    } else {
        ""
    };
    let (first, rest) = digits.split_at(1);
    if rest.is_empty() {
        format!("{sign}{first}e{e}")
    } else {
        format!("{sign}{first}.{rest}e{e}")
    }
}

/// A point and its interval [h] as `P u [L u, H u]`, all three in the
/// unit `u` that suits the largest in size (a difference's may be
/// negative; with `signed`, positive values carry a `+`).
pub(crate) fn duration_interval(point: f64, low: f64, high: f64, signed: bool) -> String {
    let unit = duration_unit(point, low, high);
    let f = |x: f64| {
        let sign = if signed && x > 0.0 { "+" } else { "" };
        format!("{sign}{}", hours_in(x, unit))
    };
    format!("{} [{}, {}]", f(point), f(low), f(high))
}

/// The unit for a point and its interval [h]: the one that suits the
/// largest of them in size.
pub(crate) fn duration_unit(point: f64, low: f64, high: f64) -> (&'static str, f64) {
    let largest = point.abs().max(low.abs()).max(high.abs());
    if largest == 0.0 {
        UNITS[2]
    } else {
        unit_for(largest)
    }
}

/// `x` printed by `show` with at least `digits` digits, and more while it
/// would read as equal to `goal` though it is not, or as lying on the
/// other side of it (an interval's end rounded outwards as `r` asks can
/// cross a goal: an upper bound of 52.53 min against a goal of 52.54 min
/// reads `52.6 min` at three digits); past fifteen digits, the difference
/// is spelt out: `99.9999 (above the target by 4.0e-13)`. The goal is
/// meant to be printed by [`exactly`], so that both read back as what
/// was compared.
pub(crate) fn apart_from(
    x: f64,
    goal: f64,
    digits: usize,
    r: Round,
    show: &dyn Fn(f64, usize, Round) -> String,
) -> String {
    if x == goal {
        return show(x, digits, r);
    }
    // The goal as read at full precision, in the unit `show` prints.
    let goal_read = number(&show(goal, 15, Round::Nearest));
    for d in digits..=15 {
        let a = show(x, d, r);
        let own_side = match (number(&a), goal_read) {
            (Some(v), Some(g)) => (v > g) == (x > goal) && v != g,
            _ => true,
        };
        if own_side && !reads_equal(&a, &show(goal, d, Round::Nearest)) {
            return a;
        }
    }
    let side = if x > goal { "above" } else { "below" };
    format!(
        "{} ({side} the target by {:.1e})",
        show(x, digits, r),
        (x - goal).abs()
    )
}

/// `x` printed by `show` with at least `digits` digits, and more until
/// it reads back as `x` (to twelve significant digits): a goal of
/// 52.54 min is `52.54 min`, never `52.5 min`.
pub(crate) fn exactly(x: f64, digits: usize, show: &dyn Fn(f64, usize, Round) -> String) -> String {
    let Some(full) = number(&show(x, 15, Round::Nearest)) else {
        return show(x, digits, Round::Nearest);
    };
    for d in digits..=15 {
        let a = show(x, d, Round::Nearest);
        match number(&a) {
            Some(v) if (v - full).abs() <= 1e-12 * full.abs() => return a,
            None => return a,
            _ => {}
        }
    }
    show(x, 15, Round::Nearest)
}

/// The number a printed value starts with (`52.6` of `52.6 min`).
fn number(s: &str) -> Option<f64> {
    s.split_once(' ').map_or(s, |(n, _)| n).parse().ok()
}

/// Whether two printed values read as the same number in the same unit
/// (`1.000` and `1.00` do).
fn reads_equal(a: &str, b: &str) -> bool {
    let split = |s: &str| {
        let (number, unit) = s.split_once(' ').unwrap_or((s, ""));
        (number.parse::<f64>().ok(), unit.to_string())
    };
    let ((x, u), (y, v)) = (split(a), split(b));
    match (x, y) {
        (Some(x), Some(y)) => x == y && u == v,
        _ => a == b,
    }
}

/// A fraction as a percentage with `d` decimals (trailing zeros dropped),
/// rounded as asked.
pub(crate) fn pct_digits(x: f64, d: usize, r: Round) -> String {
    let s = round_pct(x, d, r);
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A number with `n` significant digits (at most fifteen decimals),
/// rounded as asked, plain notation.
pub(crate) fn sig_digits(x: f64, n: usize, r: Round) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let mag = x.abs().log10().floor() as i32;
    let d = (n as i32 - 1 - mag).clamp(0, 15) as usize;
    super::round_to(x, d, r)
}

/// A duration [h] in `unit` (its name and hours per unit) with `n`
/// significant digits, rounded as asked.
pub(crate) fn hours_digits(x: f64, (name, per): (&str, f64), n: usize, r: Round) -> String {
    if x == 0.0 {
        return format!("0 {name}");
    }
    format!("{} {name}", sig_digits(x / per, n, r))
}

/// A duration [h] in `unit` (its name and hours per unit), `0` included:
/// `0 s`, `0.0345 s`.
pub(crate) fn hours_in(x: f64, (name, per): (&str, f64)) -> String {
    if x == 0.0 {
        format!("0 {name}")
    } else {
        format!("{} {name}", sig(x / per))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(point: f64, ci_low: f64, ci_high: f64) -> Estimate {
        Estimate {
            point,
            std_error: None,
            ci_low,
            ci_high,
            confidence: 0.95,
        }
    }

    /// An availability of `nines` nines with an interval of ±30 %.
    fn at_nines(nines: i32) -> Estimate {
        let u = 10f64.powi(-nines) * 1.2;
        e(1.0 - u, 1.0 - 1.3 * u, 1.0 - 0.7 * u)
    }

    #[test]
    fn availabilities_at_2_4_6_8_10_nines() {
        let cases = [
            (2, "98.80000 % [98.44000, 99.16000]"),
            (4, "99.98800 % [99.98440, 99.99160]"),
            // Above 99.999 % percentages stop carrying information.
            (6, "1.20e-6 [8.4e-7, 1.56e-6]"),
            (8, "1.20e-8 [8.4e-9, 1.56e-8]"),
            (10, "1.20e-10 [8.4e-11, 1.56e-10]"),
        ];
        for (nines, want) in cases {
            let a = at_nines(nines);
            let form = AvailabilityForm::for_column([&a]);
            assert_eq!(form.interval(&a, false), want, "{nines} nines");
        }
    }

    #[test]
    fn the_form_switches_above_99_999_percent_or_past_six_decimals() {
        let wide = e(0.99998, 0.99996, 0.999_995);
        assert_eq!(AvailabilityForm::for_column([&wide]), AvailabilityForm::Percent);
        let above = e(0.999_995, 0.999_991, 0.999_998);
        assert_eq!(
            AvailabilityForm::for_column([&above]),
            AvailabilityForm::Unavailability
        );
        // 99.9 %, but known to the seventh decimal of a percentage.
        let narrow = e(0.999, 0.999 - 1e-9, 0.999 + 1e-9);
        assert_eq!(
            AvailabilityForm::for_column([&narrow]),
            AvailabilityForm::Unavailability
        );
        // One value that needs it turns the whole column.
        assert_eq!(
            AvailabilityForm::for_column([&wide, &above]),
            AvailabilityForm::Unavailability
        );
        assert_eq!(
            AvailabilityForm::Unavailability.interval(&wide, false),
            "2.0e-5 [5e-6, 4.0e-5]"
        );
    }

    #[test]
    fn nothing_seen_and_no_width() {
        // No downtime in the trials: a point of zero and a bound.
        let none = e(1.0, 0.999_999_7, 1.0);
        let form = AvailabilityForm::for_column([&none]);
        assert_eq!(form, AvailabilityForm::Unavailability);
        assert_eq!(form.interval(&none, false), "0 [0, 3.0e-7]");
        // The same system against itself: a difference of exactly zero.
        assert_eq!(form.interval(&e(0.0, 0.0, 0.0), true), "0 [0, 0]");
        // No width: three significant digits.
        assert_eq!(
            form.interval(&e(1.0 - 8.31e-9, 1.0 - 8.31e-9, 1.0 - 8.31e-9), false),
            "8.31e-9 [8.31e-9, 8.31e-9]"
        );
    }

    #[test]
    fn differences_at_many_nines_are_differences_of_unavailability() {
        let form = AvailabilityForm::Unavailability;
        // B is less available than A: its unavailability is larger, `+`.
        assert_eq!(
            form.interval(&e(-1.11e-6, -1.31e-6, -0.91e-6), true),
            "+1.11e-6 [+9.1e-7, +1.31e-6]"
        );
        // B better than A.
        assert_eq!(
            form.interval(&e(1.11e-6, 0.91e-6, 1.31e-6), true),
            "-1.11e-6 [-1.31e-6, -9.1e-7]"
        );
        // A point too small for its interval still shows its sign, never `-0.00000`.
        assert_eq!(
            form.interval(&e(3.0e-12, -1.2e-8, 1.2e-8), true),
            "-3e-12 [-1.2e-8, +1.2e-8]"
        );
    }

    #[test]
    fn scientific_form_rounds_outwards_and_carries_over() {
        assert_eq!(sci(9.96e-7, Some(8), Round::Up, false), "1.0e-6");
        assert_eq!(sci(9.96e-7, Some(8), Round::Down, false), "9.9e-7");
        assert_eq!(sci(1e-6, Some(8), Round::Nearest, false), "1.00e-6");
        assert_eq!(sci(-2.5e-9, Some(10), Round::Down, true), "-2.5e-9");
        assert_eq!(sci(2.5e-9, Some(10), Round::Up, true), "+2.5e-9");
        // Never more than six significant digits.
        assert_eq!(
            sci(1.234_567_89e-3, Some(15), Round::Nearest, false),
            "1.23457e-3"
        );
    }

    #[test]
    fn intervals_that_cross_unit_boundaries_keep_one_unit() {
        // The issue's `0.0345 s [0 h, 0.102 s]`.
        assert_eq!(
            duration_interval(0.0345 / 3600.0, 0.0, 0.102 / 3600.0, false),
            "0.0345 s [0 s, 0.102 s]"
        );
        // `51.0 s [19.5 s, 10.8 h]`: all in hours.
        assert_eq!(
            duration_interval(51.0 / 3600.0, 19.5 / 3600.0, 10.8, false),
            "0.0142 h [0.00542 h, 10.8 h]"
        );
        // A difference: signs, the unit of the largest in size.
        assert_eq!(
            duration_interval(51.0 / 3600.0, -0.85 / 3600.0, 1.96 / 60.0, true),
            "+0.850 min [-0.0142 min, +1.96 min]"
        );
        assert_eq!(duration_interval(0.0, 0.0, 0.0, false), "0 h [0 h, 0 h]");
        assert_eq!(hours_in(0.0, unit_for(0.5)), "0 min");
        assert_eq!(hours_in(2.0, unit_for(0.5)), "120 min");
    }

    #[test]
    fn a_bound_never_reads_as_equal_to_its_goal() {
        let pct = |x: f64, d: usize, r: Round| pct_digits(x, d, r);
        // Met: the lower bound is above 99.9999 % by 4e-11.
        assert_eq!(
            apart_from(0.999_999_000_04, 0.999_999, 7, Round::Down, &pct),
            "99.999900004"
        );
        // Missed: the upper bound just below.
        assert_eq!(
            apart_from(0.999_998_999_7, 0.999_999, 7, Round::Up, &pct),
            "99.99989997"
        );
        // Equal values read as equal.
        assert_eq!(apart_from(0.999_999, 0.999_999, 7, Round::Down, &pct), "99.9999");
        // Too close for digits: said in words.
        assert_eq!(
            apart_from(0.999_999 + 1e-17 * 20.0, 0.999_999, 7, Round::Down, &|x, d, r| {
                pct_digits(x, d.min(7), r)
            }),
            "99.9999 (above the target by 2.2e-16)"
        );
    }
}
