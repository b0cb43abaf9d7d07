import EventLoop
import HTTP
import Logging
import Model
import SMSText

/// Settings of the outbox push (`selfcare serve --sendsms-url`).
public struct SendSMSConfig: Sendable {
    /// Kannel's sendsms URL with its credentials, as Kannel takes them:
    /// `http://127.0.0.1:13013/cgi-bin/sendsms?username=selfcare&password=secret`.
    public var url: String
    /// Seconds between two looks at the outbox when nothing nudges.
    public var interval: Double = 0.5
    /// The soonest a commit's nudge looks again after the last look.
    public var nudgeDelay: Double = 0.02
    /// Requests to Kannel at once.
    public var maxInFlight = 8
    /// Seconds to connect to Kannel and for each read or write.
    public var timeout: Double = 10
    /// Back-off after a failure: `firstRetry`, doubled per failure in a row, at most `maxRetry`.
    public var firstRetry: Double = 0.5
    public var maxRetry: Double = 60

    public init(url: String) { self.url = url }
}

/// Pushes the outbox to a carrier (``OutboxCarrier``): Kannel's `/cgi-bin/sendsms` — every
/// pending SMS, oldest first, as `GET <url>&from=…&to=…&text=…` (with
/// `coding=2&charset=UTF-8` when the text is not GSM 7-bit), on the event loop's own evhttp
/// client: no thread, no blocking — or an SMPP link's `submit_sm`.
///
/// A message is marked delivered (with an audit row `SENDSMS <id> <from> <to>`, channel
/// `http`) only after Kannel accepted it: `202` (`0: Accepted for delivery`, or `3: Queued
/// for later delivery` while Kannel's SMSC is away), or `200` with a body starting
/// `0: Accepted` or `Sent.`. Anything else is retried, never dropped:
/// - no answer or a `5xx` (Kannel down or busy): nothing is sent for a back-off of
///   0.5 s, 1 s, 2 s … up to 60 s while the failures go on; the first success ends it;
/// - another status (Kannel refused this message, e.g. a `4xx`; a wrong password is
///   `403 Authorization failed for sendsms`): that message alone waits with the same
///   back-off, the others go on.
///
/// The store is asked for pending messages every ``SendSMSConfig/interval`` and soon after
/// a commit (``nudge()``). Kannel's acceptance is remembered until its mark commits; a
/// message whose answer was lost to a crash is sent again after the restart
/// (at-least-once: the one gap is between Kannel's `202` and the commit of the mark).
public final class OutboxPusher {
    let loop: EventLoop
    let pipeline: Pipeline
    let config: SendSMSConfig
    let logger: Logger
    /// Where the messages go.
    public let carrier: any OutboxCarrier
    private var tick: LoopTimer?
    private var soon: LoopTimer?
    private var lastLook = -Double.infinity

    /// Sent, no answer yet.
    private var inFlight: [Int64: OutboxMessage] = [:]
    /// Kannel accepted them; the mark is not committed yet.
    private var accepted: [Accepted] = []
    /// Their mark is in the pipeline.
    private var marking: [Accepted] = []
    /// A look at the outbox is in the pipeline.
    private var looking = false
    /// Refused by Kannel: each waits until its time.
    private var refused: [Int64: Retry] = [:]
    /// Kannel down: nothing goes out before this.
    private var pausedUntil = -Double.infinity
    private var failuresInARow = 0
    private var stopping = false

    /// A message the carrier took, with the ids its peer gave the parts (for receipts).
    struct Accepted: Sendable {
        var message: OutboxMessage
        /// The carrier that took it (receipts are awaited under its name) and its channel.
        var by: String
        var channel: String
        var peerIDs: [String]
    }

    struct Retry {
        var attempts: Int
        var notBefore: Double
    }

    public private(set) var stats = Stats()

    public struct Stats: Sendable, CustomStringConvertible {
        /// Accepted by Kannel and marked delivered.
        public var delivered = 0
        /// Answers that were not an acceptance (each is retried).
        public var failures = 0

        public var description: String { "delivered \(delivered), failed attempts \(failures)" }
    }

    public init(loop: EventLoop, pipeline: Pipeline, config: SendSMSConfig, carrier: any OutboxCarrier, logger: Logger) {
        self.loop = loop
        self.pipeline = pipeline
        self.config = config
        self.logger = logger
        self.carrier = carrier
        tick = LoopTimer(loop: loop) { [unowned self] in self.look() }
        tick?.schedule(after: config.interval, repeating: true)
        soon = LoopTimer(loop: loop) { [unowned self] in self.look() }
        soon?.schedule(after: 0)
        // A batch of requests may have queued SMS.
        pipeline.afterCommit.append { [weak self] in self?.nudge() }
    }

    /// Messages handed to Kannel and not answered yet.
    public var pendingAnswers: Int { inFlight.count }

    /// A commit may have queued SMS: look at the outbox soon (not more often than every
    /// ``SendSMSConfig/nudgeDelay``).
    public func nudge() {
        guard !stopping, soon?.isPending != true else { return }
        soon?.schedule(after: max(0, lastLook + config.nudgeDelay - loop.now))
    }

