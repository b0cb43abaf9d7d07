#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Cuts a byte stream into lines: a pure state machine, in the manner of a SwiftNIO
/// `ByteToMessageDecoder`, that never copies and never allocates.
///
/// LF ends a line; a CR right before that LF is dropped with it (CRLF), a CR anywhere
/// else is data. A line longer than ``maximumLineLength`` bytes (line end excluded) is
/// reported once as ``LineEvent/tooLong`` as soon as the limit is passed, even before its
/// LF has arrived; the decoder then swallows the rest of that line, across calls, and
/// the next line is decoded normally.
///
/// The caller owns the buffer. It offers everything it holds, drains the number of bytes
/// ``decode(_:_:)`` returns, keeps the rest (the start of an incomplete line) and offers
/// it again, with more bytes appended, on the next read:
///
/// ```swift
/// var decoder = LineDecoder()
/// let consumed = buffer.withUnsafeReadableBytes { bytes in
///     decoder.decode(bytes) { event in
///         switch event {
///         case .line(let line): handle(Request.parse(line))
///         case .tooLong: reply(RequestError.lineTooLong)
///         }
///     }
/// }
/// buffer.drain(consumed)
/// ```
///
/// What the caller keeps is never more than `maximumLineLength + 1` bytes, so a peer
/// cannot grow a connection's buffer by withholding its LF.
public struct LineDecoder: Sendable {
    /// The limit of the line protocol: 4096 bytes per line, its line end excluded.
    public static let defaultMaximumLineLength = 4096

    /// The longest line delivered, in bytes, its LF or CRLF excluded.
    public let maximumLineLength: Int

    /// `true` while the decoder swallows the rest of a line it reported as too long.
    public private(set) var isDiscarding = false

    /// Leading bytes of the incomplete line left to the caller by the last call that are
    /// known to hold no LF: the next call resumes its search after them instead of
    /// scanning the same bytes again while a long line trickles in.
    private var scanned = 0

    /// - Parameter maximumLineLength: the longest line delivered (line end excluded);
    ///   at least 1.
    public init(maximumLineLength: Int = LineDecoder.defaultMaximumLineLength) {
        precondition(maximumLineLength >= 1, "maximumLineLength must be positive")
        self.maximumLineLength = maximumLineLength
    }

    /// Decodes every complete line at the front of `bytes`, calling `onEvent` for each in
    /// order, and returns how many bytes were consumed.
    ///
    /// The bytes not consumed are the start of a line whose LF has not arrived; the
    /// caller keeps them and offers them again, first, on the next call. `onEvent` must
    /// not keep the pointer of a ``LineEvent/line(_:)`` beyond the call.
    ///
    /// - Returns: the number of bytes, from the front of `bytes`, that the caller drains.
    public mutating func decode(_ bytes: UnsafeRawBufferPointer, _ onEvent: (LineEvent) -> Void) -> Int {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return 0 }
        let end = bytes.count
        var start = 0

        if isDiscarding {
            guard let lf = memchr(base, 0x0A, end) else { return end }
            start = UnsafeRawPointer(lf) - base + 1
            isDiscarding = false
        }

        // Only the first line of this call can be the one the caller kept last time.
        var searchFrom = start + min(scanned, end - start)
        scanned = 0

        while start < end {
            guard let found = memchr(base + searchFrom, 0x0A, end - searchFrom) else {
                let pending = end - start
                // Past the limit already? A final CR may still be the CR of a CRLF.
                if pending > maximumLineLength + 1
                    || (pending == maximumLineLength + 1 && base.load(fromByteOffset: end - 1, as: UInt8.self) != 0x0D) {
                    onEvent(.tooLong)
                    isDiscarding = true
                    return end
                }
                scanned = pending
                return start
            }
            let lf = UnsafeRawPointer(found) - base
            var lineEnd = lf
            if lineEnd > start, base.load(fromByteOffset: lineEnd - 1, as: UInt8.self) == 0x0D {
                lineEnd -= 1
            }
            if lineEnd - start > maximumLineLength {
                onEvent(.tooLong)
            } else {
                onEvent(.line(UnsafeRawBufferPointer(start: base + start, count: lineEnd - start)))
            }
            start = lf + 1
            searchFrom = start
        }
        return end
    }
}
