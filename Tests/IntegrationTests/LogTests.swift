import Foundation
import LineClient
import Testing
import TestSupport

/// The log of the real server: what an operator reads in journald.
@Suite("Logs of the real server")
struct LogTests {
    /// Every line a JSON object with ts, level and msg; the fields an operator filters on.
    func lines(_ log: String) throws -> [[String: Any]] {
        try log.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let fields = try #require(object, "not a JSON object: \(line)")
            #expect(fields["ts"] is String && fields["level"] is String && fields["msg"] is String, "\(line)")
            return fields
        }
    }

    @Test func infoHasALinePerCommandAndRequestAndWarningsAreRateLimited() throws {
        let server = try ServerProcess(store: TemporaryStore(), arguments: ["--log-level", "info", "--log-format", "json"])
        let line = try LineClient(port: server.port)
        #expect(try line.send("AUTH simulator simulator").first?.hasPrefix("235") == true)
        #expect(try line.send("SMS 36301111111 1730 EGYENLEG").last == "250 OK balance")
        #expect(try line.send("USSD 36301111111 *1412#").last == "251 CONTINUE")
        let http = try HTTPTestClient(port: server.httpPort)
        #expect(try http.request("GET", "/kannel/sms?user=simulator&pass=simulator&from=36302222222&to=1730&text=x").status == 200)
        #expect(try http.request("GET", "/nope?pass=hunter2").status == 404)
        // 25 wrong passwords from one address: 10 failures lock it, the rest are refused.
        for i in 0..<25 {
            let bad = try HTTPTestClient(port: server.httpPort)
            let status = try bad.request("GET", "/kannel/sms?user=simulator&pass=wrong\(i)&from=36301111111&to=1730&text=x").status
            #expect(status == 401 || status == 429, "\(status)")
        }
        _ = server.stop()
        let log = server.log
        #expect(!log.contains("wrong1") && !log.contains("hunter2") && !log.contains("pass="), "no password reaches the log")
        let all = try lines(log)
        let commands = all.filter { $0["msg"] as? String == "command" }
        #expect(commands.count == 2)
        #expect(commands.first?["channel"] as? String == "line" && commands.first?["account"] as? String == "simulator")
        #expect(commands.map { $0["service"] as? String } == ["balance", "ussd"])
        #expect(commands.allSatisfy { $0["outcome"] as? String == "ok" && $0["ms"] is Double && $0["batch"] is Int })
        #expect(all.contains { $0["msg"] as? String == "login" && $0["channel"] as? String == "line" })
        let requests = all.filter { $0["msg"] as? String == "http" }
        #expect(requests.contains { $0["path"] as? String == "/kannel/sms" && $0["status"] as? Int == 200
                && $0["service"] as? String == "balance" && $0["account"] as? String == "simulator" })
        #expect(requests.contains { $0["path"] as? String == "/nope" && $0["status"] as? Int == 404 })
        // At most 10 warnings of a kind in 10 s, however many failures.
        let failed = all.filter { $0["msg"] as? String == "login failed" }
        let locked = all.filter { ($0["msg"] as? String)?.hasPrefix("login refused") == true }
        #expect(failed.count == 10 && locked.count == 10, "\(failed.count) \(locked.count)")
        #expect(failed.allSatisfy { $0["level"] as? String == "warning" && $0["channel"] as? String == "http" })
    }

    @Test func theDefaultLevelHasNoLinePerCommand() throws {
        let server = try ServerProcess(store: TemporaryStore())
        let line = try LineClient(port: server.port)
        _ = try line.send("AUTH simulator simulator")
        #expect(try line.send("SMS 36301111111 1730 EGYENLEG").last == "250 OK balance")
        _ = server.stop()
        let log = server.log
        #expect(log.contains("level=notice msg=\"configuration: "), "\(log)")
        #expect(log.contains("level=notice msg=\"stopped: requests served 2,"), "\(log)")
        #expect(!log.contains("level=info"), "\(log)")
    }
}
