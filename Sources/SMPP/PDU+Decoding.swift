/// Why a frame could not be read as a PDU, and the `command_status` that says so.
public struct PDUError: Error, Equatable, Sendable, CustomStringConvertible {
    public var status: CommandStatus
    public var reason: String

    public init(_ status: CommandStatus, _ reason: String) {
        self.status = status
        self.reason = reason
    }

    public var description: String { "\(reason) (\(status))" }
}

extension PDU {
    /// Decodes one whole frame (as ``FrameDecoder`` cut it). Unknown commands, strings
    /// without their NUL or over their maximum, fields past the end, a `sm_length` that
    /// overruns, TLVs whose length overruns, octets left over: each a ``PDUError`` whose
    /// status the peer is answered with.
    public static func decode(_ frame: UnsafeRawBufferPointer) throws(PDUError) -> PDU {
        var r = ByteReader(frame)
        guard let length = r.uint32(), let id = r.uint32(), let statusValue = r.uint32(), let sequence = r.uint32() else {
            throw PDUError(.invalidCommandLength, "header shorter than 16 octets")
        }
        guard length == UInt32(frame.count) else {
            throw PDUError(.invalidCommandLength, "command_length \(length) but \(frame.count) octets")
        }
        let command = CommandID(rawValue: id)
        let status = CommandStatus(rawValue: statusValue)
        var pdu = PDU(command: command, status: status, sequence: sequence)
        switch command {
        case .enquireLink, .enquireLinkResp, .unbind, .unbindResp, .genericNack:
            break
        case .bindTransceiver, .bindTransmitter, .bindReceiver:
            // SMPP 3.4 allows 15 and 8 characters; tools and accounts use longer ones, and
            // the bind's checker is the account table, so up to 64 of each are read.
            pdu.body = .bind(try field("bind") { () throws -> Bind in
                var bind = Bind(systemID: try r.cString(maximum: 65), password: "")
                bind.password = try r.cString(maximum: 65)
                bind.systemType = try r.cString(maximum: 13)
                guard let version = r.uint8(), let ton = r.uint8(), let npi = r.uint8() else { throw Truncated() }
                bind.interfaceVersion = version
                bind.addressRange = Address(try r.cString(maximum: 41), ton: ton, npi: npi)
                return bind
            })
            // A bind may carry no TLVs in 3.4; octets after address_range are ignored.
            r.offset = frame.count
        case .bindTransceiverResp, .bindTransmitterResp, .bindReceiverResp:
            // A refused bind's response may have no body at all.
            if !r.isAtEnd {
                let systemID = try field("system_id") { try r.cString(maximum: 16) }
                pdu.body = .bindResponse(systemID: systemID, tlvs: try tlvs(&r))
            }
        case .submitSM, .deliverSM:
            pdu.body = .message(try shortMessage(&r))
        case .dataSM:
            pdu.body = .data(try dataMessage(&r))
        case .submitSMResp, .deliverSMResp, .dataSMResp:
            if !r.isAtEnd {
                let id = try field("message_id") { try r.cString(maximum: 65) }
                pdu.body = .messageResponse(messageID: id, tlvs: try tlvs(&r))
            }
        default:
            throw PDUError(.invalidCommandID, "unknown or unsupported command \(command)")
        }
        guard r.isAtEnd else {
            throw PDUError(.invalidCommandLength, "\(r.remaining) octets after the body of \(command)")
        }
        return pdu
    }

    public static func decode(_ frame: [UInt8]) throws(PDUError) -> PDU {
        let result = frame.withUnsafeBytes { buffer in Result { () throws(PDUError) -> PDU in try decode(buffer) } }
        return try result.get()
    }

    private struct Truncated: Error {}

