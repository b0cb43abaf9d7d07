import Engine
import Gateway
import Testing

@Suite("Failed logins, one audit row per source and second")
struct AuthFailuresTests {
    @Test func attemptsAreCountedPerSourceAndSecondAndTakenOnceTheSecondIsOver() {
        let failures = AuthFailures()
        failures.record(source: "192.0.2.7", now: 100, name: "root", channel: "line")
        failures.record(source: "192.0.2.7", now: 100, name: "admin", channel: "http")
        failures.record(source: "192.0.2.8", now: 100, name: "x", channel: "line")
        failures.record(source: "192.0.2.7", now: 101, name: "guest", channel: "line")
        #expect(!failures.hasDue(now: 100))
        #expect(failures.takeDue(now: 100).isEmpty)
        let due = failures.takeDue(now: 101)
        #expect(due == [
            AuthFailures.Summary(source: "192.0.2.7", second: 100, channel: "line", firstName: "root", count: 2),
            AuthFailures.Summary(source: "192.0.2.8", second: 100, channel: "line", firstName: "x", count: 1),
        ])
        #expect(failures.hasDue(now: 102))
        // A failed commit puts them back, counts merged.
        failures.restore(due)
        failures.record(source: "192.0.2.7", now: 100, name: "again", channel: "line")
        #expect(failures.takeDue(now: 102, everything: true).map(\.count) == [3, 1, 1])
        #expect(failures.isEmpty)
    }

    @Test func manySourcesShareOneRowPastTheLimit() {
        let failures = AuthFailures()
        for i in 0..<(AuthFailures.maximumSources + 50) {
            failures.record(source: "2001:db8::\(i)", now: 7, name: "n", channel: "http")
        }
        let due = failures.takeDue(now: 8)
        #expect(due.count == AuthFailures.maximumSources + 1)
        #expect(due.first { $0.source == "*" }?.count == 50)
    }

    @Test func namesAreBoundedAndEscapedForTheAudit() {
        #expect(Engine.auditedAccountName("ops") == "ops")
        #expect(Engine.auditedAccountName("józsi") == "józsi")
        #expect(Engine.auditedAccountName("a b\u{1B}[2J\\") == "a\\x20b\\x1b[2J\\\\")
        #expect(Engine.auditedAccountName("") == "\"\"")
        #expect(Engine.auditedAccountName("zero\u{200B}width") == "zero\\u{200b}width")
        let long = Engine.auditedAccountName(String(repeating: "A", count: 4_000))
        #expect(long == String(repeating: "A", count: 32) + "…")
    }
}
