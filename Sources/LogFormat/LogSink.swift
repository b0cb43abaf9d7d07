import Logging
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where log lines go: a file descriptor (stderr: journald takes it under systemd).
///
/// Lines below `warning` may be held (``holding``) and written together by ``flush()``,
/// which the gateway calls once per loop pass: at tens of thousands of commands a second a
/// `write(2)` per command line would cost more than the command. Warnings and worse are
/// written at once, after what was held, so the order stays. Held lines are also written
/// when 64 KiB are waiting, and at ``flush()`` on shutdown; a crash loses at most one
/// pass's info lines (the audit rows are the record of what was done).
///
/// The loop writes these lines, and the loop must not wait: after ``neverBlock()`` a pipe or
/// socket (journald's) that is full drops what does not fit, and the next line that gets
/// through is preceded by a warning saying how many were lost.
public final class LogSink: @unchecked Sendable {
    private let fd: Int32
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var buffer: [UInt8] = []
    /// Whether info lines wait for ``flush()``.
    private var holding = false
    /// Lines dropped since the last write that got through, and whether the last write
    /// stopped inside a line (the next starts on a new one).
    public private(set) var dropped = 0
    private var cutMidLine = false
    /// The format of the line that reports dropped lines.
    public var format: LogFormat = .logfmt

    public static let standardError = LogSink(fd: 2)

    public init(fd: Int32) {
        self.fd = fd
        pthread_mutex_init(lock, nil)
        buffer.reserveCapacity(1 << 16)
    }

    deinit {
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }

    /// Makes the descriptor non-blocking when it is a pipe or a socket (journald, `| tee`);
    /// a terminal or a file is left as it is (their writes do not wait on a reader).
    /// Whether it did.
    @discardableResult
    public func neverBlock() -> Bool {
        var info = stat()
        guard fstat(fd, &info) == 0 else { return false }
        let kind = info.st_mode & S_IFMT
        guard kind == S_IFIFO || kind == S_IFSOCK else { return false }
        let flags = fcntl(fd, F_GETFL)
        return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0
    }

    /// From now on lines below `warning` wait for ``flush()`` (or are written at once).
    public func hold(_ on: Bool) {
        pthread_mutex_lock(lock)
        holding = on
        pthread_mutex_unlock(lock)
        if !on { flush() }
    }

    /// Renders a line with `body` and writes it (or keeps it for the next flush).
    func write(urgent: Bool, _ body: (inout [UInt8]) -> Void) {
        pthread_mutex_lock(lock)
        body(&buffer)
        if urgent || !holding || buffer.count >= 1 << 16 { drain() }
        pthread_mutex_unlock(lock)
    }

    /// Writes what is held.
    public func flush() {
        pthread_mutex_lock(lock)
        if !buffer.isEmpty { drain() }
        pthread_mutex_unlock(lock)
    }

    /// Under the lock.
    private func drain() {
        var headCount = 0
        if dropped > 0 || cutMidLine {
            // Say what was lost before what comes now (if this gets through).
            var head: [UInt8] = cutMidLine ? [0x0A] : []
            if dropped > 0 {
                format.render(time: .now(), level: .warning, message: "log stream full: lines dropped",
                              metadata: ["dropped": .stringConvertible(dropped)], into: &head)
            }
            headCount = head.count
            buffer.insert(contentsOf: head, at: 0)
        }
        var offset = 0
        buffer.withUnsafeBytes { bytes in
            while offset < bytes.count {
                let n = writeBytes(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n > 0 {
                    offset += n
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    // A full (non-blocking) or closed log stream must not stop the
                    // gateway: the rest goes, counted.
                    break
                }
            }
        }
        if offset == buffer.count {
            dropped = 0
            cutMidLine = false
        } else {
            let lost = buffer[max(offset, headCount)...].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            // The report itself not through: what it reported is still owed.
            dropped = (offset < headCount ? dropped : 0) + lost
            if offset > 0 { cutMidLine = buffer[offset - 1] != 0x0A }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

/// The swift-log handler of `selfcare serve`: every line in ``LogFormat``, to a ``LogSink``.
///
/// ```swift
/// LoggingSystem.bootstrap { _ in LineLogHandler(format: .logfmt, level: .info, sink: .standardError) }
/// Logger(label: "selfcare").info("command", metadata: ["channel": "line", "outcome": "ok"])
/// ```
public struct LineLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let format: LogFormat
    let sink: LogSink

    public init(format: LogFormat, level: Logger.Level, sink: LogSink = .standardError) {
        self.format = format
        logLevel = level
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get(), !provided.isEmpty { fields.merge(provided) { $1 } }
        if let own = event.metadata {
            if fields.isEmpty { fields = own } else { fields.merge(own) { $1 } }
        }
        let time = LogTime.now()
        let message = event.message.description
        sink.write(urgent: event.level >= .warning) { out in
            format.render(time: time, level: event.level, message: message, metadata: fields, into: &out)
        }
    }
}

private func writeBytes(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, bytes, count)
}
