import Foundation
import Model
import Store
import Testing

/// The python3 that runs the example scripts, when there is one.
let python3: String? = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }

/// Examples/rates-from-csv.py, the ops script of the JSON API, against the real server.
@Suite("Examples/rates-from-csv.py", .enabled(if: python3 != nil, "python3 is not installed"))
struct RatesCSVTests {
    /// Runs the script with `csv` as its file; exit status and output (stdout and stderr).
    func script(_ server: ServerProcess, _ csv: String, _ arguments: [String] = []) throws -> (Int32, String) {
        let file = server.store.folder + "/rates-\(UUID().uuidString.prefix(6)).csv"
        try csv.write(toFile: file, atomically: true, encoding: .utf8)
        return try runProgram(try #require(python3),
                              [repositoryRoot + "/Examples/rates-from-csv.py", file, "--url", "http://127.0.0.1:\(server.httpPort)"] + arguments)
    }

    func rates(_ store: TemporaryStore) throws -> [Rate] {
        try store.open().write { try $0.rates(prefix: nil) }
    }

    static let csv = """
        prefix,price,kind,adult
        # the premium ranges
        0690,350,premium,
        0691,500,premium,adult
        06-99,200,premium,no
        16,150,premium

        """

    @Test func aDryRunShowsTheDiffAndApplyAppliesIt() throws {
        let store = try TemporaryStore()
        let server = try ServerProcess(store: store)
        let before = try rates(store)
        let (dry, diff) = try script(server, Self.csv)
        #expect(dry == 0, "\(diff)")
        #expect(diff == """
            ~ 3690 premium 300 -> 350
            + 3699 premium 200
            2 changes, 2 unchanged, 7 not in the CSV kept (--prune deletes them)
            dry run: nothing changed (--apply applies it)

            """)
        #expect(try rates(store) == before)

        let (applied, output) = try script(server, Self.csv, ["--apply"])
        #expect(applied == 0, "\(output)")
        #expect(output.hasSuffix("applied 2 changes\n"))
        let after = try rates(store)
        #expect(after.first { $0.prefix == "3690" && $0.kind == .premium }?.price == 350)
        #expect(after.contains(Rate(prefix: "3699", price: 200, kind: .premium)))
        #expect(try script(server, Self.csv).1.hasPrefix("0 changes, 4 unchanged"))

        let (pruned, prunedOutput) = try script(server, Self.csv, ["--prune", "--apply"])
        #expect(pruned == 0, "\(prunedOutput)")
        #expect(try rates(store).map(\.prefix) == ["16", "3690", "3691", "3699"])
    }

    @Test func aBadRowChangesNothingAndSendsNothing() throws {
        let store = try TemporaryStore()
        let server = try ServerProcess(store: store)
        let (status, output) = try script(server, "0690,350,premium\n0120,5,premium\n0691,5,cheap,maybe\n+3690,1,premium\n", ["--apply"])
        #expect(status == 1)
        #expect(output.contains(":2: malformed prefix '0120'"))
        #expect(output.contains(":3: unknown kind 'cheap' (premium, premium-mt, subscription, donation)"))
        #expect(output.contains(":3: adult must be yes or no, not 'maybe'"))
        #expect(output.contains(":4: 3690 premium given twice"))
        #expect(output.hasSuffix("nothing changed\n"))
        server.stop()
        #expect(try store.open().auditEntries(msisdn: nil).filter { $0.channel == "http" }.isEmpty)
    }

    @Test func aFailureHalfWayPutsBackWhatWasApplied() throws {
        let store = try TemporaryStore()
        // Every 3rd commit fails: the GET (1) and the first PUT (2) commit, the second PUT
        // (3) is answered 503, the undo of the first (4) commits.
        let server = try ServerProcess(store: store, environment: ["SELFCARE_FAIL_COMMIT": "3"])
        let before = try rates(store)
        let (status, output) = try script(server, Self.csv, ["--apply"])
        #expect(status == 2, "\(output)")
        #expect(output.contains("failed: PUT /api/rates/3699: 503 commit_failed: commit failed, nothing applied; send it again"))
        #expect(output.contains("undoing the 1 changes applied before it"))
        #expect(output.hasSuffix("the rate table is as it was\n"))
        #expect(try rates(store) == before)
        server.stop()
        let puts = try store.open().auditEntries(msisdn: nil).filter { $0.request.hasPrefix("RATE SET") }.map(\.request)
        // The script names the flag (its CSV says no), so the audit shows it.
        #expect(puts == ["RATE SET 3690 350 premium noadult", "RATE SET 3690 300 premium noadult"])
    }
}
