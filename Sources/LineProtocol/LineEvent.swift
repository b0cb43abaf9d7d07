/// What ``LineDecoder`` reports while it cuts a byte stream into lines.
///
/// A `.line` borrows the caller's buffer: the pointer is valid only for the duration of
/// the callback that receives it, so the event is neither stored nor `Sendable`.
public enum LineEvent {
    /// One complete line, without its LF and without the CR of a CRLF. Empty for an empty
    /// line. A CR anywhere else (a bare CR) is part of the line.
    case line(UnsafeRawBufferPointer)
    /// A line passed ``LineDecoder/maximumLineLength`` bytes (line end excluded). Reported
    /// once per such line, as soon as the limit is passed; the rest of that line, up to and
    /// including its LF, is discarded without further events.
    case tooLong
}
