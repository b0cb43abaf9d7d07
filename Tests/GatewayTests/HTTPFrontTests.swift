import Engine
import EventLoop
import HTTP
import Gateway
import Model
import Numbering
import Testing

@Suite("HTTP routing")
struct HTTPRouteTests {
    @Test func eachEndpointAnswersItsMethodsOnly() {
        #expect(HTTPRoute.match(method: "GET", path: "/healthz") == .success(.healthz))
        #expect(HTTPRoute.match(method: "HEAD", path: "/metrics") == .success(.metrics))
        #expect(HTTPRoute.match(method: "GET", path: "/kannel/sms") == .success(.kannelSMS))
        #expect(HTTPRoute.match(method: "POST", path: "/kannel/sms") == .success(.kannelSMS))
        #expect(HTTPRoute.match(method: "POST", path: "/healthz") == .failure(.methodNotAllowed(["GET", "HEAD"])))
        #expect(HTTPRoute.match(method: "DELETE", path: "/kannel/sms") == .failure(.methodNotAllowed(["GET", "POST"])))
        #expect(HTTPRoute.match(method: "HEAD", path: "/kannel/sms") == .failure(.methodNotAllowed(["GET", "POST"])))
    }

    @Test func unknownPathsAreNotFoundWhateverTheMethod() {
        for path in ["/", "/healthz/", "/HEALTHZ", "/kannel", "/kannel/sms/x", ""] {
            #expect(HTTPRoute.match(method: "GET", path: path) == .failure(.notFound), "\(path)")
            #expect(HTTPRoute.match(method: "DELETE", path: path) == .failure(.notFound), "\(path)")
        }
    }
}

@Suite("HTTP errors")
struct HTTPErrorTests {
    @Test func errorsAreJSONWithAStableCodeAndTheRightStatus() {
        let cases: [(HTTPError, Int, String)] = [
            (.badRequest("x"), 400, "bad_request"), (.unauthorized(), 401, "unauthorized"),
            (.forbidden("x"), 403, "forbidden"), (.notFound("/x"), 404, "not_found"),
            (.methodNotAllowed("PUT", allowed: ["GET"]), 405, "method_not_allowed"), (.conflict("x"), 409, "conflict"),
            (.payloadTooLarge(limit: 65536), 413, "payload_too_large"),
            (.unsupportedMediaType("text/plain", expected: "application/json"), 415, "unsupported_media_type"),
        ]
        for (error, status, code) in cases {
            let r = error.response
            #expect(r.status == status)
            #expect(r.header("Content-Type") == "application/json")
            #expect(r.bodyText.hasPrefix("{\"error\":\"\(code)\",\"message\":\""), "\(r.bodyText)")
        }
        #expect(HTTPError.unauthorized().response.header("WWW-Authenticate")?.hasPrefix("Basic realm=") == true)
        #expect(HTTPError.methodNotAllowed("PUT", allowed: ["GET", "HEAD"]).response.header("Allow") == "GET, HEAD")
    }

    @Test func messagesAreEscaped() {
        let r = HTTPError.badRequest("a \"quoted\" \\ line\nnext\u{1}").response
        #expect(r.bodyText == "{\"error\":\"bad_request\",\"message\":\"a \\\"quoted\\\" \\\\ line\\nnext\\u0001\"}\n")
    }

    @Test func theContentTypeCheckIgnoresParametersAndCase() {
        func request(_ type: String?) -> HTTPRequest {
            HTTPRequest(id: 1, method: "POST", uri: "/", headers: HTTPHeaders(type.map { [("Content-Type", $0)] } ?? []))
        }
        #expect(HTTPError.requireContentType(request("application/json"), "application/json") == nil)
        #expect(HTTPError.requireContentType(request("Application/JSON; charset=utf-8"), "application/json") == nil)
        #expect(HTTPError.requireContentType(request("text/plain"), "application/json")?.status == 415)
        #expect(HTTPError.requireContentType(request(nil), "application/json")?.status == 415)
    }
}

