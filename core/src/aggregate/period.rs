//! SDMX reporting periods: days, weeks, months, quarters, years, and their calendars.

use super::*;

// ---------------------------------------------------------------------------------------
// Periods
// ---------------------------------------------------------------------------------------

/// Length of a release period.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    /// Calendar month, SDMX `YYYY-Mmm` (the default).
    #[default]
    Month,
    /// ISO 8601 week (Monday to Sunday), SDMX `YYYY-Www`.
    Week,
}

/// An SDMX reporting period: a calendar month (`2026-M03`) or an ISO 8601 week
/// (`2026-W11`, weeks 01 to 52 or 53 of the ISO week-based year).
///
/// Always covers representable days ([`Period::start`] to [`Period::end`], inclusive).
/// Ordered by first day, then granularity. Serialised (serde) as its SDMX text.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Period {
    // Field order matters: the derived `Ord` is chronological.
    start: Date,
    granularity: Granularity,
    year: u16,
    number: u8,
    end: Date,
}

/// Number of ISO 8601 weeks (52 or 53) of the week-based year `year`: 53 when 1 January
/// is a Thursday, or a Wednesday in a leap year.
pub fn weeks_in_year(year: u16) -> u8 {
    match Date::new(year, 1, 1).map(Date::weekday) {
        Some(4) => 53,
        Some(3) if codes::is_leap_year(year) => 53,
        _ => 52,
    }
}

impl Period {
    /// The month `month` (1 to 12) of `year` (0 to 9999).
    pub fn month(year: u16, month: u8) -> Option<Period> {
        let start = Date::new(year, month, 1)?;
        let end = Date::new(year, month, codes::days_in_month(year, month)?)?;
        Some(Period {
            start,
            granularity: Granularity::Month,
            year,
            number: month,
            end,
        })
    }

    /// ISO week `week` (1 to [`weeks_in_year`]) of the week-based year `year`, if all its
    /// days are representable.
    pub fn week(year: u16, week: u8) -> Option<Period> {
        if week == 0 || week > weeks_in_year(year) {
            return None;
        }
        // 4 January is always in week 1.
        let jan4 = Date::new(year, 1, 4)?;
        let monday = jan4.add_days(1 - i64::from(jan4.weekday()))?;
        let start = monday.add_days(7 * (i64::from(week) - 1))?;
        let end = start.add_days(6)?;
        Some(Period {
            start,
            granularity: Granularity::Week,
            year,
            number: week,
            end,
        })
    }

    /// The period of `granularity` that contains `date` (`None` only for a week partly
    /// outside years 0000 to 9999).
    pub fn of(date: Date, granularity: Granularity) -> Option<Period> {
        match granularity {
            Granularity::Month => Period::month(date.year(), date.month()),
            Granularity::Week => {
                let (year, week) = date.iso_week();
                Period::week(year, week)
            }
        }
    }

    /// Parses `YYYY-Mmm` (month 01 to 12) or `YYYY-Www` (a week that exists in that ISO
    /// year), upper-case letters only.
    pub fn parse(s: &str) -> Result<Period, ParseError> {
        let err = || ParseError::new("SDMX period (YYYY-Mmm or YYYY-Www)", s);
        let b = s.as_bytes();
        if b.len() != 8 || b[4] != b'-' {
            return Err(err());
        }
        let year = ascii_number(&b[0..4]).ok_or_else(err)?;
        let number = ascii_number(&b[6..8]).ok_or_else(err)?;
        let (Ok(year), Ok(number)) = (u16::try_from(year), u8::try_from(number)) else {
            return Err(err());
        };
        match b[5] {
            b'M' => Period::month(year, number),
            b'W' => Period::week(year, number),
            _ => None,
        }
        .ok_or_else(err)
    }

    /// Month or week.
    pub fn granularity(&self) -> Granularity {
        self.granularity
    }

    /// The calendar year (months) or ISO week-based year (weeks).
    pub fn year(&self) -> u16 {
        self.year
    }

    /// The month (1 to 12) or week (1 to 53) number.
    pub fn number(&self) -> u8 {
        self.number
    }

    /// First day.
    pub fn start(&self) -> Date {
        self.start
    }

    /// Last day (inclusive).
    pub fn end(&self) -> Date {
        self.end
    }

    /// Whether `date` falls in the period.
    pub fn contains(&self, date: Date) -> bool {
        self.start <= date && date <= self.end
    }

    /// The day the period closes: `embargo_days` whole days after its last day, i.e. the
    /// period is closed from 00:00 UTC of `end + 1 + embargo_days` (2026-M03 with the
    /// default 7 days closes on 2026-04-08). `None` past 9999-12-31.
    pub fn closes_at(&self, embargo_days: u32) -> Option<Date> {
        self.end.add_days(1 + i64::from(embargo_days))
    }

    /// Whether the period is closed on `today` (see [`Period::closes_at`]).
    pub fn is_closed(&self, today: Date, embargo_days: u32) -> bool {
        self.closes_at(embargo_days).is_some_and(|c| today >= c)
    }

    /// The next period of the same granularity.
    pub fn next(&self) -> Option<Period> {
        Period::of(self.end.add_days(1)?, self.granularity)
    }

    /// The previous period of the same granularity.
    pub fn previous(&self) -> Option<Period> {
        Period::of(self.start.add_days(-1)?, self.granularity)
    }
}

/// Value of 1 to 4 ASCII digits.
pub(super) fn ascii_number(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 4 {
        return None;
    }
    b.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let letter = match self.granularity {
            Granularity::Month => 'M',
            Granularity::Week => 'W',
        };
        write!(f, "{:04}-{letter}{:02}", self.year, self.number)
    }
}

impl fmt::Debug for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Period {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Period::parse(s)
    }
}

impl TryFrom<String> for Period {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Period::parse(&s)
    }
}

impl From<Period> for String {
    fn from(p: Period) -> String {
        p.to_string()
    }
}
