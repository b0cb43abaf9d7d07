import Foundation
import Model
import Store
import Testing
import TestSupport

/// The HTTP front of the real server process: /healthz, /metrics, /kannel/sms.
@Suite("HTTP front against the real server")
struct HTTPFrontTests {
    static let balance = "Egyenleg: 5 000 Ft, univerzális egyenleg: 1 000 Ft. Utolsó vásárlás: "
    static let simulator = [("Authorization", "Basic c2ltdWxhdG9yOnNpbXVsYXRvcg==")]  // simulator:simulator

    func client(_ server: ServerProcess) throws -> HTTPTestClient { try HTTPTestClient(port: server.httpPort) }

    @Test func healthzUnknownPathsAndWrongMethods() throws {
        let server = try ServerProcess(store: TemporaryStore())
        #expect(server.httpPort > 0 && server.httpPort != 8080)
        let c = try client(server)
        let ok = try c.request("GET", "/healthz")
        #expect(ok.status == 200)
        #expect(ok.text == "ok\n")
        #expect(ok.header("Content-Type") == "text/plain; charset=utf-8")
        let head = try c.request("HEAD", "/healthz")
        #expect(head.status == 200)

        let missing = try c.request("GET", "/nope?x=1")
        #expect(missing.status == 404)
        #expect(missing.header("Content-Type") == "application/json")
        #expect(missing.text == "{\"error\":\"not_found\",\"message\":\"no endpoint at /nope\"}\n")

        let wrong = try c.request("DELETE", "/healthz")
        #expect(wrong.status == 405)
        #expect(wrong.header("Allow") == "GET, HEAD")
        #expect(wrong.text.hasPrefix("{\"error\":\"method_not_allowed\","))
    }

