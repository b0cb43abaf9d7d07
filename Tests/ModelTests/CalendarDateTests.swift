import Model
import Testing

@Suite("CalendarDate: parsing, validation, age")
struct CalendarDateTests {
    @Test(arguments: [
        ("2024-02-29", 2024, 2, 29),   // leap year
        ("2000-02-29", 2000, 2, 29),   // divisible by 400: leap
        ("2023-02-28", 2023, 2, 28),
        ("2023-12-31", 2023, 12, 31),
        ("2024-04-30", 2024, 4, 30),
        ("1985-03-21", 1985, 3, 21),
        ("2012-06-01", 2012, 6, 1),
        ("0001-01-01", 1, 1, 1),
        ("9999-12-31", 9999, 12, 31),
    ])
    func validDates(_ text: String, _ year: Int, _ month: Int, _ day: Int) throws {
        let date = try #require(CalendarDate(iso: text), "\(text) must parse")
        #expect(date == CalendarDate(year: year, month: month, day: day))
        #expect(date.iso == text)
        #expect(date.description == text)
        #expect(CalendarDate.isValid(year: year, month: month, day: day))
    }

    @Test(arguments: [
        // days that do not exist
        "2023-02-29", "1900-02-29", "2100-02-29", "2024-02-30", "2024-04-31", "2024-06-31",
        "2024-09-31", "2024-11-31", "2024-01-32", "2024-13-01", "2024-00-10", "2024-01-00",
        "0000-01-01",
        // other formats
        "", "2024", "2024-01", "2024-1-01", "2024-01-1", "24-01-01", "02024-01-01",
        "2024/01/01", "2024.01.01", "20240101", "01-01-2024", "2024-01-01T00:00",
        " 2024-01-01", "2024-01-01 ", "2024-01-01-", "2024--01-01", "2024-Jan-01",
        "2024-0a-01", "abcd-ef-gh", "--", "----------",
        // signs and non-ASCII digits are no digits of YYYY-MM-DD
        "2024-+1-01", "2024-01-+1", "+202-01-01", "-202-01-01", "2024-０1-01", "٢٠٢٤-01-01",
    ])
    func invalidDatesAreRefused(_ text: String) {
        #expect(CalendarDate(iso: text) == nil, "\(text.debugDescription) must be refused")
    }

    @Test(arguments: [
        (1600, 29), (1700, 28), (1800, 28), (1900, 28), (2000, 29), (2023, 28), (2024, 29),
        (2100, 28), (2400, 29),
    ])
    func februaryLength(_ year: Int, _ days: Int) {
        #expect(CalendarDate.daysIn(month: 2, year: year) == days)
        #expect(CalendarDate.isValid(year: year, month: 2, day: 29) == (days == 29))
    }

    @Test func monthLengths() {
        let expected = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        for month in 1...12 {
            #expect(CalendarDate.daysIn(month: month, year: 2023) == expected[month - 1], "month \(month)")
            #expect(CalendarDate.isValid(year: 2023, month: month, day: expected[month - 1]))
            #expect(!CalendarDate.isValid(year: 2023, month: month, day: expected[month - 1] + 1))
            #expect(!CalendarDate.isValid(year: 2023, month: month, day: 0))
        }
        #expect(!CalendarDate.isValid(year: 0, month: 1, day: 1))
        #expect(!CalendarDate.isValid(year: 10_000, month: 1, day: 1))
        #expect(!CalendarDate.isValid(year: 2023, month: 0, day: 1))
        #expect(!CalendarDate.isValid(year: 2023, month: 13, day: 1))
        #expect(!CalendarDate.isValid(year: 2023, month: -1, day: 1))
    }

