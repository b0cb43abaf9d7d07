import CLibevent

/// A libevent timer on the loop (named apart from Foundation's `Timer`): one-shot or repeating. It stops when cancelled or
/// released.
///
/// ```swift
/// let t = LoopTimer(loop: loop) { print("tick") }
/// t.schedule(after: 0.5, repeating: true)
/// ```
public final class LoopTimer {
    private var event: OpaquePointer?
    private var handler: () -> Void
    private var repeating = false
    private let loop: EventLoop

    public init(loop: EventLoop, _ handler: @escaping () -> Void) {
        self.loop = loop
        self.handler = handler
    }

    /// (Re)arms the timer; an armed timer is moved to the new time.
    public func schedule(after seconds: Double, repeating: Bool = false) {
        if repeating != self.repeating, let ev = event {
            event_free(ev)
            event = nil
        }
        self.repeating = repeating
        if event == nil {
            let ctx = Unmanaged.passUnretained(self).toOpaque()
            event = event_new(loop.base, -1, repeating ? Int16(EV_PERSIST) : 0, timerTrampoline, ctx)
        }
        var tv = timeval(seconds: seconds)
        event_add(event, &tv)
    }

    public func cancel() {
        if let event { event_del(event) }
    }

    public var isPending: Bool {
        guard let event else { return false }
        return event_pending(event, Int16(EV_TIMEOUT), nil) != 0
    }

    fileprivate func fire() { handler() }

    deinit {
        if let event { event_free(event) }
    }
}

private func timerTrampoline(_ fd: Int32, _ what: Int16, _ ctx: UnsafeMutableRawPointer?) {
    guard let ctx else { return }
    // Held for the call: a handler may drop the last reference to its own timer.
    let timer = Unmanaged<LoopTimer>.fromOpaque(ctx).retain()
    defer { timer.release() }
    timer.takeUnretainedValue().fire()
}
