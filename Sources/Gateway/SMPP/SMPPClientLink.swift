import Engine
import EventLoop
import Logging
import Model
import Numbering
import SMPP
import SMSText

/// One link to an operator's SMSC or USSD gateway, Selfcare being the ESME: it connects,
/// binds as a transceiver, takes each subscriber's MO (`deliver_sm`, `data_sm`) into the
/// pipeline, answers the `deliver_sm_resp` only once the command has committed (a failed
/// commit answers `ESME_RX_T_APPN`, so the SMSC delivers it again), and sends the reply
/// as `submit_sm` from the address the subscriber wrote to.
///
/// Link upkeep: `enquire_link` after `enquire` seconds of silence, and answered whenever
/// the SMSC sends one; a window of `submit_sm` awaiting their response, the rest queued
/// (and reading paused while the queue is long); `ESME_RTHROTTLED` and `ESME_RMSGQFUL`
/// put the message back and pause sending for a second; a request unanswered for
/// `timeout` seconds, a framing error or the SMSC's `unbind` drop the connection, and the
/// link reconnects after 1, 2, 4 … 60 s (the unanswered `submit_sm` are sent again on the
/// new bind: a reply may reach the subscriber twice, never not at all while the
/// process lives). `unbind` on shutdown.
public final class SMPPClientLink: ConnectionHandler {
    public enum State: String, Sendable { case disconnected, connecting, binding, bound, unbinding, stopped }
    /// How the link binds: one transceiver, or one half of a `bind=pair`.
    public enum Role: String, Sendable { case transceiver, receiver, transmitter }

    public struct Stats: Sendable, Equatable {
        public var binds = 0
        public var bindFailures = 0
        public var connectFailures = 0
        public var mo = 0
        public var moRefused = 0
        public var receipts = 0
        public var submits = 0
        public var submitFailures = 0
        public var throttled = 0
        public var pdusMalformed = 0
        /// MOs delivered again and answered without running.
        public var duplicates = 0
        /// Receipts recorded on an outbox message: delivered, not delivered.
        public var receiptsDelivered = 0
        public var receiptsFailed = 0
        /// Receipts for no message the outbox awaits (another application's, one
        /// recorded already, or one without an id or a state).
        public var receiptsUnmatched = 0
    }

    public let config: SMPPLinkConfig
    public let profile: SMPPProfile
    public let role: Role
    /// In a pair, the receiver's transmitter: where its replies go (and the name its
    /// receipts are awaited under).
    public internal(set) var replyLink: SMPPClientLink?
    /// In a pair, the transmitter's receiver: the one to pause when replies pile up.
    weak var feeder: SMPPClientLink?
    public private(set) var state: State = .disconnected
    public private(set) var stats = Stats()
    /// `submit_sm` waiting for a window slot.
    public var queued: Int { window.queued }
    /// `submit_sm` sent and not answered yet (at most the window).
    public var inFlight: Int { window.outstanding.count }

    private let loop: EventLoop
    private let pipeline: Pipeline
    private let logger: Logger
    private var connection: Connection?
    private var connector: Connector?
    private let frames = FrameDecoder()
    private var window: SMPPWindow
    private var currentDelay: Double
    private var lastHeard = 0.0
    private var lastSent = 0.0
    private var reconnectTimer: LoopTimer?
    private var tick: LoopTimer?
    private var concatReference: UInt8 = 0
    /// Parts of long MOs waiting for the rest: their sequence numbers are answered when
    /// the whole message has committed.
    private var reassembly = SMPPReassembly()
    private var paused = false
    private var duplicates: SMPPDuplicates
    /// Counts connections: an MO's answer goes only to the connection it came on (a
    /// sequence number means nothing on the next one).
    private var generation: UInt64 = 0

    public init(loop: EventLoop, pipeline: Pipeline, config: SMPPLinkConfig, profile: SMPPProfile,
                role: Role = .transceiver, logger: Logger) {
        self.role = role
        self.loop = loop
        self.pipeline = pipeline
        self.config = config
        self.profile = profile
        self.logger = logger
        currentDelay = config.reconnectDelay
        duplicates = SMPPDuplicates(window: config.dedupeWindow)
        window = SMPPWindow(size: config.window)
    }

