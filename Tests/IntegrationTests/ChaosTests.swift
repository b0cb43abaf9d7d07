import Foundation
import GRDB
import LineClient
import Store
import Testing
import TestSupport

/// Issue 16's chaos tests: a client that retries every unanswered request under the same
/// idempotency key, against the real server killed (SIGKILL or SIGTERM) at random points
/// of a mixed load, then restarted. At the end every request was applied exactly once.
///
/// The load, per round: operator TOPUPs of 1 Ft on 36303333333 (`TOPUP id=…`), premium
/// MOs of 36301111111 on the line (`SMS id=…`), premium MOs of 36304444444 through
/// Kannel's `/kannel/sms` (`id=…` is Kannel's `%I`) on several HTTP connections at once,
/// and SMPP MOs of 36302222222 by a bound ESME (`submit_sm`, resubmitted as an ESME does).
/// Some answered requests are sent once more on purpose: their answers must repeat.
@Suite("Chaos: kill the server under keyed load, retry, count", .serialized)
struct ChaosTests {
    @Test func sigkillUnderKeyedLoadAppliesEveryRequestExactlyOnce() throws {
        let report = try ChaosRun(signal: SIGKILL, trials: 12, seed: 0x5EC0_11FE).run()
        print(report.summary)
        #expect(report.unanswered == 0 && report.lost == 0 && report.appliedTwice == 0)
        #expect(report.trials >= 10)
    }

    @Test func sigtermUnderKeyedLoadAppliesEveryRequestExactlyOnce() throws {
        let report = try ChaosRun(signal: SIGTERM, trials: 10, seed: 0x7E_4411).run()
        print(report.summary)
        #expect(report.unanswered == 0 && report.lost == 0 && report.appliedTwice == 0)
        #expect(report.trials >= 10)
    }
}

/// One chaos run: its own store and server; `run()` drives the trials and checks the
/// store, recording every failed check as an issue of the running test.
final class ChaosRun {
    enum Kind: String, CaseIterable { case topUp = "line TOPUP", lineMO = "line MO", kannelMO = "Kannel MO", smppMO = "SMPP MO" }

    struct Request {
        let kind: Kind
        let key: String
        let index: Int
        /// The round it was created in (SMPP's redelivery memory is a window).
        let round: Int
        var sends = 0
        /// The first definitive answer (a repeat must get the same).
        var answer: String?
    }

    struct Report {
        var signal: Int32
        var trials = 0
        var requests = 0
        var sends = 0
        var repeatsOnPurpose = 0
        var retried = 0
        var absorbed = 0
        /// Requests still without an answer after the calm rounds.
        var unanswered = 0
        /// Answered requests the ledger does not have.
        var lost = 0
        /// Ledger rows beyond one per request.
        var appliedTwice = 0
        var seconds = 0.0
        var perKind: [Kind: Int] = [:]

        var summary: String {
            let name = signal == SIGKILL ? "SIGKILL" : "SIGTERM"
            let kinds = Kind.allCases.map { "\($0.rawValue) \(perKind[$0] ?? 0)" }.joined(separator: ", ")
            return "chaos \(name): \(trials) trials, \(requests) requests (\(kinds)), \(sends) sends, "
                + "\(retried) retried, \(absorbed) duplicates absorbed (\(repeatsOnPurpose) sent again on purpose), "
                + "unanswered \(unanswered), lost \(lost), applied twice \(appliedTwice), \(String(format: "%.1f", seconds)) s"
        }
    }

    static let topUpNumber = "36303333333", lineNumber = "36301111111"
    static let kannelNumber = "36304444444", smppNumber = "36302222222"
    static let premium = "0690123456"
    static let perRound: [Kind: Int] = [.topUp: 120, .lineMO: 80, .kannelMO: 12, .smppMO: 60]

    let signal: Int32
    let trials: Int
    var random: SplitMix
    let store: TemporaryStore
    var server: ServerProcess
    var requests: [Request] = []
    var report: Report
    /// Ledger rows per number before the first round.
    var baseline: [String: Int] = [:]

    init(signal: Int32, trials: Int, seed: UInt64) throws {
        self.signal = signal
        self.trials = trials
        random = SplitMix(seed: seed)
        store = try TemporaryStore()
        server = try ServerProcess(store: store, smpp: true)
        report = Report(signal: signal)
        // Enough credit that no premium MO is refused for the balance.
        let ops = try server.operatorConnection()
        for number in [Self.lineNumber, Self.kannelNumber, Self.smppNumber] {
            _ = try ops.send("TOPUP \(number) 1000000")
        }
        let db = try store.rawDatabase()
        for number in [Self.topUpNumber, Self.lineNumber, Self.kannelNumber, Self.smppNumber] {
            baseline[number] = try db.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM ledger WHERE msisdn = ?", arguments: [number]) }
        }
    }