    @Test func kannelGetsTheBalanceWithBasicAuthOrUserAndPass() throws {
        let store = try TemporaryStore()
        let server = try ServerProcess(store: store)
        let c = try client(server)
        let viaHeader = try c.request("GET", "/kannel/sms?from=%2B36301111111&to=1730&text=EGYENLEG", headers: Self.simulator)
        #expect(viaHeader.status == 200)
        #expect(viaHeader.header("Content-Type") == "text/plain; charset=utf-8")
        #expect(viaHeader.text.hasPrefix(Self.balance))
        #expect(viaHeader.text.hasSuffix(", 300 Ft."))
        #expect(viaHeader.header("X-Selfcare-Outcome") == "ok: balance")

        let viaParams = try c.request("GET", "/kannel/sms?user=simulator&pass=simulator&from=06302222222&to=1730&text=balance")
        #expect(viaParams.status == 200)
        #expect(viaParams.text.hasPrefix("Unbilled this month: 3 450 Ft."))

        let form = Array("from=36301111111&to=1730&text=EGYENLEG+k%C3%A9rem&user=simulator&pass=simulator".utf8)
        let viaForm = try c.request("POST", "/kannel/sms", headers: [("Content-Type", "application/x-www-form-urlencoded")], body: form)
        #expect(viaForm.status == 200)
        #expect(viaForm.text.hasPrefix(Self.balance))

        // The subscriber is told, so Kannel gets a 200 with the text to send back.
        let unknown = try c.request("GET", "/kannel/sms?from=36309999999&to=1730&text=x", headers: Self.simulator)
        #expect(unknown.status == 200)
        #expect(unknown.text == "A(z) 36309999999 hívószám nem szerepel az előfizetők között.")
        let refused = try c.request("GET", "/kannel/sms?from=36301111111&to=4321&text=x", headers: Self.simulator)
        #expect(refused.status == 200)
        #expect(refused.text == "A(z) 4321 számon nincs ilyen szolgáltatás.")
        #expect(server.stop() == 0)

        let audit = try store.open().auditEntries(msisdn: nil).filter { $0.channel == "http" }
        let sms = audit.filter { $0.request.hasPrefix("SMS ") }
        #expect(sms.map(\.request) == [
            "SMS 36301111111 1730 EGYENLEG", "SMS 36302222222 1730 balance", "SMS 36301111111 1730 EGYENLEG kérem",
            "SMS 36309999999 1730 x", "SMS 36301111111 4321 x",
        ])
        #expect(sms.map(\.outcome) == ["ok: balance", "ok: balance", "ok: balance", "unknown subscriber", "refused: unknown destination"])
        #expect(sms.allSatisfy { $0.account == "simulator" })
        // One password check for the whole run: later requests hit the credential cache.
        let auth = audit.filter { $0.request.hasPrefix("AUTH ") }
        #expect(auth.map(\.request) == ["AUTH simulator ****"])
        #expect(auth.map(\.outcome) == ["ok: authenticated"])
    }

    @Test func badCredentialsWrongRoleAndBadRequestsGetTheirStatus() throws {
        let store = try TemporaryStore()
        let server = try ServerProcess(store: store)
        let c = try client(server)
        let query = "/kannel/sms?from=36301111111&to=1730&text=x"

        let noAuth = try c.request("GET", query)
        #expect(noAuth.status == 401)
        #expect(noAuth.header("WWW-Authenticate")?.hasPrefix("Basic realm=\"selfcare\"") == true)
        let wrong = try c.request("GET", query + "&user=simulator&pass=wrong")
        #expect(wrong.status == 401)
        #expect(wrong.header("WWW-Authenticate") != nil)
        #expect(wrong.text == "authentication failed\n")
        // A failure is never cached: the right password works right after, and the wrong
        // one keeps failing.
        #expect(try c.request("GET", query + "&user=simulator&pass=simulator").status == 200)
        #expect(try c.request("GET", query + "&user=simulator&pass=wrong").status == 401)
        let broken = try c.request("GET", query, headers: [("Authorization", "Basic !!!")])
        #expect(broken.status == 401)

        let ops = try c.request("GET", query, headers: [("Authorization", "Basic b3BzOm9wcw==")])  // ops:ops
        #expect(ops.status == 403)
        #expect(ops.text == "account ops is not a network account\n")

        let missing = try c.request("GET", "/kannel/sms?to=1730&text=x", headers: Self.simulator)
        #expect(missing.status == 400)
        #expect(missing.text == "missing parameter: from\n")
        #expect(try c.request("GET", "/kannel/sms?from=123&to=1730&text=x", headers: Self.simulator).text == "malformed number: from\n")
        // Bad parameters from a stranger are a 401 first: nothing is told before login.
        #expect(try c.request("GET", "/kannel/sms?to=1730&user=simulator&pass=nope").status == 401)

        let json = try c.request("POST", "/kannel/sms", headers: Self.simulator + [("Content-Type", "application/json")], body: Array("{}".utf8))
        #expect(json.status == 415)

        let big = try client(server)
        let tooLarge = try big.request("POST", "/kannel/sms", headers: Self.simulator + [("Content-Type", "application/x-www-form-urlencoded")],
                                       body: [UInt8](repeating: UInt8(ascii: "a"), count: 70_000))
        #expect(tooLarge.status == 413)
        #expect(server.stop() == 0)

        let audit = try store.open().auditEntries(msisdn: nil).filter { $0.channel == "http" }
        // Three failed logins, audited per source and second (issue 12.5).
        let words = audit.map { $0.outcome.split(separator: " ") }.filter { $0.starts(with: ["refused:", "authentication", "failed"]) || $0.starts(with: ["refused:", "authentication", "failed,"]) }
        #expect(words.reduce(0) { $0 + ($1.count > 4 ? Int($1[3]) ?? 0 : 1) } == 3)
        #expect(audit.filter { $0.request == "AUTH ops ****" }.count == 1)
        // Only the one good SMS reached the engine.
        #expect(audit.filter { $0.request.hasPrefix("SMS ") }.count == 1)
    }

    @Test func metricsCountRequestsOutcomesAndCommits() throws {
        let server = try ServerProcess(store: TemporaryStore())
        let c = try client(server)
        _ = try c.request("GET", "/healthz")
        _ = try c.request("GET", "/kannel/sms?from=36301111111&to=1730&text=x", headers: Self.simulator)
        _ = try c.request("GET", "/kannel/sms?from=36309999999&to=1730&text=x", headers: Self.simulator)
        _ = try c.request("GET", "/kannel/sms?from=36309999999&to=1730&text=x")
        _ = try c.request("GET", "/nope")
        let line = try server.network()
        _ = try line.send("SMS 36301111111 1730 x")

        let metrics = try c.request("GET", "/metrics")
        #expect(metrics.status == 200)
        #expect(metrics.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        let lines = Set(metrics.text.split(separator: "\n").map(String.init))
        for expected in [
            "selfcare_http_requests_total{endpoint=\"healthz\",status=\"200\"} 1",
            "selfcare_http_requests_total{endpoint=\"kannel_sms\",status=\"200\"} 2",
            "selfcare_http_requests_total{endpoint=\"kannel_sms\",status=\"401\"} 1",
            "selfcare_http_requests_total{endpoint=\"other\",status=\"404\"} 1",
            "selfcare_http_request_duration_seconds_count{endpoint=\"kannel_sms\"} 3",
            "selfcare_http_request_duration_seconds_bucket{endpoint=\"kannel_sms\",le=\"+Inf\"} 3",
            "selfcare_commands_total{transport=\"http\",service=\"balance\",outcome=\"ok\"} 1",
            "selfcare_commands_total{transport=\"http\",service=\"balance\",outcome=\"unknown_subscriber\"} 1",
            "selfcare_commands_total{transport=\"line\",service=\"balance\",outcome=\"ok\"} 1",
            "selfcare_request_duration_seconds_count{transport=\"http\"} 2",
            "selfcare_request_duration_seconds_count{transport=\"line\"} 2",
            "selfcare_commits_total{transport=\"http\"} 2",
            "selfcare_failed_commits_total{transport=\"http\"} 0",
            "selfcare_http_requests_in_flight 1.0",
            "selfcare_connections{transport=\"line\"} 1.0",
            "selfcare_connections{transport=\"http\"} 1.0",
            "selfcare_build_info{version=\"0.1.0\",schema=\"v10-subscriber-lifecycle\"} 1.0",
        ] {
            #expect(lines.contains(expected), "missing: \(expected)")
        }
        // The process collector's families, read from /proc at the scrape.
        func value(_ name: String) -> Double? {
            lines.first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
        }
        let (status, version) = try runSelfcare(["--version"])
        #expect(status == 0 && version.contains("selfcare 0.1.0 (store schema v10-subscriber-lifecycle)"))
        #expect((value("process_resident_memory_bytes") ?? 0) > 1_000_000)
        #expect((value("process_open_fds") ?? 0) >= 3 && (value("process_max_fds") ?? 0) >= (value("process_open_fds") ?? 0))
        let started = value("process_start_time_seconds") ?? 0
        #expect(abs(started - Date().timeIntervalSince1970) < 600, "\(started)")
        #expect(value("process_cpu_seconds_total") != nil && value("process_virtual_memory_bytes") != nil)
    }

    @Test func aFailedCommitAnswers503AndKeepsNothing() throws {
        let store = try TemporaryStore()
        // Every 2nd commit fails: the first request (password check and SMS) commits,
        // the second (credentials cached) fails, the third commits.
        let server = try ServerProcess(store: store, environment: ["SELFCARE_FAIL_COMMIT": "2"])
        let c = try client(server)
        let query = "/kannel/sms?from=36301111111&to=1730&text=x"
        #expect(try c.request("GET", query, headers: Self.simulator).status == 200)
        let failed = try c.request("GET", query + "2", headers: Self.simulator)
        #expect(failed.status == 503)
        #expect(failed.header("Retry-After") == "1")
        #expect(failed.text == "commit failed, nothing applied; send it again\n")
        #expect(try c.request("GET", query + "3", headers: Self.simulator).status == 200)
        server.stop()
        let requests = try store.open().auditEntries(msisdn: "36301111111").map(\.request)
        #expect(requests.filter { $0.hasPrefix("SMS ") } == ["SMS 36301111111 1730 x", "SMS 36301111111 1730 x3"])
    }

    @Test func sigtermAnswersEveryRequestItHasThenCloses() throws {
        let store = try TemporaryStore()
        let server = try ServerProcess(store: store)
        // Connections the server has accepted (each answered once already).
        let clients = try (0..<4).map { _ in try client(server) }
        for c in clients {
            #expect(try c.request("GET", "/kannel/sms?from=36301111111&to=1730&text=first", headers: Self.simulator).status == 200)
        }
        for (i, c) in clients.enumerated() {
            try c.send("GET", "/kannel/sms?from=36301111111&to=1730&text=last\(i)", headers: Self.simulator)
        }
        server.process.terminate()
        // Each last request is answered: run (200) if it was read before the drain,
        // refused (503) if it arrived during it; never dropped.
        var ran: [String] = []
        for (i, c) in clients.enumerated() {
            let answer = try c.receive()
            #expect(answer.status == 200 || answer.status == 503, "\(answer.status)")
            if answer.status == 200 { ran.append("SMS 36301111111 1730 last\(i)") }
            #expect(c.isClosedByServer())
        }
        server.process.waitUntilExit()
        #expect(server.process.terminationStatus == 0)
        #expect(server.log.contains("http stopped: commits"))
        let texts = try store.open().auditEntries(msisdn: "36301111111").map(\.request).filter { $0.contains(" last") }
        #expect(texts.sorted() == ran.sorted())
    }
}

