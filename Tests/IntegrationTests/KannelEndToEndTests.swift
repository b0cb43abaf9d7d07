import Foundation
import Model
import Store
import Testing
import TestSupport

/// Kannel from Debian's `kannel` and `kannel-extras` packages (`make deps` installs them).
enum Kannel {
    static let bearerbox = "/usr/sbin/bearerbox"
    static let smsbox = "/usr/sbin/smsbox"
    static let fakesmsc = "/usr/lib/kannel/test/fakesmsc"

    static var missing: [String] {
        [bearerbox, smsbox, fakesmsc].filter { !FileManager.default.isExecutableFile(atPath: $0) }
    }

    static var available: Bool { missing.isEmpty }

    static var skipReason: Comment {
        "Kannel not installed (missing \(missing.joined(separator: ", "))): apt-get install kannel kannel-extras, or make deps"
    }
}

/// bearerbox and smsbox on free loopback ports, configured from Examples/kannel/kannel.conf
/// to pass every MO to the given Selfcare HTTP port.
final class KannelBoxes: @unchecked Sendable {
    let folder: String
    let fakeSMSCPort: Int
    let adminPort: Int
    private var processes: [Process] = []

    init(folder: String, selfcareHTTPPort: Int) throws {
        self.folder = folder + "/kannel"
        try FileManager.default.createDirectory(atPath: self.folder, withIntermediateDirectories: true)
        fakeSMSCPort = try freePort()
        adminPort = try freePort()
        let values = [
            "ADMIN_PORT": String(adminPort), "ADMIN_PASSWORD": "selfcare-test", "SMSBOX_PORT": String(try freePort()),
            "FAKESMSC_PORT": String(fakeSMSCPort), "DIR": self.folder, "SELFCARE_HTTP_PORT": String(selfcareHTTPPort),
            "SELFCARE_USER": "simulator", "SELFCARE_PASSWORD": "simulator",
        ]
        var config = try String(contentsOfFile: repositoryRoot + "/Examples/kannel/kannel.conf", encoding: .utf8)
        for (name, value) in values { config = config.replacingOccurrences(of: "${\(name)}", with: value) }
        guard config.range(of: #"\$\{[A-Z_]+\}"#, options: .regularExpression) == nil else { throw ServerError(description: "kannel.conf: a placeholder is left") }
        let path = self.folder + "/kannel.conf"
        try config.write(toFile: path, atomically: true, encoding: .utf8)

        processes.append(try start(Kannel.bearerbox, [path], log: "bearerbox.out"))
        try waitForPort(adminPort)
        processes.append(try start(Kannel.smsbox, [path], log: "smsbox.out"))
        // smsbox is connected when the bearerbox status lists it under "Box connections".
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            if let text = try? HTTPTestClient(port: adminPort, timeout: 2).request("GET", "/status.txt?password=selfcare-test").text,
               text.split(separator: "\n").contains(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("smsbox:") }) {
                return
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        stop()
        throw ServerError(description: "smsbox did not connect to bearerbox: \(log("smsbox.log"))")
    }

    func log(_ name: String, encoding: String.Encoding = .utf8) -> String {
        (try? String(contentsOfFile: folder + "/" + name, encoding: encoding)) ?? ""
    }

    private func start(_ executable: String, _ arguments: [String], log: String) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        let out = folder + "/" + log
        FileManager.default.createFile(atPath: out, contents: nil)
        p.standardOutput = FileHandle(forWritingAtPath: out)
        p.standardError = FileHandle(forWritingAtPath: out)
        try p.run()
        return p
    }

