import Foundation
import GRDB
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
/// to pass every MO to the given Selfcare HTTP port, and with smsbox's sendsms interface
/// (user ``sendsmsUser``, password ``sendsmsPassword``) for Selfcare's outbox push.
final class KannelBoxes: @unchecked Sendable {
    static let sendsmsUser = "selfcare"
    static let sendsmsPassword = "sendsms-secret"

    let folder: String
    let fakeSMSCPort: Int
    let adminPort: Int
    let sendsmsPort: Int
    private var processes: [Process] = []

    /// Selfcare's `--sendsms-url` for a sendsms on `port`, with Kannel's query credentials.
    static func sendsmsURL(port: Int, password: String = sendsmsPassword) -> String {
        "http://127.0.0.1:\(port)/cgi-bin/sendsms?username=\(sendsmsUser)&password=\(password)"
    }

    /// `sendsmsPort`: where smsbox takes sendsms requests (a free port when nil); chosen
    /// before Selfcare starts when Selfcare is to push its outbox there.
    /// `example`: the file of Examples/kannel/ to render (kannel-smpp.conf binds bearerbox
    /// to Selfcare's SMPP server on `selfcareSMPPPort`).
    init(folder: String, selfcareHTTPPort: Int = 0, sendsmsPort: Int? = nil, example: String = "kannel.conf",
         selfcareSMPPPort: Int = 0, account: (name: String, password: String) = ("simulator", "simulator")) throws {
        self.folder = folder + "/kannel"
        try FileManager.default.createDirectory(atPath: self.folder, withIntermediateDirectories: true)
        fakeSMSCPort = try freePort()
        adminPort = try freePort()
        self.sendsmsPort = try sendsmsPort ?? freePort()
        let values = [
            "ADMIN_PORT": String(adminPort), "ADMIN_PASSWORD": "selfcare-test", "SMSBOX_PORT": String(try freePort()),
            "FAKESMSC_PORT": String(fakeSMSCPort), "DIR": self.folder, "SELFCARE_HTTP_PORT": String(selfcareHTTPPort),
            "SELFCARE_USER": account.name, "SELFCARE_PASSWORD": account.password,
            "SENDSMS_PORT": String(self.sendsmsPort), "SENDSMS_USER": Self.sendsmsUser, "SENDSMS_PASSWORD": Self.sendsmsPassword,
            "SELFCARE_SMPP_PORT": String(selfcareSMPPPort),
        ]
        var config = try String(contentsOfFile: repositoryRoot + "/Examples/kannel/" + example, encoding: .utf8)
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
                do {
                    try waitForPort(self.sendsmsPort)
                } catch {
                    stop()
                    throw ServerError(description: "smsbox's sendsms is not listening: \(log("smsbox.log"))")
                }
                return
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        stop()
        throw ServerError(description: "smsbox did not connect to bearerbox: \(log("smsbox.log"))")
    }