@Suite("HTTP credentials")
struct HTTPAuthTests {
    @Test func basicAuthDecodes() {
        // "simulator:simulator", "ops:pa:ss" (the password may hold a colon), "űser:jelszó".
        #expect(HTTPAuth.parseBasic("Basic c2ltdWxhdG9yOnNpbXVsYXRvcg==") == Credentials(name: "simulator", password: "simulator"))
        #expect(HTTPAuth.parseBasic("basic b3BzOnBhOnNz") == Credentials(name: "ops", password: "pa:ss"))
        #expect(HTTPAuth.parseBasic("Basic xbFzZXI6amVsc3rDsw==") == Credentials(name: "űser", password: "jelszó"))
        #expect(HTTPAuth.parseBasic("Basic dTo=") == Credentials(name: "u", password: ""))
    }

    @Test func malformedBasicAuthIsRefused() {
        for header in ["Bearer abc", "Basic", "Basic !!!!", "Basic c2ltdWxhdG9y", "Basic OnBhc3M=", "Basic c2ltdWxhdG9yOnNpbXVsYXRvcg",
                       "Basic /w==", "Basic a=bc"] {
            #expect(HTTPAuth.parseBasic(header) == nil, "\(header)")
        }
    }

    @Test func theHeaderWinsOverParametersAndNothingIsMissing() throws {
        let params = HTTPParameters(decodingForm: "user=kannel&pass=secret")
        let withHeader = HTTPRequest(id: 1, method: "GET", uri: "/", headers: HTTPHeaders([("Authorization", "Basic b3BzOm9wcw==")]))
        #expect(try HTTPAuth.credentials(withHeader, parameters: params).get() == Credentials(name: "ops", password: "ops"))
        let plain = HTTPRequest(id: 1, method: "GET", uri: "/")
        #expect(try HTTPAuth.credentials(plain, parameters: params).get() == Credentials(name: "kannel", password: "secret"))
        #expect(HTTPAuth.credentials(plain, parameters: HTTPParameters(decodingForm: "user=kannel")) == .failure(.missing))
        let broken = HTTPRequest(id: 1, method: "GET", uri: "/", headers: HTTPHeaders([("Authorization", "Basic ???")]))
        #expect(HTTPAuth.credentials(broken, parameters: params) == .failure(.malformed))
        // Two sets of credentials: neither is taken.
        let twice = HTTPRequest(id: 1, method: "GET", uri: "/", headers: HTTPHeaders([("Authorization", "Basic b3BzOm9wcw=="),
                                                                                     ("authorization", "Basic eDp5")]))
        #expect(HTTPAuth.credentials(twice, parameters: params) == .failure(.malformed))
    }

    @Test func theCacheKeepsSuccessesForALimitedTimeAndExactPairsOnly() {
        var cache = CredentialCache(lifetime: 60, capacity: 2)
        let account = Account(name: "simulator", role: .network, passwordHash: "x")
        let right = Credentials(name: "simulator", password: "simulator")
        #expect(cache.account(for: right, now: 0) == nil)
        cache.remember(right, as: account, now: 100)
        #expect(cache.account(for: right, now: 159) == account)
        #expect(cache.account(for: Credentials(name: "simulator", password: "simulatoR"), now: 101) == nil)
        #expect(cache.account(for: right, now: 160) == nil)  // expired
        #expect(cache.count == 0)
        // Full: expired entries go first, then everything.
        cache.remember(Credentials(name: "a", password: "1"), as: account, now: 0)
        cache.remember(Credentials(name: "b", password: "2"), as: account, now: 100)
        cache.remember(Credentials(name: "c", password: "3"), as: account, now: 101)
        #expect(cache.account(for: Credentials(name: "a", password: "1"), now: 102) == nil)
        #expect(cache.account(for: Credentials(name: "b", password: "2"), now: 102) == account)
        #expect(cache.account(for: Credentials(name: "c", password: "3"), now: 102) == account)
    }
}

@Suite("The Kannel adapter")
struct KannelAdapterTests {
    func request(_ uri: String, method: String = "GET", type: String? = nil, body: String = "") -> HTTPRequest {
        HTTPRequest(id: 1, method: method, uri: uri, headers: HTTPHeaders(type.map { [("Content-Type", $0)] } ?? []),
                    body: Array(body.utf8))
    }

