//! Calendar dates and RFC 3339 timestamps, as days and seconds since 1970-01-01.
//!
//! Hand-written rather than pulling a date crate into the WebAssembly client: the
//! expression language only needs civil dates as day numbers (XLSForm treats a
//! date as days since the epoch in arithmetic) and envelopes only need to compare
//! two timestamps. The algorithms are Howard Hinnant's `days_from_civil`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar date, stored as days since 1970-01-01 (negative before).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(i32);

impl Date {
    pub fn from_days(days: i32) -> Self {
        Self(days)
    }

    pub fn days(self) -> i32 {
        self.0
    }

    /// The date for a proleptic Gregorian year, month and day, if it exists.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Self> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        if !(-9999..=9999).contains(&year) {
            return None;
        }
        Some(Self(days_from_civil(year, month, day)))
    }

    /// Parses exactly `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<Self> {
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let year = digits(&bytes[0..4])?;
        let month = digits(&bytes[5..7])?;
        let day = digits(&bytes[8..10])?;
        Self::from_ymd(year as i32, month, day)
    }

    pub fn ymd(self) -> (i32, u32, u32) {
        civil_from_days(self.0)
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

/// An instant, parsed from RFC 3339 (`2026-11-27T09:30:00Z`, `…+03:00`, with
/// optional fractional seconds), kept as received for storage and compared as
/// seconds since the epoch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timestamp {
    text: String,
    unix_seconds: i64,
    offset_seconds: i32,
}

