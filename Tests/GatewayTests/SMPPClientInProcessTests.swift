import Gateway
import GRDB
import GatewayTesting
import Model
import Numbering
import SMPP
@testable import Store
import Testing

/// The SMPP client link in process: the test plays the operator's SMSC on a loopback
/// socket, PDU by PDU, against the real link, pipeline, engine and a temporary store.
@Suite("SMPP client link, in process")
struct SMPPClientInProcessTests {
    let prepaid = MSISDN(canonical: "36301111111")
    let postpaid = MSISDN(canonical: "36302222222")

    func bound(failEveryNthCommit: Int? = nil,
               _ adjust: (inout SMPPLinkConfig) -> Void = { _ in }) throws -> (TestGateway, TestSMSCConnection, TestSMSC) {
        try boundToTestSMSC(failEveryNthCommit: failEveryNthCommit, adjust)
    }

    func mo(_ from: String, _ to: String, _ text: String, coding: UInt8 = 0) -> PDU.Body {
        let octets = coding == 8 ? TextCoding.ucs2Octets(text) : Array(text.utf8)
        return .message(ShortMessage(source: .international(from), destination: .shortCode(to), dataCoding: coding,
                                     shortMessage: octets))
    }

    func text(_ m: ShortMessage) -> String? {
        let payload = m.hasUDH ? Array(m.payload.dropFirst(Int(m.payload[0]) + 1)) : m.payload
        return TextCoding.decode(payload, dataCoding: m.dataCoding, alphabet: .gsm)
    }

    @Test func bindsAsATransceiverWithItsCredentials() throws {
        let smsc = try TestSMSC()
        let app = try TestGateway(smsc: [smsc.link(systemID: "selfcare", password: "s3cret") { $0.systemType = "VMA" }])
        let link = try #require(smsc.accept(app))
        let pdu = try #require(link.receive())
        #expect(pdu.command == .bindTransceiver)
        #expect(pdu.body == .bind(Bind(systemID: "selfcare", password: "s3cret", systemType: "VMA", interfaceVersion: 0x34)))
    }

    @Test func anMOIsAnsweredAfterItsCommitThenRepliedToFromTheShortCode() throws {
        let (app, link, _) = try bound()
        let seq = link.request(.deliverSM, mo("36302222222", "1730", "balance"))
        let resp = try #require(link.receive())
        #expect(resp.command == .deliverSMResp && resp.sequence == seq && resp.status == .ok)
        let reply = try #require(link.receive())
        #expect(reply.command == .submitSM)
        guard case .message(let m) = reply.body else { Issue.record("no body"); return }
        #expect(m.source.value == "1730")
        #expect(m.destination == .international("36302222222"))
        #expect(m.dataCoding == 0)
        #expect(text(m)?.hasPrefix("Unbilled this month: 3 450 Ft.") == true, "\(text(m) ?? "?")")
        link.send(reply.response(messageID: "m1"))
        app.stop()
        let audit = try app.openStore().auditEntries(msisdn: "36302222222")
        #expect(audit.map(\.channel) == ["smpp"])
        #expect(audit.first?.account == "test-smsc")
    }

