import Foundation
import SMPP

/// How one SMSC or USSD gateway reads SMPP where vendors differ: a file
/// `Grammars/smpp/NAME.profile` (`standard` is the SMPP 3.4 reading). The keys are
/// documented in `Grammars/smpp/standard.profile`; every key must be given, so a profile
/// says all it means.
public struct SMPPProfile: Equatable, Sendable {
    public enum LongReply: String, Sendable { case udh, payload }
    public enum USSDString: String, Sendable { case shortMessage = "short_message", destinationAddress = "destination_addr" }

    public var name: String
    public var alphabet: DefaultAlphabet
    public var longReply: LongReply
    public var ussdServiceType: String
    public var pssrIndication: UInt8
    public var ussrConfirm: UInt8
    public var ussrRequest: UInt8
    public var pssrResponse: UInt8
    public var abort: UInt8?
    public var ussdString: USSDString
    /// The TLV in which the SMSC sends its own id of an MO (the same on a redelivery),
    /// for deduplication; nil: MOs are known by their content.
    public var moIDTag: UInt16?

    /// The SMPP 3.4 reading, as `Grammars/smpp/standard.profile` writes it.
    public static let standard = SMPPProfile(name: "standard", alphabet: .gsm, longReply: .udh, ussdServiceType: "USSD",
                                             pssrIndication: 1, ussrConfirm: 18, ussrRequest: 2, pssrResponse: 17,
                                             abort: 0x81, ussdString: .shortMessage, moIDTag: nil)

    public struct Invalid: Error, CustomStringConvertible {
        public let file: String
        public let line: Int
        public let reason: String
        public var description: String { line > 0 ? "\(file):\(line): \(reason)" : "\(file): \(reason)" }
    }

    /// Reads a profile's text; `file` names it in errors.
    public init(parsing source: String, name: String, file: String) throws(Invalid) {
        var values: [String: (String, Int)] = [:]
        for (n, raw) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
                .trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { throw Invalid(file: file, line: n + 1, reason: "expected key = value") }
            let key = parts[0].trimmingCharacters(in: .whitespaces)
            guard SMPPProfile.keys.contains(key) else { throw Invalid(file: file, line: n + 1, reason: "unknown key \(key)") }
            guard values[key] == nil else { throw Invalid(file: file, line: n + 1, reason: "\(key) given twice") }
            values[key] = (parts[1].trimmingCharacters(in: .whitespaces), n + 1)
        }
        for key in SMPPProfile.keys where values[key] == nil {
            throw Invalid(file: file, line: 0, reason: "missing key \(key)")
        }
        func value(_ key: String) -> (String, Int) { values[key]! }
        func choice<T: RawRepresentable>(_ key: String, _: T.Type) throws(Invalid) -> T where T.RawValue == String {
            let (v, line) = value(key)
            guard let value = T(rawValue: v) else { throw Invalid(file: file, line: line, reason: "\(key): unknown value \(v)") }
            return value
        }
        func op(_ key: String, optional: Bool = false) throws(Invalid) -> UInt8? {
            let (v, line) = value(key)
            if optional, v.isEmpty || v == "none" { return nil }
            let parsed = v.hasPrefix("0x") ? UInt8(v.dropFirst(2), radix: 16) : UInt8(v)
            guard let parsed else { throw Invalid(file: file, line: line, reason: "\(key): \(v) is not a number from 0 to 255") }
            return parsed
        }
        self.name = name
        alphabet = try choice("default_alphabet", DefaultAlphabet.self)
        longReply = try choice("long_reply", LongReply.self)
        let (serviceType, line) = value("ussd_service_type")
        guard serviceType.utf8.count <= 5 else { throw Invalid(file: file, line: line, reason: "ussd_service_type is at most 5 characters") }
        ussdServiceType = serviceType
        pssrIndication = try op("ussd_op_pssr_indication")!
        ussrConfirm = try op("ussd_op_ussr_confirm")!
        ussrRequest = try op("ussd_op_ussr_request")!
        pssrResponse = try op("ussd_op_pssr_response")!
        abort = try op("ussd_op_abort", optional: true)
        ussdString = try choice("ussd_string", USSDString.self)
        let (tag, tagLine) = value("mo_id_tlv")
        if tag.isEmpty || tag == "none" {
            moIDTag = nil
        } else {
            guard tag.hasPrefix("0x"), let parsed = UInt16(tag.dropFirst(2), radix: 16) else {
                throw Invalid(file: file, line: tagLine, reason: "mo_id_tlv: \(tag) is not none or a tag in 0x hex")
            }
            moIDTag = parsed
        }
    }

    init(name: String, alphabet: DefaultAlphabet, longReply: LongReply, ussdServiceType: String, pssrIndication: UInt8,
         ussrConfirm: UInt8, ussrRequest: UInt8, pssrResponse: UInt8, abort: UInt8?, ussdString: USSDString,
         moIDTag: UInt16?) {
        self.name = name
        self.alphabet = alphabet
        self.longReply = longReply
        self.ussdServiceType = ussdServiceType
        self.pssrIndication = pssrIndication
        self.ussrConfirm = ussrConfirm
        self.ussrRequest = ussrRequest
        self.pssrResponse = pssrResponse
        self.abort = abort
        self.ussdString = ussdString
        self.moIDTag = moIDTag
    }

    static let keys = ["default_alphabet", "long_reply", "ussd_service_type", "ussd_op_pssr_indication",
                       "ussd_op_ussr_confirm", "ussd_op_ussr_request", "ussd_op_pssr_response", "ussd_op_abort",
                       "ussd_string", "mo_id_tlv"]

    /// `FOLDER/smpp/NAME.profile`.
    public static func load(_ name: String, grammarFolder: String) throws -> SMPPProfile {
        let path = grammarFolder + "/smpp/" + name + ".profile"
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Invalid(file: path, line: 0, reason: "no such profile")
        }
        return try SMPPProfile(parsing: String(decoding: data, as: UTF8.self), name: name, file: path)
    }
}
