import Foundation
import Model
import Numbering
import Testing

/// `selfcare bills close` against the real server: a month's run page by page, run
/// again without billing twice, and a refusal that says why and exits non-zero.
@Suite("selfcare bills close")
struct BillsCommandTests {
    @Test func aMonthIsClosedPageByPageAndOnlyOnce() throws {
        let store = try TemporaryStore()
        let server = try ServerProcess(store: store)
        let numbers = ["36309990011", "36309990012", "36309990013"]
        // Subscribers since 2020 (the billing system says so): last month is theirs to bill.
        let file = store.folder + "/postpaid.csv"
        try ("msisdn,product,since\n" + numbers.map { "\($0),postpaid,2020-01-15\n" }.joined()).write(toFile: file, atomically: true, encoding: .utf8)
        let (imported, said) = try runSelfcare(["import", "subscribers", file, "--db", store.path, "--apply"])
        #expect(imported == 0, "\(said)")
        let network = try server.connect()
        #expect(try network.send("AUTH simulator simulator").last?.hasPrefix("235") == true)
        for n in numbers { #expect(try network.send("SMS \(n) 06901234567 VOTE").last == "250 OK charged 300") }
        let gateway = ["--server", "127.0.0.1:\(server.port)"]

        let (status, output) = try runSelfcare(["bills", "close", "last", "--limit", "2"] + gateway)
        #expect(status == 0, "\(output)")
        // The demo's postpaid subscriber (closed before) and the three new ones: 2 pages.
        #expect(output.contains("250 OK closed 1 bill of ") && output.contains("more: after=36309990011"), "\(output)")
        #expect(output.contains("250 OK closed 2 bills of ") && output.hasSuffix("done: 2 pages\n"), "\(output)")

        let (again, repeated) = try runSelfcare(["bills", "close", "last"] + gateway)
        #expect(again == 0 && repeated.contains("closed 0 bills of ") && repeated.contains("4 closed before"), "\(repeated)")

        let (refused, why) = try runSelfcare(["bills", "close", "2999-01"] + gateway)
        #expect(refused == 1 && why.contains("501 2999-01 has not ended"), "\(why)")
        let (invalid, usage) = try runSelfcare(["bills", "close", "October"] + gateway)
        #expect(invalid != 0 && usage.contains("the month is YYYY-MM (2026-10) or last"), "\(usage)")
        server.stop()

        let s = try store.open()
        for n in numbers {
            let (unbilled, bill) = try s.write { tx in
                (try tx.subscriber(MSISDN(canonical: n))?.unbilled, try tx.lastBill(of: MSISDN(canonical: n))?.amount)
            }
            #expect(unbilled == 0 && bill == 300)
        }
        #expect(try s.ledgerDiscrepancies().isEmpty)
    }
}
