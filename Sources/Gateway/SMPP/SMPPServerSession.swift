import Engine
import EventLoop
import Model
import SMPP

/// One ESME's connection to ``SMPPServer``.
final class SMPPServerSession: ConnectionHandler {
    enum State { case open, binding, bound, closing }
    enum Kind { case transceiver, transmitter, receiver }

    let connection: Connection
    unowned let server: SMPPServer
    private(set) var state: State = .open
    private(set) var kind: Kind = .transceiver
    private(set) var account: String?
    private var window: SMPPWindow
    private let frames = FrameDecoder()
    private var bindFailures = 0
    private let connectedAt: Double
    private var reassembly = SMPPReassembly()
    private var concatReference: UInt8 = 0
    /// MOs of this bind in the pipeline. An ESME that submits faster than the store
    /// commits is not read past ``maxRunning`` of them, so it cannot fill our memory.
    private var running = 0
    static let maxRunning = 1024
    /// The numbers whose outbox messages this bind takes (its `address_range`).
    private(set) var addressRange: SMPPAddressRange?
    /// Outbox messages handed to this bind, by the tag of their parts.
    private var outbox = SMPPOutboxSends(carrier: "smpp server")

    init(connection: Connection, server: SMPPServer) {
        self.connection = connection
        self.server = server
        window = SMPPWindow(size: server.config.window)
        connectedAt = server.loop.now
    }

    var canReceive: Bool { state == .bound && kind != .transmitter }
    var canTransmit: Bool { state == .bound && kind != .receiver }
    var hasRepliesToSend: Bool { state == .bound && (window.queued > 0 || window.hasUnanswered(.deliverSM)) }
    /// Whether the outbox message to `recipient` (canonical digits) is routed here.
    func takesOutbox(to recipient: String) -> Bool { canReceive && addressRange?.matches(recipient) == true }
    /// Whether another message fits the window's queue now.
    var hasRoom: Bool { window.queued < window.size }
    var queuedCount: Int { window.queued }

    // MARK: Reading

    func connectionReadable(_ connection: Connection) {
        let (items, lost) = connection.readPDUs(frames)
        for item in items {
            switch item {
            case .pdu(let pdu): handle(pdu)
            case .malformed(let command, let sequence, let error):
                server.count { $0.pdusMalformed += 1 }
                if command.isResponse {
                    _ = window.answered(sequence)
                } else {
                    send(.genericNack(error.status, sequence: sequence))
                }
            }
        }
        if lost != nil {
            server.count { $0.pdusMalformed += 1 }
            send(.genericNack(.invalidCommandLength, sequence: 0))
            close()
        }
    }

    func connectionEnded(_ connection: Connection) { closeNow() }
    func connectionFailed(_ connection: Connection, idle: Bool) { closeNow() }
    func connectionDrained(_ connection: Connection) {}

    private func handle(_ pdu: PDU) {
        if pdu.command.isResponse { return response(pdu) }
        switch pdu.command {
        case .enquireLink:
            send(pdu.response())
        case .unbind:
            send(pdu.response())
            close()
        case .bindTransceiver, .bindTransmitter, .bindReceiver:
            bind(pdu)
        case .submitSM, .dataSM:
            guard canTransmit else { return send(pdu.response(.invalidBindStatus)) }
            // Shutting down: the ESME may submit it again, to the next server.
            guard !server.stopping else { return send(pdu.response(.temporaryAppError)) }
            submitted(pdu)
        default:
            send(.genericNack(.invalidCommandID, sequence: pdu.sequence))
        }
    }

    private func response(_ pdu: PDU) {
        guard let request = window.answered(pdu.sequence) else { return }
        if request.command == .deliverSM {
            if pdu.status == .throttled || pdu.status == .messageQueueFull {
                window.retry(request, now: server.loop.now, pause: 1)
            } else if pdu.status != .ok {
                server.count { $0.repliesUndeliverable += 1 }
                server.logger.info("smpp server: \(account ?? "?") refused a deliver_sm: \(pdu.status)")
                if request.tag != 0 { outbox.answered(request.tag, refusal: "\(pdu.status)", messageID: "") }
            } else {
                server.count { $0.replies += 1 }
                if request.tag != 0 {
                    var id = ""
                    if case .messageResponse(let messageID, _) = pdu.body { id = messageID }
                    outbox.answered(request.tag, refusal: nil, messageID: id)
                }
            }
        } else if request.command == .unbind {
            close()
            return
        }
        flush()
    }

