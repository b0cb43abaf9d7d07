import EventLoop
import LineProtocol
import Model

/// One line-protocol connection: its decoder, its account and its held answers.
final class LineSession: ConnectionHandler {
    let connection: Connection
    unowned let server: LineServer
    var decoder = LineDecoder()
    var out = ResponseWriter(capacity: 512)
    /// The logged-in account; its role and name are kept beside it, read by every
    /// request (copying the account and mapping its role each time showed in profiles).
    var account: Account? {
        didSet {
            role = account?.role
            accountName = account?.name
            // A connection already forgotten (closed) was counted out then; a request of
            // its last pass may still log it in or out.
            if !closed, (oldValue == nil) != (account == nil) { server.unauthenticatedChanged(by: account == nil ? 1 : -1) }
        }
    }
    /// When the connection was accepted (loop clock): the log-in deadline counts from here.
    var connectedAt = 0.0
    /// Since when an incomplete line has waited for its LF (loop clock); nil when none.
    var partialLineSince: Double?
    private(set) var role: Role?
    private(set) var accountName: String?
    /// Requests of this connection in the pipeline (submitted, not completed): a request
    /// that needs no store is answered at once only when there are none.
    var outstanding = 0
    /// An AUTH is in the pipeline: what follows waits in ``held`` for its outcome.
    var awaitingAuth = false
    var held: [LineServer.Item] = []
    /// Not read because ``held`` is full (``LineServer/maxHeld``) until the AUTH answers.
    var heldPause = false
    /// Listed for the end-of-pass write.
    var touched = false
    /// Nothing of this connection is in the pipeline or waiting.
    var isIdle: Bool { outstanding == 0 && held.isEmpty && !awaitingAuth }
    /// QUIT, EOF or idle: answer what was read, then close.
    var closing = false
    /// QUIT or a closing 421 was answered: later requests are dropped.
    var finished = false
    var closed = false
    var pausedForOutput = false
    var authPaused = false
    var authFailures = 0
    var authBlockedUntil = 0.0
    var authTimer: LoopTimer?

    init(connection: Connection, server: LineServer) {
        self.connection = connection
        self.server = server
    }

    func pauseForAuth(_ seconds: Double, loop: EventLoop) {
        authPaused = true
        connection.setReading(false)
        if authTimer == nil {
            authTimer = LoopTimer(loop: loop) { [unowned self] in
                self.authPaused = false
                // The wait is over: an AUTH read from now on is checked again.
                self.authBlockedUntil = 0
                if !self.closing, !self.pausedForOutput, !self.heldPause, !self.closed {
                    self.connection.setReading(true)
                    // Lines that arrived meanwhile are already buffered: read them now.
                    if self.connection.inputLength > 0 { self.server.read(self) }
                }
            }
        }
        authTimer?.schedule(after: seconds)
    }

    func connectionReadable(_ connection: Connection) { server.read(self) }
    func connectionEnded(_ connection: Connection) { server.ended(self) }
    func connectionFailed(_ connection: Connection, idle: Bool) { server.failed(self, idle: idle) }
    func connectionDrained(_ connection: Connection) { server.drained(self) }
}
