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
            ~ rate 3690 premium 300 -> 350
            + rate 3699 premium new 200
            2 changes, 2 unchanged
            dry run: nothing changed (--apply applies it)

            """)
        #expect(try rates(store) == before)

        let (applied, output) = try script(server, Self.csv, ["--apply"])
        #expect(applied == 0, "\(output)")
        #expect(output.hasSuffix("2 changes, 2 unchanged\napplied\n"), "\(output)")
        let after = try rates(store)
        #expect(after.first { $0.prefix == "3690" && $0.kind == .premium }?.price == 350)
        #expect(after.contains(Rate(prefix: "3699", price: 200, kind: .premium)))
        #expect(try script(server, Self.csv).1.hasPrefix("0 changes, 4 unchanged"))

        let (pruned, prunedOutput) = try script(server, Self.csv, ["--prune", "--apply"])
        #expect(pruned == 0 && prunedOutput.contains("- deleted 3690 premium-mt 100"), "\(prunedOutput)")
        #expect(try rates(store).map(\.prefix) == ["16", "3690", "3691", "3699"])
    }

    @Test func badRowsAreNamedAndNothingChanges() throws {
        let store = try TemporaryStore()
        let server = try ServerProcess(store: store)
        let before = try rates(store)
        // No header row: the script sends one, and names the file's own lines.
        let (status, output) = try script(server, "0690,350,premium\n0120,5,premium\n0691,5,cheap,maybe\n", ["--apply"])
        #expect(status == 1, "\(output)")
        #expect(output.contains(":2: prefix \"0120\": digits as dialled (0690, 1690, 777) or international (3690)"), "\(output)")
        #expect(output.contains(":3: kind \"cheap\": one of premium, premium-mt, subscription, donation"))
        #expect(output.hasSuffix("nothing changed\n"))
        let (twice, said) = try script(server, "prefix,price,kind\n0690,350,premium\n+3690,1,premium\n", ["--apply"])
        #expect(twice == 1 && said.contains(":3: 3690 premium is on an earlier line too"), "\(said)")
        #expect(try rates(store) == before)
        server.stop()
        #expect(try store.open().auditEntries(msisdn: nil).filter { $0.request.hasPrefix("IMPORT") }.isEmpty)
    }

    @Test func aFailedCommitChangesNothingAndSaysRunItAgain() throws {
        let store = try TemporaryStore()
        let server = try ServerProcess(store: store, environment: ["SELFCARE_FAIL_COMMIT": "1"])
        let before = try rates(store)
        let (status, output) = try script(server, Self.csv, ["--apply"])
        #expect(status == 2, "\(output)")
        #expect(output.contains("failed: 503 commit_failed"), "\(output)")
        #expect(output.hasSuffix("nothing changed, run it again\n"))
        server.stop()
        #expect(try rates(store) == before)
    }
}
