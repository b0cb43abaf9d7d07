import EventLoop

/// Settings of `selfcare serve`.
public struct GatewayConfig: Sendable {
    /// `HOST:PORT` of the line protocol; port 0 picks a free port (tests).
    public var listen: String = "127.0.0.1:7777"
    /// Set: the line protocol is spoken inside TLS only (`--tls-cert`, `--tls-key`).
    public var tls: TLSContext?
    /// Seconds without a byte from the peer before a connection is closed (0 = never).
    public var idleTimeout: Double = 300
    /// Connections beyond this get `421` and are closed.
    public var maxConnections: Int = 10_000
    /// Seconds a connection has to log in after it connects (0 = no limit): an idle
    /// stranger does not keep a descriptor for the whole idle timeout.
    public var authTimeout: Double = 30
    /// Seconds a line has, from its first byte, to be complete (0 = no limit): a client
    /// trickling a byte at a time cannot hold a connection by never ending its line.
    public var lineTimeout: Double = 30
    /// Connections not logged in may hold at most this share of ``maxConnections``, so
    /// that strangers cannot lock out the network elements that do log in.
    public var unauthenticatedShare: Double = 0.1
    /// How many connections may wait unauthenticated at once: the share, but at least 16
    /// (all of them under a limit that small).
    public var maxUnauthenticated: Int {
        max(min(maxConnections, 16), Int(Double(maxConnections) * unauthenticatedShare))
    }
    /// A connection whose unsent output passes this is not read until it drains to
    /// ``resumeOutputBytes``: a client that does not read cannot make us buffer forever.
    public var pauseOutputBytes: Int = 1 << 20
    public var resumeOutputBytes: Int = 256 << 10
    /// Failed AUTHs on one connection before it is closed; each failure before that
    /// doubles the wait (1 s, 2 s, 4 s …) before the connection is read again.
    public var maxAuthFailures: Int = 5
    /// Seconds an idempotency key (`TOPUP id=… …`) and its answer are kept.
    public var idempotencyRetention: Double = 86_400
    /// Failed logins counted across connections and transports, per address and per
    /// account, and their lock-outs (``LoginThrottle``).
    public var loginThrottle = LoginThrottle.Policy()
    /// Longest wait at shutdown for the answers owed to go out and the connections to
    /// close gracefully (`selfcare serve --shutdown-grace S`).
    public var shutdownGrace: Double = 5
    /// Longest a closing connection (QUIT, idle, too many failures) is kept to deliver
    /// its answers and read the peer out before its socket is closed.
    public var closeLinger: Double = 5
    /// Seconds an open USSD dialogue waits for the subscriber's answer before it is
    /// dropped (`selfcare serve --ussd-timeout S`).
    public var ussdTimeout: Double = 60
    /// Most USSD dialogues open at once (`--ussd-max-dialogues N`), all transports.
    public var maxUSSDDialogues = 100_000
    /// Longest a batch waits, right after the previous one was answered, for the answered
    /// clients' next requests (``Pipeline/maxGather``); 0: it ships as soon as the store
    /// is free.
    public var batchGather: Double = 0.0005
    /// The `Grammars/` folder RELOAD and SIGHUP read again; `nil`: reload refused.
    public var grammarFolder: String?
    /// The greeting after `220`.
    public var banner: String = "Selfcare gateway ready"

    public init() {}

    /// `300`, `0.5`: seconds as people write them.
    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
