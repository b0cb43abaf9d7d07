import Foundation
import Model
import Numbering
import Store
import Testing
import GatewayTesting

/// The ops JSON API through the real pipeline and store, in process: every endpoint,
/// every status, the audit.
@Suite("Ops JSON API, in process")
struct OpsAPIInProcessTests {
    static let ops = [("Authorization", "Basic b3BzOm9wcw==")]  // ops:ops
    static let json = ops + [("Content-Type", "application/json")]
    static let simulator = [("Authorization", "Basic c2ltdWxhdG9yOnNpbXVsYXRvcg==")]  // simulator:simulator

    /// The body as JSON (a failed test, not a crash, when it is not).
    func parse(_ response: TestHTTPResponse) throws -> [String: Any] {
        #expect(response.header("Content-Type") == "application/json")
        let value = try JSONSerialization.jsonObject(with: Data(response.body))
        return try #require(value as? [String: Any], "\(response.text)")
    }

    func send(_ c: TestHTTPClient, _ method: String, _ target: String, _ body: String? = nil,
              headers: [(String, String)] = OpsAPIInProcessTests.json) throws -> TestHTTPResponse {
        try c.request(method, target, headers: headers, body: Array((body ?? "").utf8))
    }

    /// `{"error": code, …}` with that status.
    func expectError(_ r: TestHTTPResponse, _ status: Int, _ code: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(r.status == status, "\(r.text)", sourceLocation: sourceLocation)
        let body = try parse(r)
        #expect(body["error"] as? String == code, "\(r.text)", sourceLocation: sourceLocation)
        #expect((body["message"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
        #expect(body.count == 2, sourceLocation: sourceLocation)
    }

