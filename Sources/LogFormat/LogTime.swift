import Model
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A log line's time: UTC, to the millisecond, written as RFC 3339
/// (`2026-12-03T21:29:00.123Z`).
public struct LogTime: Sendable, Equatable {
    public var seconds: Int
    public var milliseconds: Int

    public init(seconds: Int, milliseconds: Int) {
        self.seconds = seconds
        self.milliseconds = milliseconds
    }

    public static func now() -> LogTime {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return LogTime(seconds: Int(ts.tv_sec), milliseconds: Int(ts.tv_nsec) / 1_000_000)
    }

    func render(into out: inout [UInt8]) {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let date = CivilTime.date(days: Int64(days))
        let (year, month, day) = (date.year, date.month, date.day)
        digits(year, 4, &out)
        out.append(UInt8(ascii: "-"))
        digits(month, 2, &out)
        out.append(UInt8(ascii: "-"))
        digits(day, 2, &out)
        out.append(UInt8(ascii: "T"))
        digits(secondOfDay / 3600, 2, &out)
        out.append(UInt8(ascii: ":"))
        digits(secondOfDay / 60 % 60, 2, &out)
        out.append(UInt8(ascii: ":"))
        digits(secondOfDay % 60, 2, &out)
        out.append(UInt8(ascii: "."))
        digits(milliseconds, 3, &out)
        out.append(UInt8(ascii: "Z"))
    }

    private func digits(_ value: Int, _ width: Int, _ out: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var v = value
        while divisor > 0 {
            out.append(0x30 + UInt8(v / divisor % 10))
            v %= divisor
            divisor /= 10
        }
    }
}