    func run() throws -> Report {
        let start = Date()
        for trial in 0..<trials {
            try round(trial: trial, kill: true)
            report.trials += 1
            server = try ServerProcess(store: store, smpp: true)
        }
        // Calm rounds until every request has its answer.
        var calm = 0
        while requests.contains(where: { $0.answer == nil }) {
            calm += 1
            guard calm <= 5 else { break }
            try round(trial: trials + calm, kill: false)
        }
        server.stop()
        report.seconds = Date().timeIntervalSince(start)
        try check()
        return report
    }

    // MARK: - A round

    /// New requests plus every unanswered one plus a few answered ones again, sent on all
    /// transports at once; with `kill`, the server gets `signal` after a random number
    /// of the operator connection's answers.
    func round(trial: Int, kill: Bool) throws {
        if kill {
            for kind in Kind.allCases {
                for _ in 0..<Self.perRound[kind]! {
                    let index = requests.count
                    requests.append(Request(kind: kind, key: "\(kind == .topUp ? "t" : "m")\(trial)-\(index)", index: index,
                                            round: trial))
                }
            }
        }
        var batch = requests.indices.filter { requests[$0].answer == nil }
        // Answered requests sent again on purpose; SMPP ones only from the last rounds
        // (the SMPP duplicate rule is a 30-second window: later, the same MO runs again).
        let answered = requests.indices.filter {
            requests[$0].answer != nil && (requests[$0].kind != .smppMO || requests[$0].round >= trial - 2)
        }
        if !answered.isEmpty {
            for _ in 0..<min(10, answered.count) {
                batch.append(answered[random.next(below: answered.count)])
                report.repeatsOnPurpose += 1
            }
        }
        let byKind = Dictionary(grouping: batch) { requests[$0].kind }

        let ops = try server.operatorConnection()
        let network = try server.network()
        let esme = try SMPPTestESME(port: server.smppPort, systemID: "simulator", password: "simulator")
        var kannel: [(HTTPTestClient, Int)] = []

        var topUps = byKind[.topUp] ?? [], lineMOs = byKind[.lineMO] ?? []
        var smppMOs = byKind[.smppMO] ?? [], kannelMOs = byKind[.kannelMO] ?? []
        func topUp(_ i: Int) -> String { "TOPUP id=\(requests[i].key) \(Self.topUpNumber) 1\r\n" }
        func lineMO(_ i: Int) -> String { "SMS id=\(requests[i].key) \(Self.lineNumber) \(Self.premium) VOTE \(i)\r\n" }
        // A client that gives up: in the rounds with a kill, a fifth of the requests go on
        // connections closed right after writing. The server runs them; their answers are
        // lost; the next round sends them again under the same keys. (Calm rounds give
        // nothing up: they are there to get every answer in.)
        func abandon(_ requests: [Int]) -> [Int] { kill ? requests.filter { _ in random.next(below: 5) == 0 } : [] }
        let abandonedTopUps = abandon(topUps), abandonedMOs = abandon(lineMOs)
        let abandonedSMPP = abandon(smppMOs), abandonedKannel = abandon(kannelMOs)
        topUps.removeAll { abandonedTopUps.contains($0) }
        lineMOs.removeAll { abandonedMOs.contains($0) }
        smppMOs.removeAll { abandonedSMPP.contains($0) }
        kannelMOs.removeAll { abandonedKannel.contains($0) }
        let quitterESME = try SMPPTestESME(port: server.smppPort, systemID: "simulator", password: "simulator")
        for i in abandonedSMPP { try quitterESME.submit(from: Self.smppNumber, to: Self.premium, text: "VOTE \(i)", sequence: UInt32(i + 1)) }
        quitterESME.close()
        for i in abandonedKannel {
            let c = try HTTPTestClient(port: server.httpPort)
            try c.send("GET", kannelTarget(i))
            c.close()
        }
        let quitter = try server.operatorConnection(), quitterMO = try server.network()
        try quitter.write(abandonedTopUps.map(topUp).joined())
        try quitterMO.write(abandonedMOs.map(lineMO).joined())
        quitter.close()
        quitterMO.close()
        try ops.write(topUps.map(topUp).joined())
        try network.write(lineMOs.map(lineMO).joined())
        for i in smppMOs { try esme.submit(from: Self.smppNumber, to: Self.premium, text: "VOTE \(i)", sequence: UInt32(i + 1)) }
        for i in kannelMOs {
            let c = try HTTPTestClient(port: server.httpPort)
            try c.send("GET", kannelTarget(i))
            kannel.append((c, i))
        }
        for i in batch { requests[i].sends += 1; report.sends += 1 }

        // Read some answers, then strike.
        var opsAnswers: [[String]] = []
        if kill {
            let before = topUps.isEmpty ? 0 : random.next(below: topUps.count)
            for _ in 0..<before { if let r = try? ops.readResponse() { opsAnswers.append(r) } }
            Foundation.kill(server.process.processIdentifier, signal)
            // Not waited for here: a stopping server answers what it read and waits for
            // its peers to read it out (the drain below).
        }
        // Drain what each connection got before it closed (all of it on a calm round).
        func drain(_ client: LineClient, count: Int, into answers: inout [[String]]) {
            while answers.count < count, let r = try? client.readResponse() { answers.append(r) }
        }
        drain(ops, count: topUps.count, into: &opsAnswers)
        var lineAnswers: [[String]] = []
        drain(network, count: lineMOs.count, into: &lineAnswers)
        for (n, answer) in opsAnswers.enumerated() { settle(topUps[n], answer.joined(separator: "\n")) }
        for (n, answer) in lineAnswers.enumerated() { settle(lineMOs[n], answer.joined(separator: "\n")) }
        for (c, i) in kannel {
            if let r = try? c.receive() { settle(i, "\(r.status) \(r.text)") }
        }
        for (sequence, status) in esme.responses(expected: smppMOs.count) {
            settle(Int(sequence) - 1, "submit_sm_resp \(status)")
        }
        ops.close()
        network.close()
        esme.close()
        if kill {
            server.process.waitUntilExit()
        } else {
            server.stop()
            server = try ServerProcess(store: store, smpp: true)
        }
    }