    // MARK: Binding

    private func bind(_ pdu: PDU) {
        guard state == .open, case .bind(let bind) = pdu.body else {
            return send(PDU(command: pdu.command.response, status: .alreadyBound, sequence: pdu.sequence, body: Self.ourID))
        }
        state = .binding
        let name = bind.systemID, password = bind.password
        let kind: Kind = pdu.command == .bindTransmitter ? .transmitter : pdu.command == .bindReceiver ? .receiver : .transceiver
        // Locked after failures (any transport): refused without a look at the store.
        if server.authFailures.lockedFor(source: connection.peerHost, name: name, now: server.loop.now) != nil {
            return refuseBind(pdu, name: name, locked: true)
        }
        server.pipeline.submit(.smpp, work: .custom { batch in
            let context = RequestContext(channel: "smpp", account: name, now: batch.now)
            return .account(try batch.engine.authenticate(account: name, password: password, context, in: batch.tx))
        }) { [weak self] result in
            guard let self, self.state == .binding else { return }
            switch result {
            case .committed(.account(let account?)) where account.role == .network:
                self.state = .bound
                self.kind = kind
                self.account = account.name
                self.server.authFailures.succeeded(source: self.connection.peerHost, name: name)
                self.outbox = SMPPOutboxSends(carrier: "smpp server \(account.name)")
                self.server.count { $0.binds += 1 }
                self.send(PDU(command: pdu.command.response, sequence: pdu.sequence,
                              body: .bindResponse(systemID: "selfcare", tlvs: [TLV(.scInterfaceVersion, byte: 0x34)])))
                var routes = ""
                do {
                    self.addressRange = try SMPPAddressRange(bind.addressRange.value)
                    if let range = self.addressRange, kind != .transmitter { routes = ", outbox for numbers matching \(range.text)" }
                } catch {
                    // Bound all the same: the ESME's MOs and replies work; it gets no outbox.
                    routes = "; \(error), no outbox for this bind"
                }
                self.server.logger.info("smpp server: \(account.name) bound (\(kind)) from \(self.connection.peer)\(routes)")
                if self.addressRange != nil { self.server.outboxBound() }
            case .failed:
                self.state = .open
                self.send(PDU(command: pdu.command.response, status: .systemError, sequence: pdu.sequence, body: Self.ourID))
            default:
                self.refuseBind(pdu, name: name)
            }
        }
    }

    /// A wrong name or password, or an operator account: the refusal comes after 1, 2,
    /// 4 … s (the connection is not read meanwhile), and after too many the connection
    /// is closed.
    private func refuseBind(_ pdu: PDU, name: String, locked: Bool = false) {
        bindFailures += 1
        server.count { $0.bindFailures += 1 }
        if locked {
            server.authFailures.recordLocked(source: connection.peerHost, now: server.loop.now, name: name, channel: "smpp")
        } else {
            server.authFailures.record(source: connection.peerHost, now: server.loop.now, name: name, channel: "smpp")
        }
        connection.setReading(false)
        let delay = Double(1 << min(bindFailures - 1, 6))
        let answer = PDU(command: pdu.command.response, status: .bindFailed, sequence: pdu.sequence, body: Self.ourID)
        let timer = LoopTimer(loop: server.loop) { [weak self] in
            guard let self, self.state == .binding else { return }
            self.pendingRefusal = nil
            self.state = .open
            self.send(answer)
            if self.bindFailures >= self.server.config.maxBindFailures { self.close() } else { self.connection.setReading(true) }
        }
        pendingRefusal = timer
        timer.schedule(after: delay)
    }

    private var pendingRefusal: LoopTimer?