    /// A log of the folder as UTF-8 (what Kannel writes; a bad byte does not hide the rest).
    func log(_ name: String) -> String {
        FileManager.default.contents(atPath: folder + "/" + name).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    private func start(_ executable: String, _ arguments: [String], log: String) throws -> Process {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        let out = folder + "/" + log
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        p.standardOutput = FileHandle(forWritingAtPath: out)
        p.standardError = FileHandle(forWritingAtPath: out)
        try p.run()
        return p
    }

    /// Sends one MO through `fakesmsc` and returns the text of the MT reply it received
    /// (the parts of a concatenated reply joined), or nil when none came in `timeout`.
    func sendMO(from: String, to: String, text: String, timeout: Double = 20) throws -> String? {
        try sendMO(from: from, to: to, text: text, awaiting: [from], timeout: timeout).first { $0.receiver == from }?.text
    }

    /// Sends one MO through `fakesmsc` and returns the MTs it received (whole messages, in
    /// the order they were complete) once there is one for each entry of `receivers` (a
    /// number twice: two messages), or what came in `timeout`. MTs of the outbox push reach
    /// the same fakesmsc as the reply: bearerbox's fake SMSC serves one client at a time.
    func sendMO(from: String, to: String, text: String, awaiting receivers: [String],
                timeout: Double = 20) throws -> [FakeSMSCOutput.Message] {
        try fakesmsc(["-m", "1", "\(from) \(to) text \(text)"], awaiting: receivers, timeout: timeout)
    }

    /// Connects a `fakesmsc` that sends nothing and returns the MTs it received once there is
    /// one for each entry of `receivers`, or what came in `timeout`. bearerbox keeps the MTs
    /// it got while no fakesmsc was connected and hands them to the next one.
    func receiveMTs(awaiting receivers: [String], timeout: Double = 20) throws -> [FakeSMSCOutput.Message] {
        // fakesmsc wants a message to send even when told to send none.
        try fakesmsc(["-m", "0", "0 0 text unused"], awaiting: receivers, timeout: timeout)
    }

    /// A fakesmsc that could not connect (the fake SMSC is still waiting to accept again
    /// after the previous one) exits having sent nothing, and is started again.
    private func fakesmsc(_ arguments: [String], awaiting receivers: [String], timeout: Double) throws -> [FakeSMSCOutput.Message] {
        let deadline = Date().addingTimeInterval(timeout)
        var received: [FakeSMSCOutput.Message] = []
        while Date() < deadline {
            let name = "fakesmsc-\(UUID().uuidString.prefix(8)).out"
            let p = try start(Kannel.fakesmsc, ["-H", "127.0.0.1", "-r", String(fakeSMSCPort), "-i", "0.1"] + arguments, log: name)
            // fakesmsc does not stop on SIGTERM; it keeps no state worth a clean exit.
            defer { KannelBoxes.end([p], grace: 0) }
            while Date() < deadline {
                received = FakeSMSCOutput.messages(in: log(name))
                if FakeSMSCOutput.has(received, for: receivers) { return received }
                if !p.isRunning { break }
                Thread.sleep(forTimeInterval: 0.1)
            }
            Thread.sleep(forTimeInterval: 0.3)
        }
        return received
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
/// `text <plain UTF-8>`, `ucs-2 <url-encoded UTF-16BE>`, or `udh <udh> data <UTF-16BE>` for the
/// parts of a concatenated message.
enum FakeSMSCOutput {
    /// One MT as the handset shows it, parts joined.
    struct Message: Equatable, CustomStringConvertible {
        var sender: String
        var receiver: String
        var text: String
        /// It came as UCS-2 (`ucs-2`, or UCS-2 `data` parts), not as GSM 7-bit text: what
        /// a real SMSC needs for á, í, ó, ő, ú, ű.
        var ucs2 = false

        var description: String { "\(sender) → \(receiver)\(ucs2 ? " (UCS-2)" : ""): \(text)" }
    }

    struct Part {
        /// The concatenation reference (UDH); nil for a message in one part.
        var reference: UInt8?
        var sequence = 1
        var total = 1
        var text: String
        var ucs2 = false
    }

    /// The whole messages in `output`, in the order their last part came.
    static func messages(in output: String) -> [Message] {
        var messages: [Message] = []
        var pending: [String: [Part]] = [:]
        for line in output.split(separator: "\n") {
            guard let open = line.range(of: ": <"), line.hasSuffix(">"), line.contains("Got message") else { continue }
            let fields = line[open.upperBound..<line.index(before: line.endIndex)].split(separator: " ", maxSplits: 3)
            guard fields.count == 4, let part = part(String(fields[2]), String(fields[3])) else { continue }
            let (sender, receiver) = (String(fields[0]), String(fields[1]))
            guard let reference = part.reference else {
                messages.append(Message(sender: sender, receiver: receiver, text: part.text, ucs2: part.ucs2))
                continue
            }
            let key = "\(sender) \(receiver) \(reference)"
            pending[key, default: []].append(part)
            if let parts = pending[key], parts.count >= part.total {
                messages.append(Message(sender: sender, receiver: receiver,
                                        text: parts.sorted { $0.sequence < $1.sequence }.map(\.text).joined(),
                                        ucs2: parts.allSatisfy(\.ucs2)))
                pending[key] = nil
            }
        }
        return messages
    }

    /// Whether `messages` hold one message for each entry of `receivers`.
    static func has(_ messages: [Message], for receivers: [String]) -> Bool {
        Dictionary(receivers.map { ($0, 1) }, uniquingKeysWith: +).allSatisfy { receiver, count in
            messages.filter { $0.receiver == receiver }.count >= count
        }
    }

    static func part(_ type: String, _ rest: String) -> Part? {
        switch type {
        case "text":
            return Part(text: rest)
        case "ucs2", "ucs-2":
            return decodeUCS2(rest).map { Part(text: $0, ucs2: true) }
        case "udh":
            let fields = rest.split(separator: " ", maxSplits: 2)
            guard fields.count == 3, let udh = urlDecode(String(fields[0])), udh.count >= 6 else { return nil }
            let ucs2 = fields[1] == "data"
            let text = ucs2 ? decodeUCS2(String(fields[2])) : String(fields[2])
            return text.map { Part(reference: udh[3], sequence: Int(udh[5]), total: Int(udh[4]), text: $0, ucs2: ucs2) }
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

    struct OutboxRow {
        var sender: String
        var recipient: String
        var text: String
        var delivered: Bool

        /// `mt` is this row as the handset got it.
        func arrived(as mt: FakeSMSCOutput.Message) -> Bool {
            mt.sender == sender && mt.receiver == recipient && mt.text == text
        }
    }

    /// The outbox as stored, oldest first.
    static func outbox(_ store: TemporaryStore) throws -> [OutboxRow] {
        try store.rawDatabase().read { db in
            try Row.fetchAll(db, sql: "SELECT sender, recipient, text, delivered_at FROM outbox ORDER BY id").map { row in
                OutboxRow(sender: row["sender"], recipient: row["recipient"], text: row["text"],
                          delivered: (row["delivered_at"] as Int64?) != nil)
            }
        }
    }

    static func pushAudit(_ store: TemporaryStore) throws -> [AuditEntry] {
        try store.open().auditEntries(msisdn: nil).filter { $0.request.hasPrefix("SENDSMS ") }
    }

    /// `selfcare serve --sendsms-url` against smsbox's real sendsms: MOs that queue outbox SMS
    /// (two call-me-back requests, a security notice) get their reply through the
    /// sms-service, and each outbox SMS reaches the fake SMSC as an MT of its own, from the
    /// sender Selfcare gave, whole (UCS-2 and concatenated where needed); then it is marked
    /// delivered.
    @Test func outboxSMSGoOutThroughKannelsSendsmsAndAreMarkedDelivered() throws {
        let store = try TemporaryStore()
        let sendsmsPort = try freePort()
        let server = try ServerProcess(store: store, arguments: ["--sendsms-url", KannelBoxes.sendsmsURL(port: sendsmsPort)])
        let kannel = try KannelBoxes(folder: store.folder, selfcareHTTPPort: server.httpPort, sendsmsPort: sendsmsPort)
        defer { kannel.stop() }
        func why(_ got: [FakeSMSCOutput.Message]) -> Comment {
            "got \(got); selfcare: \(server.log.suffix(1500)); smsbox access: \(kannel.log("smsbox-access.log").suffix(1500))"
        }

        // To an English subscriber: GSM 7-bit, sent without coding.
        let english = try kannel.sendMO(from: "36301111111", to: "1430", text: "HIVJ 06302222222",
                                        awaiting: ["36301111111", "36302222222"])
        #expect(english.contains { $0.receiver == "36301111111" && $0.text == "Visszahíváskérést küldtünk ide: +36302222222." }, why(english))
        #expect(english.contains(.init(sender: "36301111111", receiver: "36302222222", text: "+36301111111 asks you to call back.")), why(english))
        // To a Hungarian subscriber: í, á need UCS-2 (coding=2&charset=UTF-8).
        let hungarian = try kannel.sendMO(from: "36301111111", to: "1430", text: "HIVJ 06303333333",
                                          awaiting: ["36301111111", "36303333333"])
        #expect(hungarian.contains(.init(sender: "36301111111", receiver: "36303333333",
                                         text: "A(z) +36301111111 hívószám visszahívást kér.", ucs2: true)), why(hungarian))
        // The security notice of EMELT BE goes to the subscriber beside the reply: 113
        // characters, more than one UCS-2 SMS holds (70), so two concatenated parts.
        let notice = try kannel.sendMO(from: "36301111111", to: "1430", text: "EMELT BE 11111",
                                       awaiting: ["36301111111", "36301111111"])
        #expect(notice.contains { $0.text == "Az emelt díjas SMS-ek fogadását engedélyezted." }, why(notice))
        #expect(notice.contains {
            $0.sender == "1430" && $0.receiver == "36301111111" && $0.ucs2
                && $0.text.hasPrefix("Biztonsági értesítés: emelt díjas SMS fogadás engedélyezve (")
                && $0.text.hasSuffix("). Ha nem te voltál, hívd az 1412-t.")
        }, why(notice))

        kannel.stop()
        #expect(server.stop() == 0)
        // Every outbox row came out exactly as stored, and is marked delivered.
        let outbox = try Self.outbox(store)
        #expect(outbox.count == 3)
        let mts = english + hungarian + notice
        for row in outbox {
            #expect(mts.contains { row.arrived(as: $0) }, "not received as an MT: \(row); got \(mts)")
            #expect(row.delivered, "not marked delivered: \(row)")
        }
        let audit = try Self.pushAudit(store)
        #expect(audit.map(\.msisdn) == ["36302222222", "36303333333", "36301111111"])
        #expect(audit.allSatisfy { $0.outcome == "ok: accepted by sendsms" })
        #expect(server.log.contains("sendsms stopped: delivered 3, failed attempts 0"))
    }

