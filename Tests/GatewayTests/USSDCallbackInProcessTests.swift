import Foundation
import Model
import Numbering
import Store
import Testing
import GatewayTesting

/// `POST /ussd`, the aggregators' USSD callback, through the real pipeline and store, in process: the same
/// engine and the same dialogues as the line protocol's `USSD`.
@Suite("USSD callback over HTTP, in process")
struct USSDCallbackInProcessTests {
    static let simulator = [("Authorization", "Basic c2ltdWxhdG9yOnNpbXVsYXRvcg==")]  // simulator:simulator
    static let form = [("Content-Type", "application/x-www-form-urlencoded")]

    /// One callback request; fields are percent-encoded here.
    static func ussd(_ c: TestHTTPClient, session: String, code: String = "*1412#", phone: String = "+36301111111",
                     text: String, headers: [(String, String)] = simulator) throws -> TestHTTPResponse {
        func encode(_ s: String) -> String {
            s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? s
        }
        let body = "sessionId=\(encode(session))&serviceCode=\(encode(code))&phoneNumber=\(encode(phone))&text=\(encode(text))"
        return try c.request("POST", "/ussd", headers: headers + form, body: Array(body.utf8))
    }

    @Test func aFullWalkContinuesThenEndsAndIsAudited() throws {
        let app = try TestGateway()
        let c = try app.httpClient()
        let main = try Self.ussd(c, session: "s1", text: "")
        #expect(main.status == 200)
        #expect(main.header("Content-Type") == "text/plain; charset=utf-8")
        #expect(main.text.hasPrefix("CON Telekom 1412\n"), "\(main.text)")
        let five = try Self.ussd(c, session: "s1", text: "5")
        #expect(five.text.hasPrefix("CON Szerzodéshez kapcsolodo modositasi igények"), "\(five.text)")
        let end = try Self.ussd(c, session: "s1", text: "5*2")
        #expect(end.text.hasPrefix("END A huségido lejartat"), "\(end.text)")
        // Over: the line protocol sees no open dialogue either.
        let line = try app.network()
        #expect(try line.send("USSD 36301111111 1").last == "554 Refused: no open dialogue to answer")
        app.stop()
        let audit = try app.openStore().auditEntries(msisdn: "36301111111").filter { $0.channel == "http" }
        #expect(audit.map(\.request) == ["USSD 36301111111 *1412#", "USSD 36301111111 5", "USSD 36301111111 2"])
        #expect(audit.allSatisfy { $0.account == "simulator" })
    }

    @Test func anMMICodeEndsAtOnceAndChangesTheStore() throws {
        let app = try TestGateway()
        let c = try app.httpClient()
        let answer = try Self.ussd(c, session: "m1", code: "**21*06201234567#", phone: "06301111111", text: "")
        #expect(answer.status == 200)
        #expect(answer.text.hasPrefix("END "), "\(answer.text)")
        #expect(answer.text.contains("+36 20 123 4567"), "\(answer.text)")
        app.stop()
        let settings = try app.openStore().write { try $0.settings(of: MSISDN(canonical: "36301111111")) }
        #expect(settings["cf.21"] == "on 36201234567")
    }

    @Test func aRepeatedRequestIsAnsweredAgainNotRunAgain() throws {
        let app = try TestGateway()
        let c = try app.httpClient()
        let main = try Self.ussd(c, session: "r1", text: "")
        #expect(try Self.ussd(c, session: "r1", text: "").text == main.text)
        let five = try Self.ussd(c, session: "r1", text: "5")
        // Sent again: the same screen, and the "5" is not taken as an answer to menu 5.
        let again = try Self.ussd(c, session: "r1", text: "5")
        #expect(again.text == five.text)
        #expect(again.header("X-Selfcare-Outcome") == "repeated")
        #expect(try Self.ussd(c, session: "r1", text: "5*2").text.hasPrefix("END A huségido lejartat"))
        #expect(try Self.ussd(c, session: "r1", text: "5*2").text.hasPrefix("END A huségido lejartat"))
        app.stop()
        let audit = try app.openStore().auditEntries(msisdn: "36301111111").filter { $0.channel == "http" }
        #expect(audit.map(\.request) == ["USSD 36301111111 *1412#", "USSD 36301111111 5", "USSD 36301111111 2"])
    }

