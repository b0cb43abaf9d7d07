/// Calendar arithmetic without Foundation: days from the epoch, and Budapest's offset
/// (CET, CEST from the last Sunday of March to the last Sunday of October, 01:00 UTC).
public enum CivilTime {
    public static let hungarianMonths = ["január", "február", "március", "április", "május", "június", "július",
                                  "augusztus", "szeptember", "október", "november", "december"]
    public static let englishMonths = ["January", "February", "March", "April", "May", "June", "July",
                                "August", "September", "October", "November", "December"]

    /// The Budapest calendar date of a Unix time.
    public static func budapestDate(_ unixTime: Int64) -> CalendarDate {
        let utc = date(days: floorDiv(unixTime, 86_400))
        let offset: Int64 = isSummerTime(unixTime, year: utc.year) ? 7200 : 3600
        return date(days: floorDiv(unixTime + offset, 86_400))
    }

    /// The Unix time of Budapest's midnight starting `date`.
    public static func budapestMidnight(_ date: CalendarDate) -> Int64 {
        let utcMidnight = days(year: date.year, month: date.month, day: date.day) * 86_400
        return utcMidnight - budapestOffset(utcMidnight - 3600)
    }

    /// Seconds Budapest is ahead of UTC at `unixTime` (3600 or 7200).
    public static func budapestOffset(_ unixTime: Int64) -> Int64 {
        let utc = date(days: floorDiv(unixTime, 86_400))
        return isSummerTime(unixTime, year: utc.year) ? 7200 : 3600
    }

    /// Budapest wall-clock hour and minute of a Unix time.
    public static func budapestTime(_ unixTime: Int64) -> (hour: Int, minute: Int) {
        let seconds = floorMod(unixTime + budapestOffset(unixTime), 86_400)
        return (Int(seconds / 3600), Int(seconds % 3600 / 60))
    }

    public static func floorMod(_ a: Int64, _ b: Int64) -> Int64 { a - floorDiv(a, b) * b }

    static func isSummerTime(_ t: Int64, year: Int) -> Bool {
        let start = lastSunday(month: 3, year: year) * 86_400 + 3600
        let end = lastSunday(month: 10, year: year) * 86_400 + 3600
        return t >= start && t < end
    }

    /// Days since 1970-01-01 of the last Sunday of a month.
    static func lastSunday(month: Int, year: Int) -> Int64 {
        let last = days(year: year, month: month, day: CalendarDate.daysIn(month: month, year: year))
        let weekday = (last + 4) % 7  // 1970-01-01 was a Thursday (4); 0 = Sunday
        return last - (weekday < 0 ? weekday + 7 : weekday)
    }

    /// Howard Hinnant's days_from_civil.
    public static func days(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Howard Hinnant's civil_from_days.
    public static func date(days z0: Int64) -> CalendarDate {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        return CalendarDate(year: Int(y), month: Int(m), day: Int(d))
    }

    public static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