    @Test func aHungarianReplyGoesOutInUCS2AndALongOneInConcatenatedParts() throws {
        let (app, link, _) = try bound()
        defer { app.stop() }
        link.request(.deliverSM, mo("36301111111", "777", "SPORT"))
        #expect(link.receive()?.status == .ok)
        let one = try #require(link.receive())
        guard case .message(let sport) = one.body else { Issue.record("no body"); return }
        #expect(sport.dataCoding == 8)
        #expect(text(sport) == "Feliratkoztál: SPORT. Havidíj: 500 Ft. Leiratkozás: STOP SPORT")
        link.send(one.response())
        // The prepaid balance is two UCS-2 parts: one reference, numbered 1 and 2.
        link.request(.deliverSM, mo("36301111111", "1730", "EGYENLEG"))
        #expect(link.receive()?.status == .ok)
        let parts = [try #require(link.receive()), try #require(link.receive())]
        let bodies = parts.compactMap { p -> ShortMessage? in if case .message(let m) = p.body { m } else { nil } }
        #expect(bodies.allSatisfy { $0.hasUDH && $0.dataCoding == 8 })
        let headers = bodies.compactMap { UserDataHeader.parse($0.shortMessage)?.concatenation }
        #expect(headers.map(\.number) == [1, 2])
        #expect(Set(headers.map(\.reference)).count == 1 && headers.allSatisfy { $0.total == 2 })
        // (SPORT's monthly fee came off the balance.)
        #expect(bodies.compactMap(text).joined().hasPrefix("Egyenleg: 4 500 Ft"))
    }

    @Test func aUCS2MOIsRead() throws {
        let (app, link, _) = try bound()
        link.request(.deliverSM, mo("36301111111", "777", "HÍREK", coding: 8))
        #expect(link.receive()?.status == .ok)
        guard case .message(let m) = try #require(link.receive()).body else { Issue.record("no body"); return }
        #expect(text(m)?.hasPrefix("Feliratkoztál: HIREK.") == true)
        app.stop()
        let subs = try app.openStore().write { try $0.subscriptions(of: prepaid) }
        #expect(subs.map(\.service).contains("777:HIREK"))
    }

    @Test func aThreePartMOIsOneCommandAndEveryPartIsAnsweredAfterIt() throws {
        let (app, link, _) = try bound()
        func part(_ n: UInt8, _ text: String) -> PDU.Body {
            var m = ShortMessage(source: .international("36301111111"), destination: .shortCode("777"),
                                 shortMessage: UserDataHeader.concatenation(reference: 7, total: 3, number: n) + Array(text.utf8))
            m.esmClass = 0x40
            return .message(m)
        }
        // Out of order; nothing is answered before the last part.
        let s3 = link.request(.deliverSM, part(3, "RT"))
        let s1 = link.request(.deliverSM, part(1, "SP"))
        #expect(link.receive(timeout: 0.2) == nil)
        let s2 = link.request(.deliverSM, part(2, "O"))
        let resps = [link.receive(), link.receive(), link.receive()].compactMap { $0 }
        #expect(resps.map(\.command) == [.deliverSMResp, .deliverSMResp, .deliverSMResp])
        #expect(Set(resps.map(\.sequence)) == [s1, s2, s3] && resps.allSatisfy { $0.status == .ok })
        guard case .message(let m) = try #require(link.receive()).body else { Issue.record("no body"); return }
        #expect(text(m)?.hasPrefix("Feliratkoztál: SPORT.") == true)
        app.stop()
        let audit = try app.openStore().auditEntries(msisdn: "36301111111")
        #expect(audit.count == 1)
    }

    @Test func aFailedCommitAsksTheSMSCToDeliverAgainAndKeepsNothing() throws {
        // Transactions: the first MO's (1) commits, the second's (2) fails.
        let (app, link, _) = try bound(failEveryNthCommit: 2)
        link.request(.deliverSM, mo("36302222222", "1730", "balance"))
        #expect(link.receive()?.status == .ok)
        _ = link.receive()
        let seq = link.request(.deliverSM, mo("36301111111", "777", "SPORT"))
        let refused = try #require(link.receive())
        #expect(refused.sequence == seq && refused.status == .temporaryAppError)
        // No reply follows a refusal.
        #expect(link.receive(timeout: 0.2) == nil)
        app.stop()
        let store = try app.openStore()
        #expect(try store.write { try $0.subscriptions(of: prepaid) }.isEmpty)
        #expect(try store.write { try $0.subscriber(prepaid) }?.balance == 5_000)
        #expect(try store.auditEntries(msisdn: "36301111111").isEmpty)
    }

    @Test func unreadableMOsAreRefusedWithTheStatusThatSaysWhyAndChangeNothing() throws {
        let (app, link, _) = try bound()
        let badSource = link.request(.deliverSM, mo("not-a-number", "1730", "x"))
        let binary = link.request(.deliverSM, mo("36301111111", "777", "SPORT", coding: 4))
        let badDestination = link.request(.deliverSM, mo("36301111111", "17x0", "SPORT"))
        var oddUCS2 = ShortMessage(source: .international("36301111111"), destination: .shortCode("777"), dataCoding: 8,
                                   shortMessage: [0x00, 0x53, 0x00])
        oddUCS2.esmClass = 0
        let odd = link.request(.deliverSM, .message(oddUCS2))
        let statuses = Dictionary(uniqueKeysWithValues: [link.receive(), link.receive(), link.receive(), link.receive()]
            .compactMap { $0 }.map { ($0.sequence, $0.status) })
        #expect(statuses[badSource] == .invalidSourceAddress)
        #expect(statuses[binary] == .permanentAppError)
        #expect(statuses[badDestination] == .invalidDestinationAddress)
        #expect(statuses[odd] == .permanentAppError)
        app.stop()
        let store = try app.openStore()
        #expect(try store.auditEntries(msisdn: "36301111111").isEmpty)
        #expect(try store.write { try $0.subscriptions(of: prepaid) }.isEmpty)
    }

    @Test func malformedAndUnknownPDUsGetGenericNackAndTheLinkStays() throws {
        let (app, link, _) = try bound()
        defer { app.stop() }
        try link.write(hex("00000010 00000099 00000000 00000077"))          // unknown command
        let nack = try #require(link.receive())
        #expect(nack.command == .genericNack && nack.status == .invalidCommandID && nack.sequence == 0x77)
        // A deliver_sm whose TLV runs past the end.
        var bytes = PDU(command: .deliverSM, sequence: 0x78, body: mo("36302222222", "1730", "balance")).encoded() + hex("0501 0009 01")
        bytes[3] = UInt8(bytes.count)
        try link.write(bytes)
        let overrun = try #require(link.receive())
        #expect(overrun.command == .genericNack && overrun.status == .invalidOptionalParameterStream && overrun.sequence == 0x78)
        // Still bound: enquire_link is answered.
        let seq = link.request(.enquireLink)
        let answer = try #require(link.receive())
        #expect(answer.command == .enquireLinkResp && answer.sequence == seq)
    }

    @Test func aBrokenFrameDropsTheLinkWhichComesBack() throws {
        let (app, link, smsc) = try bound()
        try link.write(hex("00000008 00000015"))   // command_length 8: framing is lost
        let nack = try #require(link.receive())
        #expect(nack.command == .genericNack && nack.status == .invalidCommandLength)
        #expect(link.closedByGateway())
        let again = try #require(smsc.accept(app, timeout: 5))
        #expect(again.acceptBind() != nil)
    }

    @Test func theSMSCsUnbindIsAnsweredAndTheLinkReconnects() throws {
        let (app, link, smsc) = try bound()
        let seq = link.request(.unbind)
        let resp = try #require(link.receive())
        #expect(resp.command == .unbindResp && resp.sequence == seq)
        #expect(link.closedByGateway())
        let again = try #require(smsc.accept(app, timeout: 5))
        #expect(again.acceptBind()?.systemID == "selfcare")
    }

    @Test func aRefusedBindIsRetriedLater() throws {
        let smsc = try TestSMSC()
        let app = try TestGateway(smsc: [smsc.link { $0.reconnectDelay = 0.1 }])
        let link = try #require(smsc.accept(app))
        let bind = try #require(link.receive())
        link.send(PDU(command: .bindTransceiverResp, status: .invalidPassword, sequence: bind.sequence))
        #expect(link.closedByGateway())
        #expect(app.gateway.smscLinks[0].stats.bindFailures == 1)
        let again = try #require(smsc.accept(app))
        #expect(again.acceptBind() != nil)
    }

    @Test func throttledRepliesAreSentAgainAndTheWindowHoldsTheRest() throws {
        let (app, link, _) = try bound { $0.window = 1 }
        // Two texts: the same one twice would be taken for a redelivery.
        link.request(.deliverSM, mo("36302222222", "1730", "balance"))
        link.request(.deliverSM, mo("36302222222", "1730", "BALANCE"))
        var submits: [PDU] = []
        while submits.isEmpty, let pdu = link.receive() { if pdu.command == .submitSM { submits.append(pdu) } }
        // Window 1: the second reply waits for the first's response.
        while let pdu = link.receive(timeout: 0.2) { if pdu.command == .submitSM { submits.append(pdu) } }
        #expect(submits.count == 1)
        link.send(submits[0].response(.throttled))
        // Sent again (new sequence number, same message) after the pause.
        let again = try #require(link.receive(timeout: 3))
        #expect(again.command == .submitSM && again.body == submits[0].body && again.sequence != submits[0].sequence)
        link.send(again.response())
        let second = try #require(link.receive())
        #expect(second.command == .submitSM)
        link.send(second.response())
        #expect(app.run(until: { app.gateway.smscLinks[0].stats.submits == 2 }))
        #expect(app.gateway.smscLinks[0].stats.throttled == 1)
    }

    @Test func aUSSDDialogueRunsOverSMPP() throws {
        let (app, link, _) = try bound()
        func ussd(_ text: String, op: UInt8, session: [UInt8] = [0x2A, 0x00]) -> PDU.Body {
            var m = ShortMessage(source: .international("36301111111"), destination: .shortCode("1412"),
                                 shortMessage: Array(text.utf8))
            m.serviceType = "USSD"
            m.tlvs = [TLV(.ussdServiceOp, byte: op), TLV(.itsSessionInfo, session)]
            return .message(m)
        }
        func screen() throws -> ShortMessage {
            #expect(link.receive()?.status == .ok)
            let pdu = try #require(link.receive())
            guard case .message(let m) = pdu.body else { throw TestFailure() }
            link.send(pdu.response())
            return m
        }
        link.request(.deliverSM, ussd("*1412#", op: 1))
        let main = try screen()
        #expect(text(main)?.hasPrefix("Telekom 1412\n") == true)
        #expect(main.tlvs.first(.ussdServiceOp)?.value == [2])             // USSR request: waits for an answer
        #expect(main.tlvs.first(.itsSessionInfo)?.value == [0x2A, 0x02])   // same session, sequence 1, not ended
        #expect(main.serviceType == "USSD")
        link.request(.deliverSM, ussd("5", op: 18, session: [0x2A, 0x02]))
        let five = try screen()
        #expect(five.tlvs.first(.ussdServiceOp)?.value == [2])
        // The subscriber hangs up: the dialogue is gone, an answer now opens nothing.
        link.request(.deliverSM, ussd("", op: 0x81))
        #expect(link.receive()?.status == .ok)
        #expect(app.run(until: { app.gateway.pipeline.dialogues.dialogue(for: prepaid, now: app.loop.now) == nil }))
        // An MMI code ends at once: PSSR response, end-of-session bit set.
        link.request(.deliverSM, ussd("*#21#", op: 1, session: [0x2B, 0x00]))
        let mmi = try screen()
        #expect(mmi.tlvs.first(.ussdServiceOp)?.value == [17])
        #expect(mmi.tlvs.first(.itsSessionInfo)?.value == [0x2B, 0x03])
    }

    @Test func aStoppingGatewaySendsItsRepliesThenUnbinds() throws {
        let (app, link, _) = try bound()
        link.request(.deliverSM, mo("36302222222", "1730", "balance"))
        #expect(link.receive()?.status == .ok)
        let reply = try #require(link.receive())
        link.send(reply.response())
        // stop() runs the shutdown; the SMSC answers the unbind from a second thread-free
        // step: the link gives up waiting after 2 s, and the connection is closed.
        app.stop()
        var seen: [CommandID] = []
        while let pdu = link.receive(timeout: 0.5) { seen.append(pdu.command) }
        #expect(seen == [.unbind])
    }
}

struct TestFailure: Error {}

/// A gateway whose link is bound to a test SMSC (which accepted the bind).
func boundToTestSMSC(failEveryNthCommit: Int? = nil,
                     _ adjust: (inout SMPPLinkConfig) -> Void = { _ in }) throws -> (TestGateway, TestSMSCConnection, TestSMSC) {
    let smsc = try TestSMSC()
    // Short grace: a test's SMSC seldom answers the unbind of the shutdown.
    let app = try TestGateway(failEveryNthCommit: failEveryNthCommit, smsc: [smsc.link(adjust)]) { line, _ in
        line.shutdownGrace = 0.3
    }
    let link = try #require(smsc.accept(app))
    _ = try #require(link.acceptBind())
    #expect(app.run(until: { app.gateway.smscLinks[0].state == .bound }))
    return (app, link, smsc)
}

func hex(_ s: String) -> [UInt8] {
    let digits = Array(s.filter { !$0.isWhitespace })
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
}

/// An MO the SMSC delivers again (its deliver_sm_resp was lost) is answered, not run twice.
@Suite("SMPP duplicates, in process")
struct SMPPDuplicateInProcessTests {
    let prepaid = MSISDN(canonical: "36301111111")

