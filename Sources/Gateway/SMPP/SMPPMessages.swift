import Engine
import Model
import Numbering
import SMPP
import SMSText

/// What a `deliver_sm` (or `data_sm`) from an SMSC means to the gateway, and the
/// `submit_sm` bodies that answer it: pure functions of the PDU and the link's profile,
/// so every vendor difference is tested without a socket.
enum SMPPMessages {
    /// An incoming message, read.
    enum Inbound: Equatable {
        /// A delivery receipt or an acknowledgement: no subscriber's request. `report` is
        /// `nil` when it says no state (no `message_state`, no `stat:`).
        case receipt(messageID: String, report: DeliveryReport?)
        /// An MO SMS (or one part of a long one).
        case sms(from: MSISDN, to: Destination, text: String, part: Concatenation?)
        /// A USSD string: `opens` for a dialled code (PSSR indication), else the answer to
        /// the screen shown (USSR confirm).
        case ussd(from: MSISDN, input: String, opens: Bool)
        /// The subscriber left the USSD dialogue.
        case ussdAbort(from: MSISDN)
    }

    /// Reads `m`; a refusal is the status its `deliver_sm_resp` carries, with why.
    static func read(_ m: ShortMessage, profile: SMPPProfile) -> Result<Inbound, PDUError> {
        if m.isReceipt {
            let id = m.tlvs.first(.receiptedMessageID)?.string ?? receiptField("id", in: m.payload)
            let report = m.tlvs.first(.messageState)?.value.first.flatMap(DeliveryReport.init(messageState:))
                ?? receiptField("stat", in: m.payload).map(DeliveryReport.init(state:))
            return .success(.receipt(messageID: id ?? "", report: report))
        }
        guard let from = MSISDN(parsing: m.source.value) else {
            return .failure(PDUError(.invalidSourceAddress, "source_addr \(m.source.value) is no subscriber number"))
        }
        var payload = m.payload[...]
        var part: Concatenation?
        if m.hasUDH {
            guard let header = UserDataHeader.parse(m.payload) else {
                return .failure(PDUError(.invalidMessageLength, "the user data header runs past the message"))
            }
            part = header.concatenation
            payload = payload.dropFirst(header.length)
        }
        if let total = m.tlvs.first(.sarTotalSegments)?.integer, let number = m.tlvs.first(.sarSegmentNumber)?.integer,
           let reference = m.tlvs.first(.sarMessageReference)?.integer {
            part = Concatenation(reference: UInt16(truncatingIfNeeded: reference), total: UInt8(truncatingIfNeeded: total),
                                 number: UInt8(truncatingIfNeeded: number))
        }
        if let p = part, !p.isValid {
            return .failure(PDUError(.invalidOptionalParameterValue, "part \(p.number) of \(p.total)"))
        }
        guard let text = TextCoding.decode(payload, dataCoding: m.dataCoding, alphabet: profile.alphabet),
              !text.unicodeScalars.contains("\0") else {
            return .failure(PDUError(.permanentAppError, "the text cannot be read in data_coding \(m.dataCoding)"))
        }
        let op = m.tlvs.first(.ussdServiceOp)
        if op != nil || (!profile.ussdServiceType.isEmpty && m.serviceType == profile.ussdServiceType) {
            let input = profile.ussdString == .destinationAddress ? m.destination.value : text
            switch op?.value.first {
            case profile.pssrIndication?, nil: return .success(.ussd(from: from, input: input, opens: true))
            case profile.ussrConfirm?: return .success(.ussd(from: from, input: input, opens: false))
            case let value? where value == profile.abort: return .success(.ussdAbort(from: from))
            case let value?: return .failure(PDUError(.invalidOptionalParameterValue, "ussd_service_op \(value) is not taken"))
            }
        }
        guard let to = Destination(parsing: m.destination.value) else {
            return .failure(PDUError(.invalidDestinationAddress, "destination_addr \(m.destination.value) is no service number"))
        }
        return .success(.sms(from: from, to: to, text: text, part: part))
    }

    /// A field of a text-form receipt (SMPP 3.4 Appendix B: `id:… sub:… dlvrd:… submit
    /// date:… done date:… stat:… err:… text:…`), up to the next space; `nil` when absent
    /// or empty. Field names are matched in any case, only at the start or after a space.
    static func receiptField(_ name: String, in payload: [UInt8]) -> String? {
        let key = Array((name + ":").utf8)
        var i = 0
        while i + key.count <= payload.count {
            if i == 0 || payload[i - 1] == UInt8(ascii: " "),
               zip(payload[i..<(i + key.count)], key).allSatisfy({ $0 | 0x20 == $1 | 0x20 }) {
                let value = payload[(i + key.count)...].prefix { $0 != UInt8(ascii: " ") }
                return value.isEmpty ? nil : String(decoding: value.prefix(65), as: UTF8.self)
            }
            i += 1
        }
        return nil
    }

