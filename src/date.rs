//! Calendar dates: the forms a writer types in a data file or a spreadsheet cell, Excel
//! serials, the serde form (`YYYY-MM-DD`) used wherever a date is stored or handed on (the
//! data file, the Document's [`crate::doc::Meta::date`]), and the Chinese form a report
//! prints. Shared by the survey loader, the Document model, the spreadsheet import and the
//! backends, so it depends on nothing but [`crate::excerpt`].
//!
//! The calendar arithmetic is the `time` crate's (already used by printpdf); only the
//! spelling of a date is read here.

pub use time::Date;
use time::{Duration, Month};

/// Why a text is not a date, in Chinese, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateError {
    /// Not one of the accepted spellings.
    Form,
    /// The spelling is right but the day does not exist (2020-02-30).
    NoSuchDay,
    /// A real day, but its year lies outside [`YEARS`] (`0000-01-01`, a typo like `2202`).
    OutOfRange,
}

/// The years a date of a data file may have. A report's 成文日期 lies in living memory;
/// the bounds also keep every output valid (W3CDTF in docProps/core.xml and PDF dates need
/// a four-digit year ≥ 1).
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2100;

/// Read a date as a writer types it: `2020-03-16`, `2020-3-16`, `2020/3/16`,
/// `2020.3.16`, `2020年3月16日` (full-width digits too), or a YAML timestamp
/// (`2020-03-16T09:30:00Z`, `2020-03-16 09:30:00`: the time of day is dropped).
/// A year outside [`YEARS`] is [`DateError::OutOfRange`].
pub fn parse(text: &str) -> Result<Date, DateError> {
    let s: String = text
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '／' => '/',
            '－' => '-',
            c => c,
        })
        .collect();
    let (y, m, d) = split_ymd(&s).ok_or(DateError::Form)?;
    let month = u8::try_from(m)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or(DateError::NoSuchDay)?;
    let day = u8::try_from(d).map_err(|_| DateError::NoSuchDay)?;
    let d = Date::from_calendar_date(y, month, day).map_err(|_| DateError::NoSuchDay)?;
    if !YEARS.contains(&d.year()) {
        return Err(DateError::OutOfRange);
    }
    Ok(d)
}

/// Year, month and day numbers of an accepted spelling (not yet checked as a date).
fn split_ymd(s: &str) -> Option<(i32, u32, u32)> {
    let num = |t: &str, max_len: usize| -> Option<u32> {
        (!t.is_empty() && t.len() <= max_len && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse().ok())
            .flatten()
    };
    let year = |t: &str| num(t, 4).filter(|_| t.len() == 4).map(|y| y as i32);
    if let Some(rest) = s.strip_suffix('日') {
        let (y, rest) = rest.split_once('年')?;
        let (m, d) = rest.split_once('月')?;
        return Some((year(y.trim())?, num(m.trim(), 2)?, num(d.trim(), 2)?));
    }
    for sep in ['-', '/', '.'] {
        let mut it = s.splitn(3, sep);
        let (Some(y), Some(m), Some(rest)) = (it.next(), it.next(), it.next()) else {
            continue;
        };
        // A YAML timestamp may carry a time of day after the date.
        let d = if sep == '-' {
            match rest.find(['T', 't', ' ']) {
                Some(i)
                    if rest[i + 1..]
                        .trim_start()
                        .starts_with(|c: char| c.is_ascii_digit()) =>
                {
                    &rest[..i]
                }
                Some(_) => return None,
                None => rest,
            }
        } else {
            rest
        };
        return Some((year(y)?, num(m, 2)?, num(d, 2)?));
    }
    None
}

/// The day an Excel serial number stands for (1900 date system: serial 1 = 1900-01-01,
/// Excel's phantom 1900-02-29 (serial 60) read as 1900-02-28, as calamine does).
/// A fraction (time of day) is dropped. `None` outside 1..=2958465 (9999-12-31).
pub fn from_excel_serial(serial: f64) -> Option<Date> {
    if !serial.is_finite() || !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64;
    let epoch = Date::from_calendar_date(1899, Month::December, 30).ok()?;
    let days = if days < 60 { days + 1 } else { days };
    epoch.checked_add(Duration::days(days))
}