    /// Issue 12.1: a PUT without "adult" stored an adult range as not adult, and a minor
    /// was then charged for it.
    @Test func aPutWithoutAdultKeepsTheFlagAndAMinorIsStillRefused() throws {
        let app = try TestGateway()
        let c = try app.httpClient()
        let changed = try send(c, "PUT", "/api/rates/0691", #"{"price": 600, "kind": "premium"}"#)
        #expect(changed.text == #"{"rate":{"prefix":"3691","kind":"premium","price":600,"adult":true},"previous":{"prefix":"3691","kind":"premium","price":500,"adult":true}}"# + "\n")
        let line = try app.network()
        #expect(try line.send("SMS 36304444444 0691000000 x").last == "554 Refused: adult content, subscriber under 18")
        let unmarked = try send(c, "PUT", "/api/rates/0691", #"{"price": 600, "kind": "premium", "adult": false}"#)
        #expect(unmarked.text.hasPrefix(#"{"rate":{"prefix":"3691","kind":"premium","price":600,"adult":false}"#))
        app.stop()
        let minor = try app.openStore().write { try $0.subscriber(MSISDN(canonical: "36304444444")) }
        #expect(minor?.balance == 2_000)
    }

    /// Issue 16: a top-up with an `Idempotency-Key` sent again (the answer was lost) gets
    /// the first response, balance included, and tops up once.
    @Test func anIdempotencyKeyMakesATopUpHappenOnce() throws {
        let app = try TestGateway()
        let c = try app.httpClient()
        let keyed = Self.json + [("Idempotency-Key", "crm-2026-0042")]
        let first = try send(c, "POST", "/api/subscribers/36301111111/topup", #"{"amount": 1000}"#, headers: keyed)
        let firstBody = try parse(first)
        #expect(first.status == 200 && firstBody["balance"] as? Int == 6000, "\(first.text)")
        let again = try send(c, "POST", "/api/subscribers/36301111111/topup", #"{"amount": 1000}"#, headers: keyed)
        #expect(again.status == 200 && again.text == first.text && again.header("Content-Type") == "application/json")
        // The key for another call: refused, nothing run.
        try expectError(try send(c, "POST", "/api/subscribers/36301111111/topup", #"{"amount": 2000}"#, headers: keyed), 409, "conflict")
        try expectError(try send(c, "POST", "/api/subscribers/36301111111/topup", #"{"amount": 1000}"#,
                                 headers: Self.json + [("Idempotency-Key", "")]), 400, "bad_request")
        // Without a key it is a new top-up.
        #expect(try parse(try send(c, "POST", "/api/subscribers/36301111111/topup", #"{"amount": 1000}"#))["balance"] as? Int == 7000)
        app.stop()
        let topups = try app.openStore().ledgerEntries(msisdn: nil).filter { $0.kind == .topup && $0.msisdn.digits == "36301111111" }
        #expect(topups.map(\.amount) == [1000, 1000])
    }

    /// Issue 18: subscribers a page at a time, the same over the API and the line; bad
    /// queries are refused.
    @Test func subscribersAreListedAPageAtATime() throws {
        let app = try TestGateway { line, _ in line.shutdownGrace = 0.3 }
        let c = try app.httpClient()
        let first = try parse(try send(c, "GET", "/api/subscribers?prefix=0630&product=prepaid&limit=2"))
        let numbers = (first["subscribers"] as? [[String: Any]])?.compactMap { $0["msisdn"] as? String }
        #expect(numbers == ["36301111111", "36304444444"] && first["next"] as? String == "36304444444", "\(first)")
        let second = try parse(try send(c, "GET", "/api/subscribers?prefix=0630&product=prepaid&limit=2&after=36304444444"))
        #expect((second["subscribers"] as? [[String: Any]])?.compactMap { $0["msisdn"] as? String } == ["36305555555"])
        #expect(second["next"] is NSNull)
        let suspended = try parse(try send(c, "GET", "/api/subscribers?status=suspended"))
        #expect((suspended["subscribers"] as? [[String: Any]])?.count == 1)
        for bad in ["limit=0", "limit=1001", "prefix=abc", "product=gold", "status=gone", "after=12", "color=red"] {
            try expectError(try send(c, "GET", "/api/subscribers?\(bad)"), 400, "bad_parameter")
        }
        try expectError(try send(c, "GET", "/api/subscribers", headers: Self.simulator), 403, "forbidden")
        let ops = try app.operatorClient()
        #expect(try ops.send("SUB LIST +3630 product=prepaid limit=2") == [
            "250-36301111111 prepaid active lang=hu balance=5000 universal=1000 unbilled=0 allowance=0",
            "250-36304444444 prepaid active lang=hu balance=2000 universal=0 unbilled=0 allowance=0",
            "250 OK 2 subscribers, more: after=36304444444",
        ])
        #expect(try ops.send("SUB LIST 0620") == ["250 OK 0 subscribers"])
        app.stop()
        let audit = try app.openStore().auditEntries(msisdn: nil).map(\.request)
        #expect(audit.contains("SUB LIST 3630 product=prepaid limit=2"), "\(audit.suffix(5))")
    }

    /// Issue 18: an operator sets, resets and unlocks a PIN over the API; a reset PIN is
    /// never in the answer; bad bodies are refused and change nothing.
    @Test func aPINIsSetResetAndUnlockedAndARefusalChangesNothing() throws {
        let app = try TestGateway { line, _ in line.shutdownGrace = 0.3 }
        let c = try app.httpClient()
        let path = "/api/subscribers/36301111111/pin"
        let pinBefore = try app.openStore().write { try $0.pin(of: MSISDN(canonical: "36301111111")) }
        for (body, status, code) in [(#"{"action": "set"}"#, 400, "bad_field"), (#"{"action": "set", "pin": "1234"}"#, 400, "bad_field"),
                                     (#"{"action": "reset", "pin": "12345"}"#, 400, "bad_field"), (#"{"action": "wipe"}"#, 400, "bad_field"),
                                     (#"{"action": "reset", "extra": 1}"#, 400, "unknown_field")] {
            try expectError(try send(c, "POST", path, body), status, code)
        }
        try expectError(try send(c, "POST", "/api/subscribers/36309999999/pin", #"{"action": "reset"}"#), 404, "unknown_subscriber")
        try expectError(try send(c, "POST", path, #"{"action": "reset"}"#, headers: Self.simulator + [("Content-Type", "application/json")]),
                        403, "forbidden")
        #expect(try app.openStore().write { try $0.pin(of: MSISDN(canonical: "36301111111")) } == pinBefore)

        let reset = try parse(try send(c, "POST", path, #"{"action": "reset"}"#))
        #expect(reset["action"] as? String == "reset" && reset.count == 3)
        let set = try send(c, "POST", path, #"{"action": "set", "pin": "24680"}"#)
        let setBody = try parse(set)
        #expect(set.status == 200 && setBody["result"] as? String == "PIN set for 36301111111; the subscriber was notified")
        #expect(try parse(try send(c, "POST", path, #"{"action": "unlock"}"#))["result"] as? String == "PIN of 36301111111 was not locked")
        let line = try app.network()
        #expect(try line.send("SMS 36301111111 1430 KOD 24680").last == "250 OK purchase code sent")
        app.stop()
        // The reset PIN went to the handset only: in the outbox, not in any answer or audit row.
        let outbox = try app.openStore().write { try $0.pendingOutbox(recipient: MSISDN(canonical: "36301111111"), limit: 10) }
        let sent = try #require(outbox.first { $0.text.hasPrefix("Telekom: az új 5 számjegyű jelszavad:") }?.text)
        let pin = String(sent.split(separator: ":").last!.prefix(6).dropFirst())
        #expect(pin.count == 5 && !(reset["result"] as? String ?? "").contains(pin))
        let audit = try app.openStore().auditEntries(msisdn: "36301111111")
        #expect(audit.allSatisfy { !$0.request.contains(pin) && !$0.request.contains("24680") })
    }

    /// Issue 12.10: POST took a birth date in the future that PATCH refused.
    @Test func aNewSubscriberBornInTheFutureIsRefused() throws {
        let app = try TestGateway()
        let c = try app.httpClient()
        try expectError(try send(c, "POST", "/api/subscribers", #"{"msisdn": "36307777777", "product": "prepaid", "birth": "2999-01-01"}"#), 400, "invalid")
        try expectError(try send(c, "GET", "/api/subscribers/36307777777", headers: Self.ops), 404, "unknown_subscriber")
    }

    @Test func ratesListShowSetAndDeleteAndAPutAppliesToTheNextSMS() throws {
        let app = try TestGateway()
        let c = try app.httpClient()

        let all = try parse(try send(c, "GET", "/api/rates", headers: Self.ops))
        let rates = try #require(all["rates"] as? [[String: Any]])
        #expect(rates.count == 10)
        #expect(rates.first?["prefix"] as? String == "136")
        let premium = try parse(try send(c, "GET", "/api/rates?prefix=0690", headers: Self.ops))
        #expect((premium["rates"] as? [[String: Any]])?.map { $0["kind"] as? String } == ["premium", "premium-mt"])
        let one = try send(c, "GET", "/api/rates/0691?kind=premium", headers: Self.ops)
        #expect(one.status == 200)
        #expect(one.text == #"{"rates":[{"prefix":"3691","kind":"premium","price":500,"adult":true}]}"# + "\n")
        try expectError(try send(c, "GET", "/api/rates/0699", headers: Self.ops), 404, "rate_not_found")
        try expectError(try send(c, "GET", "/api/rates/0690?kind=donation", headers: Self.ops), 404, "rate_not_found")

        // A change answers the new and the previous rate …
        let changed = try send(c, "PUT", "/api/rates/0690", #"{"price": 350, "kind": "premium"}"#)
        #expect(changed.status == 200)
        #expect(changed.text == #"{"rate":{"prefix":"3690","kind":"premium","price":350,"adult":false},"previous":{"prefix":"3690","kind":"premium","price":300,"adult":false}}"# + "\n")
        // … and applies to the next SMS.
        let line = try app.network()
        #expect(try line.send("SMS 36301111111 0690123456 x").last == "250 OK charged 350")
        // A new one is 201 with its place.
        let created = try send(c, "PUT", "/api/rates/+3690123", #"{"price": 990, "kind": "premium", "adult": true}"#)
        #expect(created.status == 201)
        #expect(created.header("Location") == "/api/rates/3690123?kind=premium")
        #expect(try line.send("SMS 36301111111 0690123456 x").last == "250 OK charged 990")
        #expect(try line.send("SMS 36304444444 0690123456 x").last == "554 Refused: adult content, subscriber under 18")

        let deleted = try send(c, "DELETE", "/api/rates/0690123", headers: Self.ops)
        #expect(deleted.status == 200)
        #expect(deleted.text == #"{"deleted":[{"prefix":"3690123","kind":"premium","price":990,"adult":true}]}"# + "\n")
        try expectError(try send(c, "DELETE", "/api/rates/0690123", headers: Self.ops), 404, "rate_not_found")
        #expect(try line.send("SMS 36301111111 0690123456 x").last == "250 OK charged 350")
        // Only one kind of a prefix goes when the kind is named.
        #expect(try send(c, "DELETE", "/api/rates/0690?kind=premium-mt", headers: Self.ops).status == 200)
        #expect(try send(c, "GET", "/api/rates/0690", headers: Self.ops).text.contains(#""kind":"premium","#))
        app.stop()

        // The audit rows are the line verbs', with channel http.
        let audit = try app.openStore().auditEntries(msisdn: nil).filter { $0.channel == "http" && $0.request.hasPrefix("RATE") }
        #expect(audit.map(\.request) == [
            "RATE LIST", "RATE LIST 3690", "RATE LIST 3691", "RATE LIST 3699", "RATE LIST 3690",
            "RATE SET 3690 350 premium", "RATE SET 3690123 990 premium adult",
            "RATE DEL 3690123", "RATE DEL 3690123", "RATE DEL 3690 premium-mt", "RATE LIST 3690",
        ])
        #expect(audit.map(\.outcome)[5...9] == [
            "ok: rate 3690 premium 300 -> 350", "ok: rate 3690123 premium new 990 adult",
            "ok: deleted 3690123: premium 990", "refused: no rate for 3690123", "ok: deleted 3690: premium-mt 100",
        ])
        #expect(audit.allSatisfy { $0.account == "ops" })
    }

    @Test func subscribersAddShowPatchAndTopUpKeepTheLedger() throws {
        let app = try TestGateway()
        let c = try app.httpClient()

        let created = try send(c, "POST", "/api/subscribers",
                               #"{"msisdn": "06-30-666-6666", "product": "prepaid", "birth": "2012-06-01", "pin": "12345", "lang": "en"}"#)
        #expect(created.status == 201)
        #expect(created.header("Location") == "/api/subscribers/36306666666")
        let fresh = try parse(created)
        #expect(fresh["msisdn"] as? String == "36306666666")
        #expect(fresh["product"] as? String == "prepaid")
        #expect(fresh["lang"] as? String == "en")
        #expect(fresh["birth"] as? String == "2012-06-01")
        #expect(fresh["balances"] as? [String: Int] == ["balance": 0, "universal": 0, "unbilled": 0, "allowance": 0])
        #expect((fresh["pin"] as? [String: Any])?["set"] as? Bool == true)
        #expect(!created.text.contains("12345"))
        try expectError(try send(c, "POST", "/api/subscribers", #"{"msisdn": "36306666666", "product": "mix"}"#), 409, "subscriber_exists")

        let topped = try send(c, "POST", "/api/subscribers/36306666666/topup", #"{"amount": 1500}"#)
        #expect(topped.status == 200)
        #expect(topped.text == #"{"msisdn":"36306666666","amount":1500,"balance":1500}"# + "\n")
        #expect(try parse(try send(c, "POST", "/api/subscribers/06301111111/topup", #"{"amount": 1000}"#))["balance"] as? Int == 6000)
        try expectError(try send(c, "POST", "/api/subscribers/36302222222/topup", #"{"amount": 1000}"#), 409, "postpaid")
        try expectError(try send(c, "POST", "/api/subscribers/36309999999/topup", #"{"amount": 1000}"#), 404, "unknown_subscriber")

        let patched = try send(c, "PATCH", "/api/subscribers/36306666666", #"{"lang": "hu", "status": "suspended", "birth": "2001-02-03"}"#)
        #expect(patched.status == 200)
        let after = try parse(patched)
        #expect(after["lang"] as? String == "hu")
        #expect(after["status"] as? String == "suspended")
        #expect(after["birth"] as? String == "2001-02-03")
        #expect((after["balances"] as? [String: Int])?["balance"] == 1500)
        try expectError(try send(c, "PATCH", "/api/subscribers/36309999999", #"{"lang": "en"}"#), 404, "unknown_subscriber")
        try expectError(try send(c, "PATCH", "/api/subscribers/36306666666", #"{"birth": "2999-01-01"}"#), 400, "invalid")

        // What the subscriber did shows: subscriptions and settings (the purchase code without its value).
        let line = try app.network()
        _ = try line.send("SMS 36301111111 777 SPORT")
        _ = try line.send("SMS 36301111111 1430 KOD 11111")
        let shown = try send(c, "GET", "/api/subscribers/+36301111111", headers: Self.ops)
        #expect(shown.status == 200)
        let record = try parse(shown)
        #expect((record["balances"] as? [String: Int])?["balance"] == 5500)
        let subscriptions = try #require(record["subscriptions"] as? [[String: Any]])
        #expect(subscriptions.map { $0["service"] as? String } == ["777:SPORT"])
        #expect(subscriptions.first?["fee"] as? Int == 500)
        let settings = try #require(record["settings"] as? [String: Any])
        #expect(settings["purchase.code"] is NSNull)
        #expect(!shown.text.contains("pbkdf2"))
        try expectError(try send(c, "GET", "/api/subscribers/36309999999", headers: Self.ops), 404, "unknown_subscriber")
        app.stop()

        let db = try app.openStore()
        #expect(try db.ledgerDiscrepancies() == [])
        let topups = try db.ledgerEntries(msisdn: nil).filter { $0.kind == .topup }
        #expect(topups.map(\.amount) == [1500, 1000])
        #expect(topups.allSatisfy { $0.reference == "TOPUP by ops" })
        let audit = try db.auditEntries(msisdn: nil).filter { $0.channel == "http" && !$0.request.hasPrefix("AUTH") }
        #expect(audit.map(\.request) == [
            "SUB ADD 36306666666 prepaid birth=2012-06-01 pin=***** lang=en", "SUB ADD 36306666666 mix lang=hu",
            "TOPUP 36306666666 1500", "TOPUP 36301111111 1000", "TOPUP 36302222222 1000", "TOPUP 36309999999 1000",
            "SUB SET 36306666666 lang=hu status=suspended birth=2001-02-03", "SUB SET 36309999999 lang=en",
            "SUB SET 36306666666 birth=2999-01-01", "SUB SHOW 36301111111", "SUB SHOW 36309999999",
        ])
        #expect(audit.map(\.outcome) == [
            "ok: subscriber 36306666666 added", "refused: subscriber 36306666666 exists",
            "ok: balance 1500", "ok: balance 6000", "refused: postpaid", "unknown subscriber",
            "ok: subscriber 36306666666 lang en -> hu, status active -> suspended, birth 2012-06-01 -> 2001-02-03",
            "unknown subscriber", "invalid: birth date 2999-01-01 is in the future",
            "ok: subscriber 36301111111", "unknown subscriber",
        ])
    }

    @Test func theSameCommandOverTheLineWritesTheSameAuditRow() throws {
        let app = try TestGateway()
        let c = try app.httpClient()
        let line = try app.operatorClient()
        _ = try line.send("TOPUP 36303333333 700")
        _ = try send(c, "POST", "/api/subscribers/36303333333/topup", #"{"amount": 700}"#)
        _ = try line.send("RATE SET 1690 200 premium adult")
        _ = try send(c, "PUT", "/api/rates/1690", #"{"price": 200, "kind": "premium", "adult": true}"#)
        _ = try line.send("SUB ADD 36307777777 mix pin=77777")
        _ = try send(c, "POST", "/api/subscribers", #"{"msisdn": "36307777777", "product": "mix", "pin": "77777"}"#)
        app.stop()
        let rows = try app.openStore().auditEntries(msisdn: nil).filter { !$0.request.hasPrefix("AUTH") }
        #expect(rows.map(\.channel) == ["line", "http", "line", "http", "line", "http"])
        for pair in stride(from: 0, to: rows.count, by: 2) {
            #expect(rows[pair].request == rows[pair + 1].request)
            #expect(rows[pair].msisdn == rows[pair + 1].msisdn)
            #expect(rows[pair].account == rows[pair + 1].account)
        }
        #expect(rows.map(\.outcome) == [
            "ok: balance 2200", "ok: balance 2900", "ok: rate 1690 premium new 200 adult",
            "ok: rate 1690 premium 200 adult -> 200 adult", "ok: subscriber 36307777777 added",
            "refused: subscriber 36307777777 exists",
        ])
    }

    @Test func theAuditIsReadByNumberTimeAndLimit() throws {
        let app = try TestGateway()
        let c = try app.httpClient()
        let line = try app.network()
        for text in ["a", "b", "c"] { _ = try line.send("SMS 36301111111 1730 \(text)") }
        _ = try line.send("SMS 36302222222 1730 d")

        let last2 = try parse(try send(c, "GET", "/api/audit?msisdn=06301111111&limit=2", headers: Self.ops))
        let entries = try #require(last2["entries"] as? [[String: Any]])
        #expect(entries.map { $0["request"] as? String } == ["SMS 36301111111 1730 b", "SMS 36301111111 1730 c"])
        #expect(entries.allSatisfy { $0["channel"] as? String == "line" && $0["account"] as? String == "simulator" })
        #expect(entries.allSatisfy { $0["outcome"] as? String == "ok: balance" && $0["msisdn"] as? String == "36301111111" })
        let ids = entries.compactMap { $0["id"] as? Int }
        #expect(ids.count == 2 && ids[0] < ids[1])

        let future = Int(Date().timeIntervalSince1970) + 3600
        #expect(try send(c, "GET", "/api/audit?since=\(future)", headers: Self.ops).text == #"{"entries":[]}"# + "\n")
        let everything = try parse(try send(c, "GET", "/api/audit?since=0", headers: Self.ops))
        #expect((everything["entries"] as? [Any])?.count == 6)  // 2 AUTH, 4 SMS
        try expectError(try send(c, "GET", "/api/audit?limit=5000", headers: Self.ops), 400, "bad_parameter")
        try expectError(try send(c, "GET", "/api/audit?msisdn=1730", headers: Self.ops), 400, "bad_parameter")
    }

    @Test func everyErrorHasItsStatusAndAJSONBody() throws {
        let app = try TestGateway()
        let c = try app.httpClient()

        let anonymous = try send(c, "GET", "/api/rates", headers: [])
        try expectError(anonymous, 401, "unauthorized")
        #expect(anonymous.header("WWW-Authenticate")?.hasPrefix("Basic realm=\"selfcare\"") == true)
        try expectError(try send(c, "GET", "/api/rates", headers: [("Authorization", "Basic b3BzOndyb25n")]), 401, "unauthorized")  // ops:wrong
        try expectError(try send(c, "GET", "/api/rates", headers: [("Authorization", "Bearer x")]), 401, "unauthorized")
        // The API takes no password in the URL.
        try expectError(try send(c, "GET", "/api/rates?user=ops&pass=ops", headers: []), 401, "unauthorized")
        let network = try send(c, "GET", "/api/rates", headers: Self.simulator)
        try expectError(network, 403, "forbidden")
        #expect(try parse(network)["message"] as? String == "account simulator is not an operator account")
        // A stranger learns nothing about the request: 401 before 400.
        try expectError(try send(c, "PUT", "/api/rates/0690", "nonsense", headers: [("Content-Type", "application/json")]), 401, "unauthorized")

        try expectError(try send(c, "GET", "/api/nothing", headers: Self.ops), 404, "not_found")
        try expectError(try send(c, "GET", "/api/rates/", headers: Self.ops), 404, "not_found")
        let wrongMethod = try send(c, "POST", "/api/rates/0690", "{}")
        try expectError(wrongMethod, 405, "method_not_allowed")
        #expect(wrongMethod.header("Allow") == "GET, HEAD, PUT, DELETE")

        try expectError(try send(c, "PUT", "/api/rates/0690", "{\"price\": 5,", headers: Self.json), 400, "bad_json")
        try expectError(try send(c, "PUT", "/api/rates/0690", #"{"price": 5, "kind": "premium", "colour": "red"}"#), 400, "unknown_field")
        try expectError(try send(c, "PUT", "/api/rates/0690", #"{"price": "5", "kind": "premium"}"#), 400, "bad_field")
        try expectError(try send(c, "PUT", "/api/rates/0120", #"{"price": 5, "kind": "premium"}"#), 400, "bad_parameter")
        try expectError(try send(c, "POST", "/api/subscribers/36301111111/topup", #"{"amount": 1.5}"#), 400, "bad_field")
        try expectError(try send(c, "POST", "/api/subscribers/36301111111/topup", #"{"amount": 20000000}"#), 400, "bad_field")
        try expectError(try send(c, "POST", "/api/subscribers/36301111111/topup", "amount=5",
                                 headers: Self.ops + [("Content-Type", "application/x-www-form-urlencoded")]), 415, "unsupported_media_type")
        try expectError(try send(c, "POST", "/api/subscribers/36301111111/topup", #"{"amount": 5}"#, headers: Self.ops), 415, "unsupported_media_type")

        let big = try app.httpClient()
        let padding = String(repeating: " ", count: 70_000)
        try expectError(try send(big, "POST", "/api/subscribers/36301111111/topup", #"{"amount": 5}"# + padding), 413, "payload_too_large")
        app.stop()

        // None of it changed anything or reached the engine.
        let db = try app.openStore()
        #expect(try db.ledgerEntries(msisdn: nil).filter { $0.kind == .topup }.isEmpty)
        let audit = try db.auditEntries(msisdn: nil)
        #expect(audit.filter { !$0.request.hasPrefix("AUTH") }.isEmpty, "\(audit.map(\.request))")
        #expect(audit.filter { $0.outcome == "refused: authentication failed" }.count == 1)
    }

    /// Issue 18: a product change, the Mix allowance, a month's bills a page at a time and
    /// the end of a subscriber, over the API; refusals are 4xx and change nothing.
    @Test func productsBillsAndTheEndOverTheAPI() throws {
        let app = try TestGateway { line, _ in line.shutdownGrace = 0.3 }
        let c = try app.httpClient()
        let store = { try app.openStore().write { tx in
            try ["36301111111", "36302222222", "36303333333"].map { try tx.subscriber(MSISDN(canonical: $0)) }
        } }
        let before = try store()
        try expectError(try send(c, "PATCH", "/api/subscribers/36301111111", #"{"allowance": 100}"#), 409, "refused")
        try expectError(try send(c, "PATCH", "/api/subscribers/36309999999", #"{"product": "mix"}"#), 404, "unknown_subscriber")
        try expectError(try send(c, "POST", "/api/bills/close", #"{"period": "2999-01"}"#), 400, "invalid")
        try expectError(try send(c, "POST", "/api/bills/close", #"{"period": "last", "msisdn": "36301111111"}"#), 409, "refused")
        try expectError(try send(c, "POST", "/api/subscribers/36309999999/end", nil), 404, "unknown_subscriber")
        #expect(try store() == before)

        let mix = try send(c, "PATCH", "/api/subscribers/36302222222", #"{"product": "mix", "allowance": 3000}"#)
        let mixBody = try parse(mix)
        #expect(mix.status == 200 && mixBody["product"] as? String == "mix", "\(mix.text)")
        #expect(try store()[1].map { ($0.unbilled, $0.allowance) } ?? (1, 1) == (0, 3000))
        // The one postpaid left is the demo's: its last month was closed by the demo data.
        let run = try parse(try send(c, "POST", "/api/bills/close", #"{"period": "last", "limit": 1}"#))
        #expect((run["result"] as? String)?.hasPrefix("closed 0 bills of ") == true, "\(run)")
        #expect(run["after"] is NSNull && (run["skipped"] as? [Any])?.isEmpty == true)

        let ended = try send(c, "POST", "/api/subscribers/36303333333/end", nil)
        let endedBody = try parse(ended)
        #expect(ended.status == 200 && endedBody["status"] as? String == "terminated", "\(ended.text)")
        #expect((endedBody["result"] as? String)?.contains("balance 1500 written off, allowance 2600 written off") == true)
        try expectError(try send(c, "POST", "/api/subscribers/36303333333/end", "{}"), 409, "refused")
        let list = try parse(try send(c, "GET", "/api/subscribers?status=terminated", nil))
        #expect((list["subscribers"] as? [[String: Any]])?.map { $0["msisdn"] as? String } == ["36303333333"])
        app.stop()
        let audit = try app.openStore().auditEntries(msisdn: nil).map(\.request)
        #expect(audit.contains("SUB SET 36302222222 product=mix allowance=3000") && audit.contains("SUB END 36303333333")
                && audit.contains("BILL CLOSE last limit=1"), "\(audit.suffix(8))")
        #expect(try app.openStore().ledgerDiscrepancies().isEmpty)
    }

    /// The ops API's import: a text/csv body, a dry run unless `apply=true`, all or nothing
    /// in a savepoint of the batch, every bad line named.
    @Test func importsOverTheAPIAreDryRunsUntilAppliedAndAllOrNothing() throws {
        let app = try TestGateway { line, _ in line.shutdownGrace = 0.3 }
        let c = try app.httpClient()
        let csv = [("Content-Type", "text/csv")] + Self.json.filter { $0.0 != "Content-Type" }
        let count = { try app.openStore().subscriberCount() }
        let file = "msisdn,product,balance,since\n36309000001,prepaid,100,2024-01-01\n# a comment\n36301111111,mix,,\n"

        let dry = try send(c, "POST", "/api/import/subscribers", file, headers: csv)
        let dryBody = try parse(dry)
        #expect(dry.status == 200 && dryBody["applied"] as? Bool == false && dryBody["added"] as? Int == 1, "\(dry.text)")
        let changes = (dryBody["changes"] as? [[String: Any]])?.map { "\($0["line"] ?? "") \($0["change"] ?? "")" }
        #expect(changes == ["2 + subscriber 36309000001 added prepaid lang=hu since=2024-01-01 balance=100",
                            "4 ~ subscriber 36301111111 product prepaid -> mix"], "\(dry.text)")
        #expect(try count() == 5)

        let bad = try send(c, "POST", "/api/import/subscribers?apply=true", "msisdn,product\n1234,prepaid\n36309000002,gold\n", headers: csv)
        let badBody = try parse(bad)
        #expect(bad.status == 400 && badBody["error"] as? String == "bad_csv", "\(bad.text)")
        #expect((badBody["errors"] as? [[String: Any]])?.compactMap { $0["line"] as? Int } == [2, 3])
        let refused = try send(c, "POST", "/api/import/subscribers?apply=true",
                               "msisdn,product,balance\n36309000003,prepaid,\n36301111111,prepaid,1\n", headers: csv)
        let refusedBody = try parse(refused)
        #expect(refused.status == 409 && (refusedBody["errors"] as? [[String: Any]])?.first?["line"] as? Int == 3, "\(refused.text)")
        #expect(try count() == 5)
        try expectError(try send(c, "POST", "/api/import/subscribers", file), 415, "unsupported_media_type")
        try expectError(try send(c, "POST", "/api/import/subscribers?apply=yes", file, headers: csv), 400, "bad_parameter")

        let applied = try parse(try send(c, "POST", "/api/import/subscribers?apply=true", file, headers: csv))
        #expect(applied["applied"] as? Bool == true && applied["changed"] as? Int == 1)
        let rates = try parse(try send(c, "POST", "/api/import/rates?apply=true&prune=true",
                                       "prefix,price,kind\n0690,350,premium\n", headers: csv))
        #expect((rates["changes"] as? [[String: Any]])?.first?["change"] as? String == "~ rate 3690 premium 300 -> 350", "\(rates)")
        app.stop()
        let store = try app.openStore()
        #expect(try store.subscriberCount() == 6)
        #expect(try store.write { try $0.rates(prefix: nil) }.map(\.prefix) == ["3690"])
        let audit = try store.auditEntries(msisdn: nil).map(\.request)
        #expect(audit.filter { $0.hasPrefix("IMPORT") } == ["IMPORT subscribers (ops API)", "IMPORT rates (ops API)"], "\(audit)")
        #expect(try store.ledgerDiscrepancies().isEmpty)
    }
}