    func kannelTarget(_ i: Int) -> String {
        "/kannel/sms?user=simulator&pass=simulator&from=\(Self.kannelNumber)&to=\(Self.premium)&text=VOTE+\(i)&id=\(requests[i].key)"
    }

    /// Records an answer: a definitive one settles the request (a repeat must match the
    /// first); a "try again" (451, 503, an SMPP error status) leaves it to the next round.
    func settle(_ index: Int, _ answer: String) {
        let transient = answer.hasPrefix("451") || answer.hasPrefix("503") || answer.hasPrefix("421")
            || (answer.hasPrefix("submit_sm_resp") && answer != "submit_sm_resp 0")
        if transient { return }
        if let first = requests[index].answer {
            report.absorbed += 1
            if requests[index].kind != .smppMO {
                #expect(answer == first, "a repeat of \(requests[index].key) was answered differently")
            }
        } else {
            requests[index].answer = answer
            if requests[index].sends > 1 { report.retried += 1 }
        }
    }

    // MARK: - The verdict

    func check() throws {
        report.requests = requests.count
        for kind in Kind.allCases { report.perKind[kind] = requests.filter { $0.kind == kind }.count }
        let open = requests.filter { $0.answer == nil }
        report.unanswered = open.count
        if !open.isEmpty {
            Issue.record("never answered: \(open.prefix(10).map { "\($0.kind.rawValue) \($0.key) (\($0.sends) sends)" }); server log:\n\(server.log.suffix(3000))")
        }
        let db = try store.rawDatabase()
        func count(_ sql: String, _ number: String) throws -> Int {
            try db.read { try Int.fetchOne($0, sql: sql, arguments: [number]) ?? -1 }
        }
        // Each request writes one ledger row (the top-up, or the MO's charge).
        let numbers: [(Kind, String)] = [(.topUp, Self.topUpNumber), (.lineMO, Self.lineNumber),
                                         (.kannelMO, Self.kannelNumber), (.smppMO, Self.smppNumber)]
        for (kind, number) in numbers {
            let rows = try count("SELECT count(*) FROM ledger WHERE msisdn = ?", number) - baseline[number]!
            #expect(rows == report.perKind[kind], "\(kind.rawValue): \(rows) ledger rows for \(report.perKind[kind]!) requests")
            report.lost += max(0, report.perKind[kind]! - rows)
            report.appliedTwice += max(0, rows - report.perKind[kind]!)
        }
        #expect(try store.open().ledgerDiscrepancies().isEmpty)
        let (status, output) = try runSelfcare(["db", "check", "--db", store.path])
        #expect(status == 0, "db check: \(output)")
    }
}

/// A small deterministic generator: a failing run can be replayed from its seed.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func next(below n: Int) -> Int { Int(next() % UInt64(n)) }
}
