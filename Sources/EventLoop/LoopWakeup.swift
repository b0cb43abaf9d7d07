import CLibevent
#if canImport(Glibc)
import Glibc
#endif

/// Wakes the loop from another thread: ``Bell/ring()`` may be called on any thread, the
/// handler runs on the loop thread (during ``EventLoop/runOnce()``). An `eventfd` read
/// A self-pipe read by a persistent libevent event (Glibc's module has no `eventfd`):
/// rings between two passes coalesce into one call, so the handler looks at everything
/// that is ready, not at one item per ring.
///
/// ```swift
/// let wakeup = try LoopWakeup(loop: loop) { drainResults() }
/// let bell = wakeup.bell            // Sendable: hand it to the worker thread
/// Thread { …; bell.ring() }.start()
/// ```
public final class LoopWakeup {
    /// The thread-safe end: only a descriptor.
    public struct Bell: Sendable {
        let fd: Int32
        /// Makes the loop call the handler soon; never blocks.
        public func ring() {
            var one: UInt8 = 1
            // EAGAIN means the pipe is full of rings already: the loop will wake anyway.
            _ = write(fd, &one, 1)
        }
    }

    public let bell: Bell
    private let readEnd: Int32
    private var event: OpaquePointer?
    private let handler: () -> Void

    public init(loop: EventLoop, _ handler: @escaping () -> Void) throws {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else {
            throw EventLoopError.libevent("pipe failed: \(String(cString: strerror(errno)))")
        }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        let fd = fds[0]
        readEnd = fd
        bell = Bell(fd: fds[1])
        self.handler = handler
        let ctx = Unmanaged.passUnretained(self).toOpaque()
        guard let ev = event_new(loop.base, fd, Int16(EV_READ | EV_PERSIST), wakeupTrampoline, ctx) else {
            close(fds[0])
            close(fds[1])
            throw EventLoopError.libevent("event_new failed for the wakeup")
        }
        event = ev
        event_add(ev, nil)
    }

    fileprivate func fire() {
        var sink = [UInt8](repeating: 0, count: 64)
        while read(readEnd, &sink, sink.count) == sink.count {}
        handler()
    }

    deinit {
        if let event {
            event_del(event)
            event_free(event)
        }
        close(readEnd)
        close(bell.fd)
    }
}

private func wakeupTrampoline(_ fd: Int32, _ what: Int16, _ ctx: UnsafeMutableRawPointer?) {
    guard let ctx else { return }
    let wakeup = Unmanaged<LoopWakeup>.fromOpaque(ctx).retain()
    defer { wakeup.release() }
    wakeup.takeUnretainedValue().fire()
}
