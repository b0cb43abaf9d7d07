/// Finds PDUs in a byte stream: a pure state machine over whatever the socket gave (a
/// PDU split across reads, many in one read). It reads only the 4-octet
/// `command_length`; the body is ``PDU/decode(_:)``'s.
///
/// ```swift
/// var frames = FrameDecoder()
/// switch frames.next(in: buffer) {
/// case .frame(let length): handle(buffer.prefix(length)); consume(length)
/// case .needMore: break                  // wait for the next read
/// case .invalidLength(let length): nack(.invalidCommandLength); close()   // framing is lost
/// }
/// ```
public struct FrameDecoder: Sendable {
    /// The largest PDU taken: a `message_payload` may be up to 64 KiB.
    public var maximumLength: Int

    public init(maximumLength: Int = 65_536 + 512) {
        self.maximumLength = maximumLength
    }

    public enum Result: Equatable, Sendable {
        /// A whole PDU of this many octets starts the buffer.
        case frame(Int)
        /// Not enough octets yet.
        case needMore
        /// `command_length` below 16 or above the maximum: the stream cannot be framed
        /// any further; answer `generic_nack` and close.
        case invalidLength(UInt32)
    }

    public func next(in buffer: UnsafeRawBufferPointer) -> Result {
        guard buffer.count >= 4 else { return .needMore }
        let length = UInt32(buffer[0]) << 24 | UInt32(buffer[1]) << 16 | UInt32(buffer[2]) << 8 | UInt32(buffer[3])
        guard length >= 16, length <= maximumLength else { return .invalidLength(length) }
        return buffer.count >= Int(length) ? .frame(Int(length)) : .needMore
    }

    /// The header of a frame whose body did not parse, to answer it: command id and sequence.
    public static func header(of frame: UnsafeRawBufferPointer) -> (command: CommandID, sequence: UInt32)? {
        guard frame.count >= 16 else { return nil }
        var reader = ByteReader(frame)
        _ = reader.uint32()
        let command = CommandID(rawValue: reader.uint32()!)
        _ = reader.uint32()
        return (command, reader.uint32()!)
    }
}