impl Timestamp {
    pub fn parse(text: &str) -> Option<Self> {
        let bytes = text.as_bytes();
        if bytes.len() < 20 {
            return None;
        }
        let date = Date::parse(text.get(0..10)?)?;
        if !matches!(bytes[10], b'T' | b't' | b' ') || bytes[13] != b':' || bytes[16] != b':' {
            return None;
        }
        let hour = digits(&bytes[11..13])?;
        let minute = digits(&bytes[14..16])?;
        // RFC 3339 allows a leap second (60), but no device clock records
        // one (they smear it), and 60 would name the next minute's instant.
        let second = digits(&bytes[17..19])?;
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        let mut rest = &bytes[19..];
        if let [b'.', tail @ ..] = rest {
            let fraction = tail.iter().take_while(|b| b.is_ascii_digit()).count();
            // Nanoseconds at most: no clock is finer, and a text kept and
            // shown must not grow with the sender's whim.
            if fraction == 0 || fraction > 9 {
                return None;
            }
            rest = &tail[fraction..];
        }
        let offset_seconds = match rest {
            [b'Z' | b'z'] => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let hours = digits(&[*h1, *h2])?;
                let minutes = digits(&[*m1, *m2])?;
                if hours > 23 || minutes > 59 {
                    return None;
                }
                let magnitude = (hours * 3600 + minutes * 60) as i32;
                if *sign == b'-' { -magnitude } else { magnitude }
            }
            _ => return None,
        };
        let local = i64::from(date.days()) * 86_400
            + i64::from(hour) * 3600
            + i64::from(minute) * 60
            + i64::from(second);
        Some(Self {
            text: text.to_owned(),
            unix_seconds: local - i64::from(offset_seconds),
            offset_seconds,
        })
    }

    /// The instant `unix_seconds` after the epoch, written in UTC.
    pub fn from_unix_seconds(unix_seconds: i64) -> Self {
        let days = unix_seconds.div_euclid(86_400);
        let second_of_day = unix_seconds.rem_euclid(86_400);
        let date = Date::from_days(i32::try_from(days).unwrap_or(if days < 0 {
            i32::MIN
        } else {
            i32::MAX
        }));
        let text = format!(
            "{date}T{:02}:{:02}:{:02}Z",
            second_of_day / 3600,
            second_of_day % 3600 / 60,
            second_of_day % 60
        );
        Self {
            text,
            unix_seconds,
            offset_seconds: 0,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn unix_seconds(&self) -> i64 {
        self.unix_seconds
    }

    /// The calendar date where the timestamp was taken (its own offset), which
    /// is what `today()` means to the person filling the form.
    pub fn local_date(&self) -> Date {
        let local = self.unix_seconds + i64::from(self.offset_seconds);
        let days = local.div_euclid(86_400);
        Date::from_days(i32::try_from(days).unwrap_or(if days < 0 { i32::MIN } else { i32::MAX }))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Timestamp::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{text}` is not an RFC 3339 timestamp such as 2026-11-27T09:30:00Z"
            ))
        })
    }
}

/// Whether `text` is a time of day as a time question takes it: `HH:MM` or
/// `HH:MM:SS`, 24-hour, local to where the interview happens (no zone: a
/// respondent says "at ten at night", not an offset), as a browser's time
/// input writes it.
pub fn is_time_of_day(text: &str) -> bool {
    let bytes = text.as_bytes();
    let clock = |hour: &[u8], minute: &[u8]| {
        digits(hour).is_some_and(|h| h <= 23) && digits(minute).is_some_and(|m| m <= 59)
    };
    match bytes {
        [h1, h2, b':', m1, m2] => clock(&[*h1, *h2], &[*m1, *m2]),
        [h1, h2, b':', m1, m2, b':', s1, s2] => {
            clock(&[*h1, *h2], &[*m1, *m2]) && digits(&[*s1, *s2]).is_some_and(|s| s <= 59)
        }
        _ => false,
    }
}

/// Whether `text` is a local date and time as a date-and-time question takes
/// it: `YYYY-MM-DDTHH:MM[:SS]`, as a browser's `datetime-local` input
/// writes it, the date a real one.
pub fn is_local_date_time(text: &str) -> bool {
    match (text.get(..10), text.get(10..11), text.get(11..)) {
        (Some(date), Some("T"), Some(time)) => Date::parse(date).is_some() && is_time_of_day(time),
        _ => false,
    }
}

fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |acc, b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

fn days_from_civil(year: i32, month: u32, day: u32) -> i32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = month as i32;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i32) -> (i32, u32, u32) {
    let z = i64::from(days) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    (year, month, day)
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_of_day_are_24_hour_clock_readings() {
        for good in ["00:00", "23:59", "07:05:09", "12:00:59"] {
            assert!(is_time_of_day(good), "{good}");
        }
        for bad in [
            "",
            "24:00",
            "7:05",
            "07:60",
            "07:05:60",
            "07:05:",
            "07-05",
            "０７:05",
            "07:05Z",
            "07:05:00.000",
            "07:05:00+03:00",
            "ab:cd",
            "07:05 ",
        ] {
            assert!(!is_time_of_day(bad), "{bad}");
        }
    }

    #[test]
    fn local_date_times_need_a_real_date_and_a_clock_reading() {
        for good in ["2026-12-07T09:30", "2024-02-29T23:59:59"] {
            assert!(is_local_date_time(good), "{good}");
        }
        for bad in [
            "",
            "2026-12-07",
            "2026-12-07 09:30",
            "2025-02-29T09:30",
            "2026-12-07T24:00",
            "2026-12-07T09:30Z",
            "2026-12-07t09:30",
            "2026-12-07T09:30:00+01:00",
            "é026-12-07T09:30",
        ] {
            assert!(!is_local_date_time(bad), "{bad}");
        }
    }

    use super::*;

    #[test]
    fn epoch_and_known_dates() {
        assert_eq!(Date::parse("1970-01-01"), Some(Date::from_days(0)));
        assert_eq!(Date::parse("2000-03-01").map(Date::days), Some(11_017));
        assert_eq!(Date::parse("1969-12-31").map(Date::days), Some(-1));
        assert_eq!(Date::from_days(20_000).to_string(), "2024-10-04");
    }

    #[test]
    fn rejects_impossible_dates() {
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-04-31",
            "24-01-01",
            "2024-1-01",
            "２０２４-01-01",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
        assert!(Date::parse("2024-02-29").is_some());
    }

    #[test]
    fn round_trips_every_day_of_four_centuries() {
        for days in -146_097..146_097 {
            let date = Date::from_days(days);
            assert_eq!(Date::parse(&date.to_string()), Some(date));
        }
    }

    #[test]
    fn timestamps_compare_across_offsets() {
        let utc = Timestamp::parse("2026-11-27T09:30:00Z").expect("valid");
        let nairobi = Timestamp::parse("2026-11-27T12:30:00+03:00").expect("valid");
        assert_eq!(utc.unix_seconds(), nairobi.unix_seconds());
        let fractional = Timestamp::parse("2026-11-27T09:30:00.123456Z").expect("valid");
        assert_eq!(fractional.unix_seconds(), utc.unix_seconds());
        assert!(Timestamp::parse("2026-11-27T09:30:59.123456789Z").is_some());
        // Local date follows the offset: 23:30 in Bamako is still the 27th there.
        let late = Timestamp::parse("2026-11-27T23:30:00-01:00").expect("valid");
        assert_eq!(late.local_date().to_string(), "2026-11-27");
    }

    #[test]
    fn writes_utc_timestamps_that_parse_back() {
        for seconds in [0, 1_795_000_000, -86_401, 951_782_400] {
            let written = Timestamp::from_unix_seconds(seconds);
            assert_eq!(
                Timestamp::parse(written.as_str()).map(|t| t.unix_seconds()),
                Some(seconds)
            );
        }
        assert_eq!(
            Timestamp::from_unix_seconds(0).as_str(),
            "1970-01-01T00:00:00Z"
        );
    }

    #[test]
    fn rejects_malformed_timestamps() {
        for bad in [
            "2026-11-27",
            "2026-11-27T25:00:00Z",
            "2026-11-27T09:30:00",
            "2026-11-27T09:30:00.Z",
            "2026-11-27T09:30:00+3:00",
            "2026-11-27T09:30:00+03:00junk",
            "2026-11-27T09:30:60Z",
            "2026-11-27T09:30:00.1234567890Z",
        ] {
            assert_eq!(Timestamp::parse(bad), None, "{bad}");
        }
    }
}
