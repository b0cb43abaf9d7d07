import Foundation
import Model
import Store
import Testing

/// `selfcare serve --sendsms-url`: the outbox pushed to a (fake) Kannel sendsms.
@Suite("Outbox push to Kannel's sendsms")
struct OutboxPushTests {
    static let accepted: FakeKannel.Answer = { _, _ in (202, "0: Accepted for delivery") }

    func serve(_ store: TemporaryStore, _ kannel: FakeKannel) throws -> ServerProcess {
        try ServerProcess(store: store, arguments: [
            "--sendsms-url", "http://127.0.0.1:\(kannel.port)/cgi-bin/sendsms?username=selfcare&password=s%26cret",
        ], http: false)
    }

    /// Queues two outbox SMS: a call-me-back request to an English subscriber (GSM 7-bit) and
    /// the security notice of EMELT BE (Hungarian, UCS-2).
    func queueTwo(_ server: ServerProcess) throws {
        let line = try server.network()
        #expect(try line.send("SMS 36301111111 1430 HIVJ 06302222222").last?.hasPrefix("250") == true)
        #expect(try line.send("SMS 36301111111 1430 EMELT BE 11111").last?.hasPrefix("250") == true)
    }

    func pending(_ store: TemporaryStore) throws -> [OutboxMessage] {
        try store.open().write { try $0.pendingOutbox(recipient: nil, limit: 100) }
    }

    func pushAudit(_ store: TemporaryStore) throws -> [AuditEntry] {
        try store.open().auditEntries(msisdn: nil).filter { $0.request.hasPrefix("SENDSMS ") }
    }

    @Test func eachMessageIsSentOnceWithKannelsParametersAndMarkedDelivered() throws {
        let store = try TemporaryStore()
        let kannel = try FakeKannel(answer: Self.accepted)
        let server = try serve(store, kannel)
        let started = Date()
        try queueTwo(server)
        #expect(kannel.wait(for: 2))
        // Pushed soon after the commit, not at the next tick only.
        #expect(Date().timeIntervalSince(started) < 3)
        // Several looks at the outbox later, nothing went twice.
        Thread.sleep(forTimeInterval: 1.5)
        #expect(server.stop() == 0)
        let got = kannel.requests
        #expect(got.count == 2)
        #expect(got.allSatisfy { $0.path == "/cgi-bin/sendsms" && $0.query["username"] == "selfcare" && $0.query["password"] == "s&cret" })
        let callBack = try #require(got.first { $0.query["to"] == "36302222222" })
        #expect(callBack.query["from"] == "36301111111")
        #expect(callBack.query["text"]?.contains("36301111111") == true)
        #expect(callBack.query["coding"] == nil)
        let notice = try #require(got.first { $0.query["to"] == "36301111111" })
        #expect(notice.query["from"] == "1430")
        #expect(notice.query["text"]?.hasPrefix("Biztonsági értesítés: emelt díjas SMS fogadás engedélyezve") == true)
        #expect(notice.query["coding"] == "2" && notice.query["charset"] == "UTF-8")

        #expect(try pending(store).isEmpty)
        let audit = try pushAudit(store)
        #expect(audit.count == 2)
        #expect(audit.allSatisfy { $0.channel == "http" && $0.outcome == "ok: accepted by sendsms" })
        #expect(Set(audit.compactMap(\.msisdn)) == ["36302222222", "36301111111"])
        // The audit never carries the text (it may hold a purchase code).
        #expect(audit.allSatisfy { !$0.request.contains("Biztons") })
    }

    @Test func a503IsRetriedWithBackOffAndDeliveredOnce() throws {
        let store = try TemporaryStore()
        let kannel = try FakeKannel { number, _ in number <= 2 ? (503, "Sorry, busy") : (202, "0: Accepted for delivery") }
        let server = try serve(store, kannel)
        let line = try server.network()
        _ = try line.send("SMS 36301111111 1430 HIVJ 06302222222")
        #expect(kannel.wait(for: 3))
        Thread.sleep(forTimeInterval: 1.5)
        #expect(server.stop() == 0)
        let got = kannel.requests
        #expect(got.count == 3)
        #expect(Set(got.map { $0.query["text"] ?? "" }).count == 1)
        #expect(try pending(store).isEmpty)
        #expect(try pushAudit(store).count == 1)
        #expect(server.log.contains("sendsms: message 1 to 36302222222: 503 Sorry, busy; sending again in 0.5 s"))
        #expect(server.log.contains("sending again in 1.0 s"))
    }

    @Test func nothingIsMarkedDeliveredWhileKannelFailsAndItGoesOutAfterARestart() throws {
        let store = try TemporaryStore()
        let failing = try FakeKannel { _, _ in (503, "") }
        var server = try serve(store, failing)
        try queueTwo(server)
        #expect(failing.wait(for: 3))
        #expect(server.stop() == 0)
        #expect(try pending(store).count == 2)
        #expect(try pushAudit(store).isEmpty)

        // Kannel is back (on another port): the same messages go out, once each.
        let kannel = try FakeKannel(answer: Self.accepted)
        server = try serve(store, kannel)
        #expect(kannel.wait(for: 2))
        Thread.sleep(forTimeInterval: 1)
        #expect(server.stop() == 0)
        #expect(kannel.requests.count == 2)
        #expect(try pending(store).isEmpty)
        #expect(try pushAudit(store).count == 2)
    }

    @Test func noKannelAtAllLosesNothing() throws {
        let store = try TemporaryStore()
        // A port where nothing listens.
        let gone = try FakeKannel(answer: Self.accepted)
        let port = gone.port
        gone.close()
        let server = try ServerProcess(store: store, arguments: [
            "--sendsms-url", "http://127.0.0.1:\(port)/cgi-bin/sendsms?username=u&password=p",
        ], http: false)
        try queueTwo(server)
        Thread.sleep(forTimeInterval: 2)
        #expect(server.stop() == 0)
        #expect(try pending(store).count == 2)
        #expect(server.log.contains("no answer; sending again in"))
    }

    @Test func aMessageKannelRefusesWaitsAloneAndTheOthersGoOn() throws {
        let store = try TemporaryStore()
        let kannel = try FakeKannel { _, request in
            request.query["to"] == "36302222222" ? (400, "Invalid receiver") : (202, "0: Accepted for delivery")
        }
        let server = try serve(store, kannel)
        try queueTwo(server)
        // The refused one is tried again (after 0.5 s, then 1 s); the other is delivered.
        #expect(kannel.wait(for: 4))
        #expect(server.stop() == 0)
        let got = kannel.requests
        #expect(got.filter { $0.query["to"] == "36301111111" }.count == 1)
        #expect(got.filter { $0.query["to"] == "36302222222" }.count >= 3)
        #expect(try pending(store).map(\.recipient) == ["36302222222"])
        #expect(server.log.contains("Kannel refused message 1 to 36302222222: 400 Invalid receiver; trying it again in 0.5 s"))
    }
}
