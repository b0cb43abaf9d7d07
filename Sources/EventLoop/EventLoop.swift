import CLibevent
#if canImport(Glibc)
import Glibc
#endif

/// The one libevent loop of the server: every transport, timer and signal is an event on
/// it, and everything runs on the thread that calls ``runOnce()``.
///
/// The server drives it one pass at a time so that it can commit the requests read in a
/// pass together (group commit):
///
/// ```swift
/// let loop = try EventLoop()
/// while !stopped {
///     loop.runOnce()        // read callbacks queue requests
///     gateway.commitPass()  // one transaction, then the replies
/// }
/// ```
public final class EventLoop {
    /// The libevent `event_base`.
    public let base: OpaquePointer
    private var signals: [Signal] = []

    public init() throws {
        // Broken pipes are reported as write errors on the connection, not as a signal.
        signal(SIGPIPE, SIG_IGN)
        // A precise clock (CLOCK_MONOTONIC, one vDSO read a pass) instead of libevent's
        // default coarse one (4 ms ticks): ``now`` then times each request to the commit
        // without a clock read of its own.
        guard let config = event_config_new() else { throw EventLoopError.libevent("event_config_new failed") }
        defer { event_config_free(config) }
        event_config_set_flag(config, Int32(EVENT_BASE_FLAG_PRECISE_TIMER.rawValue))
        guard let base = event_base_new_with_config(config) else { throw EventLoopError.libevent("event_base_new failed") }
        self.base = base
    }

    deinit {
        signals.removeAll()
        event_base_free(base)
    }

    /// Runs one pass: waits for at least one event, then runs every callback that is ready.
    public func runOnce() {
        event_base_loop(base, EVLOOP_ONCE)
    }

    /// Calls `handler` on the loop each time `signal` arrives (for as long as the loop lives).
    public func onSignal(_ number: Int32, _ handler: @escaping () -> Void) throws {
        signals.append(try Signal(loop: self, number: number, handler: handler))
        // A parent may have started us with the signal blocked (a blocked mask is
        // inherited across exec): we must see it.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, number)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// Seconds and microseconds of the loop's cached clock (cheap; refreshed every pass,
    /// to the microsecond).
    public var now: Double {
        var tv = timeval()
        event_base_gettimeofday_cached(base, &tv)
        return Double(tv.tv_sec) + Double(tv.tv_usec) / 1_000_000
    }
}

public enum EventLoopError: Error, CustomStringConvertible {
    case libevent(String)
    case address(String)
    case bind(String)

    public var description: String {
        switch self {
        case .libevent(let s): return s
        case .address(let s): return "bad listen address: \(s)"
        case .bind(let s): return s
        }
    }
}

extension timeval {
    init(seconds: Double) {
        let whole = seconds.rounded(.down)
        self.init(tv_sec: Int(whole), tv_usec: Int((seconds - whole) * 1_000_000))
    }
}

/// A signal event; the handler runs on the loop, not in signal context.
final class Signal {
    private var event: OpaquePointer?
    let handler: () -> Void

    init(loop: EventLoop, number: Int32, handler: @escaping () -> Void) throws {
        self.handler = handler
        let ctx = Unmanaged.passUnretained(self).toOpaque()
        guard let ev = event_new(loop.base, number, Int16(EV_SIGNAL | EV_PERSIST), signalTrampoline, ctx) else {
            throw EventLoopError.libevent("evsignal_new failed")
        }
        event = ev
        event_add(ev, nil)
    }

    deinit {
        if let event { event_free(event) }
    }
}

private func signalTrampoline(_ fd: Int32, _ what: Int16, _ ctx: UnsafeMutableRawPointer?) {
    guard let ctx else { return }
    Unmanaged<Signal>.fromOpaque(ctx).takeUnretainedValue().handler()
}
