import Foundation
import GRDB
import LineClient
import Model
import SMPP
import Store
import Testing
import TestSupport

/// Issue 16: the store fails under the running server — the disk full, the WAL
/// unwritable, a commit failing — and every transport's answer says so, nothing is
/// half-applied, and the server carries on as soon as the fault goes.
@Suite("Store faults against the real server", .serialized)
struct StoreFaultTests {
    static let simulator = [("Authorization", "Basic c2ltdWxhdG9yOnNpbXVsYXRvcg==")]

    /// What a user checks after a fault: balances, the ledger and the audit.
    struct Snapshot: Equatable {
        var balances: [Int64]
        var ledgerRows: Int
        var auditRows: Int
    }

    func snapshot(_ store: TemporaryStore) throws -> Snapshot {
        try store.rawDatabase().read { db in
            Snapshot(balances: try Int64.fetchAll(db, sql: "SELECT balance FROM subscribers ORDER BY msisdn"),
                     ledgerRows: try Int.fetchOne(db, sql: "SELECT count(*) FROM ledger") ?? -1,
                     auditRows: try Int.fetchOne(db, sql: "SELECT count(*) FROM audit") ?? -1)
        }
    }

    /// During the fault: a keyed TOPUP, a premium MO on the line, a Kannel MO and an
    /// SMPP MO are each refused with their transport's "try again" and change nothing;
    /// after it, the same requests (the same keys) run once.
    func exercise(_ fault: String, start: (ServerProcess) throws -> Void, end: (ServerProcess) throws -> Void) throws {
        let store = try TemporaryStore()
        let server = try ServerProcess(store: store, smpp: true)
        let ops = try server.operatorConnection()
        let network = try server.network()
        let esme = try SMPPTestESME(port: server.smppPort, systemID: "simulator", password: "simulator")
        let http = try HTTPTestClient(port: server.httpPort)
        #expect(try ops.send("TOPUP 36301111111 1") == ["250 OK balance 5001"])
        let before = try snapshot(store)

        try start(server)
        let kannel = "/kannel/sms?from=36304444444&to=0690123456&text=VOTE+1&id=k-1"
        for _ in 0..<3 {
            #expect(try ops.send("TOPUP id=f-1 36301111111 100") == ["451 Commit failed, nothing applied; send it again"], "\(fault)")
            let mo = try network.send("SMS id=f-2 36303333333 0690123456 VOTE 1")
            #expect(mo == ["451 Commit failed, nothing applied; send it again"], "\(fault)")
            let r = try http.request("GET", kannel, headers: Self.simulator)
            #expect(r.status == 503, "\(fault): \(r.status) \(r.text)")
            try esme.submit(from: "36302222222", to: "0690123456", text: "VOTE 1", sequence: 1)
            #expect(esme.responses(expected: 1).map(\.1) == [CommandStatus.temporaryAppError.rawValue], "\(fault)")
        }
        #expect(try snapshot(store) == before, "\(fault): a refused request left something behind")
        #expect(server.process.isRunning, "\(fault): the server went down")

        try end(server)
        #expect(try ops.send("TOPUP id=f-1 36301111111 100") == ["250 OK balance 5101"], "\(fault): not recovered")
        #expect(try ops.send("TOPUP id=f-1 36301111111 100") == ["250 OK balance 5101"])
        #expect(try network.send("SMS id=f-2 36303333333 0690123456 VOTE 1").first?.hasPrefix("250") == true)
        #expect(try http.request("GET", kannel, headers: Self.simulator).status == 200)
        try esme.submit(from: "36302222222", to: "0690123456", text: "VOTE 1", sequence: 2)
        #expect(esme.responses(expected: 1).map(\.1) == [0])
        esme.close()
        #expect(server.stop() == 0)
        // The stop line counts the failed transactions (each failure was logged too,
        // where the log itself could be written: not on a full disk).
        let stopLine = server.log.split(separator: "\n").first { $0.contains("store: commits") } ?? ""
        let failed = stopLine.range(of: "failed commits ").flatMap { Int(stopLine[$0.upperBound...].prefix(while: \.isNumber)) } ?? 0
        #expect(failed >= 3, "\(fault): \(failed) failed commits counted")
        let after = try snapshot(store)
        #expect(after.ledgerRows == before.ledgerRows + 4, "\(fault): one row per request, each once")
        #expect(try store.open().ledgerDiscrepancies().isEmpty)
        let (status, output) = try runSelfcare(["db", "check", "--db", store.path])
        #expect(status == 0, "\(fault): db check: \(output)")
    }

    /// The disk full: the server's file-size limit drops to one byte (`prlimit`, as
    /// `ulimit -f` would), so every write past the first byte of a file fails.
    @Test func theDiskFullIsAFailedCommitAndTheServerRecovers() throws {
        func limit(_ server: ServerProcess, _ value: String) throws {
            let (status, output) = try runProgram("/usr/bin/prlimit", ["--pid", "\(server.process.processIdentifier)",
                                                                      "--fsize=\(value):\(value == "1" ? "unlimited" : value)"])
            #expect(status == 0, "prlimit: \(output)")
        }
        try exercise("disk full", start: { try limit($0, "1") }, end: { try limit($0, "unlimited") })
    }

    /// The WAL unwritable: the immutable attribute on the open WAL file (`chattr +i`;
    /// writes through the server's open descriptor fail with EPERM).
    @Test func anUnwritableWALIsAFailedCommitAndTheServerRecovers() throws {
        func attribute(_ server: ServerProcess, _ flag: String) throws {
            let (status, output) = try runProgram("/usr/bin/chattr", [flag, server.store.path + "-wal"])
            #expect(status == 0, "chattr \(flag) needs root and a file system with attributes (ext4, xfs…): \(output)")
        }
        try exercise("WAL unwritable", start: { try attribute($0, "+i") }, end: { try attribute($0, "-i") })
    }

    /// A commit that fails by itself (the store's test hook: every 3rd transaction).
    @Test func anInjectedFailedCommitChangesNothingAndTheRetryRunsOnce() throws {
        let store = try TemporaryStore()
        // AUTH (1st) commits, the 1st TOPUP (2nd) commits, the 2nd TOPUP (3rd) fails.
        let server = try ServerProcess(store: store, environment: ["SELFCARE_FAIL_COMMIT": "3"])
        let ops = try server.operatorConnection()
        #expect(try ops.send("TOPUP id=a 36301111111 10") == ["250 OK balance 5010"])
        let before = try snapshot(store)
        #expect(try ops.send("TOPUP id=b 36301111111 10") == ["451 Commit failed, nothing applied; send it again"])
        #expect(try snapshot(store) == before)
        #expect(try ops.send("TOPUP id=b 36301111111 10") == ["250 OK balance 5020"])
        #expect(try ops.send("TOPUP id=b 36301111111 10") == ["250 OK balance 5020"])
        server.stop()
        #expect(try snapshot(store).ledgerRows == before.ledgerRows + 1)
    }
}