    @Test func badFieldsWrongCredentialsAndUnknownSubscribers() throws {
        let app = try TestGateway()
        let c = try app.httpClient()
        let missing = try c.request("POST", "/ussd", headers: Self.simulator + Self.form,
                                    body: Array("sessionId=a&serviceCode=*1412%23&text=".utf8))
        #expect(missing.status == 400)
        #expect(missing.text == "missing parameter: phoneNumber\n")
        #expect(try Self.ussd(c, session: "b", phone: "123", text: "").text == "malformed number: phoneNumber\n")
        #expect(try Self.ussd(c, session: "b", code: "1412", text: "").status == 400)
        #expect(try Self.ussd(c, session: "", text: "").text == "malformed sessionId\n")
        #expect(try c.request("GET", "/ussd").status == 405)

        #expect(try Self.ussd(c, session: "b", text: "", headers: []).status == 401)
        let wrong = try Self.ussd(c, session: "b", text: "", headers: [("Authorization", "Basic c2ltdWxhdG9yOndyb25n")])
        #expect(wrong.status == 401)
        #expect(wrong.text == "authentication failed\n")
        let ops = try Self.ussd(c, session: "b", text: "", headers: [("Authorization", "Basic b3BzOm9wcw==")])
        #expect(ops.status == 403)

        let unknown = try Self.ussd(c, session: "u", phone: "36309999999", text: "")
        #expect(unknown.status == 200)
        // A USSD screen: GSM 7-bit, the accents the alphabet lacks dropped.
        #expect(unknown.text == "END A(z) 36309999999 hivoszam nem szerepel az elofizetok között.")
        app.stop()
        let requests = try app.openStore().auditEntries(msisdn: nil).filter { $0.channel == "http" }.map(\.request)
        #expect(requests.filter { $0.hasPrefix("USSD ") } == ["USSD 36309999999 *1412#"])
    }

    @Test func lineAndHTTPDialoguesOfTwoSubscribersAtOnce() throws {
        let app = try TestGateway()
        let c = try app.httpClient()
        let line = try app.network()
        #expect(try line.send("USSD 36301111111 *1412#").last == "251 CONTINUE")
        #expect(try Self.ussd(c, session: "x", phone: "36302222222", text: "").text.hasPrefix("CON "))
        #expect(try line.send("USSD 36301111111 5").first == "251-Szerzodéshez kapcsolodo modositasi igények")
        let http5 = try Self.ussd(c, session: "x", phone: "36302222222", text: "5")
        #expect(http5.text.hasPrefix("CON "), "\(http5.text)")
        #expect(try line.send("USSD 36301111111 2").last == "250 END")
        #expect(try Self.ussd(c, session: "x", phone: "36302222222", text: "5*2").text.hasPrefix("END "))
        // The registry is one: the line sees the HTTP subscriber's dialogue too.
        #expect(try Self.ussd(c, session: "y", phone: "36302222222", text: "").text.hasPrefix("CON "))
        #expect(try line.send("RELEASE 36302222222") == ["250 Released"])
    }

    @Test func metricsShowCommandsByServiceOpenDialoguesAndOutboxDepth() throws {
        let app = try TestGateway()
        let c = try app.httpClient()
        let line = try app.network()
        _ = try c.request("GET", "/kannel/sms?from=36301111111&to=1730&text=x", headers: Self.simulator)
        _ = try line.send("SMS 36301111111 1730 x")
        _ = try line.send("SMS 36301111111 4321 x")
        _ = try line.send("USSD 36301111111 *1412#")
        _ = try Self.ussd(c, session: "m", phone: "36302222222", text: "")
        _ = try Self.ussd(c, session: "n", phone: "36309999999", text: "")
        // Two call-me-back requests are two outbox SMS waiting.
        for _ in 0..<2 { #expect(try line.send("SMS 36301111111 1430 HIVJ 06302222222").last?.hasPrefix("250 ") == true) }
        let lines = Set(try c.request("GET", "/metrics").text.split(separator: "\n").map(String.init))
        for expected in [
            "selfcare_commands_total{transport=\"http\",service=\"balance\",outcome=\"ok\"} 1",
            "selfcare_commands_total{transport=\"line\",service=\"balance\",outcome=\"ok\"} 1",
            "selfcare_commands_total{transport=\"line\",service=\"unknown\",outcome=\"refused\"} 1",
            "selfcare_commands_total{transport=\"http\",service=\"ussd\",outcome=\"ok\"} 1",
            "selfcare_commands_total{transport=\"line\",service=\"ussd\",outcome=\"ok\"} 1",
            "selfcare_commands_total{transport=\"http\",service=\"ussd\",outcome=\"unknown_subscriber\"} 1",
            "selfcare_commands_total{transport=\"line\",service=\"selfservice\",outcome=\"ok\"} 2",
            "selfcare_ussd_dialogues_open 2.0",
            "selfcare_outbox_pending 2.0",
        ] {
            #expect(lines.contains(expected), "missing: \(expected)")
        }
    }
}
