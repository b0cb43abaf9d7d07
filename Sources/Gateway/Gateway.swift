import Engine
import EventLoop
import Logging
import Model

/// The whole gateway on one loop, as `selfcare serve` runs it: the store executor, the
/// pipeline, the line protocol, the HTTP front (optional) and the outbox pusher
/// (optional), the SMPP links (optional). ``buildGateway(loop:store:engine:line:http:sendSMS:smsc:logger:)`` wires it;
/// tests build one on a temporary store and drive it with ``runPass()``.
///
/// ```swift
/// let gateway = try buildGateway(loop: loop, store: sqlite, engine: engine, line: config,
///                                http: httpConfig, sendSMS: nil, logger: logger)
/// while !stopping { gateway.runPass() }
/// gateway.shutdown()
/// ```
public final class Gateway {
    public let loop: EventLoop
    public let executor: any StoreExecutor
    public let pipeline: Pipeline
    public let line: LineServer
    public let http: HTTPFront?
    public let pusher: OutboxPusher?
    /// The links to the operator's SMSCs and USSD gateways (`--smsc`).
    public let smscLinks: [SMPPClientLink]
    /// The SMPP server for test tools and aggregators (`--smpp`).
    public let smppServer: SMPPServer?
    let logger: Logger
    private var stopped = false

    init(loop: EventLoop, executor: any StoreExecutor, pipeline: Pipeline, line: LineServer, http: HTTPFront?,
         pusher: OutboxPusher?, smscLinks: [SMPPClientLink], smppServer: SMPPServer?, logger: Logger) {
        self.loop = loop
        self.executor = executor
        self.pipeline = pipeline
        self.line = line
        self.http = http
        self.pusher = pusher
        self.smscLinks = smscLinks
        self.smppServer = smppServer
        self.logger = logger
    }

    /// One pass of the loop (read callbacks submit jobs, finished batches complete),
    /// then the pipeline's end of pass (the next batch ships, answers are written).
    public func runPass() {
        loop.runOnce()
        pipeline.endOfPass()
    }

    /// SIGTERM: stop accepting and taking work; what was read is still answered.
    public func beginShutdown() {
        line.beginShutdown()
        http?.beginShutdown()
        for link in smscLinks { link.beginShutdown() }
        smppServer?.beginShutdown()
    }

    /// Answers everything the pipeline holds, lets the answers out, closes every
    /// connection gracefully, commits the pusher's marks and the failed logins' audit,
    /// then lets the store go (its thread ends).
    public func shutdown() {
        guard !stopped else { return }
        stopped = true
        beginShutdown()
        pipeline.drain(until: .infinity)
        // The outbox's messages in flight are answered (an SMPP link may carry them), the
        // MOs are answered; their replies go out, then each link unbinds.
        pusher?.finishShutdown()
        let deadline = loop.now + line.config.shutdownGrace
        for link in smscLinks { link.finishShutdown(deadline: deadline) }
        smppServer?.finishShutdown(deadline: deadline)
        http?.finishShutdown()
        line.finishShutdown()
        line.authFailures.submitAll(to: pipeline, now: Int64(loop.now))
        pipeline.drain(until: .infinity)
        pipeline.dialogues.stopSweeping()
        executor.shutdown()
    }

    /// The lines `selfcare serve` logs when it stops (the benchmark reads the first).
    public var stopLines: [String] {
        var lines = ["stopped: \(line.stats)", "store: \(pipeline.stats)"]
        if let pusher { lines.append("\(pusher.carrier.name) stopped: \(pusher.stats)") }
        for link in smscLinks {
            let s = link.stats
            lines.append("smpp \(link.config.name) stopped: binds \(s.binds), MOs \(s.mo), refused \(s.moRefused), receipts \(s.receipts), replies confirmed \(s.submits), refused by the SMSC \(s.submitFailures), throttled \(s.throttled), duplicates \(s.duplicates), malformed PDUs \(s.pdusMalformed)")
        }
        if let server = smppServer {
            let s = server.stats
            lines.append("smpp server stopped: binds \(s.binds), failed binds \(s.bindFailures), MOs \(s.mo), refused \(s.moRefused), duplicates \(s.duplicates), replies confirmed \(s.replies), undeliverable \(s.repliesUndeliverable), malformed PDUs \(s.pdusMalformed), refused connections \(s.refusedConnections)")
        }
        if let http {
            let m = http.metrics
            lines.append("http stopped: commits \(m.commits), failed commits \(m.failedCommits) (\(m.failedRequests) requests got 503), largest group \(m.largestGroup)")
        }
        return lines
    }
}

