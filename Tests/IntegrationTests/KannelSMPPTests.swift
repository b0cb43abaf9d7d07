import Foundation
import GRDB
import Testing
import TestSupport

/// Kannel's bearerbox bound as an ESME to `selfcare serve --smpp` (Examples/kannel/
/// kannel-smpp.conf): a message sent through smsbox's sendsms reaches Selfcare as a
/// subscriber's MO (`submit_sm`), and Selfcare's reply comes back to Kannel (`deliver_sm`),
/// which logs it as a received SMS.
@Suite("Kannel bound to the SMPP server", .serialized)
struct KannelSMPPTests {
    @Test(.enabled(if: Kannel.available, Kannel.skipReason))
    func anMOThroughKannelsSMPPClientIsRunAndAnswered() throws {
        let store = try TemporaryStore()
        // SMPP 3.4 passwords have at most 8 characters (Kannel cuts longer ones): an
        // account for the bind.
        let (made, said) = try runSelfcare(["account", "set", "kannel", "network", "--db", store.path],
                                           environment: ["SELFCARE_PASSWORD": "kannelpw"])
        #expect(made == 0, "\(said)")
        let server = try ServerProcess(store: store, http: false, smpp: true)
        let kannel = try KannelBoxes(folder: store.folder, example: "kannel-smpp.conf", selfcareSMPPPort: server.smppPort,
                                     account: ("kannel", "kannelpw"))
        defer { kannel.stop() }
        // bearerbox binds (and smsbox is up): the status page says the SMSC is online.
        let online = waitUntil(15) {
            (try? HTTPTestClient(port: kannel.adminPort, timeout: 2).request("GET", "/status.txt?password=selfcare-test").text)?
                .contains("online") == true
        }
        #expect(online, "bearerbox did not bind: \(kannel.log("bearerbox.log").suffix(2000))\nselfcare: \(server.log)")
        let sent = try HTTPTestClient(port: kannel.sendsmsPort, timeout: 5).request(
            "GET", "/cgi-bin/sendsms?username=\(KannelBoxes.sendsmsUser)&password=\(KannelBoxes.sendsmsPassword)&from=36302222222&to=1730&text=balance")
        #expect(sent.status == 202, "sendsms: \(sent.status) \(sent.text)")
        // Selfcare's reply arrives at Kannel as an SMS from 1730 to the subscriber.
        let answered = waitUntil(15) {
            kannel.log("access.log").split(separator: "\n").contains { $0.contains("Receive SMS") && $0.contains("[from:1730]") && $0.contains("Unbilled this month") }
        }
        #expect(answered, "no reply in Kannel's access log: \(kannel.log("access.log"))\nselfcare: \(server.log)")
        #expect(server.stop() == 0)
        let rows = try store.rawDatabase().read {
            try Row.fetchAll($0, sql: "SELECT channel, account, request FROM audit WHERE msisdn = '36302222222'")
        }
        #expect(rows.count == 1)
        #expect(rows.first?["channel"] == "smpp" && rows.first?["account"] == "kannel")
        #expect(server.log.contains("smpp server stopped: binds 1"), "\(server.log)")
    }

    private func waitUntil(_ seconds: Double, _ done: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if done() { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return done()
    }
}
