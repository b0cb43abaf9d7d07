import GatewayTesting
import GRDB
@testable import Store
import Testing

/// `id=<token>` on the line protocol through the real pipeline and store (issue 16): a
/// repeat is answered like the first and changes nothing.
@Suite("Idempotency keys on the line protocol, in process")
struct IdempotencyKeyInProcessTests {
    func topUps(_ app: TestGateway, _ msisdn: String) throws -> [Int64] {
        try app.openStore().read { db in
            try Int64.fetchAll(db, sql: "SELECT amount FROM ledger WHERE msisdn = ? AND kind = 'topup' ORDER BY id", arguments: [msisdn])
        }
    }

    /// Charges (negative ledger rows) of 36301111111.
    func charges(_ app: TestGateway) throws -> Int {
        try app.openStore().read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM ledger WHERE msisdn = '36301111111' AND amount < 0") ?? -1
        }
    }

    @Test func aRepeatedTopUpIsAnsweredAlikeAndAppliedOnce() throws {
        let app = try TestGateway { line, _ in line.shutdownGrace = 0.3 }
        let ops = try app.operatorClient()
        let first = try ops.send("TOPUP id=bill-77 36301111111 1000")
        #expect(first.last?.hasPrefix("250 OK") == true, "\(first)")
        // The client never saw the answer and sends it again: the same answer, nothing run.
        #expect(try ops.send("TOPUP id=bill-77 36301111111 1000") == first)
        #expect(try ops.send("topup ID=bill-77  36301111111 1000") == first)
        // The key for another request: refused, nothing run.
        #expect(try ops.send("TOPUP id=bill-77 36301111111 2000") == ["501 id=bill-77 was used for another request"])
        // Another key: a new top-up.
        #expect(try ops.send("TOPUP id=bill-78 36301111111 1000").last?.hasPrefix("250 OK") == true)
        app.stop()
        #expect(try topUps(app, "36301111111") == [1000, 1000])
        let audit = try app.openStore().auditEntries(msisdn: "36301111111").filter { $0.request.hasPrefix("TOPUP") }
        #expect(audit.count == 2, "a repeat writes no audit row: \(audit.map(\.request))")
    }

    @Test func aPremiumMOIsChargedOnceHoweverOftenItComes() throws {
        let app = try TestGateway { line, _ in line.shutdownGrace = 0.3 }
        let before = try charges(app)
        let network = try app.network()
        let first = try network.send("SMS id=smsc-4711 36301111111 0690123456 VOTE 1")
        #expect(first.contains { $0.hasPrefix("250") }, "\(first)")
        for _ in 0..<3 { #expect(try network.send("SMS id=smsc-4711 36301111111 0690123456 VOTE 1") == first) }
        app.stop()
        #expect(try charges(app) == before + 1)
    }

    /// A keyed USSD turn answered again reads the same (`251 CONTINUE` included) and
    /// leaves the open dialogue where the first left it.
    @Test func aRepeatedUSSDTurnReadsTheSameAndLeavesTheDialogue() throws {
        let app = try TestGateway { line, _ in line.shutdownGrace = 0.3 }
        let network = try app.network()
        let first = try network.send("USSD id=u1 36301111111 *1412#")
        #expect(first.last == "251 CONTINUE", "\(first)")
        let next = try network.send("USSD id=u2 36301111111 1")
        #expect(try network.send("USSD id=u1 36301111111 *1412#") == first)
        #expect(try network.send("USSD id=u2 36301111111 1") == next)
        // The dialogue is where u2 left it: a control gateway, the same turns without keys.
        let control = try TestGateway { line, _ in line.shutdownGrace = 0.3 }
        let plain = try control.network()
        _ = try plain.send("USSD 36301111111 *1412#")
        _ = try plain.send("USSD 36301111111 1")
        #expect(try network.send("USSD 36301111111 0") == plain.send("USSD 36301111111 0"))
        app.stop()
        control.stop()
    }

    /// RATE and SUB take keys: a repeated SUB ADD is the first answer, not a "number exists".
    @Test func rateAndSubRepeatsAreAnsweredAlike() throws {
        let app = try TestGateway { line, _ in line.shutdownGrace = 0.3 }
        let ops = try app.operatorClient()
        let rate = try ops.send("RATE id=r1 SET 3690555 250 premium")
        #expect(rate.last?.hasPrefix("250") == true, "\(rate)")
        #expect(try ops.send("RATE id=r1 SET 3690555 250 premium") == rate)
        #expect(try ops.send("RATE id=r1 SET 3690555 400 premium") == ["501 id=r1 was used for another request"])
        let added = try ops.send("SUB id=s1 ADD 36309990001 prepaid")
        #expect(added.last?.hasPrefix("250") == true, "\(added)")
        #expect(try ops.send("SUB id=s1 ADD 36309990001 prepaid") == added)
        #expect(try ops.send("SUB ADD 36309990001 prepaid").last?.hasPrefix("250") == false)
        app.stop()
        let prices = try app.openStore().read { db in
            try Int64.fetchAll(db, sql: "SELECT price FROM rates WHERE prefix = '3690555'")
        }
        #expect(prices == [250])
    }

    /// Past the retention a key is forgotten (the background pruning) and runs anew.
    @Test func aKeyPastItsRetentionIsForgotten() throws {
        let app = try TestGateway { line, _ in
            line.shutdownGrace = 0.3
            line.idempotencyRetention = 1
        }
        let ops = try app.operatorClient()
        #expect(try ops.send("TOPUP id=old 36301111111 100").last?.hasPrefix("250 OK") == true)
        app.pause(3.2)   // older than 1 s at a prune tick (every second)
        #expect(try app.openStore().write { try $0.idempotencyRecord(account: "ops", key: "old") } == nil)
        #expect(try ops.send("TOPUP id=old 36301111111 100").last?.hasPrefix("250 OK") == true)
        app.stop()
        #expect(try topUps(app, "36301111111") == [100, 100])
    }

    @Test func aFailedCommitKeepsNoKeySoTheRetryRuns() throws {
        // Every second transaction fails: the AUTH's commits, the TOPUP's does not.
        let app = try TestGateway(failEveryNthCommit: 2) { line, _ in line.shutdownGrace = 0.3 }
        let ops = try app.operatorClient()
        #expect(try ops.send("TOPUP id=t1 36301111111 500") == ["451 Commit failed, nothing applied; send it again"])
        #expect(try ops.send("TOPUP id=t1 36301111111 500").last?.hasPrefix("250 OK") == true)
        app.stop()
        #expect(try topUps(app, "36301111111") == [500])
    }

    /// Kannel's message id (`id=%I`): an MO Kannel delivers again is answered alike and
    /// charged once.
    @Test func kannelsMessageIDAbsorbsARedeliveredMO() throws {
        let app = try TestGateway { line, _ in line.shutdownGrace = 0.3 }
        let before = try charges(app)
        let target = "/kannel/sms?user=simulator&pass=simulator&from=36301111111&to=0690123456&text=VOTE+1&id=9f1c2d"
        let first = try app.http("GET", target)
        #expect(first.status == 200 && first.text.contains("300 Ft"), "\(first.status) \(first.text)")
        let again = try app.http("GET", target)
        #expect(again.status == 200 && again.text == first.text)
        // Another MO under the same id: refused, nothing run.
        let other = try app.http("GET", target.replacingOccurrences(of: "VOTE+1", with: "VOTE+2"))
        #expect(other.status == 400 && other.text.contains("was used for another request"), "\(other.status) \(other.text)")
        let bad = try app.http("GET", target.replacingOccurrences(of: "id=9f1c2d", with: "id="))
        #expect(bad.status == 400 && bad.text.contains("malformed id"))
        app.stop()
        #expect(try charges(app) == before + 1)
    }
}