    /// Runs `body`, naming `name` in the error: a missing NUL or a truncated field is
    /// `ESME_RINVCMDLEN` (the body is shorter than it says), a string over its maximum
    /// `ESME_RINVPARLEN`.
    private static func field<T>(_ name: String, status: CommandStatus = .invalidParameterLength,
                                 _ body: () throws -> T) throws(PDUError) -> T {
        do {
            return try body()
        } catch ByteReader.CStringError.tooLong {
            throw PDUError(status, "\(name) is longer than SMPP allows")
        } catch let error as PDUError {
            throw error
        } catch {
            throw PDUError(.invalidCommandLength, "\(name) runs past the end of the PDU")
        }
    }

    private static func shortMessage(_ r: inout ByteReader) throws(PDUError) -> ShortMessage {
        let serviceType = try field("service_type", status: .invalidServiceType) { try r.cString(maximum: 6) }
        let source = try address(&r, "source_addr", maximum: 21, status: .invalidSourceAddress)
        let destination = try address(&r, "destination_addr", maximum: 21, status: .invalidDestinationAddress)
        var m = ShortMessage(source: source, destination: destination)
        m.serviceType = serviceType
        try field("esm_class") { () throws -> Void in
            guard let esm = r.uint8(), let pid = r.uint8(), let priority = r.uint8() else { throw Truncated() }
            m.esmClass = esm; m.protocolID = pid; m.priority = priority
            m.scheduleDeliveryTime = try r.cString(maximum: 17)
            m.validityPeriod = try r.cString(maximum: 17)
            guard let registered = r.uint8(), let replace = r.uint8(), let coding = r.uint8(),
                  let defaultID = r.uint8(), let smLength = r.uint8() else { throw Truncated() }
            m.registeredDelivery = registered; m.replaceIfPresent = replace; m.dataCoding = coding
            m.defaultMessageID = defaultID
            guard let text = r.octets(Int(smLength)) else {
                throw PDUError(.invalidMessageLength, "sm_length \(smLength) runs past the end of the PDU")
            }
            m.shortMessage = text
        }
        m.tlvs = try tlvs(&r)
        if !m.shortMessage.isEmpty, m.tlvs.first(.messagePayload) != nil {
            throw PDUError(.invalidOptionalParameterValue, "both short_message and message_payload are given")
        }
        return m
    }

    private static func dataMessage(_ r: inout ByteReader) throws(PDUError) -> DataMessage {
        let serviceType = try field("service_type", status: .invalidServiceType) { try r.cString(maximum: 6) }
        let source = try address(&r, "source_addr", maximum: 65, status: .invalidSourceAddress)
        let destination = try address(&r, "destination_addr", maximum: 65, status: .invalidDestinationAddress)
        var m = DataMessage(source: source, destination: destination)
        m.serviceType = serviceType
        guard let esm = r.uint8(), let registered = r.uint8(), let coding = r.uint8() else {
            throw PDUError(.invalidCommandLength, "data_sm ends before data_coding")
        }
        m.esmClass = esm; m.registeredDelivery = registered; m.dataCoding = coding
        m.tlvs = try tlvs(&r)
        return m
    }

    private static func address(_ r: inout ByteReader, _ name: String, maximum: Int,
                                status: CommandStatus) throws(PDUError) -> Address {
        guard let ton = r.uint8(), let npi = r.uint8() else {
            throw PDUError(.invalidCommandLength, "\(name) runs past the end of the PDU")
        }
        return Address(try field(name, status: status) { try r.cString(maximum: maximum) }, ton: ton, npi: npi)
    }

    /// The TLVs up to the end of the frame; a length past the end is
    /// `ESME_RINVOPTPARSTREAM`.
    private static func tlvs(_ r: inout ByteReader) throws(PDUError) -> [TLV] {
        var list: [TLV] = []
        while !r.isAtEnd {
            guard let tag = r.uint16(), let length = r.uint16() else {
                throw PDUError(.invalidOptionalParameterStream, "a TLV header is cut off")
            }
            guard let value = r.octets(Int(length)) else {
                throw PDUError(.invalidOptionalParameterStream,
                               "TLV 0x\(String(tag, radix: 16)) says \(length) octets, \(r.remaining) are left")
            }
            list.append(TLV(TLV.Tag(tag), value))
        }
        return list
    }
}