    func mo(_ text: String, tlvs: [TLV] = []) -> PDU.Body {
        .message(ShortMessage(source: .international("36301111111"), destination: .shortCode("0690123456"),
                              shortMessage: Array(text.utf8), tlvs: tlvs))
    }

    func start(failEveryNthCommit: Int? = nil, _ adjust: (inout SMPPLinkConfig) -> Void = { _ in }) throws
        -> (TestGateway, TestSMSCConnection) {
        let (app, link, _) = try boundToTestSMSC(failEveryNthCommit: failEveryNthCommit, adjust)
        return (app, link)
    }

    /// The premium MO charges: a second run would show in the balance.
    func balance(_ app: TestGateway) throws -> Int64? {
        try app.openStore().write { try $0.subscriber(prepaid) }?.balance
    }

    @Test func aRedeliveryAfterTheCommitIsAnsweredAndChargesNothing() throws {
        let (app, link) = try start()
        link.request(.deliverSM, mo("VOTE"))
        #expect(link.receive()?.status == .ok)
        let reply = try #require(link.receive())
        link.send(reply.response())
        let before = try balance(app)
        // The SMSC lost our answer and delivers the same MO again, with a new sequence.
        let again = link.request(.deliverSM, mo("VOTE"))
        let resp = try #require(link.receive())
        #expect(resp.command == .deliverSMResp && resp.sequence == again && resp.status == .ok)
        // The same reply again, no second charge.
        let again2 = try #require(link.receive())
        #expect(again2.command == .submitSM && again2.body == reply.body)
        link.send(again2.response())
        #expect(link.receive(timeout: 0.3) == nil)
        #expect(app.gateway.smscLinks[0].stats.duplicates == 1)
        app.stop()
        #expect(try balance(app) == before)
        #expect(try app.openStore().auditEntries(msisdn: "36301111111").count == 1)
    }