    /// Starts connecting; from now on the link keeps itself up until ``stop()``.
    public func start() {
        let t = LoopTimer(loop: loop) { [unowned self] in self.everySecond() }
        t.schedule(after: 1, repeating: true)
        tick = t
        connect()
    }

    // MARK: Connecting and binding

    private func connect() {
        guard state != .stopped else { return }
        state = .connecting
        connector = Connector.connect(loop: loop, host: config.host, port: config.port, timeout: config.responseTimeout) {
            [weak self] result in
            guard let self else { return }
            self.connector = nil
            switch result {
            case .success(let connection):
                self.generation &+= 1
                self.connection = connection
                connection.handler = self
                self.bind()
            case .failure(let failure):
                self.stats.connectFailures += 1
                self.logger.warning("smpp \(self.config.name): \(failure)")
                self.scheduleReconnect()
            }
        }
    }

    private func bind() {
        state = .binding
        lastHeard = loop.now
        let bind = Bind(systemID: config.systemID, password: config.password, systemType: config.systemType)
        let command: CommandID = role == .receiver ? .bindReceiver : role == .transmitter ? .bindTransmitter : .bindTransceiver
        send(PDU(command: command, sequence: window.sequence(), body: .bind(bind)), tracked: true)
    }

    private func scheduleReconnect() {
        guard state != .stopped else { return }
        state = .disconnected
        let delay = currentDelay
        currentDelay = min(currentDelay * 2, config.maximumReconnectDelay)
        if reconnectTimer == nil { reconnectTimer = LoopTimer(loop: loop) { [unowned self] in self.connect() } }
        reconnectTimer?.schedule(after: delay)
        logger.info("smpp \(config.name): reconnecting in \(SMPPLinkConfig.show(delay)) s")
    }

    /// Drops the connection: the submits in flight go back to the head of the queue
    /// (sent again on the next bind), the parts of long MOs are forgotten (their
    /// `deliver_sm` were not answered: the SMSC delivers them again).
    private func drop(_ why: String) {
        logger.warning("smpp \(config.name): link dropped: \(why)")
        window.requeueUnanswered(.submitSM)
        reassembly.removeAll()
        connection?.handler = nil
        connection?.close(notifying: false)
        connection = nil
        paused = false
        scheduleReconnect()
    }

    // MARK: Reading

    public func connectionReadable(_ connection: Connection) {
        lastHeard = loop.now
        let (items, lost) = connection.readPDUs(frames)
        for item in items {
            switch item {
            case .pdu(let pdu): handle(pdu)
            case .malformed(let command, let sequence, let error): malformed(command, sequence, error)
            }
        }
        if let lost, let c = self.connection {
            stats.pdusMalformed += 1
            send(.genericNack(.invalidCommandLength, sequence: 0), tracked: false)
            // The nack goes out before the close.
            self.connection = nil
            closeGracefully(c)
            drop("framing lost (command_length \(lost))")
        }
    }

    private func malformed(_ command: CommandID, _ sequence: UInt32, _ error: PDUError) {
        stats.pdusMalformed += 1
        pipeline.warnings.warn("smpp_malformed", "smpp \(config.name): \(command) #\(sequence) refused: \(error)", now: loop.now)
        if command.isResponse {
            // A response we cannot read frees its request's slot all the same.
            if let request = window.answered(sequence) { failed(request, .unknownError) }
            return
        }
        send(.genericNack(error.status, sequence: sequence), tracked: false)
    }

    public func connectionEnded(_ connection: Connection) { drop("the SMSC closed the connection") }

    public func connectionFailed(_ connection: Connection, idle: Bool) { drop("socket error") }

    public func connectionDrained(_ connection: Connection) {}