    func sms(_ r: HTTPRequest) -> Result<KannelAdapter.SMS, HTTPError> {
        KannelAdapter.parameters(r).flatMap(KannelAdapter.sms)
    }

    @Test func kannelsParametersBecomeAnSMS() throws {
        let got = try sms(request("/kannel/sms?from=%2B36301111111&to=1730&text=EGYENLEG+k%C3%A9rem")).get()
        #expect(got == KannelAdapter.SMS(from: MSISDN(canonical: "36301111111"), to: .shortCode("1730"), text: "EGYENLEG kérem"))
        // Audited as the line protocol's SMS would be: the command's own text.
        #expect(Command.sms(from: got.from, to: got.to, text: got.text).auditText == "SMS 36301111111 1730 EGYENLEG kérem")
        // An empty SMS is still an SMS.
        #expect(try sms(request("/kannel/sms?from=06301111111&to=1730&text=")).get().text == "")
    }

    @Test func aPostFormCountsAndOtherBodiesAre415() throws {
        let form = request("/kannel/sms", method: "POST", type: "application/x-www-form-urlencoded; charset=utf-8",
                           body: "from=36301111111&to=1730&text=a+b")
        #expect(try sms(form).get().text == "a b")
        let json = request("/kannel/sms", method: "POST", type: "application/json", body: "{}")
        #expect(KannelAdapter.parameters(json).map { _ in 0 } == .failure(.unsupportedMediaType("application/json", expected: KannelAdapter.formType)))
    }

    @Test func missingOrMalformedParametersAre400() {
        let cases = [
            ("/kannel/sms?to=1730&text=x", "missing parameter: from"),
            ("/kannel/sms?from=36301111111&text=x", "missing parameter: to"),
            ("/kannel/sms?from=36301111111&to=1730", "missing parameter: text"),
            ("/kannel/sms?from=abc&to=1730&text=x", "malformed number: from"),
            ("/kannel/sms?from=36301111111&to=17&text=x", "malformed number: to"),
            ("/kannel/sms?from=36301111111&to=1730&text=%00", "NUL in text"),
            ("/kannel/sms?from=36301111111&to=1730&text=%C3", "malformed percent-encoding (parameters must be UTF-8)"),
        ]
        for (uri, message) in cases {
            #expect(sms(request(uri)).map { _ in 0 } == .failure(.badRequest(message)), "\(uri)")
        }
    }

    @Test func theSubscriberAlwaysGetsTheTextAsA200() {
        let ok = KannelAdapter.response(.ok("Egyenleg: 5 000 Ft", result: "balance"))
        #expect(ok.status == 200)
        #expect(ok.bodyText == "Egyenleg: 5 000 Ft")
        #expect(ok.header("Content-Type") == "text/plain; charset=utf-8")
        #expect(ok.header("X-Selfcare-Outcome") == "ok: balance")
        let unknown = KannelAdapter.response(.unknownSubscriber("nem szerepel"))
        #expect(unknown.status == 200)
        #expect(unknown.bodyText == "nem szerepel")
        #expect(unknown.header("X-Selfcare-Outcome") == "unknown subscriber")
        let refused = KannelAdapter.response(.refused("nincs ilyen szolgáltatás", reason: "unknown destination"))
        #expect(refused.status == 200)
        #expect(refused.header("X-Selfcare-Outcome") == "refused: unknown destination")
        #expect(KannelAdapter.response(.ok(nil, result: "")).bodyText == "")
        #expect(KannelAdapter.response(.invalid("amount must be positive")).status == 400)
    }
}

@Suite("Metrics text")
struct GatewayMetricsTests {
    func lines(_ m: GatewayMetrics) -> Set<String> { Set(m.exposition().split(separator: "\n").map(String.init)) }