    /// A refused bind's response carries our system_id too: SMPP 3.4 allows leaving the
    /// body out, but Kannel then logs a malformed PDU.
    static let ourID = PDU.Body.bindResponse(systemID: "selfcare", tlvs: [])

    // MARK: MOs

    private func submitted(_ pdu: PDU) {
        let message: ShortMessage
        switch pdu.body {
        case .message(let m): message = m
        case .data(let d): message = d.asShortMessage
        default: return send(pdu.response(.systemError))
        }
        let inbound: SMPPMessages.Inbound
        switch SMPPMessages.read(message, profile: server.profile) {
        case .success(let i): inbound = i
        case .failure(let error):
            server.count { $0.moRefused += 1 }
            return send(pdu.response(error.status))
        }
        switch inbound {
        case .receipt:
            send(pdu.response(messageID: messageID()))
        case .sms(let from, let to, var text, let part):
            var sequences = [pdu.sequence]
            if let part, part.total > 1 {
                guard let whole = reassembly.add(part, text: text, sequence: pdu.sequence, from: from, to: to,
                                                 now: server.loop.now) else { return }
                text = whole.text
                sequences = whole.sequences
            }
            var key: UInt64?
            if server.duplicates.isOn {
                // The account is part of the key: two ESMEs may submit the same MO.
                let k = SMPPDuplicates.key(moID: nil, from: from.digits, to: (account ?? "") + "/" + message.destination.value,
                                           text: text, part: part.map { ($0.reference, $0.total) })
                switch server.duplicates.check(k, tickets: sequences.map(ticket), now: server.loop.now) {
                case .run: key = k
                case .waiting:
                    server.count { $0.duplicates += 1 }
                    return
                case .answered(let replies):
                    // Answered like the first: ESME_ROK and the same reply, nothing run.
                    server.count { $0.duplicates += 1 }
                    for s in sequences { send(PDU(command: pdu.command, sequence: s).response(messageID: messageID())) }
                    concatReference &+= 1
                    let again = SMPPMessages.smsReply(replies, to: message, profile: server.profile, reference: concatReference)
                    if let account, let target = server.receiver(for: account, preferring: self) {
                        for reply in again { target.queue(reply) }
                    }
                    return
                }
            }
            run(.sms(from: from, to: to, text: text), answering: sequences, command: pdu.command, mo: message, ussd: false,
                duplicateKey: key)
        case .ussd(let from, let input, _):
            run(.ussd(from: from, input: input, dialogue: nil), answering: [pdu.sequence], command: pdu.command,
                mo: message, ussd: true)
        case .ussdAbort(let from):
            server.pipeline.submit(.smpp, work: nil) { [weak self] _ in
                guard let self else { return }
                self.server.pipeline.dialogues.release(from, now: self.server.loop.now)
                self.send(pdu.response(messageID: self.messageID()))
            }
        }
    }

    func messageID() -> String {
        server.nextMessageID &+= 1
        return String(server.nextMessageID, radix: 16)
    }

    /// A duplicate's ticket: which bind (connection id), which sequence number.
    private func ticket(_ sequence: UInt32) -> UInt64 { connection.id << 32 | UInt64(sequence) }