    private func handle(_ pdu: PDU) {
        if pdu.command.isResponse { return response(pdu) }
        switch pdu.command {
        case .enquireLink:
            send(pdu.response(), tracked: false)
        case .unbind:
            send(pdu.response(), tracked: false)
            logger.notice("smpp \(config.name): the SMSC unbound")
            state = .unbinding
            if let c = connection {
                connection = nil
                closeGracefully(c)
            }
            drop("unbound by the SMSC")
        case .deliverSM, .dataSM:
            guard state == .bound else { return send(pdu.response(.invalidBindStatus), tracked: false) }
            // Shutting down: the SMSC delivers it again, to the next bind.
            guard !stopping else { return send(pdu.response(.temporaryAppError), tracked: false) }
            incoming(pdu)
        default:
            send(pdu.command.isBind || pdu.command == .submitSM ? pdu.response(.invalidBindStatus)
                 : .genericNack(.invalidCommandID, sequence: pdu.sequence), tracked: false)
        }
    }

    private func response(_ pdu: PDU) {
        guard let request = window.answered(pdu.sequence) else {
            return logger.debug("smpp \(config.name): \(pdu.command) #\(pdu.sequence) answers nothing outstanding")
        }
        switch request.command {
        case .bindTransceiver, .bindReceiver, .bindTransmitter:
            guard pdu.status == .ok else {
                stats.bindFailures += 1
                logger.error("smpp \(config.name): bind refused: \(pdu.status)")
                return drop("bind refused")
            }
            state = .bound
            stats.binds += 1
            currentDelay = config.reconnectDelay
            var peer = ""
            if case .bindResponse(let id, _) = pdu.body { peer = id }
            logger.notice("smpp \(config.name): bound as \(config.systemID) to \(peer.isEmpty ? "the SMSC" : peer) (profile \(profile.name), window \(config.window))")
            flush()
        case .submitSM:
            if pdu.status == .ok {
                stats.submits += 1
                if request.tag != 0 {
                    var id = ""
                    if case .messageResponse(let messageID, _) = pdu.body { id = messageID }
                    outboxPartAnswered(request.tag, refusal: nil, messageID: id)
                }
            } else if pdu.status == .throttled || pdu.status == .messageQueueFull {
                // Not a failure: the SMSC asks us to slow down. The message goes back to
                // the head of the queue and nothing is sent for a second.
                stats.throttled += 1
                window.retry(request, now: loop.now, pause: 1)
            } else {
                failed(request, pdu.status)
                if request.tag != 0 { outboxPartAnswered(request.tag, refusal: "\(pdu.status)", messageID: "") }
            }
            flush()
        case .unbind:
            if let c = connection {
                connection = nil
                closeGracefully(c)
            }
        default:
            break
        }
    }

    private func failed(_ request: SMPPWindow.Outgoing, _ status: CommandStatus) {
        guard request.command == .submitSM else { return }
        stats.submitFailures += 1
        if case .message(let m)? = request.pdu?.body {
            pipeline.warnings.warn("smpp_reply_refused", "smpp \(config.name): reply to \(m.destination.value) refused by the SMSC: \(status)",
                                   level: .error, now: loop.now)
        }
    }

    // MARK: The outbox

    /// Outbox messages handed over, by the tag their parts carry.
    private lazy var outboxSends = SMPPOutboxSends(carrier: name)

    private func outboxPartAnswered(_ tag: Int, refusal: String?, messageID: String) {
        outboxSends.answered(tag, refusal: refusal, messageID: messageID)
    }

    // MARK: MOs

