import Foundation
import Model
import Numbering
import Store
import Testing

/// Issue 18's "done when": Examples/operator-day.sh, an operator's day from the docs,
/// runs against a fresh demo store and the real server, and leaves what it says.
@Suite("Examples/operator-day.sh")
struct OperatorDayTests {
    @Test func theDayRunsAgainstAFreshDemoStore() throws {
        let store = try TemporaryStore()
        let server = try ServerProcess(store: store)
        let (status, output) = try runProgram("/bin/bash", [repositoryRoot + "/Examples/operator-day.sh"], environment: [
            "SELFCARE": selfcareBinary, "SELFCARE_SERVER": "127.0.0.1:\(server.port)", "SELFCARE_DB": store.path,
        ])
        #expect(status == 0, "\(output)")
        for expected in [
            "10000 rows: 10000 added, 0 changed, 0 unchanged: dry run, nothing applied",
            "10000 rows: 10000 added, 0 changed, 0 unchanged: applied",
            "250 OK PIN reset for 36301111111: a new PIN was sent to the handset",
            "250 OK closed 501 bills of ",
            "250 OK rate 3690 premium 300 -> 350",
            "250 OK subscriber 36305555555 terminated; balance 800 written off",
        ] {
            #expect(output.contains(expected), "\(expected)\n\(output)")
        }
        server.stop()
        let s = try store.open()
        #expect(try s.subscriberCount() == 10_005)
        #expect(try s.write { try $0.subscriber(MSISDN(canonical: "36305555555"))?.status } == .terminated)
        #expect(try s.write { try $0.lastBill(of: MSISDN(canonical: "36701000002")) }?.amount == 0)
        #expect(try s.ledgerDiscrepancies().isEmpty)
    }
}