    /// Sends one MO through `fakesmsc` and returns the text of the MT reply it received
    /// (the parts of a concatenated reply joined), or nil when none came in `timeout`.
    /// A fakesmsc that could not connect (the fake SMSC is still waiting to accept again
    /// after the previous one) exits having sent nothing, and is started again.
    func sendMO(from: String, to: String, text: String, timeout: Double = 20) throws -> String? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let name = "fakesmsc-\(UUID().uuidString.prefix(8)).out"
            let p = try start(Kannel.fakesmsc, ["-H", "127.0.0.1", "-r", String(fakeSMSCPort), "-i", "0.1", "-m", "1",
                                                "\(from) \(to) text \(text)"], log: name)
            // fakesmsc does not stop on SIGTERM; it keeps no state worth a clean exit.
            defer { KannelBoxes.end([p], grace: 0) }
            while Date() < deadline {
                if let reply = FakeSMSCOutput.reply(in: log(name, encoding: .isoLatin1), to: from) { return reply }
                if !p.isRunning { break }
                Thread.sleep(forTimeInterval: 0.1)
            }
            Thread.sleep(forTimeInterval: 0.3)
        }
        return nil
    }

    /// SIGTERM, and SIGKILL for a box still there after 3 s (smsbox may wait for ever
    /// for a bearerbox that already left).
    func stop() {
        KannelBoxes.end(processes.reversed(), grace: 3)
        processes.removeAll()
    }

    /// SIGTERM, then SIGKILL for those still running after `grace` seconds.
    static func end(_ processes: [Process], grace: Double) {
        for p in processes where p.isRunning { p.terminate() }
        let deadline = Date().addingTimeInterval(grace)
        while processes.contains(where: \.isRunning), Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        for p in processes where p.isRunning { kill(p.processIdentifier, SIGKILL) }
        for p in processes { p.waitUntilExit() }
    }

    deinit { stop() }
}

/// The lines fakesmsc prints for each MT: `Got message N: <from to TYPE …>` with TYPE
/// `text <plain>`, `ucs-2 <url-encoded UTF-16BE>`, or `udh <udh> data <UTF-16BE>` for the
/// parts of a concatenated message.
enum FakeSMSCOutput {
    struct Part {
        var sequence = 1
        var total = 1
        var text: String
    }

    static func reply(in output: String, to subscriber: String) -> String? {
        var parts: [Part] = []
        for line in output.split(separator: "\n") {
            guard let open = line.range(of: ": <"), line.hasSuffix(">"), line.contains("Got message") else { continue }
            let fields = line[open.upperBound..<line.index(before: line.endIndex)].split(separator: " ", maxSplits: 3)
            guard fields.count == 4, fields[1] == subscriber, let part = part(String(fields[2]), String(fields[3])) else { continue }
            parts.append(part)
        }
        guard let total = parts.first?.total, parts.count >= total else { return nil }
        return parts.sorted { $0.sequence < $1.sequence }.prefix(total).map(\.text).joined()
    }

    static func part(_ type: String, _ rest: String) -> Part? {
        switch type {
        case "text":
            return Part(text: rest)
        case "ucs2", "ucs-2":
            return decodeUCS2(rest).map { Part(text: $0) }
        case "udh":
            let fields = rest.split(separator: " ", maxSplits: 2)
            guard fields.count == 3, let udh = urlDecode(String(fields[0])), udh.count >= 6 else { return nil }
            let text = fields[1] == "data" ? decodeUCS2(String(fields[2])) : String(fields[2])
            return text.map { Part(sequence: Int(udh[5]), total: Int(udh[4]), text: $0) }
        default:
            return nil
        }
    }

    static func urlDecode(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        var i = text.utf8.makeIterator()
        while let b = i.next() {
            if b == UInt8(ascii: "%") {
                guard let h = i.next(), let l = i.next(), let v = UInt8(String(decoding: [h, l], as: UTF8.self), radix: 16) else { return nil }
                bytes.append(v)
            } else {
                bytes.append(b == UInt8(ascii: "+") ? 0x20 : b)
            }
        }
        return bytes
    }

    static func decodeUCS2(_ text: String) -> String? {
        guard let bytes = urlDecode(text), bytes.count % 2 == 0 else { return nil }
        let units = stride(from: 0, to: bytes.count, by: 2).map { UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]) }
        return String(decoding: units, as: UTF16.self)
    }
}

func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let ok = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
        }
    }
    guard ok else { throw ServerError(description: "no free port") }
    return Int(UInt16(bigEndian: address.sin_port))
}

func waitForPort(_ port: Int, seconds: Double = 15) throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if (try? HTTPTestClient(port: port, timeout: 1)) != nil { return }
        Thread.sleep(forTimeInterval: 0.1)
    }
    throw ServerError(description: "nothing listens on port \(port)")
}

