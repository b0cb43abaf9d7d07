import Gateway
import GatewayTesting
import Model
import Numbering
import SMPP
import Store
import Testing

/// The SMPP server role in process: the test plays an ESME (a test tool, an aggregator)
/// bound to the gateway, against the real pipeline, engine and a temporary store.
@Suite("SMPP server, in process")
struct SMPPServerInProcessTests {
    func app(failEveryNthCommit: Int? = nil) throws -> TestGateway {
        try TestGateway(failEveryNthCommit: failEveryNthCommit, smpp: true) { line, _ in line.shutdownGrace = 0.3 }
    }

    func bind(_ esme: TestSMSCConnection, _ command: CommandID = .bindTransceiver, name: String = "simulator",
              password: String = "simulator") -> PDU? {
        let seq = esme.request(command, .bind(Bind(systemID: name, password: password)))
        let resp = esme.receive()
        #expect(resp?.sequence == seq && resp?.command == command.response)
        return resp
    }

    func mo(_ from: String, _ to: String, _ text: String) -> PDU.Body {
        .message(ShortMessage(source: .international(from), destination: .shortCode(to), shortMessage: Array(text.utf8)))
    }

    @Test func aNetworkAccountBindsAndItsMOIsAnsweredThenRepliedTo() throws {
        let app = try app()
        let esme = try app.smppClient()
        let bound = try #require(bind(esme))
        #expect(bound.status == .ok && bound.body == .bindResponse(systemID: "selfcare", tlvs: [TLV(.scInterfaceVersion, byte: 0x34)]))
        let seq = esme.request(.submitSM, mo("36302222222", "1730", "balance"))
        let resp = try #require(esme.receive())
        #expect(resp.command == .submitSMResp && resp.sequence == seq && resp.status == .ok)
        guard case .messageResponse(let id, _) = resp.body else { Issue.record("no message id"); return }
        #expect(!id.isEmpty)
        let reply = try #require(esme.receive())
        #expect(reply.command == .deliverSM)
        guard case .message(let m) = reply.body else { Issue.record("no body"); return }
        #expect(m.source.value == "1730" && m.destination.value == "36302222222")
        #expect(String(decoding: m.shortMessage, as: UTF8.self).hasPrefix("Unbilled this month: 3 450 Ft."))
        esme.send(reply.response())
        #expect(app.run(until: { app.gateway.smppServer?.stats.replies == 1 }))
        app.stop()
        let audit = try app.openStore().auditEntries(msisdn: "36302222222")
        #expect(audit.map(\.channel) == ["smpp"] && audit.first?.account == "simulator")
    }

