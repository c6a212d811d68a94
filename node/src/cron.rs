//! A five-field cron expression (minute hour day-of-month month day-of-week), UTC,
//! for the sync schedule: `*`, numbers, lists `a,b`, ranges `a-b`, steps `*/n` and
//! `a-b/n`. Day-of-week 0 or 7 is Sunday. As in Vixie cron, when both day fields are
//! restricted a day matches if either does.

use vrs_core::codes::Date;

/// A parsed schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    minutes: u64,
    hours: u32,
    days: u32,
    months: u16,
    weekdays: u8,
    days_any: bool,
    weekdays_any: bool,
}

fn field(text: &str, min: u32, max: u32, name: &str) -> Result<(u64, bool), String> {
    let mut bits = 0u64;
    for part in text.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (
                r,
                s.parse::<u32>()
                    .ok()
                    .filter(|s| *s > 0)
                    .ok_or_else(|| format!("{name}: bad step in {part:?}"))?,
            ),
            None => (part, 1),
        };
        let (lo, hi) = if range == "*" {
            (min, max)
        } else if let Some((a, b)) = range.split_once('-') {
            let a: u32 = a.parse().map_err(|_| format!("{name}: {part:?}"))?;
            let b: u32 = b.parse().map_err(|_| format!("{name}: {part:?}"))?;
            (a, b)
        } else {
            let v: u32 = range
                .parse()
                .map_err(|_| format!("{name}: {part:?} is not a number"))?;
            (v, if part.contains('/') { max } else { v })
        };
        if lo < min || hi > max || lo > hi {
            return Err(format!("{name}: {part:?} is outside {min}-{max}"));
        }
        let mut v = lo;
        while v <= hi {
            bits |= 1 << v;
            v += step;
        }
    }
    Ok((bits, text == "*"))
}

impl Cron {
    /// Parses `minute hour day-of-month month day-of-week`.
    pub fn parse(s: &str) -> Result<Cron, String> {
        let f: Vec<&str> = s.split_whitespace().collect();
        let [mi, h, dom, mo, dow] = f.as_slice() else {
            return Err(format!(
                "{s:?}: expected 5 fields (minute hour day month weekday)"
            ));
        };
        let (minutes, _) = field(mi, 0, 59, "minute")?;
        let (hours, _) = field(h, 0, 23, "hour")?;
        let (days, days_any) = field(dom, 1, 31, "day of month")?;
        let (months, _) = field(mo, 1, 12, "month")?;
        let (mut weekdays, weekdays_any) = field(dow, 0, 7, "day of week")?;
        if weekdays & (1 << 7) != 0 {
            weekdays |= 1;
        }
        Ok(Cron {
            minutes,
            hours: hours as u32,
            days: days as u32,
            months: months as u16,
            weekdays: (weekdays & 0x7f) as u8,
            days_any,
            weekdays_any,
        })
    }

    fn day_matches(&self, d: Date) -> bool {
        if self.months & (1 << d.month()) == 0 {
            return false;
        }
        let dom = self.days & (1 << d.day()) != 0;
        let dow = self.weekdays & (1 << (d.weekday() % 7)) != 0;
        match (self.days_any, self.weekdays_any) {
            (true, true) => true,
            (true, false) => dow,
            (false, true) => dom,
            (false, false) => dom || dow,
        }
    }

    /// The first time strictly after `unix` (seconds) that the schedule fires, in unix
    /// seconds; `None` if none within eight years (e.g. `0 0 31 2 *`).
    pub fn next_after(&self, unix: i64) -> Option<i64> {
        let start_min = unix.div_euclid(60) + 1;
        let first_day = start_min.div_euclid(1440);
        let mut minute_of_day = start_min.rem_euclid(1440);
        for day in first_day..first_day + 8 * 366 {
            let date = Date::from_days(day)?;
            if self.day_matches(date) {
                for m in minute_of_day..1440 {
                    let (h, mi) = (m / 60, m % 60);
                    if self.hours & (1 << h) != 0 && self.minutes & (1 << mi) != 0 {
                        return Some((day * 1440 + m) * 60);
                    }
                }
            }
            minute_of_day = 0;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-11-28 is a Saturday; 1_795_824_000 is 2026-11-28T00:00:00Z.
    const SAT: i64 = 1_795_824_000;

    #[test]
    fn nightly_fires_at_two() {
        let c = Cron::parse("0 2 * * *").expect("parse");
        assert_eq!(c.next_after(SAT), Some(SAT + 2 * 3600));
        assert_eq!(c.next_after(SAT + 2 * 3600), Some(SAT + 26 * 3600));
    }

    #[test]
    fn steps_lists_ranges_and_weekdays() {
        let c = Cron::parse("*/15 * * * *").expect("parse");
        assert_eq!(c.next_after(SAT + 60), Some(SAT + 15 * 60));
        let mon = Cron::parse("30 6 * * 1").expect("parse");
        assert_eq!(
            mon.next_after(SAT),
            Some(SAT + 2 * 86_400 + 6 * 3600 + 1800)
        );
        let sun = Cron::parse("0 0 * * 7").expect("parse");
        assert_eq!(sun.next_after(SAT), Some(SAT + 86_400));
        let first = Cron::parse("0 0 1 1-3 *").expect("parse");
        assert_eq!(first.next_after(SAT), Some(1_798_761_600)); // 2027-01-01
        assert_eq!(
            Cron::parse("0 0 31 2 *").expect("parse").next_after(SAT),
            None
        );
    }

    #[test]
    fn bad_expressions_are_refused_with_the_field() {
        for (s, what) in [
            ("0 2 * *", "5 fields"),
            ("60 2 * * *", "minute"),
            ("0 24 * * *", "hour"),
            ("0 0 0 * *", "day of month"),
            ("0 0 * 13 *", "month"),
            ("0 0 * * 8", "day of week"),
            ("*/0 * * * *", "step"),
            ("a * * * *", "minute"),
        ] {
            let e = Cron::parse(s).expect_err(s);
            assert!(e.contains(what), "{s}: {e}");
        }
    }
}