    /// Every day of two centuries prints as YYYY-MM-DD and parses back to itself.
    @Test func isoRoundTrip() {
        var failures: [String] = []
        for year in 1900...2100 {
            for month in 1...12 {
                for day in 1...CalendarDate.daysIn(month: month, year: year) {
                    let date = CalendarDate(year: year, month: month, day: day)
                    if CalendarDate(iso: date.iso) != date { failures.append(date.iso) }
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(10))")
        #expect(CalendarDate(year: 5, month: 7, day: 9).iso == "0005-07-09")
    }

    @Test func ordering() throws {
        let dates = ["2024-02-29", "2023-12-31", "2024-01-01", "1999-12-31", "2024-02-28", "2024-10-01"]
            .compactMap { CalendarDate(iso: $0) }
        #expect(dates.count == 6)
        #expect(dates.sorted().map(\.iso) == ["1999-12-31", "2023-12-31", "2024-01-01", "2024-02-28", "2024-02-29", "2024-10-01"])
        #expect(try #require(CalendarDate(iso: "2024-09-30")) < #require(CalendarDate(iso: "2024-10-01")))
        #expect(!(try #require(CalendarDate(iso: "2024-10-01")) < #require(CalendarDate(iso: "2024-10-01"))))
    }

    /// Full years of age: the brief's minor (born 2012-06-01) is 14 on 2026-11-21 and
    /// turns 18 on 2030-06-01 exactly, not a day before.
    @Test(arguments: [
        ("2012-06-01", "2026-11-21", 14),
        ("2012-06-01", "2030-05-31", 17),
        ("2012-06-01", "2030-06-01", 18),
        ("2012-06-01", "2030-06-02", 18),
        ("2012-06-01", "2012-06-01", 0),
        ("2012-06-01", "2013-05-31", 0),
        ("2012-06-01", "2013-06-01", 1),
        ("1985-03-21", "2026-03-20", 40),
        ("1985-03-21", "2026-03-21", 41),
        ("2012-12-31", "2030-12-30", 17),
        ("2012-12-31", "2030-12-31", 18),
        ("2012-12-31", "2031-01-01", 18),
        ("2013-01-01", "2030-12-31", 17),
        ("2013-01-01", "2031-01-01", 18),
        // Born on 29 February: in a common year the birthday counts from 1 March, so
        // nobody is taken for an adult early.
        ("2008-02-29", "2026-02-28", 17),
        ("2008-02-29", "2026-03-01", 18),
        ("2008-02-29", "2028-02-28", 19),
        ("2008-02-29", "2028-02-29", 20),
    ])
    func age(_ born: String, _ today: String, _ years: Int) throws {
        let birth = try #require(CalendarDate(iso: born))
        let day = try #require(CalendarDate(iso: today))
        #expect(birth.age(on: day) == years)
    }

    @Test func adultnessTurnsOnTheEighteenthBirthdayForEveryBirthDate() {
        var failures: [String] = []
        for month in 1...12 {
            for day in 1...CalendarDate.daysIn(month: month, year: 2012) {
                let birth = CalendarDate(year: 2012, month: month, day: day)
                let birthday = CalendarDate(year: 2030, month: month, day: min(day, CalendarDate.daysIn(month: month, year: 2030)))
                let before = previousDay(birthday)
                if birth.age(on: before) != 17 { failures.append("\(birth) on \(before)") }
                // 2030 has no 29 February: that birthday falls on 1 March.
                let eighteenth = (month == 2 && day == 29) ? CalendarDate(year: 2030, month: 3, day: 1) : birthday
                if birth.age(on: eighteenth) != 18 { failures.append("\(birth) on \(eighteenth)") }
            }
        }
        #expect(failures.isEmpty, "\(failures)")
    }

    private func previousDay(_ date: CalendarDate) -> CalendarDate {
        if date.day > 1 { return CalendarDate(year: date.year, month: date.month, day: date.day - 1) }
        if date.month > 1 {
            return CalendarDate(year: date.year, month: date.month - 1,
                                day: CalendarDate.daysIn(month: date.month - 1, year: date.year))
        }
        return CalendarDate(year: date.year - 1, month: 12, day: 31)
    }
}
