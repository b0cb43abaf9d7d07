/// One SMPP 3.4 protocol data unit: the 16-octet header's fields and a decoded body.
///
/// Only what a self-service gateway exchanges has a body of its own: binds and their
/// responses, `submit_sm`, `deliver_sm`, `data_sm` and their responses. Every other PDU
/// is a header (enquire_link, unbind, generic_nack and their responses carry no body).
///
/// ```swift
/// let pdu = PDU(command: .enquireLink, sequence: 7)
/// pdu.encoded()   // 00 00 00 10  00 00 00 15  00 00 00 00  00 00 00 07
/// ```
public struct PDU: Equatable, Sendable {
    public var command: CommandID
    public var status: CommandStatus
    public var sequence: UInt32
    public var body: Body

    public init(command: CommandID, status: CommandStatus = .ok, sequence: UInt32, body: Body = .empty) {
        self.command = command
        self.status = status
        self.sequence = sequence
        self.body = body
    }

    public enum Body: Equatable, Sendable {
        /// No body (enquire_link, unbind, generic_nack, their responses; a response with
        /// an error status may come without its body).
        case empty
        /// `bind_transceiver`, `bind_transmitter`, `bind_receiver`.
        case bind(Bind)
        /// A bind's response: the responder's system_id (and its TLVs).
        case bindResponse(systemID: String, tlvs: [TLV])
        /// `submit_sm` and `deliver_sm`: their bodies are the same fields (§4.4, §4.6).
        case message(ShortMessage)
        /// `data_sm` (§4.7): a message whose text is in `message_payload`.
        case data(DataMessage)
        /// `submit_sm_resp`, `deliver_sm_resp`, `data_sm_resp`: the message id.
        case messageResponse(messageID: String, tlvs: [TLV])
    }

    /// A request's answer with `status` and no body beyond what the command needs.
    public func response(_ status: CommandStatus = .ok, messageID: String = "") -> PDU {
        var body = Body.empty
        switch command {
        case .submitSM, .deliverSM, .dataSM:
            // A refused submit_sm_resp has no body (§4.4.2); deliver_sm_resp always has
            // its (empty) message_id.
            if status == .ok || command == .deliverSM { body = .messageResponse(messageID: messageID, tlvs: []) }
        default: break
        }
        return PDU(command: command.response, status: status, sequence: sequence, body: body)
    }

    /// `generic_nack` for a request that could not be taken.
    public static func genericNack(_ status: CommandStatus, sequence: UInt32) -> PDU {
        PDU(command: .genericNack, status: status, sequence: sequence)
    }
}

/// A bind request's fields (§4.1.1).
public struct Bind: Equatable, Sendable {
    public var systemID: String
    public var password: String
    public var systemType: String
    public var interfaceVersion: UInt8
    public var addressRange: Address

    public init(systemID: String, password: String, systemType: String = "", interfaceVersion: UInt8 = 0x34,
                addressRange: Address = Address("")) {
        self.systemID = systemID
        self.password = password
        self.systemType = systemType
        self.interfaceVersion = interfaceVersion
        self.addressRange = addressRange
    }
}

/// An address: type of number, numbering plan indicator and the digits (or a name).
public struct Address: Equatable, Sendable {
    public var ton: UInt8
    public var npi: UInt8
    public var value: String

    /// TON 1 (international), NPI 1 (E.164): a subscriber's number.
    public static func international(_ digits: String) -> Address { Address(digits, ton: 1, npi: 1) }
    /// TON 0 (unknown), NPI 1: a short code or service number as operators send it.
    public static func shortCode(_ digits: String) -> Address { Address(digits, ton: 0, npi: 1) }

    public init(_ value: String, ton: UInt8 = 0, npi: UInt8 = 0) {
        self.value = value
        self.ton = ton
        self.npi = npi
    }
}

/// The body of `submit_sm` and `deliver_sm` (§4.4.1, §4.6.1).
public struct ShortMessage: Equatable, Sendable {
    public var serviceType: String = ""
    public var source: Address
    public var destination: Address
    public var esmClass: UInt8 = 0
    public var protocolID: UInt8 = 0
    public var priority: UInt8 = 0
    public var scheduleDeliveryTime: String = ""
    public var validityPeriod: String = ""
    public var registeredDelivery: UInt8 = 0
    public var replaceIfPresent: UInt8 = 0
    public var dataCoding: UInt8 = 0
    public var defaultMessageID: UInt8 = 0
    /// The octets of `short_message` (at most 254; a longer text goes in `message_payload`).
    public var shortMessage: [UInt8] = []
    public var tlvs: [TLV] = []

    public init(source: Address, destination: Address, dataCoding: UInt8 = 0, shortMessage: [UInt8] = [],
                tlvs: [TLV] = []) {
        self.source = source
        self.destination = destination
        self.dataCoding = dataCoding
        self.shortMessage = shortMessage
        self.tlvs = tlvs
    }

    /// The message's octets: `message_payload` when present (§5.3.2.32: then
    /// `short_message` is empty), else `short_message`.
    public var payload: [UInt8] { tlvs.first(.messagePayload)?.value ?? shortMessage }

    /// `esm_class` bits 2–5 say a delivery receipt or an acknowledgement, not an MO.
    public var isReceipt: Bool { esmClass & 0x3C != 0 }
    /// `esm_class` bit 6: the payload starts with a user data header.
    public var hasUDH: Bool { esmClass & 0x40 != 0 }
}

/// The body of `data_sm` (§4.7.1).
public struct DataMessage: Equatable, Sendable {
    public var serviceType: String = ""
    public var source: Address
    public var destination: Address
    public var esmClass: UInt8 = 0
    public var registeredDelivery: UInt8 = 0
    public var dataCoding: UInt8 = 0
    public var tlvs: [TLV] = []

    public init(source: Address, destination: Address, dataCoding: UInt8 = 0, tlvs: [TLV] = []) {
        self.source = source
        self.destination = destination
        self.dataCoding = dataCoding
        self.tlvs = tlvs
    }

    /// The same message as a `deliver_sm` body, so one path handles both.
    public var asShortMessage: ShortMessage {
        var message = ShortMessage(source: source, destination: destination, dataCoding: dataCoding, tlvs: tlvs)
        message.serviceType = serviceType
        message.esmClass = esmClass
        message.registeredDelivery = registeredDelivery
        return message
    }
}