    /// The duplicate memory outlives the process: the store keeps each MO that ran, and a
    /// restarted gateway answers the SMSC's redelivery from it (issue 16).
    @Test func aRedeliveryAfterARestartIsAnsweredAndChargesNothing() throws {
        let (app, link, smsc) = try boundToTestSMSC()
        link.request(.deliverSM, mo("VOTE 1"))
        #expect(link.receive()?.status == .ok)
        let reply = try #require(link.receive())
        link.send(reply.response())
        app.stop()   // as a crash would, for the memory: it lived in the process
        let before = try balance(app)

        let again = try TestGateway(smsc: [smsc.link()], restarting: app) { line, _ in line.shutdownGrace = 0.3 }
        let relink = try #require(smsc.accept(again))
        _ = try #require(relink.acceptBind())
        let sequence = relink.request(.deliverSM, mo("VOTE 1"))
        let resp = try #require(relink.receive())
        #expect(resp.command == .deliverSMResp && resp.sequence == sequence && resp.status == .ok)
        let replyAgain = try #require(relink.receive())
        #expect(replyAgain.command == .submitSM && replyAgain.body == reply.body)
        relink.send(replyAgain.response())
        // Another text is another MO: it runs.
        relink.request(.deliverSM, mo("VOTE 2"))
        #expect(relink.receive()?.status == .ok)
        again.stop()
        #expect(again.gateway.smscLinks[0].stats.duplicates == 1)
        #expect(try balance(again) == before.map { $0 - 300 })
    }