    /// A wrong sendsms password: Kannel answers 403 `Authorization failed for sendsms`, the
    /// SMS stays in the outbox and is tried again with back-off; with the right password it
    /// goes out.
    @Test func aWrongSendsmsPasswordLosesNothing() throws {
        let store = try TemporaryStore()
        let sendsmsPort = try freePort()
        var server = try ServerProcess(store: store, arguments: [
            "--sendsms-url", KannelBoxes.sendsmsURL(port: sendsmsPort, password: "wrong"),
        ])
        let kannel = try KannelBoxes(folder: store.folder, selfcareHTTPPort: server.httpPort, sendsmsPort: sendsmsPort)
        defer { kannel.stop() }
        #expect(try kannel.sendMO(from: "36301111111", to: "1430", text: "HIVJ 06302222222")
                == "Visszahíváskérést küldtünk ide: +36302222222.")
        // Refused, tried again after 0.5 s, refused, tried again after 1 s.
        let deadline = Date().addingTimeInterval(10)
        while !server.log.contains("trying it again in 1.0 s"), Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        #expect(server.stop() == 0)
        let refused = "sendsms: Kannel refused message 1 to 36302222222: 403 Authorization failed for sendsms; trying it again in"
        #expect(server.log.contains(refused + " 0.5 s"), "\(server.log)")
        #expect(server.log.contains(refused + " 1.0 s"), "\(server.log)")
        let call = FakeSMSCOutput.Message(sender: "36301111111", receiver: "36302222222", text: "+36301111111 asks you to call back.")
        let pending = try Self.outbox(store)
        #expect(pending.count == 1 && pending.allSatisfy { $0.arrived(as: call) && !$0.delivered }, "\(pending)")
        #expect(try Self.pushAudit(store).isEmpty)

        // The right password (after a restart): the same message goes out and is marked delivered.
        server = try ServerProcess(store: store, arguments: ["--sendsms-url", KannelBoxes.sendsmsURL(port: sendsmsPort)], http: false)
        let got = try kannel.receiveMTs(awaiting: ["36302222222"])
        #expect(got == [call], "selfcare: \(server.log)")
        kannel.stop()
        #expect(server.stop() == 0)
        #expect(try Self.outbox(store).map(\.delivered) == [true])
        #expect(try Self.pushAudit(store).count == 1)
        #expect(server.log.contains("sendsms stopped: delivered 1, failed attempts 0"))
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