/// Wires a gateway on `loop`: `store` is handed to a ``ThreadStoreExecutor`` (from now on
/// only its thread uses it), the transports share one ``Pipeline``.
public func buildGateway(loop: EventLoop, store: any SubscriberStore & Sendable, engine: Engine,
                         line: GatewayConfig, http: HTTPConfig?, sendSMS: SendSMSConfig?,
                         smsc: [SMPPLinkConfig] = [], smpp: SMPPServerConfig? = nil, logger: Logger) throws -> Gateway {
    // The SMPP MOs of the last window, for the duplicate memories (read before the store
    // goes to its thread).
    let window = (smsc.map(\.dedupeWindow) + [smpp?.dedupeWindow ?? 0]).max() ?? 0
    let remembered = window > 0 ? try store.rememberedMOs(since: Int64(loop.now - window)) : []
    let executor = try ThreadStoreExecutor(store: store, loop: loop)
    let dialogues = USSDDialogues(timeout: line.ussdTimeout, limit: line.maxUSSDDialogues)
    dialogues.startSweeping(on: loop)
    let pipeline = Pipeline(loop: loop, executor: executor, engine: engine, logger: logger, dialogues: dialogues)
    pipeline.maxGather = line.batchGather
    let lineServer = try LineServer(loop: loop, pipeline: pipeline, config: line, logger: logger)
    var front: HTTPFront?
    if let http {
        do {
            front = try HTTPFront(loop: loop, pipeline: pipeline, config: http, logger: logger,
                                  authFailures: lineServer.authFailures)
        } catch {
            throw GatewayBuildError(part: "http", underlying: error)
        }
        front?.lineServer = lineServer
    }
    // Where the outbox goes: Kannel's sendsms, else the first --smsc link that transmits;
    // with --smpp, numbers a bind takes go to that bind.
    var carrier: (any OutboxCarrier)?
    var outbox = sendSMS ?? SendSMSConfig(url: "")
    if let sendSMS {
        do {
            carrier = try SendSMSCarrier(loop: loop, config: sendSMS)
        } catch {
            throw GatewayBuildError(part: "sendsms", underlying: error)
        }
    }
    var links: [SMPPClientLink] = []
    for link in smsc {
        let profile: SMPPProfile
        do {
            if let given = link.profile {
                profile = given
            } else if link.profileName == "standard" && line.grammarFolder == nil {
                profile = .standard
            } else {
                profile = try SMPPProfile.load(link.profileName, grammarFolder: line.grammarFolder ?? "Grammars")
            }
        } catch {
            throw GatewayBuildError(part: "smsc \(link.name)", underlying: error)
        }
        guard link.pair else {
            links.append(SMPPClientLink(loop: loop, pipeline: pipeline, config: link, profile: profile, logger: logger))
            continue
        }
        // bind=pair: MOs on a receiver bind, replies (and the outbox) on a transmitter bind.
        var tx = link
        tx.name = link.name + "/tx"
        let transmitter = SMPPClientLink(loop: loop, pipeline: pipeline, config: tx, profile: profile, role: .transmitter,
                                         logger: logger)
        let receiver = SMPPClientLink(loop: loop, pipeline: pipeline, config: link, profile: profile, role: .receiver,
                                      logger: logger)
        receiver.replyLink = transmitter
        transmitter.feeder = receiver
        links += [receiver, transmitter]
    }
    var server: SMPPServer?
    if let smpp {
        do {
            let profile = try smpp.profile ?? (line.grammarFolder.map { try SMPPProfile.load("standard", grammarFolder: $0) } ?? .standard)
            server = try SMPPServer(loop: loop, pipeline: pipeline, config: smpp, profile: profile,
                                    authFailures: lineServer.authFailures, logger: logger)
        } catch {
            throw GatewayBuildError(part: "smpp", underlying: error)
        }
    }
    if carrier == nil, let link = links.first(where: { $0.role != .receiver }) {
        carrier = link
        outbox.maxInFlight = link.config.window
    }
    if let server {
        if carrier == nil { outbox.maxInFlight = server.config.window }
        carrier = OutboxRouter(server: server, other: carrier)
    }
    var pusher: OutboxPusher?
    if let carrier {
        let p = OutboxPusher(loop: loop, pipeline: pipeline, config: outbox, carrier: carrier, logger: logger)
        server?.onOutboxBind = { [weak p] in p?.nudge() }
        pusher = p
    }
    front?.smscLinks = links
    front?.smppServer = server
    server?.restoreDuplicates(remembered)
    for link in links {
        link.restoreDuplicates(remembered)
        link.start()
    }
    return Gateway(loop: loop, executor: executor, pipeline: pipeline, line: lineServer, http: front,
                   pusher: pusher, smscLinks: links, smppServer: server, logger: logger)
}

/// A part of the gateway that could not be built, and why.
public struct GatewayBuildError: Error, CustomStringConvertible {
    public let part: String
    public let underlying: any Error
    public var description: String { "\(part): \(underlying)" }
}