/// Examples/grafana-dashboard.json against a real scrape: a panel asking for a series the
/// gateway does not have shows "No data" forever, and nobody notices until an incident.
@Suite("Grafana dashboard")
struct GrafanaDashboardTests {
    @Test func everySeriesTheDashboardAsksForIsInAScrape() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: repositoryRoot + "/Examples/grafana-dashboard.json"))
        let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        let expressions = panels.flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
        #expect(expressions.count >= 16)
        let pattern = try NSRegularExpression(pattern: "\\b(selfcare|process)_[a-z_]+")
        var names = Set<String>()
        for e in expressions {
            for m in pattern.matches(in: e, range: NSRange(e.startIndex..., in: e)) { names.insert(String(e[Range(m.range, in: e)!])) }
        }
        // A link that cannot connect still has its series (bound 0); one command, one HTTP request.
        let server = try ServerProcess(store: TemporaryStore(), arguments: ["--smsc", "smpp://a:b@127.0.0.1:9"], smpp: true)
        _ = try server.network().send("SMS 36301111111 1730 x")
        let c = try HTTPTestClient(port: server.httpPort)
        #expect(try c.request("GET", "/healthz").status == 200)
        let scrape = try c.request("GET", "/metrics").text
        let families = Set(scrape.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { String($0.split(separator: " ")[2]) })
        for name in names.sorted() {
            let family = ["_bucket", "_sum", "_count"].reduce(name) { $0.hasSuffix($1) ? String($0.dropLast($1.count)) : $0 }
            #expect(families.contains(family), "the dashboard asks for \(name); /metrics has no \(family)")
        }
        #expect(names.count >= 15)
        // Every family says what it is.
        let helped = Set(scrape.split(separator: "\n").filter { $0.hasPrefix("# HELP ") }.map { String($0.split(separator: " ")[2]) })
        #expect(families.subtracting(helped).isEmpty, "no HELP for \(families.subtracting(helped).sorted())")
    }
}