    /// Marks what Kannel accepted, then sends what is due.
    func look() {
        lastLook = loop.now
        markAccepted()
        guard !stopping, !looking, loop.now >= pausedUntil, carrier.canSend else { return }
        let limit = config.maxInFlight + accepted.count + marking.count + refused.count
        looking = true
        // Read in the pipeline's next batch (on the store's thread); sent when it answers.
        pipeline.submit(.system, work: { batch in
            .outbox(try batch.tx.pendingOutbox(recipient: nil, limit: limit))
        }) { [weak self] result in
            guard let self else { return }
            self.looking = false
            switch result {
            case .committed(.outbox(let pending)): self.send(pending)
            case .failed(let error): self.logger.error("sendsms: cannot read the outbox: \(error)")
            default: break
            }
        }
    }

    /// Sends what is pending and not already on its way, up to the free connections.
    private func send(_ pending: [OutboxMessage]) {
        guard !stopping, loop.now >= pausedUntil else { return }
        let free = config.maxInFlight - inFlight.count
        let now = loop.now
        let busy = Set(inFlight.keys).union(accepted.map(\.message.id)).union(marking.map(\.message.id))
        var sent = 0
        for message in pending where sent < free && !busy.contains(message.id) {
            if let retry = refused[message.id], retry.notBefore > now { continue }
            guard carrier.canSend else { break }
            // Not taken now (its route is busy or has no bind): the next may be.
            if send(message) { sent += 1 }
        }
    }

    /// `false` when no connection was free (nothing sent).
    private func send(_ message: OutboxMessage) -> Bool {
        let sent = carrier.send(message) { [weak self] verdict in
            self?.answered(message, verdict)
        }
        if sent { inFlight[message.id] = message }
        return sent
    }

    private func answered(_ message: OutboxMessage, _ verdict: OutboxCarrierVerdict) {
        inFlight[message.id] = nil
        switch verdict {
        case .accepted(let by, let channel, let peerIDs):
            failuresInARow = 0
            refused[message.id] = nil
            accepted.append(Accepted(message: message, by: by, channel: channel, peerIDs: peerIDs))
            nudge()
        case .down(let what):
            stats.failures += 1
            failuresInARow += 1
            let wait = backOff(failuresInARow)
            pausedUntil = max(pausedUntil, loop.now + wait)
            pipeline.warnings.warn("outbox_retry", "\(carrier.name): message \(message.id) to \(message.recipient): \(what); sending again in \(wait) s",
                                   now: loop.now)
        case .refused(let what):
            stats.failures += 1
            let attempts = (refused[message.id]?.attempts ?? 0) + 1
            let wait = backOff(attempts)
            refused[message.id] = Retry(attempts: attempts, notBefore: loop.now + wait)
            pipeline.warnings.warn("outbox_refused",
                                   "\(carrier.name): \(carrier.peer) refused message \(message.id) to \(message.recipient): \(what); trying it again in \(wait) s",
                                   now: loop.now)
        }
    }

    func backOff(_ failures: Int) -> Double {
        min(config.maxRetry, config.firstRetry * Double(1 << min(failures - 1, 20)))
    }

    /// Marks what Kannel accepted in the pipeline's next batch; a failed commit keeps
    /// the marks for the next look.
    private func markAccepted() {
        guard !accepted.isEmpty, marking.isEmpty else { return }
        let messages = accepted
        accepted.removeAll()
        marking = messages
        pipeline.submit(.system, work: { batch in
            try batch.tx.markDelivered(messages.map(\.message.id), at: batch.now)
            for a in messages {
                let m = a.message
                if !a.peerIDs.isEmpty { try batch.tx.awaitReceipts(link: a.by, peerIDs: a.peerIDs, outbox: m.id) }
                try batch.tx.audit(AuditEntry(at: batch.now, account: nil, channel: a.channel, msisdn: m.recipient,
                                              request: "SENDSMS \(m.id) \(m.sender) \(m.recipient)",
                                              outcome: "ok: accepted by \(a.by)"))
            }
            return .done
        }) { [weak self] result in
            guard let self else { return }
            self.marking = []
            if case .failed(let error) = result {
                self.accepted = messages + self.accepted
                self.logger.error("\(self.carrier.name): cannot mark \(messages.count) messages delivered, trying again: \(error)")
            } else {
                self.stats.delivered += messages.count
            }
        }
    }

    /// Sends nothing more; waits (running the loop) for the answers of what was sent, at
    /// most `grace` seconds, and commits the marks. What gets no answer stays pending.
    public func finishShutdown(grace: Double = 5) {
        stopping = true
        tick?.cancel()
        soon?.cancel()
        let deadline = loop.now + grace
        let wake = LoopTimer(loop: loop) {}
        wake.schedule(after: 0.05, repeating: true)
        while !inFlight.isEmpty, loop.now < deadline {
            loop.runOnce()
            pipeline.endOfPass()
        }
        wake.cancel()
        markAccepted()
        pipeline.drain(until: .infinity)
        carrier.close()
    }
}