    @Test func aCopyArrivingWhileTheOriginalRunsGetsItsAnswer() throws {
        let (app, link) = try start()
        let first = link.request(.deliverSM, mo("VOTE"))
        let copy = link.request(.deliverSM, mo("VOTE"))
        var resps: [UInt32] = []
        var replies = 0
        while let pdu = link.receive(timeout: 0.5) {
            if pdu.command == .deliverSMResp, pdu.status == .ok { resps.append(pdu.sequence) }
            if pdu.command == .submitSM { replies += 1; link.send(pdu.response()) }
        }
        #expect(Set(resps) == [first, copy])
        // (A copy waiting for its original gets the answer; the original's reply is the one.)
        #expect(replies == 1)
        app.stop()
        #expect(try app.openStore().auditEntries(msisdn: "36301111111").count == 1)
    }

    @Test func theSMSCsMOIdentifierDecidesWhenTheProfileNamesIt() throws {
        var profile = SMPPProfile.standard
        profile.moIDTag = 0x1401
        let (app, link) = try start { $0.profile = profile }
        // Two different MOs (ids 1 and 2) with the same text both run; id 1 again does not.
        for id: UInt8 in [1, 2, 1] {
            link.request(.deliverSM, mo("VOTE", tlvs: [TLV(TLV.Tag(0x1401), [id])]))
            #expect(link.receive()?.status == .ok)
            let reply = try #require(link.receive())
            link.send(reply.response())
        }
        #expect(app.run(until: { app.gateway.smscLinks[0].stats.duplicates == 1 }))
        app.stop()
        #expect(try app.openStore().auditEntries(msisdn: "36301111111").count == 2)
    }

