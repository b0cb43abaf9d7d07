/// Settings of `selfcare serve`.
public struct GatewayConfig: Sendable {
    /// `HOST:PORT` of the line protocol; port 0 picks a free port (tests).
    public var listen: String = "127.0.0.1:7777"
    /// Seconds without a byte from the peer before a connection is closed (0 = never).
    public var idleTimeout: Double = 300
    /// Connections beyond this get `421` and are closed.
    public var maxConnections: Int = 10_000
    /// A connection whose unsent output passes this is not read until it drains to
    /// ``resumeOutputBytes``: a client that does not read cannot make us buffer forever.
    public var pauseOutputBytes: Int = 1 << 20
    public var resumeOutputBytes: Int = 256 << 10
    /// Failed AUTHs on one connection before it is closed; each failure before that
    /// doubles the wait (1 s, 2 s, 4 s …) before the connection is read again.
    public var maxAuthFailures: Int = 5
    /// Longest wait at shutdown for the answers owed to go out and the connections to
    /// close gracefully (`selfcare serve --shutdown-grace S`).
    public var shutdownGrace: Double = 5
    /// Longest a closing connection (QUIT, idle, too many failures) is kept to deliver
    /// its answers and read the peer out before its socket is closed.
    public var closeLinger: Double = 5
    /// Seconds an open USSD dialogue waits for the subscriber's answer before it is
    /// dropped (`selfcare serve --ussd-timeout S`).
    public var ussdTimeout: Double = 60
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
