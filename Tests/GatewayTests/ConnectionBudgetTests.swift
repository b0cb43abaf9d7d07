import EventLoop
import Gateway
import Testing

@Suite("Connections fitted to the open-file limit")
struct ConnectionBudgetTests {
    func limit(_ soft: Int) -> FileDescriptorLimit.Reading { .init(soft: soft, hard: soft, raisedFrom: 1024) }

    @Test func whatFitsIsKept() throws {
        let b = try ConnectionBudget.fit(line: 10_000, http: 1_000, limit: limit(1_048_576))
        #expect(b.line == 10_000)
        #expect(b.http == 1_000)
        #expect(b.warnings.isEmpty)
        #expect(b.summary == "open-file limit 1048576 (raised from 1024): up to 10000 line and 1000 http connections")
    }

    @Test func theDefaultsUnderTheUsual1024AreLoweredAndSaid() throws {
        let b = try ConnectionBudget.fit(line: 10_000, http: 1_000, limit: limit(1_024))
        #expect(b.line + b.http + ConnectionBudget.reserve <= 1_024)
        #expect((b.line, b.http) == (720, 240))
        #expect(b.warnings.count == 1)
        #expect(b.warnings[0].contains("serving at most 720 line and 240 http connections"))
    }

    @Test func aSmallHTTPBudgetIsKeptAndOnlyTheLineGivesWay() throws {
        let b = try ConnectionBudget.fit(line: 10_000, http: 100, limit: limit(1_024))
        #expect((b.line, b.http) == (860, 100))
        let small = try ConnectionBudget.fit(line: 50, http: 2_000, limit: limit(1_024))
        #expect((small.line, small.http) == (50, 240))
    }

    @Test func withoutHTTPTheLineTakesTheRoom() throws {
        let b = try ConnectionBudget.fit(line: 10_000, http: 0, limit: limit(1_024))
        #expect((b.line, b.http) == (960, 0))
    }

    @Test func tooFewDescriptorsRefuseToStart() {
        #expect(throws: ConnectionBudget.TooFew.self) { try ConnectionBudget.fit(line: 10, http: 10, limit: limit(65)) }
        #expect((try? ConnectionBudget.fit(line: 10, http: 10, limit: limit(66)))?.line == 1)
    }
}