    @Test func withDedupeOffARedeliveryRunsAgain() throws {
        let (app, link) = try start { $0.dedupeWindow = 0 }
        for _ in 0..<2 {
            link.request(.deliverSM, mo("VOTE"))
            #expect(link.receive()?.status == .ok)
            link.send(try #require(link.receive()).response())
        }
        app.stop()
        #expect(try app.openStore().auditEntries(msisdn: "36301111111").count == 2)
    }

    @Test func anMOWhoseCommitFailedRunsWhenDeliveredAgain() throws {
        // Every 2nd transaction fails: the balance query commits, the first VOTE fails.
        let (app, link) = try start(failEveryNthCommit: 2)
        link.request(.deliverSM, .message(ShortMessage(source: .international("36302222222"), destination: .shortCode("1730"),
                                                       shortMessage: Array("balance".utf8))))
        #expect(link.receive()?.status == .ok)
        link.send(try #require(link.receive()).response())
        let before = try balance(app)
        link.request(.deliverSM, mo("VOTE"))
        #expect(link.receive()?.status == .temporaryAppError)
        // Delivered again: nothing of the first was kept, so it runs (and charges) now.
        link.request(.deliverSM, mo("VOTE"))
        #expect(link.receive()?.status == .ok)
        link.send(try #require(link.receive()).response())
        app.stop()
        let after = try balance(app)
        #expect(after != nil && before != nil && after! < before!)
        #expect(try app.openStore().auditEntries(msisdn: "36301111111").count == 1)
        #expect(app.gateway.smscLinks[0].stats.duplicates == 0)
    }
}

/// Without a sendsms URL the first link carries the outbox: submit_sm with a receipt
/// requested, the row marked once the SMSC took it.
@Suite("The outbox over an SMPP link, in process")
struct SMPPOutboxInProcessTests {
    @Test func aCallMeBackGoesOutAsSubmitSMAndIsMarkedOnceTaken() throws {
        let (app, link, _) = try boundToTestSMSC()
        // A call-me-back request queues an SMS to the other subscriber.
        link.request(.deliverSM, .message(ShortMessage(source: .international("36301111111"), destination: .shortCode("1430"),
                                                       shortMessage: Array("HIVJ 06-30-222-2222".utf8))))
        var outbox: PDU?
        var seen = 0
        while outbox == nil, seen < 6, let pdu = link.receive() {
            seen += 1
            if pdu.command == .submitSM, case .message(let m) = pdu.body, m.destination.value == "36302222222" {
                outbox = pdu
            } else if pdu.command == .submitSM {
                link.send(pdu.response(messageID: "reply"))
            }
        }
        let sent = try #require(outbox)
        guard case .message(let m) = sent.body else { Issue.record("no body"); return }
        #expect(m.registeredDelivery == 1)
        // From the subscriber who asked (a full number: TON 1, NPI 1).
        #expect(m.source == .international("36301111111"), "\(m.source)")
        #expect(String(decoding: m.shortMessage, as: UTF8.self).contains("36301111111"))
        // Not taken yet: still pending.
        #expect(try app.openStore().write { try $0.pendingOutbox(recipient: MSISDN(canonical: "36302222222"), limit: 10) }.count == 1)
        link.send(sent.response(messageID: "smsc-42"))
        #expect(app.run(until: {
            (try? app.openStore().write { try $0.pendingOutbox(recipient: MSISDN(canonical: "36302222222"), limit: 10) }.isEmpty) == true
        }))
        // The receipt is answered once recorded on the message, with an audit row.
        var receipt = ShortMessage(source: .international("36302222222"), destination: m.source,
                                   shortMessage: Array("id:SMSC-42 sub:001 dlvrd:001 submit date:2612031200 done date:2612031201 stat:DELIVRD err:000 text:".utf8))
        receipt.esmClass = 0x04
        let seq = link.request(.deliverSM, .message(receipt))
        let resp = try #require(link.receive())
        #expect(resp.sequence == seq && resp.status == .ok)
        #expect(try outboxReceipts(app) == ["DELIVRD 0"])
        // Again (a receipt whose resp was lost): answered, nothing awaits it any more.
        let again = link.request(.deliverSM, .message(receipt))
        #expect(try #require(link.receive()).sequence == again)
        let stats = app.gateway.smscLinks[0].stats
        #expect(stats.receipts == 2 && stats.receiptsFailed == 0 && stats.receiptsUnmatched == 1)
        app.stop()
        let audit = try app.openStore().auditEntries(msisdn: "36302222222")
        #expect(audit.contains { $0.request.hasPrefix("SENDSMS") && $0.channel == "smpp" && $0.outcome == "ok: accepted by smpp test-smsc" })
        #expect(audit.filter { $0.request.hasPrefix("RECEIPT") }.map { "\($0.request) \($0.outcome)" }
                == ["RECEIPT 1 SMSC-42 DELIVRD ok: delivered"])
    }

