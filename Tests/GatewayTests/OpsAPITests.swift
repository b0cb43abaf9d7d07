import JSON
import Engine
import EventLoop
import HTTP
import Gateway
import Model
import Numbering
import Testing

@Suite("Strict JSON")
struct JSONValueTests {
    func parse(_ text: String) throws -> JSONValue { try JSONValue.parse(Array(text.utf8)) }

    @Test func valuesRoundTripAndIntegersStayApartFromOtherNumbers() throws {
        let text = #"{"price":500,"kind":"premium","adult":true,"x":null,"list":[1,-2,1.5,1e3,"a\"\\\n\u0001"],"o":{}}"#
        let value = try parse(text)
        #expect(value.text == text)
        #expect(value["price"] == .integer(500))
        #expect(value["list"] == [1, -2, .number("1.5"), .number("1e3"), "a\"\\\n\u{1}"])
        #expect(try parse(" [ ] ") == [])
        #expect(try parse(#""\u00e1\ud83d\ude00\/""#) == "á😀/")
        #expect(try parse("9223372036854775807") == .integer(Int64.max))
        #expect(try parse("9223372036854775808") == .number("9223372036854775808"))
        #expect(try parse("-0") == .integer(0))
    }

    @Test func everythingRFC8259RefusesIsRefusedWithAnOffset() {
        let bad = [
            "", " ", "{", "{\"a\":1,}", "[1,]", "{a:1}", "{'a':1}", "01", "1.", ".5", "+1", "1e", "--1",
            "tru", "nul", "\"abc", "\"a\u{1}\"", "\"\\x\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\u12\"",
            "{\"a\":1,\"a\":2}", "1 2", "{} x", "// c\n1", "NaN", String(repeating: "[", count: 40) + String(repeating: "]", count: 40),
        ]
        for text in bad {
            #expect(throws: JSONSyntaxError.self, "\(text)") { try JSONValue.parse(Array(text.utf8)) }
        }
        #expect(throws: JSONSyntaxError.self) { try JSONValue.parse([0x22, 0xFF, 0x22]) }  // not UTF-8
        do {
            _ = try JSONValue.parse(Array(#"{"a":1,"a":2}"#.utf8))
        } catch {
            #expect(error.description == "key \"a\" given twice at byte 7")
        }
    }
}

@Suite("Ops API routes and requests")
struct OpsAPIRequestTests {
    static let json = [("Content-Type", "application/json")]

    func call(_ method: String, _ uri: String, _ body: String? = nil,
              headers: [(String, String)] = OpsAPIRequestTests.json) -> Result<OpsAPI.Call, HTTPError> {
        let request = HTTPRequest(id: 1, method: method, uri: uri, headers: HTTPHeaders(headers), body: Array((body ?? "").utf8))
        guard case .success(let route) = HTTPRoute.match(method: method, path: request.path ?? "") else {
            return .failure(.notFound(uri))
        }
        return OpsAPI.call(route, request)
    }

    func error(_ result: Result<OpsAPI.Call, HTTPError>) -> String? {
        guard case .failure(let e) = result else { return nil }
        return "\(e.status) \(e.code): \(e.message)"
    }

    @Test func routesTakeOneSegmentForTheirParameter() {
        #expect(HTTPRoute.match(method: "PUT", path: "/api/rates/0690") == .success(.apiRate))
        #expect(HTTPRoute.match(method: "GET", path: "/api/rates") == .success(.apiRates))
        #expect(HTTPRoute.match(method: "POST", path: "/api/subscribers/36301111111/topup") == .success(.apiTopUp))
        #expect(HTTPRoute.match(method: "PATCH", path: "/api/subscribers/36301111111") == .success(.apiSubscriber))
        #expect(HTTPRoute.match(method: "POST", path: "/api/subscribers/36301111111") == .failure(.methodNotAllowed(["GET", "HEAD", "PATCH"])))
        #expect(HTTPRoute.match(method: "GET", path: "/api/subscribers") == .success(.apiSubscribers))
        #expect(HTTPRoute.match(method: "DELETE", path: "/api/subscribers") == .failure(.methodNotAllowed(["GET", "HEAD", "POST"])))
        #expect(HTTPRoute.match(method: "POST", path: "/api/subscribers/36301111111/pin") == .success(.apiPIN))
        #expect(HTTPRoute.match(method: "POST", path: "/api/subscribers/36301111111/end") == .success(.apiSubscriberEnd))
        #expect(HTTPRoute.match(method: "GET", path: "/api/subscribers/36301111111/end") == .failure(.methodNotAllowed(["POST"])))
        #expect(HTTPRoute.match(method: "POST", path: "/api/bills/close") == .success(.apiBillsClose))
        for path in ["/api/rates/", "/api/rates/0690/x", "/api", "/api/subscribers//topup", "/api/audit/"] {
            #expect(HTTPRoute.match(method: "GET", path: path) == .failure(.notFound), "\(path)")
        }
        #expect(HTTPRoute.apiTopUp.parameter(in: "/api/subscribers/06-30-111-1111/topup") == "06-30-111-1111")
    }

    @Test func goodCallsAreReadAsTheLineVerbsWouldRead() {
        #expect(call("GET", "/api/rates") == .success(.listRates(prefix: nil)))
        #expect(call("GET", "/api/rates?prefix=%2B3690") == .success(.listRates(prefix: "3690")))
        #expect(call("GET", "/api/rates/0690?kind=Premium-MT") == .success(.showRates(prefix: "3690", kind: .premiumMT)))
        #expect(call("DELETE", "/api/rates/06-90") == .success(.deleteRates(prefix: "3690", kind: nil)))
        #expect(call("PUT", "/api/rates/0691", #"{"price": 500, "kind": "premium", "adult": true}"#)
            == .success(.setRate(RateChange(prefix: "3691", price: 500, kind: .premium, adult: true))))
        #expect(call("PUT", "/api/rates/16", #"{"kind": "donation", "price": 0, "adult": null}"#)
            == .success(.setRate(RateChange(prefix: "16", price: 0, kind: .donation))))
        let added = Subscriber(msisdn: MSISDN(canonical: "36306666666"), product: .mix,
                               birthDate: CalendarDate(year: 2012, month: 6, day: 1), language: .en)
        #expect(call("POST", "/api/subscribers", #"{"msisdn": "06-30-666-6666", "product": "mix", "birth": "2012-06-01", "pin": "12345", "lang": "en"}"#)
            == .success(.addSubscriber(added, pin: "12345")))
        #expect(call("GET", "/api/subscribers/+36301111111") == .success(.showSubscriber(MSISDN(canonical: "36301111111"))))
        #expect(call("PATCH", "/api/subscribers/36301111111", #"{"status": "suspended"}"#)
            == .success(.updateSubscriber(MSISDN(canonical: "36301111111"), ProfileChange(status: .suspended))))
        #expect(call("POST", "/api/subscribers/36301111111/topup", #"{"amount": 10000000}"#)
            == .success(.topUp(MSISDN(canonical: "36301111111"), amount: 10_000_000)))
        #expect(call("PATCH", "/api/subscribers/36303333333", #"{"product": "Mix", "allowance": 5000}"#)
            == .success(.updateSubscriber(MSISDN(canonical: "36303333333"), ProfileChange(product: .mix, allowance: 5000))))
        #expect(call("POST", "/api/subscribers/06303333333/end", "{}") == .success(.endSubscriber(MSISDN(canonical: "36303333333"))))
        #expect(call("POST", "/api/bills/close", #"{"period": "2026-10"}"#) == .success(.closeBills(BillRun(period: "2026-10"))))
        #expect(call("POST", "/api/bills/close", #"{"period": "last", "msisdn": "06302222222"}"#)
            == .success(.closeBills(BillRun(period: "last", msisdn: MSISDN(canonical: "36302222222")))))
        #expect(call("POST", "/api/bills/close", #"{"period": "2026-10", "after": "36302222222", "limit": 10}"#)
            == .success(.closeBills(BillRun(period: "2026-10", after: "36302222222", limit: 10))))
        #expect(call("GET", "/api/audit") == .success(.audit(msisdn: nil, since: nil, limit: 100)))
        #expect(call("GET", "/api/audit?msisdn=06301111111&since=1700000000&limit=5")
            == .success(.audit(msisdn: "36301111111", since: 1_700_000_000, limit: 5)))
    }

    @Test func badInputNamesWhatIsWrong() {
        let cases: [(String, String, String?, String)] = [
            ("GET", "/api/rates?prefix=0120", nil, "400 bad_parameter: malformed prefix: digits as dialled (0690, 1690, 777) or international (3690)"),
            ("GET", "/api/rates?prefix=36&prefix=37", nil, "400 bad_parameter: parameter prefix given twice"),
            ("GET", "/api/rates?x=1", nil, "400 bad_parameter: unknown parameter x: use prefix"),
            ("GET", "/api/rates/0690?kind=cheap", nil, "400 bad_parameter: unknown kind: premium, premium-mt, subscription or donation"),
            ("PUT", "/api/rates/0690", #"{"price": 100001, "kind": "premium"}"#, "400 bad_field: price: must be a whole number from 0 to 100000 Ft"),
            ("PUT", "/api/rates/0690", #"{"price": "500", "kind": "premium"}"#, "400 bad_field: price: must be a whole number from 0 to 100000 Ft, not a string"),
            ("PUT", "/api/rates/0690", #"{"price": 5e2, "kind": "premium"}"#, "400 bad_field: price: must be a whole number from 0 to 100000 Ft, not a number"),
            ("PUT", "/api/rates/0690", #"{"kind": "premium"}"#, "400 bad_field: price: missing"),
            ("PUT", "/api/rates/0690", #"{"price": 5, "kind": "premium", "adult": "yes"}"#, "400 bad_field: adult: must be true or false, not a string"),
            ("PUT", "/api/rates/0690", #"{"price": 5, "kind": "premium", "note": 1}"#, "400 unknown_field: unknown field \"note\": use adult, kind, price"),
            ("PUT", "/api/rates/0690?kind=premium", #"{"price": 5, "kind": "premium"}"#, "400 bad_parameter: unknown parameter kind: this endpoint takes none"),
            ("PUT", "/api/rates/0690", "[1]", "400 bad_json: the body must be a JSON object, not an array"),
            ("PUT", "/api/rates/0690", "", "400 bad_json: the body is empty: send a JSON object"),
            ("PUT", "/api/rates/0690", "{\"price\": 5", "400 bad_json: malformed JSON: expected ',' or '}' at byte 11"),
            ("POST", "/api/subscribers", #"{"msisdn": "301234567", "product": "prepaid"}"#, "400 bad_field: msisdn: malformed number"),
            ("POST", "/api/subscribers", #"{"msisdn": "36306666666", "product": "gold"}"#, "400 bad_field: product: must be one of \"prepaid\", \"postpaid\", \"mix\""),
            ("POST", "/api/subscribers", #"{"msisdn": "36306666666", "product": "prepaid", "pin": 12345}"#, "400 bad_field: pin: must be a string, not an integer"),
            ("POST", "/api/subscribers", #"{"msisdn": "36306666666", "product": "prepaid", "pin": "1234"}"#, "400 bad_field: pin: must be 5 digits, as a string"),
            ("POST", "/api/subscribers", #"{"msisdn": "36306666666", "product": "prepaid", "birth": "2012-02-30"}"#, "400 bad_field: birth: must be a date as YYYY-MM-DD"),
            ("POST", "/api/subscribers", #"{"product": "prepaid"}"#, "400 bad_field: msisdn: missing"),
            ("PATCH", "/api/subscribers/36301111111", "{}", "400 bad_field: body: give at least one of lang, status, birth, product, allowance"),
            ("PATCH", "/api/subscribers/36301111111", #"{"allowance": -1}"#, "400 bad_field: allowance: must be a whole number from 0 to 1000000 Ft"),
            ("PATCH", "/api/subscribers/36301111111", #"{"allowance": "5"}"#, "400 bad_field: allowance: must be a whole number from 0 to 1000000 Ft, not a string"),
            ("PATCH", "/api/subscribers/36301111111", #"{"status": "terminated"}"#, "400 bad_field: status: a subscriber is ended with POST /api/subscribers/{msisdn}/end"),
            ("PATCH", "/api/subscribers/36301111111", #"{"product": "gold"}"#, "400 bad_field: product: must be one of \"prepaid\", \"postpaid\", \"mix\""),
            ("POST", "/api/subscribers/36301111111/end", #"{"now": true}"#, "400 unknown_field: unknown field \"now\": this endpoint takes no fields"),
            ("POST", "/api/bills/close", "{}", "400 bad_field: period: missing"),
            ("POST", "/api/bills/close", #"{"period": "2026-13"}"#, "400 bad_field: period: a month, YYYY-MM (2026-10), or \"last\""),
            ("POST", "/api/bills/close", #"{"period": "2026-10", "msisdn": "36302222222", "limit": 5}"#, "400 bad_field: msisdn: after and limit page a run over all subscribers, not one"),
            ("POST", "/api/bills/close", #"{"period": "2026-10", "limit": 0}"#, "400 bad_field: limit: must be a whole number from 1 to 10000 subscribers"),
            ("PATCH", "/api/subscribers/36301111111", #"{"lang": "de"}"#, "400 bad_field: lang: must be one of \"hu\", \"en\""),
            ("GET", "/api/subscribers/1730", nil, "400 bad_parameter: malformed number: msisdn"),
            ("POST", "/api/subscribers/36301111111/topup", #"{"amount": 0}"#, "400 bad_field: amount: must be a whole number from 1 to 10000000 Ft"),
            ("POST", "/api/subscribers/36301111111/topup", #"{"amount": -5}"#, "400 bad_field: amount: must be a whole number from 1 to 10000000 Ft"),
            ("GET", "/api/audit?limit=0", nil, "400 bad_parameter: limit must be a whole number from 1 to 1000"),
            ("GET", "/api/audit?since=-1", nil, "400 bad_parameter: since must be a whole number from 0 to 9223372036854775807"),
        ]
        for (method, uri, body, expected) in cases {
            #expect(error(call(method, uri, body)) == expected, "\(method) \(uri) \(body ?? "")")
        }
        let plain = call("POST", "/api/subscribers/36301111111/topup", #"{"amount": 5}"#, headers: [("Content-Type", "text/plain")])
        #expect(error(plain) == "415 unsupported_media_type: Content-Type must be application/json, not text/plain")
        #expect(error(call("POST", "/api/subscribers/36301111111/topup", #"{"amount": 5}"#, headers: []))?.hasPrefix("415 ") == true)
    }
}

@Suite("Kannel's sendsms requests")
struct SendSMSTargetTests {
    @Test func theURLIsSplitAndEachMessageAppended() throws {
        let t = try SendSMSTarget(url: "http://127.0.0.1:13013/cgi-bin/sendsms?username=sc&password=p%26w")
        #expect(t.host == "127.0.0.1" && t.port == 13013)
        let plain = OutboxMessage(id: 1, sender: "1430", recipient: "36301111111", text: "Hi & bye 100%", at: 0)
        #expect(t.request(for: plain) == "/cgi-bin/sendsms?username=sc&password=p%26w&from=1430&to=36301111111&text=Hi%20%26%20bye%20100%25")
        // Outside GSM 7-bit (ő, ű): UCS-2, and Kannel is told the text is UTF-8.
        let hungarian = OutboxMessage(id: 2, sender: "1430", recipient: "36301111111", text: "Biztonsági értesítés: ő", at: 0)
        #expect(t.request(for: hungarian).hasSuffix("&text=Biztons%C3%A1gi%20%C3%A9rtes%C3%ADt%C3%A9s%3A%20%C5%91&coding=2&charset=UTF-8"))
        // é is in the GSM alphabet: no UCS-2 for it alone.
        #expect(!t.request(for: OutboxMessage(id: 3, sender: "1430", recipient: "1", text: "é", at: 0)).contains("coding"))

        let bare = try SendSMSTarget(url: "http://kannel/cgi-bin/sendsms")
        #expect(bare.host == "kannel" && bare.port == 80)
        #expect(bare.request(for: plain).hasPrefix("/cgi-bin/sendsms?from=1430&"))
        for bad in ["https://kannel/x", "ftp://x", "http://:80/x", "http://h:0/x", "http://h:99999/x", "http://u:p@h/x"] {
            #expect(throws: SendSMSTarget.Invalid.self, "\(bad)") { try SendSMSTarget(url: bad) }
        }
    }

    @Test func onlyKannelsAcceptanceCounts() {
        func ok(_ status: Int, _ body: String) -> Bool {
            SendSMSTarget.isAcceptance(HTTPClient.Response(status: status, body: Array(body.utf8)))
        }
        #expect(ok(202, "0: Accepted for delivery"))
        #expect(ok(202, "3: Queued for later delivery"))
        #expect(ok(200, "0: Accepted for delivery"))
        #expect(ok(200, "Sent."))
        #expect(!ok(200, "Authorization failed for sendsms"))
        #expect(!ok(403, "Authorization failed for sendsms"))
        #expect(!ok(503, ""))
        #expect(!ok(0, ""))
    }
}