/// What became of a message handed to a carrier.
public enum OutboxCarrierVerdict: Sendable {
    /// Taken by the carrier named `by` (the audit row's outcome and channel): the message
    /// is marked delivered. `peerIDs`: the ids the peer gave its parts, which its delivery
    /// receipts will name (none from Kannel's sendsms).
    case accepted(by: String, channel: String, peerIDs: [String])
    /// No answer, or the carrier is down or busy: nothing is sent for a back-off.
    case down(String)
    /// This message was refused: it alone waits for a back-off.
    case refused(String)
}

/// Where ``OutboxPusher`` hands messages: Kannel's sendsms (``SendSMSCarrier``) or an SMPP
/// link (``SMPPClientLink``). Everything on the loop.
public protocol OutboxCarrier: AnyObject {
    /// For logs and the audit's outcome (`accepted by sendsms`); receipts are awaited
    /// under it.
    var name: String { get }
    /// Who refuses, in logs (`Kannel`).
    var peer: String { get }
    /// Whether a message could be handed over now.
    var canSend: Bool { get }
    /// Hands `message` over; false when it cannot now (nothing sent). `done` runs on the
    /// loop, once, after this returns.
    func send(_ message: OutboxMessage, done: @escaping (OutboxCarrierVerdict) -> Void) -> Bool
    /// Shutdown: no more messages.
    func close()
}

/// Kannel's `/cgi-bin/sendsms` over the loop's HTTP client.
public final class SendSMSCarrier: OutboxCarrier {
    public let target: SendSMSTarget
    private var client: HTTPClient?

    public init(loop: EventLoop, config: SendSMSConfig) throws {
        target = try SendSMSTarget(url: config.url)
        client = try HTTPClient(loop: loop, host: target.host, port: target.port,
                                connections: config.maxInFlight, timeout: config.timeout)
    }

    public var name: String { "sendsms" }
    public var peer: String { "Kannel" }
    public var canSend: Bool { client?.hasIdleConnection ?? false }

    public func send(_ message: OutboxMessage, done: @escaping (OutboxCarrierVerdict) -> Void) -> Bool {
        guard let client else { return false }
        return client.get(target.request(for: message)) { response in
            if SendSMSTarget.isAcceptance(response) { return done(.accepted(by: "sendsms", channel: "http", peerIDs: [])) }
            let what = response.status == 0 ? "no answer" : "\(response.status) \(response.text.prefix(80))"
            done(response.status == 0 || response.status >= 500 ? .down(what) : .refused(what))
        }
    }

    public func close() {
        client?.close()
        client = nil
    }
}

/// Kannel's sendsms URL, split for the client, and the requests made from it.
///
/// ```swift
/// let t = try SendSMSTarget(url: "http://127.0.0.1:13013/cgi-bin/sendsms?username=u&password=p")
/// t.request(for: OutboxMessage(id: 1, sender: "1430", recipient: "36301111111", text: "Szia!", at: 0))
/// // /cgi-bin/sendsms?username=u&password=p&from=1430&to=36301111111&text=Szia%21
/// ```
public struct SendSMSTarget: Sendable, Equatable {
    public var host: String
    public var port: UInt16
    /// Path and query of the URL, as given.
    public var base: String

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// `http://HOST[:PORT]/PATH[?QUERY]`; https is not spoken (put Kannel on a trusted network).
    public init(url: String) throws {
        guard url.hasPrefix("http://") else {
            throw Invalid(description: "--sendsms-url must start with http:// (got \(url))")
        }
        let rest = url.dropFirst("http://".count)
        let slash = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<slash]
        base = rest[slash...].hasPrefix("/") ? String(rest[slash...]) : "/" + rest[slash...]
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            guard let port = UInt16(authority[authority.index(after: colon)...]), port > 0 else {
                throw Invalid(description: "bad port in --sendsms-url \(url)")
            }
            host = String(authority[..<colon])
            self.port = port
        } else {
            host = String(authority)
            port = 80
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !authority.contains("@") else { throw Invalid(description: "bad host in --sendsms-url \(url)") }
    }

    /// The request target sending `message`.
    public func request(for message: OutboxMessage) -> String {
        var target = base + (base.contains("?") ? (base.hasSuffix("?") || base.hasSuffix("&") ? "" : "&") : "?")
        target += "from=" + Self.percentEncode(message.sender)
        target += "&to=" + Self.percentEncode(message.recipient)
        target += "&text=" + Self.percentEncode(message.text)
        if !GSM7.isEncodable(message.text) { target += "&coding=2&charset=UTF-8" }
        return target
    }

    /// Kannel took it: `202`, or `200` with `0: Accepted…` or `Sent.` (older smsboxes).
    public static func isAcceptance(_ response: HTTPClient.Response) -> Bool {
        if response.status == 202 { return true }
        guard response.status == 200 else { return false }
        let text = response.text
        return text.hasPrefix("0: Accepted") || text.hasPrefix("Sent.")
    }

    /// RFC 3986: unreserved characters as they are, every other UTF-8 byte as `%XX`.
    public static func percentEncode(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for b in text.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(b)
            default:
                out += [UInt8(ascii: "%"), hex[Int(b >> 4)], hex[Int(b & 0xF)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
