import TestSupport
import Foundation
@testable import Model
import Testing

@Suite("CivilTime: days since the epoch and the Budapest calendar")
struct CivilTimeTests {
    /// Unix time of a UTC wall-clock moment (uses `days`, checked independently below).
    func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int = 0, _ minute: Int = 0, _ second: Int = 0) -> Int64 {
        CivilTime.days(year: year, month: month, day: day) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
    }

    @Test(arguments: [
        (1970, 1, 1, 0 as Int64),
        (1970, 1, 2, 1),
        (1969, 12, 31, -1),
        (2000, 1, 1, 10_957),
        (2000, 3, 1, 11_017),
        (2024, 2, 29, 19_782),
        (2026, 11, 21, 20_778),
        (1900, 1, 1, -25_567),
        (1, 1, 1, -719_162),
        (9999, 12, 31, 2_932_896),
    ])
    func knownDays(_ year: Int, _ month: Int, _ day: Int, _ days: Int64) {
        #expect(CivilTime.days(year: year, month: month, day: day) == days)
        #expect(CivilTime.date(days: days) == CalendarDate(year: year, month: month, day: day))
    }

    /// Walks every day from 0001-01-01 to 9999-12-31 by hand (day, month, year rollover)
    /// and checks both conversions against the walk: no gaps, no doubles, leap days
    /// where they belong.
    @Test func everyDayOfTheCalendarRoundTrips() {
        var date = CalendarDate(year: 1, month: 1, day: 1)
        var days = CivilTime.days(year: 1, month: 1, day: 1)
        var failures: [String] = []
        while true {
            if CivilTime.date(days: days) != date || CivilTime.days(year: date.year, month: date.month, day: date.day) != days {
                failures.append("\(date) / \(days)")
                if failures.count > 10 { break }
            }
            if date == CalendarDate(year: 9999, month: 12, day: 31) { break }
            if date.day < CalendarDate.daysIn(month: date.month, year: date.year) {
                date.day += 1
            } else if date.month < 12 {
                date = CalendarDate(year: date.year, month: date.month + 1, day: 1)
            } else {
                date = CalendarDate(year: date.year + 1, month: 1, day: 1)
            }
            days += 1
        }
        #expect(failures.isEmpty, "\(failures)")
        #expect(days == 2_932_896)
    }

    @Test(arguments: [-1_000_000, -719_163, -1, 0, 3_000_000, 10_000_000] as [Int64])
    func daysOutsideTheFourDigitYearsStillRoundTrip(_ days: Int64) {
        let date = CivilTime.date(days: days)
        #expect(CivilTime.days(year: date.year, month: date.month, day: date.day) == days)
    }

    @Test(arguments: [
        (1, 86_400, 0 as Int64), (86_399, 86_400, 0), (86_400, 86_400, 1), (-1, 86_400, -1), (-86_400, 86_400, -1),
        (-86_401, 86_400, -2), (0, 86_400, 0), (-7, 2, -4), (7, -2, -4), (-7, -2, 3),
    ])
    func floorDivRoundsDown(_ a: Int64, _ b: Int64, _ q: Int64) {
        #expect(CivilTime.floorDiv(a, b) == q)
    }

    @Test(arguments: [
        (2024, 3, 31), (2024, 10, 27), (2025, 3, 30), (2025, 10, 26),
        (2026, 3, 29), (2026, 10, 25), (2027, 3, 28), (2027, 10, 31), (2000, 3, 26), (2000, 10, 29),
    ])
    func lastSundays(_ year: Int, _ month: Int, _ day: Int) {
        #expect(CivilTime.lastSunday(month: month, year: year) == CivilTime.days(year: year, month: month, day: day))
    }

    /// Midnight in Budapest is 23:00 UTC in winter and 22:00 UTC in summer; the clocks
    /// change at 01:00 UTC on the last Sundays of March and October.
    @Test(arguments: [
        // an ordinary winter and summer day
        (2026, 1, 15, 22, 59, 59, "2026-01-15"), (2026, 1, 15, 23, 0, 0, "2026-01-16"),
        (2026, 7, 1, 21, 59, 59, "2026-07-01"), (2026, 7, 1, 22, 0, 0, "2026-07-02"),
        // New Year
        (2026, 12, 31, 22, 59, 59, "2026-12-31"), (2026, 12, 31, 23, 0, 0, "2027-01-01"),
        // the spring change, Sunday 29 March 2026
        (2026, 3, 28, 22, 59, 59, "2026-03-28"), (2026, 3, 28, 23, 0, 0, "2026-03-29"),
        (2026, 3, 29, 0, 59, 59, "2026-03-29"), (2026, 3, 29, 1, 0, 0, "2026-03-29"),
        (2026, 3, 29, 21, 59, 59, "2026-03-29"), (2026, 3, 29, 22, 0, 0, "2026-03-30"),
        // the autumn change, Sunday 25 October 2026
        (2026, 10, 24, 21, 59, 59, "2026-10-24"), (2026, 10, 24, 22, 0, 0, "2026-10-25"),
        (2026, 10, 25, 0, 59, 59, "2026-10-25"), (2026, 10, 25, 1, 0, 0, "2026-10-25"),
        (2026, 10, 25, 22, 59, 59, "2026-10-25"), (2026, 10, 25, 23, 0, 0, "2026-10-26"),
        // 2024: 31 March and 27 October
        (2024, 3, 30, 22, 59, 59, "2024-03-30"), (2024, 3, 30, 23, 0, 0, "2024-03-31"),
        (2024, 3, 31, 21, 59, 59, "2024-03-31"), (2024, 3, 31, 22, 0, 0, "2024-04-01"),
        (2024, 10, 26, 21, 59, 59, "2024-10-26"), (2024, 10, 26, 22, 0, 0, "2024-10-27"),
        (2024, 10, 27, 22, 59, 59, "2024-10-27"), (2024, 10, 27, 23, 0, 0, "2024-10-28"),
        // the day after a change already keeps the new offset
        (2026, 3, 30, 21, 59, 59, "2026-03-30"), (2026, 3, 30, 22, 0, 0, "2026-03-31"),
        (2026, 10, 26, 22, 59, 59, "2026-10-26"), (2026, 10, 26, 23, 0, 0, "2026-10-27"),
    ])
    func budapestDateAroundMidnight(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int, _ local: String) {
        #expect(CivilTime.budapestDate(utc(year, month, day, hour, minute, second)).iso == local)
    }

    @Test func summerTimeStartsAndEndsAtOneUTC() {
        // Literal Unix times, independent of `days`.
        #expect(!CivilTime.isSummerTime(1_774_745_999, year: 2026))   // 2026-03-29 00:59:59Z
        #expect(CivilTime.isSummerTime(1_774_746_000, year: 2026))    // 2026-03-29 01:00:00Z
        #expect(CivilTime.isSummerTime(1_792_889_999, year: 2026))    // 2026-10-25 00:59:59Z
        #expect(!CivilTime.isSummerTime(1_792_890_000, year: 2026))   // 2026-10-25 01:00:00Z
        #expect(CivilTime.budapestDate(1_774_738_799).iso == "2026-03-28")  // 22:59:59Z
        #expect(CivilTime.budapestDate(1_774_738_800).iso == "2026-03-29")  // 23:00:00Z
        #expect(CivilTime.budapestDate(1_774_821_599).iso == "2026-03-29")  // 21:59:59Z
        #expect(CivilTime.budapestDate(1_774_821_600).iso == "2026-03-30")  // 22:00:00Z
        #expect(CivilTime.budapestDate(1_792_879_199).iso == "2026-10-24")  // 21:59:59Z
        #expect(CivilTime.budapestDate(1_792_879_200).iso == "2026-10-25")  // 22:00:00Z
        #expect(CivilTime.budapestDate(1_792_969_199).iso == "2026-10-25")  // 22:59:59Z
        #expect(CivilTime.budapestDate(1_792_969_200).iso == "2026-10-26")  // 23:00:00Z
    }

    /// Against the system's time-zone database: every half hour around each change and
    /// each New Year from 1996 (when Hungary took the current EU rule) to 2037, and
    /// random moments in between.
    @Test(.enabled(if: TimeZone(identifier: "Europe/Budapest") != nil, "needs tzdata"))
    func agreesWithTheTimeZoneDatabase() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "Europe/Budapest"))
        func expected(_ t: Int64) -> String {
            let c = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: TimeInterval(t)))
            return CalendarDate(year: c.year!, month: c.month!, day: c.day!).iso
        }
        var moments: [Int64] = []
        for year in 1996...2037 {
            let marks = [
                CivilTime.lastSunday(month: 3, year: year) * 86_400,
                CivilTime.lastSunday(month: 10, year: year) * 86_400,
                CivilTime.days(year: year, month: 1, day: 1) * 86_400,
            ]
            for mark in marks {
                for step in stride(from: -2 * 86_400, through: 2 * 86_400, by: 1800) { moments.append(mark + Int64(step)) }
            }
        }
        var rng = SeededGenerator(seed: 2026)
        let first = utc(1996, 1, 1), last = utc(2037, 12, 31)
        for _ in 0..<5_000 { moments.append(Int64.random(in: first...last, using: &rng)) }
        var failures: [String] = []
        for t in moments where CivilTime.budapestDate(t).iso != expected(t) {
            failures.append("\(t): \(CivilTime.budapestDate(t)) vs \(expected(t))")
            if failures.count > 10 { break }
        }
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test func monthNames() {
        #expect(CivilTime.hungarianMonths.count == 12)
        #expect(CivilTime.englishMonths.count == 12)
        #expect(CivilTime.hungarianMonths[2] == "március")
        #expect(CivilTime.englishMonths[9] == "October")
    }
}
