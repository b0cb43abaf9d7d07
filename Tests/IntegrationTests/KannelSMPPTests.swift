import Foundation
import GRDB
import Testing
import TestSupport

/// Kannel's bearerbox bound as an ESME to `selfcare serve --smpp` (Examples/kannel/
/// kannel-smpp.conf): a message sent through smsbox's sendsms reaches Selfcare as a
/// subscriber's MO (`submit_sm`), and Selfcare's reply comes back to Kannel (`deliver_sm`),
/// which logs it as a received SMS; a USSD string goes the same way with its TLV as
/// Kannel meta-data.
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
        // USSD via meta-data: *1412# as a PSSR indication; the menu comes back as a screen
        // that waits for an answer (ussd_service_op 2, service_type USSD).
        let ussd = try HTTPTestClient(port: kannel.sendsmsPort, timeout: 5).request(
            "GET", "/cgi-bin/sendsms?username=\(KannelBoxes.sendsmsUser)&password=\(KannelBoxes.sendsmsPassword)&from=36301111111&to=1412&text=*1412%23&meta-data=%3Fsmpp%3Fussd_service_op%3D1")
        #expect(ussd.status == 202, "sendsms: \(ussd.status) \(ussd.text)")
        let screen = waitUntil(15) {
            kannel.log("access.log").split(separator: "\n").contains {
                $0.contains("Receive SMS") && $0.contains("[BINF:USSD]") && $0.contains("ussd_service_op=%02") && $0.contains("Telekom 1412")
            }
        }
        #expect(screen, "no USSD screen in Kannel's access log: \(kannel.log("access.log"))\nselfcare: \(server.log)")
        // The outbox to Kannel's bind (its address-range takes 36…): a call-me-back request
        // from 36301111111 reaches 36302222222 as an SMS from the caller's number.
        let callMe = try HTTPTestClient(port: kannel.sendsmsPort, timeout: 5).request(
            "GET", "/cgi-bin/sendsms?username=\(KannelBoxes.sendsmsUser)&password=\(KannelBoxes.sendsmsPassword)&from=36301111111&to=1430&text=HIVJ+06-30-222-2222")
        #expect(callMe.status == 202, "sendsms: \(callMe.status) \(callMe.text)")
        let notice = waitUntil(15) {
            kannel.log("access.log").split(separator: "\n").contains {
                $0.contains("Receive SMS") && $0.contains("36301111111]") && $0.contains("[to:+36302222222]")
            }
        }
        #expect(notice, "no call-me-back SMS in Kannel's access log: \(kannel.log("access.log"))\nselfcare: \(server.log)")
        #expect(server.stop() == 0)
        let rows = try store.rawDatabase().read {
            try Row.fetchAll($0, sql: "SELECT channel, account, request, outcome FROM audit WHERE msisdn IN ('36302222222', '36301111111') ORDER BY id")
        }
        #expect(rows.count == 4, "\(rows)")
        #expect(rows.allSatisfy { $0["channel"] == "smpp" })
        #expect(rows.prefix(3).allSatisfy { $0["account"] == "kannel" })
        #expect((rows[1]["request"] as String?)?.hasPrefix("USSD 36301111111 *1412#") == true)
        // The outbox row was marked once Kannel's deliver_sm_resp said ok.
        #expect((rows.last?["request"] as String?)?.hasPrefix("SENDSMS") == true)
        #expect(rows.last?["outcome"] == "ok: accepted by smpp server kannel")
        let pending = try store.rawDatabase().read { try Int.fetchOne($0, sql: "SELECT count(*) FROM outbox WHERE delivered_at IS NULL") }
        #expect(pending == 0)
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