    @Test func countersAndHistogramsAreCumulative() {
        let m = GatewayMetrics()
        m.httpRequest(endpoint: "kannel_sms", status: 200, seconds: 0.0005)
        m.httpRequest(endpoint: "kannel_sms", status: 200, seconds: 0.02)
        m.httpRequest(endpoint: "kannel_sms", status: 401, seconds: 9)
        m.latency(.line, seconds: 0.0004)
        m.latency(.line, seconds: 0.003)
        m.committed(.line, service: "balance", outcome: .ok)
        m.committed(.line, service: "balance", outcome: .ok)
        m.committed(.http, service: "balance", outcome: .unknownSubscriber)
        m.committed(.line, service: "topup", outcome: .refused)
        m.batch(requests: 3, seconds: 0.002)
        m.batch(requests: 40, seconds: 0.004)
        var s = GatewayMetrics.Snapshot()
        s.httpInFlight = 1
        s.store = Pipeline.Stats()
        let lines = lines(m.update(s))
        for expected in [
            "selfcare_http_requests_total{endpoint=\"kannel_sms\",status=\"200\"} 2",
            "selfcare_http_requests_total{endpoint=\"kannel_sms\",status=\"401\"} 1",
            "selfcare_http_request_duration_seconds_bucket{endpoint=\"kannel_sms\",le=\"0.0005\"} 1",
            "selfcare_http_request_duration_seconds_bucket{endpoint=\"kannel_sms\",le=\"0.025\"} 2",
            "selfcare_http_request_duration_seconds_bucket{endpoint=\"kannel_sms\",le=\"5.0\"} 2",
            "selfcare_http_request_duration_seconds_bucket{endpoint=\"kannel_sms\",le=\"+Inf\"} 3",
            "selfcare_http_request_duration_seconds_count{endpoint=\"kannel_sms\"} 3",
            "selfcare_request_duration_seconds_bucket{transport=\"line\",le=\"0.0005\"} 1",
            "selfcare_request_duration_seconds_bucket{transport=\"line\",le=\"0.005\"} 2",
            "selfcare_request_duration_seconds_count{transport=\"line\"} 2",
            "selfcare_commands_total{transport=\"line\",service=\"balance\",outcome=\"ok\"} 2",
            "selfcare_commands_total{transport=\"http\",service=\"balance\",outcome=\"unknown_subscriber\"} 1",
            "selfcare_commands_total{transport=\"line\",service=\"topup\",outcome=\"refused\"} 1",
            "selfcare_store_batch_requests_bucket{le=\"2.0\"} 0",
            "selfcare_store_batch_requests_bucket{le=\"4.0\"} 1",
            "selfcare_store_batch_requests_bucket{le=\"64.0\"} 2",
            "selfcare_store_batch_requests_sum 43.0",
            "selfcare_store_commit_duration_seconds_count 2",
            "selfcare_commits_total{transport=\"http\"} 0",
            "selfcare_http_requests_in_flight 1.0",
            "# TYPE selfcare_http_request_duration_seconds histogram",
            "# TYPE selfcare_commands_total counter",
        ] {
            #expect(lines.contains(expected), "\(expected)")
        }
        // No series for the gateway's own jobs, none for a line server that is not there.
        #expect(!lines.contains { $0.contains("transport=\"system\"") })
        #expect(!lines.contains { $0.hasPrefix("selfcare_line_requests_total") })
    }

    @Test func stateSeriesFollowTheCountsTheGatewayKeepsAndFamiliesComeSorted() {
        let m = GatewayMetrics()
        var s = GatewayMetrics.Snapshot()
        s.line = GatewayStats()
        s.line?.requests = 5
        s.lineConnections = 2
        s.outboxDepth = 3
        s.outboxOldestAge = 42
        s.build = [("version", "0.1.0"), ("schema", "v10")]
        #expect(lines(m.update(s)).isSuperset(of: ["selfcare_line_requests_total 5", "selfcare_connections{transport=\"line\"} 2.0",
                                                   "selfcare_outbox_pending 3.0", "selfcare_outbox_oldest_pending_age_seconds 42.0",
                                                   "selfcare_build_info{version=\"0.1.0\",schema=\"v10\"} 1.0"]))
        s.line?.requests = 9
        s.lineConnections = 0
        let text = m.update(s).exposition()
        #expect(text.contains("\nselfcare_line_requests_total 9\n"), "a counter follows the count")
        #expect(text.contains("selfcare_connections{transport=\"line\"} 0.0"))
        let families = text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }
        #expect(families == families.sorted() && families.count == Set(families).count)
    }
}