/// The real Kannel between a fake SMSC and Selfcare: MOs from `fakesmsc` reach
/// `/kannel/sms` through smsbox's `sms-service`, and the replies come back as MTs.
@Suite("Kannel end to end", .enabled(if: Kannel.available, Kannel.skipReason))
struct KannelEndToEndTests {
    @Test func mosThroughKannelGetTheirRepliesBack() throws {
        let store = try TemporaryStore()
        let server = try ServerProcess(store: store)
        let kannel = try KannelBoxes(folder: store.folder, selfcareHTTPPort: server.httpPort)
        defer { kannel.stop() }

        // Hungarian prepaid: á, ó need UCS-2, and the reply is longer than one UCS-2 SMS.
        let prepaid = try #require(try kannel.sendMO(from: "36301111111", to: "1730", text: "EGYENLEG"),
                                   "no reply; smsbox log: \(kannel.log("smsbox.log"))")
        #expect(prepaid.hasPrefix("Egyenleg: 5 000 Ft, univerzális egyenleg: 1 000 Ft. Utolsó vásárlás: "))
        #expect(prepaid.hasSuffix(", 300 Ft."))
        // English postpaid: plain GSM 7-bit.
        let postpaid = try kannel.sendMO(from: "36302222222", to: "1730", text: "balance please")
        #expect(postpaid?.hasPrefix("Unbilled this month: 3 450 Ft. Last bill (") == true)
        // Refusals reach the subscriber too.
        #expect(try kannel.sendMO(from: "36309999999", to: "1730", text: "EGYENLEG")
                == "A(z) 36309999999 hívószám nem szerepel az előfizetők között.")
        // The services of the grammar issue: a 777 topic, a horoscope cancel, a premium MO.
        #expect(try kannel.sendMO(from: "36301111111", to: "777", text: "SPORT")
                == "Feliratkoztál: SPORT. Havidíj: 500 Ft. Leiratkozás: STOP SPORT")
        #expect(try kannel.sendMO(from: "36301111111", to: "06303030440", text: "-HORO")
                == "Nem fizetsz elő horoszkópra, nincs mit lemondani.")
        #expect(try kannel.sendMO(from: "36301111111", to: "0690123456", text: "VOTE 1")
                == "Emelt díjas SMS a(z) 3690123456 számra: 300 Ft.")
        #expect(try kannel.sendMO(from: "36301111111", to: "5555", text: "hello")
                == "A(z) 5555 számon nincs ilyen szolgáltatás.")

        kannel.stop()
        #expect(server.stop() == 0)
        let audit = try store.open().auditEntries(msisdn: nil).filter { $0.channel == "http" && $0.request.hasPrefix("SMS ") }
        #expect(audit.map(\.request) == [
            "SMS 36301111111 1730 EGYENLEG", "SMS 36302222222 1730 balance please",
            "SMS 36309999999 1730 EGYENLEG", "SMS 36301111111 777 SPORT",
            "SMS 36301111111 36303030440 -HORO", "SMS 36301111111 3690123456 VOTE 1",
            "SMS 36301111111 5555 hello",
        ])
        #expect(audit.allSatisfy { $0.account == "simulator" })
    }

    @Test func kannelSendsA503AgainAndTheSubscriberStillGetsOneReply() throws {
        let store = try TemporaryStore()
        // Every 2nd commit fails: the first MO commits, the second is answered 503 and
        // Kannel (http-request-retry) sends it again a second later.
        let server = try ServerProcess(store: store, environment: ["SELFCARE_FAIL_COMMIT": "2"])
        let kannel = try KannelBoxes(folder: store.folder, selfcareHTTPPort: server.httpPort)
        defer { kannel.stop() }
        #expect(try kannel.sendMO(from: "36302222222", to: "1730", text: "first")?.hasPrefix("Unbilled this month: ") == true)
        #expect(try kannel.sendMO(from: "36302222222", to: "1730", text: "second")?.hasPrefix("Unbilled this month: ") == true)
        kannel.stop()
        server.stop()
        #expect(server.log.contains("http commit failed, 1 requests answered 503"))
        let requests = try store.open().auditEntries(msisdn: "36302222222").map(\.request)
        #expect(requests == ["SMS 36302222222 1730 first", "SMS 36302222222 1730 second"])
    }
}