    @Test func theOutboxGoesToTheBindWhoseAddressRangeTakesTheNumber() throws {
        let app = try app()
        let caller = try app.smppClient()
        #expect(bind(caller)?.status == .ok)
        // Binds for 3630222…: one that will drop, and one with a bad range (bound, no outbox).
        let first = try app.smppClient()
        let range = Bind(systemID: "simulator", password: "simulator", addressRange: Address("^3630222"))
        #expect(first.request(.bindReceiver, .bind(range)) > 0 && first.receive()?.status == .ok)
        let bad = try app.smppClient()
        var badRange = range
        badRange.addressRange = Address("([")
        #expect(bad.request(.bindReceiver, .bind(badRange)) > 0 && bad.receive()?.status == .ok)
        // A call-me-back request queues an SMS to 36302222222.
        caller.request(.submitSM, mo("36301111111", "1430", "HIVJ 06-30-222-2222"))
        #expect(caller.receive()?.command == .submitSMResp)
        let reply = try #require(caller.receive())
        #expect(reply.command == .deliverSM)
        caller.send(reply.response())
        let sent = try #require(first.receive())
        guard case .message(let m) = sent.body else { Issue.record("no body"); return }
        #expect(sent.command == .deliverSM && m.destination.value == "36302222222" && m.source == .international("36301111111"))
        #expect(String(decoding: m.shortMessage, as: UTF8.self).contains("36301111111"))
        // The bind goes before it answers: the message stays pending ...
        first.shutdownWrite()
        #expect(first.closedByGateway())
        #expect(try pending(app) == 1)
        // ... and goes to the next bind that takes the number, here written with a `+`.
        let second = try app.smppClient()
        var plus = range
        plus.addressRange = Address("^\\+36302")
        #expect(second.request(.bindTransceiver, .bind(plus)) > 0 && second.receive()?.status == .ok)
        let again = try #require(second.receive(timeout: 10))
        guard case .message(let m2) = again.body else { Issue.record("no body"); return }
        #expect(again.command == .deliverSM && m2.destination.value == "36302222222")
        #expect(try pending(app) == 1)
        second.send(again.response())
        #expect(app.run(until: { (try? pending(app)) == 0 }))
        // Neither the caller's bind (no range) nor the bad one got it.
        #expect(caller.receive(timeout: 0.2) == nil && bad.receive(timeout: 0.2) == nil)
        app.stop()
        let audit = try app.openStore().auditEntries(msisdn: "36302222222")
        #expect(audit.filter { $0.request.hasPrefix("SENDSMS") }.map { "\($0.channel) \($0.outcome)" }
                == ["smpp ok: accepted by smpp server simulator"])
    }

    func pending(_ app: TestGateway) throws -> Int {
        try app.openStore().write { try $0.pendingOutboxCount() }
    }

    @Test func wrongCredentialsAndOperatorAccountsAreRefusedSlowly() throws {
        let app = try app()
        let esme = try app.smppClient()
        let started = app.loop.now
        #expect(bind(esme, password: "wrong")?.status == .bindFailed)
        #expect(app.loop.now - started >= 0.9, "the refusal waits like a failed AUTH")
        // An operator account may not bind: SMPP carries subscribers' traffic.
        let other = try app.smppClient()
        #expect(bind(other, name: "ops", password: "ops")?.status == .bindFailed)
        // Not bound: a submit_sm is refused and runs nothing.
        let seq = esme.request(.submitSM, mo("36301111111", "777", "SPORT"))
        let refused = try #require(esme.receive())
        #expect(refused.sequence == seq && refused.status == .invalidBindStatus)
        app.stop()
        let store = try app.openStore()
        #expect(try store.write { try $0.subscriptions(of: MSISDN(canonical: "36301111111")) }.isEmpty)
    }

    /// An ESME that submits an MO again (its submit_sm_resp was lost) gets the first
    /// answer and reply; the MO is charged once.
    @Test func anMOSubmittedAgainIsAnsweredLikeTheFirstAndChargedOnce() throws {
        let app = try app()
        let charges = {
            try app.openStore().write { tx in try tx.subscriber(MSISDN(canonical: "36301111111"))?.balance }
        }
        let before = try charges()
        let esme = try app.smppClient()
        #expect(bind(esme)?.status == .ok)
        var texts: [String] = []
        for _ in 0..<2 {
            esme.request(.submitSM, mo("36301111111", "0690123456", "VOTE 1"))
            var seen = 0
            while seen < 2, let pdu = esme.receive() {
                seen += 1
                if pdu.command == .submitSMResp { #expect(pdu.status == .ok) }
                if pdu.command == .deliverSM, case .message(let m) = pdu.body {
                    texts.append(String(decoding: m.shortMessage, as: UTF8.self))
                    esme.send(pdu.response())
                }
            }
        }
        #expect(texts.count == 2 && texts[0] == texts[1], "\(texts)")
        #expect(app.gateway.smppServer?.stats.duplicates == 1 && app.gateway.smppServer?.stats.mo == 1)
        app.stop()
        #expect(try charges() == before.map { $0 - 300 })
    }

    /// Issue 17: failures on the line protocol lock the address for SMPP binds too.
    @Test func anAddressLockedAfterLineFailuresCannotBindEither() throws {
        let app = try TestGateway(smpp: true) { line, _ in
            line.shutdownGrace = 0.3
            line.loginThrottle = LoginThrottle.Policy(freeAddressFailures: 1)
        }
        for _ in 0..<2 {
            let guesser = try app.lineClient()
            #expect(try guesser.send("AUTH simulator guess") == ["535 Authentication failed"])
        }
        let esme = try app.smppClient()
        #expect(bind(esme)?.status == .bindFailed, "the right password, refused while the address is locked")
        #expect(app.gateway.smppServer?.stats.binds == 0)
    }

    @Test func aTransmitterBindsRepliesGoToTheReceiverOfTheSameAccount() throws {
        let app = try app()
        let tx = try app.smppClient()
        let rx = try app.smppClient()
        #expect(bind(tx, .bindTransmitter)?.status == .ok)
        #expect(bind(rx, .bindReceiver)?.status == .ok)
        // A receiver may not submit.
        let nope = rx.request(.submitSM, mo("36302222222", "1730", "balance"))
        #expect(rx.receive()?.sequence == nope)
        tx.request(.submitSM, mo("36302222222", "1730", "balance"))
        #expect(tx.receive()?.status == .ok)
        let reply = try #require(rx.receive())
        #expect(reply.command == .deliverSM)
        rx.send(reply.response())
        #expect(tx.receive(timeout: 0.2) == nil)
    }

    @Test func aFailedCommitIsATemporaryErrorAndNoReply() throws {
        // The bind's password check is transaction 1; the MO's, 2, fails.
        let app = try app(failEveryNthCommit: 2)
        let esme = try app.smppClient()
        #expect(bind(esme)?.status == .ok)
        let seq = esme.request(.submitSM, mo("36301111111", "777", "SPORT"))
        let refused = try #require(esme.receive())
        #expect(refused.sequence == seq && refused.status == .temporaryAppError)
        #expect(esme.receive(timeout: 0.2) == nil)
        app.stop()
        #expect(try app.openStore().write { try $0.subscriptions(of: MSISDN(canonical: "36301111111")) }.isEmpty)
    }

    @Test func ussdWorksInThisDirectionToo() throws {
        let app = try app()
        let esme = try app.smppClient()
        #expect(bind(esme)?.status == .ok)
        var m = ShortMessage(source: .international("36301111111"), destination: .shortCode("1412"),
                             shortMessage: Array("*1412#".utf8))
        m.tlvs = [TLV(.ussdServiceOp, byte: 1), TLV(.itsSessionInfo, [0x05, 0x00])]
        esme.request(.submitSM, .message(m))
        #expect(esme.receive()?.status == .ok)
        guard case .message(let screen) = try #require(esme.receive()).body else { Issue.record("no screen"); return }
        #expect(screen.tlvs.first(.ussdServiceOp)?.value == [2])
        #expect(screen.tlvs.first(.itsSessionInfo)?.value == [0x05, 0x02])
        #expect(String(decoding: screen.shortMessage, as: UTF8.self).hasPrefix("Telekom 1412"))
    }

    @Test func unbindIsAnsweredAndClosesAndShutdownUnbindsTheRest() throws {
        let app = try app()
        let leaving = try app.smppClient()
        #expect(bind(leaving)?.status == .ok)
        let seq = leaving.request(.unbind)
        #expect(leaving.receive()?.command == .unbindResp && true)
        _ = seq
        #expect(leaving.closedByGateway())
        let staying = try app.smppClient()
        #expect(bind(staying)?.status == .ok)
        app.stop()
        var seen: [CommandID] = []
        while let pdu = staying.receive(timeout: 0.5) { seen.append(pdu.command) }
        #expect(seen == [.unbind])
    }

    @Test func aFloodOfSubmitsIsReadAsTheStoreKeepsUpAndAllAreAnswered() throws {
        let app = try app()
        let esme = try app.smppClient()
        #expect(bind(esme)?.status == .ok)
        // More than a bind may have in the pipeline (1 024): written at once.
        var bytes: [UInt8] = []
        for i in 0..<1_500 {
            bytes += PDU(command: .submitSM, sequence: UInt32(10_000 + i), body: mo("36302222222", "1730", "balance \(i)")).encoded()
        }
        try esme.write(bytes)
        var resps = 0, replies = 0
        while resps < 1_500 || replies < 1_500, let pdu = esme.receive(timeout: 10) {
            if pdu.command == .submitSMResp, pdu.status == .ok { resps += 1 }
            if pdu.command == .deliverSM { replies += 1; esme.send(pdu.response()) }
        }
        #expect(resps == 1_500 && replies == 1_500)
    }

    @Test func garbageGetsGenericNackAndABrokenFrameCloses() throws {
        let app = try app()
        let esme = try app.smppClient()
        try esme.write(hex("00000010 00000099 00000000 00000005"))
        let nack = try #require(esme.receive())
        #expect(nack.command == .genericNack && nack.status == .invalidCommandID && nack.sequence == 5)
        try esme.write(hex("00000004"))
        #expect(esme.receive()?.status == .invalidCommandLength)
        #expect(esme.closedByGateway())
        _ = app
    }
}