/// `YYYY-MM-DD`.
pub fn ymd(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// `2020年3月16日`, as GB/T 9704 writes a 成文日期.
pub fn chinese(d: Date) -> String {
    format!("{}年{}月{}日", d.year(), u8::from(d.month()), d.day())
}

/// `二〇二〇年三月十六日`: the year digit by digit (〇 for zero), month and day as Chinese
/// numerals (十六, 二十, 三十一), as a 成文日期 is written in 汉字 (GB/T 9704-2012 §7.3.5.2
/// allows it; older documents use it).
pub fn hanzi(d: Date) -> String {
    const DIGITS: [char; 10] = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    let number = |n: u8| -> String {
        let (tens, ones) = ((n / 10) as usize, (n % 10) as usize);
        let mut s = String::new();
        if tens > 1 {
            s.push(DIGITS[tens]);
        }
        if tens > 0 {
            s.push('十');
        }
        if ones > 0 || tens == 0 {
            s.push(DIGITS[ones]);
        }
        s
    };
    let year: String = d
        .year()
        .to_string()
        .chars()
        .map(|c| c.to_digit(10).map_or(c, |v| DIGITS[v as usize]))
        .collect();
    format!(
        "{year}年{}月{}日",
        number(u8::from(d.month())),
        number(d.day())
    )
}

/// Serde for `Option<Date>` as `YYYY-MM-DD` (any spelling [`parse`] accepts is read).
pub mod opt_ymd {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::Date;

    /// Write `Some(d)` as `YYYY-MM-DD`, `None` as nothing (a serde `with` helper).
    pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&super::ymd(*d)),
            None => s.serialize_none(),
        }
    }

    /// Read a date in any spelling [`super::parse`] accepts; empty or absent is `None`.
    ///
    /// Errors: a text that is not a date, with a Chinese message quoting it.
    pub fn deserialize<'de, D: Deserializer<'de>>(de: D) -> Result<Option<Date>, D::Error> {
        let text: Option<String> = Option::deserialize(de)?;
        match text.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(t) => super::parse(t).map(Some).map_err(|_| {
                serde::de::Error::custom(format!(
                    "“{}”不是日期（应写成 2020-03-16）",
                    crate::excerpt::quote(t)
                ))
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u8, day: u8) -> Date {
        Date::from_calendar_date(y, Month::try_from(m).expect("month"), day).expect("date")
    }

    #[test]
    fn dates_in_hanzi() {
        assert_eq!(hanzi(d(2020, 3, 16)), "二〇二〇年三月十六日");
        assert_eq!(hanzi(d(2019, 10, 1)), "二〇一九年十月一日");
        assert_eq!(hanzi(d(2008, 12, 20)), "二〇〇八年十二月二十日");
        assert_eq!(hanzi(d(2021, 1, 31)), "二〇二一年一月三十一日");
        assert_eq!(chinese(d(2020, 3, 16)), "2020年3月16日");
    }

    #[test]
    fn accepted_spellings() {
        for s in [
            "2020-03-16",
            "2020-3-16",
            "2020/3/16",
            "2020.03.16",
            "2020年3月16日",
            "2020年03月16日",
            "２０２０年３月１６日",
            " 2020-03-16 ",
            "2020-03-16T09:30:00Z",
            "2020-03-16 09:30:00",
        ] {
            assert_eq!(parse(s), Ok(d(2020, 3, 16)), "{s}");
        }
    }

    #[test]
    fn refused_spellings() {
        for s in [
            "43906",
            "16/3/2020",
            "2020-03",
            "二〇二〇年三月十六日",
            "2020-03-16x",
            "明天",
            "",
        ] {
            assert_eq!(parse(s), Err(DateError::Form), "{s}");
        }
        for s in ["2020-02-30", "2020-13-01", "2019-02-29", "2020年0月1日"] {
            assert_eq!(parse(s), Err(DateError::NoSuchDay), "{s}");
        }
        assert_eq!(parse("2020-02-29"), Ok(d(2020, 2, 29)));
        for s in [
            "0000-01-01",
            "0999-12-31",
            "1899-12-31",
            "2101-01-01",
            "9999-12-31",
        ] {
            assert_eq!(parse(s), Err(DateError::OutOfRange), "{s}");
        }
        assert_eq!(parse("1900-01-01"), Ok(d(1900, 1, 1)));
        assert_eq!(parse("2100-12-31"), Ok(d(2100, 12, 31)));
    }

    #[test]
    fn excel_serials() {
        assert_eq!(from_excel_serial(43906.0), Some(d(2020, 3, 16)));
        assert_eq!(from_excel_serial(43906.75), Some(d(2020, 3, 16)));
        assert_eq!(from_excel_serial(1.0), Some(d(1900, 1, 1)));
        assert_eq!(from_excel_serial(61.0), Some(d(1900, 3, 1)));
        assert_eq!(from_excel_serial(0.0), None);
        assert_eq!(from_excel_serial(f64::NAN), None);
    }

    #[test]
    fn spelled_out() {
        assert_eq!(ymd(d(2020, 3, 6)), "2020-03-06");
        assert_eq!(chinese(d(2020, 3, 6)), "2020年3月6日");
    }
}