    private func run(_ command: Command, answering sequences: [UInt32], command responseTo: CommandID, mo: ShortMessage,
                     ussd: Bool, duplicateKey: UInt64? = nil) {
        server.count { $0.mo += 1 }
        running += 1
        if running >= SMPPServerSession.maxRunning { connection.setReading(false) }
        let work = duplicateKey.map { StoreWork.command(command, channel: "smpp", account: account, remember: $0,
                                                        in: SMPPServer.rememberScope) }
            ?? StoreWork.command(command, channel: "smpp", account: account)
        let server = self.server
        server.pipeline.submit(.smpp, work: work) { [weak self] result in
            var outcome: Outcome?
            let status: CommandStatus
            switch result {
            case .committed(.outcome(let o)):
                status = .ok
                outcome = o
            case .failed: status = .temporaryAppError
            default: status = .systemError
            }
            // Copies submitted while this one ran get its answer, on their own binds if
            // those are still there (whether or not this bind is).
            if let duplicateKey {
                let waiting = status == .ok
                    ? server.duplicates.committed(duplicateKey, replies: outcome?.replyParts ?? [], now: server.loop.now)
                    : server.duplicates.failed(duplicateKey)
                for ticket in waiting {
                    guard let owner = server.session(ofTicket: ticket) else { continue }
                    let request = PDU(command: responseTo, sequence: UInt32(truncatingIfNeeded: ticket))
                    owner.send(status == .ok ? request.response(messageID: owner.messageID()) : request.response(status))
                }
            }
            guard let self else { return }
            self.running -= 1
            if self.running == SMPPServerSession.maxRunning / 2, self.state == .bound, !self.server.stopping {
                self.connection.setReading(true)
            }
            guard self.state == .bound || self.state == .closing else { return }
            var replies: [ShortMessage] = []
            if let outcome {
                self.concatReference &+= 1
                replies = SMPPMessages.replies(to: outcome, ussd: ussd, mo: mo, profile: self.server.profile,
                                               reference: self.concatReference).messages
            }
            for sequence in sequences {
                let request = PDU(command: responseTo, sequence: sequence)
                self.send(status == .ok ? request.response(messageID: self.messageID()) : request.response(status))
            }
            guard !replies.isEmpty else { return }
            guard let account = self.account, let target = self.server.receiver(for: account, preferring: self) else {
                self.server.count { $0.repliesUndeliverable += replies.count }
                return
            }
            for reply in replies { target.queue(reply) }
        }
    }

    func queue(_ reply: ShortMessage) {
        window.enqueue(PDU(command: .deliverSM, sequence: 0, body: .message(reply)))
        flush()
    }

    /// Queues an outbox message as `deliver_sm` parts; `done` gets the verdict once the
    /// ESME answered every part (or `.down` if the bind goes first).
    func sendOutbox(_ message: OutboxMessage, done: @escaping (OutboxCarrierVerdict) -> Void) -> Bool {
        guard canReceive, hasRoom else { return false }
        concatReference &+= 1
        let parts = SMPPMessages.outboxParts(message, profile: server.profile, reference: concatReference)
        guard !parts.isEmpty else { return false }
        let tag = outbox.add(parts: parts.count, done: done)
        for part in parts { window.enqueue(PDU(command: .deliverSM, sequence: 0, body: .message(part)), tag: tag) }
        flush()
        return true
    }

    // MARK: Writing and closing

    private func flush() {
        guard canReceive else { return }
        window.sendDue(now: server.loop.now) { connection.write($0) }
    }

    func send(_ pdu: PDU) {
        guard state != .closing || pdu.command.isResponse || pdu.command == .unbind else { return }
        connection.write(pdu.encoded())
    }

    func checkTimeouts(now: Double) {
        if state == .open || state == .binding, pendingRefusal == nil, now - connectedAt > server.config.bindTimeout {
            return close()
        }
        for sequences in reassembly.expire(now: now, after: 60) {
            // The rest of a long MO never came: the ESME is told to try again.
            for s in sequences { send(PDU(command: .submitSM, sequence: s).response(.temporaryAppError)) }
        }
        if let oldest = window.oldest, now - oldest.sentAt > server.config.responseTimeout {
            server.logger.warning("smpp server: \(account ?? "?") left \(oldest.command) unanswered; closing")
            return close()
        }
        flush()
    }


    func unbind() {
        guard state == .bound else { return close() }
        let pdu = PDU(command: .unbind, sequence: window.sequence())
        window.track(pdu, now: server.loop.now)
        connection.setReading(true)   // for the unbind_resp
        send(pdu)
        state = .closing
    }

    /// Sends what was written, then closes.
    func close() {
        guard state != .closing || connection.handler != nil else { return }
        state = .closing
        outbox.lost("the bind closed")
        connection.closeGracefully(within: 2, loop: server.loop) { [weak self] in
            guard let self else { return }
            self.server.forget(self)
        }
    }

    func closeNow() {
        state = .closing
        pendingRefusal?.cancel()
        outbox.lost("the bind closed")
        connection.close(notifying: false)
        server.forget(self)
    }
}
