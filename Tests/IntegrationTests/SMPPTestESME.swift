import Foundation
import SMPP
#if canImport(Glibc)
import Glibc
#endif

/// A blocking SMPP ESME for integration tests, bound as a transceiver to the server's
/// `--smpp` port: it submits MOs, answers every `deliver_sm` (the replies) and
/// `enquire_link`, and collects the `submit_sm_resp`s — as a real ESME would, so that the
/// server's window never stalls on it.
final class SMPPTestESME {
    private var fd: Int32
    private var buffer: [UInt8] = []

    struct Failure: Error, CustomStringConvertible { let description: String }

    init(port: Int, systemID: String, password: String, timeout: Int = 10) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            Glibc.close(fd)
            throw Failure(description: "cannot connect to SMPP port \(port)")
        }
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        try write(PDU(command: .bindTransceiver, sequence: 0x7FFF_FFFF,
                      body: .bind(Bind(systemID: systemID, password: password))))
        guard let answer = try read(), answer.command == .bindTransceiverResp, answer.status == .ok else {
            throw Failure(description: "bind refused")
        }
    }

    deinit { close() }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    func submit(from: String, to: String, text: String, sequence: UInt32) throws {
        let message = ShortMessage(source: .international(from), destination: .shortCode(to), dataCoding: 0,
                                   shortMessage: Array(text.utf8))
        try write(PDU(command: .submitSM, sequence: sequence, body: .message(message)))
    }

    /// The `submit_sm_resp`s (sequence, command_status) read until `expected` came or the
    /// server closed the connection (or went silent for the timeout).
    func responses(expected: Int) -> [(UInt32, UInt32)] {
        var found: [(UInt32, UInt32)] = []
        while found.count < expected, let pdu = try? read() {
            switch pdu.command {
            case .submitSMResp: found.append((pdu.sequence, pdu.status.rawValue))
            case .deliverSM, .enquireLink, .unbind: try? write(pdu.response())
            default: break
            }
        }
        return found
    }

    private func write(_ pdu: PDU) throws {
        let bytes = pdu.encoded()
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "connection closed") }
            sent += n
        }
    }

    /// The next PDU; `nil` at the end of the stream.
    private func read() throws -> PDU? {
        while true {
            if buffer.count >= 4 {
                let length = Int(UInt32(buffer[0]) << 24 | UInt32(buffer[1]) << 16 | UInt32(buffer[2]) << 8 | UInt32(buffer[3]))
                if buffer.count >= length {
                    let frame = Array(buffer[..<length])
                    buffer.removeFirst(length)
                    return try PDU.decode(frame)
                }
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { return nil }
            buffer += chunk[..<n]
        }
    }
}