    private func incoming(_ pdu: PDU) {
        let message: ShortMessage
        switch pdu.body {
        case .message(let m): message = m
        case .data(let d): message = d.asShortMessage
        default: return send(pdu.response(.systemError), tracked: false)
        }
        let inbound: SMPPMessages.Inbound
        switch SMPPMessages.read(message, profile: profile) {
        case .success(let i): inbound = i
        case .failure(let error):
            stats.moRefused += 1
            logger.info("smpp \(config.name): \(pdu.command) #\(pdu.sequence) from \(message.source.value) refused: \(error)")
            return send(pdu.response(error.status), tracked: false)
        }
        switch inbound {
        case .receipt(let messageID, let report):
            receipt(pdu, messageID: messageID, report: report, from: message.source.value)
        case .sms(let from, let to, var text, let part):
            var sequences = [pdu.sequence]
            if let part, part.total > 1 {
                guard let whole = reassembly.add(part, text: text, sequence: pdu.sequence, from: from, to: to,
                                                 now: loop.now) else { return }
                text = whole.text
                sequences = whole.sequences
            }
            var key: UInt64?
            if duplicates.isOn {
                let moID = profile.moIDTag.flatMap { message.tlvs.first(TLV.Tag($0))?.value }
                let k = SMPPDuplicates.key(moID: moID, from: from.digits, to: message.destination.value, text: text,
                                           part: part.map { ($0.reference, $0.total) })
                switch duplicates.check(k, tickets: sequences.map(ticket), now: loop.now) {
                case .run: key = k
                case .waiting: stats.duplicates += 1; return
                case .answered(let replies):
                    // Answered like the original: the same status and reply, nothing run.
                    stats.duplicates += 1
                    logger.info("smpp \(config.name): \(pdu.command) #\(pdu.sequence) from \(message.source.value) delivered again: answered, not run")
                    for s in sequences { send(PDU(command: pdu.command, sequence: s).response(), tracked: false) }
                    concatReference &+= 1
                    for reply in SMPPMessages.smsReply(replies, to: message, profile: profile, reference: concatReference) {
                        (replyLink ?? self).queue(PDU(command: .submitSM, sequence: 0, body: .message(reply)))
                    }
                    flush()
                    return
                }
            }
            run(.sms(from: from, to: to, text: text), answering: sequences, command: pdu.command, mo: message, duplicateKey: key)
        case .ussd(let from, let input, _):
            run(.ussd(from: from, input: input, dialogue: nil), answering: [pdu.sequence], command: pdu.command,
                mo: message, ussd: true)
        case .ussdAbort(let from):
            // In turn with the connection's earlier MOs: a dialogue one of them leaves
            // open is dropped after it.
            let generation = self.generation
            pipeline.submit(.smpp, work: nil) { [weak self] _ in
                guard let self else { return }
                self.pipeline.dialogues.release(from, now: self.loop.now)
                if generation == self.generation { self.send(pdu.response(), tracked: false) }
            }
        }
    }

    /// Records a delivery receipt on the outbox message whose part the SMSC knows by
    /// `messageID`, with an audit row, and answers it once that committed (a failed
    /// commit answers `ESME_RX_T_APPN` so the SMSC delivers it again). A receipt for no
    /// awaited part is answered and logged.
    private func receipt(_ pdu: PDU, messageID: String, report: DeliveryReport?, from source: String) {
        stats.receipts += 1
        guard !messageID.isEmpty, let report else {
            stats.receiptsUnmatched += 1
            logger.info("smpp \(config.name): receipt without \(messageID.isEmpty ? "a message id" : "a state") from \(source): ignored")
            return send(pdu.response(), tracked: false)
        }
        let link = (replyLink ?? self).name, account = config.name
        let forms = SMPPMessages.receiptIDForms(messageID)
        let recipient = MSISDN(parsing: source)?.digits
        let generation = self.generation
        pipeline.submit(.smpp, work: { batch in
            guard let id = try batch.tx.recordReceipt(link: link, peerIDs: forms, report: report, at: batch.now) else {
                return .receipt(nil)
            }
            let outcome = report.isFailure ? "failed: not delivered" : report.isDelivered ? "ok: delivered" : "ok: pending"
            try batch.tx.audit(AuditEntry(at: batch.now, account: account, channel: "smpp", msisdn: recipient,
                                          request: "RECEIPT \(id) \(messageID.prefix(65)) \(report.state)", outcome: outcome))
            return .receipt(id)
        }) { [weak self] result in
            guard let self else { return }
            var status = CommandStatus.ok
            switch result {
            case .committed(.receipt(let id?)):
                if report.isFailure { self.stats.receiptsFailed += 1 }
                if report.isDelivered { self.stats.receiptsDelivered += 1 }
                self.logger.info("smpp \(self.config.name): receipt for \(messageID) (outbox \(id)): \(report.state)")
            case .failed:
                status = .temporaryAppError
            default:
                self.stats.receiptsUnmatched += 1
                self.logger.info("smpp \(self.config.name): receipt for \(messageID) (\(report.state)) from \(source): no outbox message awaits it")
            }
            if generation == self.generation { self.send(pdu.response(status), tracked: false) }
        }
    }