    /// The forms a receipt's message id may take: as written, and its hexadecimal or
    /// decimal twin (SMSCs differ: the `submit_sm_resp` id in hex and the receipt's in
    /// decimal is common, what Kannel's `msg-id-type` is for). Compared without case.
    static func receiptIDForms(_ id: String) -> [String] {
        var forms = [id]
        if id.utf8.allSatisfy({ (48...57).contains($0) }), let n = UInt64(id) {
            forms.append(String(n, radix: 16))
        } else if let n = UInt64(id, radix: 16) {
            forms.append(String(n))
        }
        return forms
    }

    /// The bodies that carry an outbox message from its sender (a short code, TON 0, or a
    /// full number, TON 1) to its recipient: the reply to an MO of the recipient to the
    /// sender, in effect (UDH parts when long, or `message_payload` per profile).
    static func outboxParts(_ message: OutboxMessage, profile: SMPPProfile, reference: UInt8) -> [ShortMessage] {
        let sender = message.sender.count <= 8 ? Address.shortCode(message.sender) : Address.international(message.sender)
        let mo = ShortMessage(source: .international(message.recipient), destination: sender)
        return smsReply(SMSSegmenter.segments(message.text), to: mo, profile: profile, reference: reference)
    }

    /// The `submit_sm` bodies that carry `parts` (``Outcome/replyParts``) back to the
    /// sender of `mo`, from the address it wrote to.
    static func smsReply(_ parts: [String], to mo: ShortMessage, profile: SMPPProfile, reference: UInt8) -> [ShortMessage] {
        guard !parts.isEmpty else { return [] }
        func body(_ coding: (dataCoding: UInt8, octets: [UInt8])) -> ShortMessage {
            ShortMessage(source: mo.destination, destination: mo.source, dataCoding: coding.dataCoding, shortMessage: coding.octets)
        }
        if parts.count == 1 { return [body(TextCoding.encode(parts[0]))] }
        if profile.longReply == .payload {
            let coding = TextCoding.encode(parts.joined())
            var m = body((coding.dataCoding, []))
            m.tlvs = [TLV(.messagePayload, coding.octets)]
            return [m]
        }
        // One coding for every part: a part that needs UCS-2 makes the whole text UCS-2
        // (the parts were cut for it: 67 characters when any needs it).
        let ucs2 = parts.contains { TextCoding.encode($0).dataCoding == 8 }
        return parts.enumerated().map { i, part in
            var coding = TextCoding.encode(part)
            if ucs2, coding.dataCoding == 0 { coding = (8, TextCoding.ucs2Octets(part)) }
            var m = body(coding)
            m.esmClass = 0x40
            m.shortMessage = UserDataHeader.concatenation(reference: reference, total: UInt8(parts.count),
                                                          number: UInt8(i + 1)) + coding.octets
            return m
        }
    }

    /// What answers an MO whose command committed with `outcome`: a USSD screen, or the
    /// SMS reply's parts (also returned as text, for the redelivery memory).
    static func replies(to outcome: Outcome, ussd: Bool, mo: ShortMessage, profile: SMPPProfile,
                        reference: UInt8) -> (parts: [String], messages: [ShortMessage]) {
        if ussd {
            let screen = ussdReply(outcome.reply ?? outcome.result, continues: outcome.status == .ok && outcome.dialogue != nil,
                                   to: mo, profile: profile)
            return ([], [screen])
        }
        let parts = outcome.replyParts
        return (parts, smsReply(parts, to: mo, profile: profile, reference: reference))
    }

    /// The screen that answers a USSD turn: `ussd_service_op` USSR request while the
    /// dialogue waits for an answer, PSSR response when it is over; `its_session_info`
    /// echoed with the end-of-session bit on the last screen.
    static func ussdReply(_ screen: String, continues: Bool, to mo: ShortMessage, profile: SMPPProfile) -> ShortMessage {
        let coding = TextCoding.encode(screen)
        var m = ShortMessage(source: mo.destination, destination: mo.source, dataCoding: coding.dataCoding,
                             shortMessage: coding.octets)
        m.serviceType = mo.serviceType.isEmpty ? profile.ussdServiceType : mo.serviceType
        m.tlvs = [TLV(.ussdServiceOp, byte: continues ? profile.ussrRequest : profile.pssrResponse)]
        if let session = mo.tlvs.first(.itsSessionInfo), session.value.count == 2 {
            // Octet 1: the session number, kept. Octet 2: sequence number (bits 7–1, the
            // MO's plus one) and the end-of-session bit (bit 0).
            let sequence = (session.value[1] >> 1) &+ 1
            m.tlvs.append(TLV(.itsSessionInfo, [session.value[0], (sequence << 1) | (continues ? 0 : 1)]))
        }
        if let reference = mo.tlvs.first(.userMessageReference) { m.tlvs.append(reference) }
        return m
    }
}