    /// The receipt state of every outbox row: `<state> <failed>`.
    func outboxReceipts(_ app: TestGateway) throws -> [String] {
        try app.openStore().read { db in
            try Row.fetchAll(db, sql: "SELECT receipt, failed FROM outbox ORDER BY id")
                .map { "\(($0[0] as String?) ?? "-") \($0[1] as Int64)" }
        }
    }

    @Test func aFailedReceiptMarksTheMessageFailedInTheStoreAndMetrics() throws {
        let (app, link, _) = try boundToTestSMSC()
        link.request(.deliverSM, .message(ShortMessage(source: .international("36301111111"), destination: .shortCode("1430"),
                                                       shortMessage: Array("HIVJ 06-30-222-2222".utf8))))
        var seen = 0, sent = false
        while !sent, seen < 6, let pdu = link.receive() {
            seen += 1
            guard pdu.command == .submitSM, case .message(let m) = pdu.body else { continue }
            sent = m.destination.value == "36302222222"
            // The SMSC gives ids in hex; its receipts name them in decimal.
            link.send(pdu.response(messageID: sent ? "1F4" : "reply"))
        }
        #expect(sent)
        #expect(app.run(until: { app.gateway.pusher?.stats.delivered == 1 }))
        var receipt = ShortMessage(source: .international("36302222222"), destination: .international("36301111111"))
        receipt.esmClass = 0x04
        receipt.tlvs = [TLV(.receiptedMessageID, Array("500\0".utf8)), TLV(.messageState, byte: 5)]
        link.request(.deliverSM, .message(receipt))
        #expect(try #require(link.receive()).status == .ok)
        #expect(try outboxReceipts(app) == ["UNDELIV 1"])
        #expect(app.gateway.smscLinks[0].stats.receiptsFailed == 1)
        let metrics = try app.http("GET", "/metrics").text
        #expect(metrics.contains("selfcare_outbox_failed 1.0\n"))
        #expect(metrics.contains("selfcare_smpp_receipts_total{link=\"test-smsc\",state=\"failed\"} 1\n"))
        // A receipt without a state, and one for nobody's message: answered, nothing changes.
        var bare = ShortMessage(source: .international("36302222222"), destination: .international("36301111111"),
                                shortMessage: Array("id:1F4 err:000".utf8))
        bare.esmClass = 0x04
        link.request(.deliverSM, .message(bare))
        #expect(try #require(link.receive()).status == .ok)
        receipt.tlvs = [TLV(.receiptedMessageID, Array("nobody\0".utf8)), TLV(.messageState, byte: 2)]
        link.request(.deliverSM, .message(receipt))
        #expect(try #require(link.receive()).status == .ok)
        #expect(try outboxReceipts(app) == ["UNDELIV 1"])
        #expect(app.gateway.smscLinks[0].stats.receiptsUnmatched == 2)
    }