    private func ticket(_ sequence: UInt32) -> UInt64 { generation << 32 | UInt64(sequence) }

    /// Where the store keeps this link's MOs for its duplicate memory.
    var rememberScope: String { "smsc:" + config.name }

    /// Reloads the duplicate memory from what the store kept (at start).
    func restoreDuplicates(_ remembered: [RememberedMO]) {
        duplicates.restore(remembered.filter { $0.scope == rememberScope }, now: loop.now)
    }

    private func run(_ command: Command, answering sequences: [UInt32], command responseTo: CommandID, mo: ShortMessage,
                     ussd: Bool = false, duplicateKey: UInt64? = nil) {
        stats.mo += 1
        let tickets = sequences.map(ticket)
        let work = duplicateKey.map { StoreWork.command(command, channel: "smpp", account: config.name, remember: $0,
                                                        in: rememberScope) }
            ?? StoreWork.command(command, channel: "smpp", account: config.name)
        pipeline.submit(.smpp, work: work) { [weak self] result in
            guard let self else { return }
            let status: CommandStatus
            var replies: [ShortMessage] = []
            var parts: [String] = []
            switch result {
            case .committed(.outcome(let outcome)):
                status = .ok
                self.concatReference &+= 1
                (parts, replies) = SMPPMessages.replies(to: outcome, ussd: ussd, mo: mo, profile: self.profile,
                                                        reference: self.concatReference)
            case .committed:
                status = .systemError
            case .turn:
                status = .systemError
            case .failed:
                status = .temporaryAppError
            }
            // Copies delivered while this one ran get its answer.
            var tickets = tickets
            if let duplicateKey {
                tickets += status == .ok ? self.duplicates.committed(duplicateKey, replies: parts, now: self.loop.now)
                                         : self.duplicates.failed(duplicateKey)
            }
            // The connection an MO came on may be gone: then the SMSC has no one to
            // answer and delivers it again; the reply still goes out on the next bind.
            for ticket in tickets where ticket >> 32 == self.generation {
                let sequence = UInt32(truncatingIfNeeded: ticket)
                self.send(PDU(command: responseTo.response, status: status, sequence: sequence,
                              body: responseTo == .dataSM && status != .ok ? .empty : .messageResponse(messageID: "", tlvs: [])),
                          tracked: false)
            }
            let sender = self.replyLink ?? self
            for reply in replies { sender.queue(PDU(command: .submitSM, sequence: 0, body: .message(reply))) }
            if sender !== self { sender.flush() }
            self.flush()
        }
    }

    /// Connections closing after an unbind: kept until their last bytes are out.
    private var closing: [UInt64: Connection] = [:]

    private func closeGracefully(_ c: Connection) {
        c.handler = nil
        let id = c.id
        closing[id] = c
        c.closeGracefully(within: 2, loop: loop) { [weak self] in self?.closing[id] = nil }
    }

    // MARK: Writing

    private func send(_ pdu: PDU, tracked: Bool) {
        guard let connection else { return }
        if tracked { window.track(pdu, now: loop.now) }
        connection.write(pdu.encoded())
        lastSent = loop.now
    }

    private func queue(_ pdu: PDU) {
        window.enqueue(pdu)
        if queued > config.window * 4 { (feeder ?? self).pauseReading() }
    }

    /// The SMSC takes replies slower than MOs come: stop taking MOs until it catches up.
    private func pauseReading() {
        guard !paused, let connection else { return }
        paused = true
        connection.setReading(false)
    }

