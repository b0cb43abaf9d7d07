import EventLoop
import SMPP

/// What one read of an SMPP connection gave: the PDUs in order, each either decoded or
/// refused (its header, to answer it, and why), and whether the framing was lost.
enum SMPPRead {
    case pdu(PDU)
    case malformed(command: CommandID, sequence: UInt32, PDUError)
}

extension Connection {
    /// Takes every whole PDU out of the input. `lost` is the `command_length` that made
    /// the stream unframeable (the rest of the input is dropped: answer `generic_nack`
    /// and close).
    func readPDUs(_ frames: FrameDecoder) -> (items: [SMPPRead], lost: UInt32?) {
        var items: [SMPPRead] = []
        var lost: UInt32?
        consumeInput { buffer in
            var offset = 0
            while offset < buffer.count {
                let rest = UnsafeRawBufferPointer(rebasing: buffer[offset...])
                switch frames.next(in: rest) {
                case .needMore:
                    return offset
                case .invalidLength(let length):
                    lost = length
                    return buffer.count
                case .frame(let length):
                    let frame = UnsafeRawBufferPointer(rebasing: rest[0..<length])
                    offset += length
                    switch Result(catching: { () throws(PDUError) -> PDU in try PDU.decode(frame) }) {
                    case .success(let pdu): items.append(.pdu(pdu))
                    case .failure(let error):
                        if let header = FrameDecoder.header(of: frame) {
                            items.append(.malformed(command: header.command, sequence: header.sequence, error))
                        }
                    }
                }
            }
            return offset
        }
        return (items, lost)
    }
}