    @Test func aMessageTheSMSCRefusesStaysPending() throws {
        let (app, link, _) = try boundToTestSMSC()
        link.request(.deliverSM, .message(ShortMessage(source: .international("36301111111"), destination: .shortCode("1430"),
                                                       shortMessage: Array("HIVJ 06-30-222-2222".utf8))))
        var refused = false
        var seen = 0
        while !refused, seen < 6, let pdu = link.receive() {
            seen += 1
            guard pdu.command == .submitSM, case .message(let m) = pdu.body else { continue }
            if m.destination.value == "36302222222" {
                link.send(pdu.response(.permanentAppError))
                refused = true
            } else {
                link.send(pdu.response(messageID: "reply"))
            }
        }
        #expect(refused)
        #expect(app.run(until: { app.gateway.pusher?.stats.failures == 1 }))
        app.stop()
        #expect(try app.openStore().write { try $0.pendingOutbox(recipient: MSISDN(canonical: "36302222222"), limit: 10) }.count == 1)
    }
}

/// `bind=pair`: MOs on a receiver bind, their replies on a transmitter bind.
@Suite("SMPP link as a receiver and transmitter pair, in process")
struct SMPPPairInProcessTests {
    @Test func anMOComesOnTheReceiverAndItsReplyLeavesOnTheTransmitter() throws {
        let smsc = try TestSMSC()
        let app = try TestGateway(smsc: [smsc.link { $0.pair = true }]) { line, _ in line.shutdownGrace = 0.3 }
        var binds: [CommandID: TestSMSCConnection] = [:]
        for _ in 0..<2 {
            let connection = try #require(smsc.accept(app))
            let bind = try #require(connection.receive())
            connection.send(PDU(command: bind.command.response, sequence: bind.sequence,
                                body: .bindResponse(systemID: "TESTSMSC", tlvs: [])))
            binds[bind.command] = connection
        }
        let rx = try #require(binds[.bindReceiver])
        let tx = try #require(binds[.bindTransmitter])
        #expect(app.run(until: { app.gateway.smscLinks.allSatisfy { $0.state == .bound } }))
        let seq = rx.request(.deliverSM, .message(ShortMessage(source: .international("36302222222"), destination: .shortCode("1730"),
                                                               shortMessage: Array("balance".utf8))))
        let resp = try #require(rx.receive())
        #expect(resp.command == .deliverSMResp && resp.sequence == seq && resp.status == .ok)
        let reply = try #require(tx.receive())
        #expect(reply.command == .submitSM)
        guard case .message(let m) = reply.body else { Issue.record("no body"); return }
        #expect(m.destination.value == "36302222222")
        tx.send(reply.response())
        // Nothing else on the receiver.
        #expect(rx.receive(timeout: 0.2) == nil)
        #expect(app.run(until: { app.gateway.smscLinks.first { $0.role == .transmitter }?.stats.submits == 1 }))
        app.stop()
        #expect(try app.openStore().auditEntries(msisdn: "36302222222").first?.account == "test-smsc")
    }
}