    private func resumeReading() {
        guard paused else { return }
        paused = false
        connection?.setReading(true)
    }

    /// Sends queued submits while the window has room.
    fileprivate func flush() {
        guard state == .bound, connection != nil else { return }
        window.sendDue(now: loop.now) { bytes in
            connection?.write(bytes)
        }
        lastSent = loop.now
        if queued <= config.window { (feeder ?? self).resumeReading() }
    }

    private func everySecond() {
        let now = loop.now
        if state == .binding || state == .bound {
            if let oldest = window.oldest, now - oldest.sentAt > config.responseTimeout {
                return drop("\(oldest.command) #\(oldest.sequence) unanswered for \(SMPPLinkConfig.show(config.responseTimeout)) s")
            }
        }
        if state == .bound {
            if config.enquireInterval > 0, now - max(lastHeard, lastSent) >= config.enquireInterval {
                send(PDU(command: .enquireLink, sequence: window.sequence()), tracked: true)
            }
            for sequences in reassembly.expire(now: now, after: 60) {
                // The rest of a long MO never came: the SMSC is told to try again.
                for s in sequences { send(PDU(command: .deliverSM, sequence: s).response(.temporaryAppError), tracked: false) }
            }
            flush()
        }
    }

    // MARK: Stopping

    /// Shutdown, first step: take no more MOs. The link goes on reading: the responses
    /// to what it sent (outbox parts, replies) still count, and an MO read from now on is
    /// answered `ESME_RX_T_APPN`.
    public func beginShutdown() {
        stopping = true
    }
    private var stopping = false

    /// Shutdown, last step (after the pipeline has answered every MO): send what is queued
    /// while `deadline` allows, `unbind`, wait briefly for `unbind_resp`, close.
    public func finishShutdown(deadline: Double) {
        reconnectTimer?.cancel()
        connector?.cancel()
        connector = nil
        // Wakes the loop while nothing else happens, so the deadline is seen.
        let wake = LoopTimer(loop: loop) {}
        wake.schedule(after: 0.05, repeating: true)
        defer { wake.cancel() }
        if state == .bound, connection != nil {
            connection?.setReading(true)   // to read the responses
            while queued > 0 || window.hasUnanswered(.submitSM),
                  connection != nil, state == .bound, loop.now < deadline {
                flush()
                loop.runOnce()
            }
            if queued > 0 || !window.outstanding.isEmpty {
                logger.warning("smpp \(config.name): \(queued + window.outstanding.count) replies not confirmed by the SMSC at shutdown")
            }
            state = .unbinding
            send(PDU(command: .unbind, sequence: window.sequence()), tracked: true)
            let until = min(deadline, loop.now + 2)
            while connection != nil, loop.now < until { loop.runOnce() }
        }
        while !closing.isEmpty, loop.now < deadline { loop.runOnce() }
        for c in closing.values { c.close(notifying: false) }
        closing.removeAll()
        state = .stopped
        tick?.cancel()
        connection?.handler = nil
        connection?.close(notifying: false)
        connection = nil
    }
}

/// The link carries the outbox when no sendsms URL is given: each message as `submit_sm`
/// (UDH parts when long) with a delivery receipt requested; it is marked delivered once the
/// SMSC has taken every part.
extension SMPPClientLink: OutboxCarrier {
    public var name: String { "smpp \(config.name)" }
    public var peer: String { "the SMSC" }
    public var canSend: Bool { state == .bound && role != .receiver && queued < config.window }

    public func send(_ message: OutboxMessage, done: @escaping (OutboxCarrierVerdict) -> Void) -> Bool {
        guard canSend else { return false }
        concatReference &+= 1
        let parts = SMPPMessages.outboxParts(message, profile: profile, reference: concatReference)
        guard !parts.isEmpty else { return false }
        let tag = outboxSends.add(parts: parts.count, done: done)
        for var part in parts {
            part.registeredDelivery = 1
            window.enqueue(PDU(command: .submitSM, sequence: 0, body: .message(part)), tag: tag)
        }
        flush()
        return true
    }

    public func close() {}
}
