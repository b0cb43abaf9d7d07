/// An SMPP 3.4 `command_id` (§5.1.2.1). A struct, not an enum: a peer may send any value,
/// and an unknown one must still be named in logs and answered `generic_nack`.
public struct CommandID: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let genericNack = CommandID(rawValue: 0x8000_0000)
    public static let bindReceiver = CommandID(rawValue: 0x0000_0001)
    public static let bindReceiverResp = CommandID(rawValue: 0x8000_0001)
    public static let bindTransmitter = CommandID(rawValue: 0x0000_0002)
    public static let bindTransmitterResp = CommandID(rawValue: 0x8000_0002)
    public static let querySM = CommandID(rawValue: 0x0000_0003)
    public static let submitSM = CommandID(rawValue: 0x0000_0004)
    public static let submitSMResp = CommandID(rawValue: 0x8000_0004)
    public static let deliverSM = CommandID(rawValue: 0x0000_0005)
    public static let deliverSMResp = CommandID(rawValue: 0x8000_0005)
    public static let unbind = CommandID(rawValue: 0x0000_0006)
    public static let unbindResp = CommandID(rawValue: 0x8000_0006)
    public static let bindTransceiver = CommandID(rawValue: 0x0000_0009)
    public static let bindTransceiverResp = CommandID(rawValue: 0x8000_0009)
    public static let outbind = CommandID(rawValue: 0x0000_000B)
    public static let enquireLink = CommandID(rawValue: 0x0000_0015)
    public static let enquireLinkResp = CommandID(rawValue: 0x8000_0015)
    public static let dataSM = CommandID(rawValue: 0x0000_0103)
    public static let dataSMResp = CommandID(rawValue: 0x8000_0103)

    /// Responses have the top bit set.
    public var isResponse: Bool { rawValue & 0x8000_0000 != 0 }
    /// The response to this request (`submit_sm` → `submit_sm_resp`).
    public var response: CommandID { CommandID(rawValue: rawValue | 0x8000_0000) }
    /// A bind of any kind.
    public var isBind: Bool { self == .bindTransceiver || self == .bindTransmitter || self == .bindReceiver }

    static let names: [UInt32: String] = [
        0x8000_0000: "generic_nack",
        0x0000_0001: "bind_receiver", 0x8000_0001: "bind_receiver_resp",
        0x0000_0002: "bind_transmitter", 0x8000_0002: "bind_transmitter_resp",
        0x0000_0003: "query_sm", 0x8000_0003: "query_sm_resp",
        0x0000_0004: "submit_sm", 0x8000_0004: "submit_sm_resp",
        0x0000_0005: "deliver_sm", 0x8000_0005: "deliver_sm_resp",
        0x0000_0006: "unbind", 0x8000_0006: "unbind_resp",
        0x0000_0007: "replace_sm", 0x8000_0007: "replace_sm_resp",
        0x0000_0008: "cancel_sm", 0x8000_0008: "cancel_sm_resp",
        0x0000_0009: "bind_transceiver", 0x8000_0009: "bind_transceiver_resp",
        0x0000_000B: "outbind",
        0x0000_0015: "enquire_link", 0x8000_0015: "enquire_link_resp",
        0x0000_0021: "submit_multi", 0x8000_0021: "submit_multi_resp",
        0x0000_0102: "alert_notification",
        0x0000_0103: "data_sm", 0x8000_0103: "data_sm_resp",
    ]

    public var description: String {
        CommandID.names[rawValue] ?? "command 0x" + String(rawValue, radix: 16)
    }
}

/// An SMPP 3.4 `command_status` (§5.1.3): the error codes this gateway sends or acts on.
public struct CommandStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let ok = CommandStatus(rawValue: 0x00)
    /// Message length is invalid (a text too long, or one that cannot be decoded).
    public static let invalidMessageLength = CommandStatus(rawValue: 0x01)
    /// Command length is invalid: also what a body that does not parse is answered.
    public static let invalidCommandLength = CommandStatus(rawValue: 0x02)
    public static let invalidCommandID = CommandStatus(rawValue: 0x03)
    /// The command is not allowed in the bind's state (a `submit_sm` before a bind).
    public static let invalidBindStatus = CommandStatus(rawValue: 0x04)
    public static let alreadyBound = CommandStatus(rawValue: 0x05)
    public static let systemError = CommandStatus(rawValue: 0x08)
    public static let invalidSourceAddress = CommandStatus(rawValue: 0x0A)
    public static let invalidDestinationAddress = CommandStatus(rawValue: 0x0B)
    public static let bindFailed = CommandStatus(rawValue: 0x0D)
    public static let invalidPassword = CommandStatus(rawValue: 0x0E)
    public static let invalidSystemID = CommandStatus(rawValue: 0x0F)
    public static let invalidServiceType = CommandStatus(rawValue: 0x15)
    public static let messageQueueFull = CommandStatus(rawValue: 0x14)
    public static let invalidESMClass = CommandStatus(rawValue: 0x43)
    public static let throttled = CommandStatus(rawValue: 0x58)
    /// A temporary error of the application: the SMSC delivers the message again later
    /// (a failed commit answers this).
    public static let temporaryAppError = CommandStatus(rawValue: 0x64)
    /// A permanent error of the application: the SMSC gives up on the message.
    public static let permanentAppError = CommandStatus(rawValue: 0x65)
    public static let invalidOptionalParameterStream = CommandStatus(rawValue: 0xC0)
    public static let invalidParameterLength = CommandStatus(rawValue: 0xC2)
    public static let invalidOptionalParameterValue = CommandStatus(rawValue: 0xC4)
    public static let unknownError = CommandStatus(rawValue: 0xFF)

    static let names: [UInt32: String] = [
        0x00: "ESME_ROK", 0x01: "ESME_RINVMSGLEN", 0x02: "ESME_RINVCMDLEN", 0x03: "ESME_RINVCMDID",
        0x04: "ESME_RINVBNDSTS", 0x05: "ESME_RALYBND", 0x08: "ESME_RSYSERR", 0x0A: "ESME_RINVSRCADR",
        0x0B: "ESME_RINVDSTADR", 0x0D: "ESME_RBINDFAIL", 0x0E: "ESME_RINVPASWD", 0x0F: "ESME_RINVSYSID",
        0x14: "ESME_RMSGQFUL", 0x15: "ESME_RINVSERTYP", 0x43: "ESME_RINVESMCLASS", 0x58: "ESME_RTHROTTLED",
        0x64: "ESME_RX_T_APPN", 0x65: "ESME_RX_P_APPN", 0x66: "ESME_RX_R_APPN",
        0xC0: "ESME_RINVOPTPARSTREAM", 0xC1: "ESME_ROPTPARNOTALLWD", 0xC2: "ESME_RINVPARLEN",
        0xC3: "ESME_RMISSINGOPTPARAM", 0xC4: "ESME_RINVOPTPARAMVAL", 0xFF: "ESME_RUNKNOWNERR",
    ]

    public var description: String {
        CommandStatus.names[rawValue] ?? "status 0x" + String(rawValue, radix: 16)
    }
}
