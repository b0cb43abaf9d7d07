import Testing
@testable import SMPP

/// Hex as captures print it: spaces ignored.
func hex(_ s: String) -> [UInt8] {
    let digits = Array(s.filter { !$0.isWhitespace })
    return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
}

/// A deliver_sm as an SMSC sends it: 36301234567 → 1730, "EGYENLEG", GSM default alphabet.
let deliverEgyenleg = hex("""
    00 00 00 38  00 00 00 05  00 00 00 00  00 00 00 2A
    00  01 01 33 36 33 30 31 32 33 34 35 36 37 00  00 01 31 37 33 30 00
    00 00 00  00  00  00 00 00 00  08 45 47 59 45 4E 4C 45 47
    """)

@Suite struct PDUCodecTests {
    @Test func enquireLinkIsSixteenOctets() {
        #expect(PDU(command: .enquireLink, sequence: 7).encoded() == hex("00000010 00000015 00000000 00000007"))
        #expect(PDU(command: .enquireLink, sequence: 7).response().encoded() == hex("00000010 80000015 00000000 00000007"))
    }

    @Test func bindTransceiverRoundTrips() throws {
        let bytes = hex("""
            00 00 00 21 00 00 00 09 00 00 00 00 00 00 00 01
            73 65 6C 66 63 61 72 65 00  70 77 00  00  34 00 00 00
            """)
        let pdu = try PDU.decode(bytes)
        #expect(pdu.command == .bindTransceiver)
        #expect(pdu.sequence == 1)
        #expect(pdu.body == .bind(Bind(systemID: "selfcare", password: "pw", systemType: "", interfaceVersion: 0x34)))
        #expect(pdu.encoded() == bytes)
    }

    @Test func deliverSMDecodesEveryField() throws {
        let pdu = try PDU.decode(deliverEgyenleg)
        #expect(pdu.command == .deliverSM)
        #expect(pdu.sequence == 42)
        guard case .message(let m) = pdu.body else { Issue.record("no message body"); return }
        #expect(m.source == Address("36301234567", ton: 1, npi: 1))
        #expect(m.destination == Address("1730", ton: 0, npi: 1))
        #expect(m.dataCoding == 0)
        #expect(m.shortMessage == Array("EGYENLEG".utf8))
        #expect(!m.isReceipt)
        #expect(pdu.encoded() == deliverEgyenleg)
    }

    @Test func deliverSMRespCarriesAnEmptyMessageID() {
        let resp = PDU(command: .deliverSM, sequence: 42).response()
        #expect(resp.encoded() == hex("00000011 80000005 00000000 0000002A 00"))
        // A refusal too: the SMSC matches it by sequence and status.
        #expect(PDU(command: .deliverSM, sequence: 42).response(.temporaryAppError).encoded()
                == hex("00000011 80000005 00000064 0000002A 00"))
        // A refused submit_sm_resp has no body.
        #expect(PDU(command: .submitSM, sequence: 3).response(.throttled).encoded()
                == hex("00000010 80000004 00000058 00000003"))
    }

    @Test func submitSMWithUSSDTLVsRoundTrips() throws {
        var m = ShortMessage(source: .shortCode("1412"), destination: .international("36301234567"),
                             dataCoding: 0, shortMessage: Array("1 Egyenleg".utf8))
        m.serviceType = "USSD"
        m.tlvs = [TLV(.ussdServiceOp, byte: 2), TLV(.itsSessionInfo, [0x07, 0x02])]
        let pdu = PDU(command: .submitSM, sequence: 9, body: .message(m))
        let bytes = pdu.encoded()
        // The TLVs close the PDU: tag, length, value.
        #expect(Array(bytes.suffix(11)) == hex("0501 0001 02  1383 0002 0702"))
        #expect(try PDU.decode(bytes) == pdu)
    }

    @Test func responsesWithoutBodyDecode() throws {
        // A refused bind may answer without system_id.
        let pdu = try PDU.decode(hex("00000010 80000009 0000000E 00000001"))
        #expect(pdu.status == .invalidPassword)
        #expect(pdu.body == .empty)
        let ok = try PDU.decode(hex("00000015 80000009 00000000 00000001 534D534300"))
        #expect(ok.body == .bindResponse(systemID: "SMSC", tlvs: []))
    }

    @Test func dataSMReadsItsPayload() throws {
        var d = DataMessage(source: .international("36301234567"), destination: .shortCode("777"), dataCoding: 0)
        d.tlvs = [TLV(.messagePayload, Array("SPORT".utf8))]
        let bytes = PDU(command: .dataSM, sequence: 5, body: .data(d)).encoded()
        let pdu = try PDU.decode(bytes)
        guard case .data(let back) = pdu.body else { Issue.record("no data body"); return }
        #expect(back.asShortMessage.payload == Array("SPORT".utf8))
    }
}

@Suite struct MalformedPDUTests {
    func error(_ bytes: [UInt8]) -> PDUError? {
        do { _ = try PDU.decode(bytes); return nil } catch { return error }
    }

    @Test func unknownCommandIsRINVCMDID() {
        #expect(error(hex("00000010 00000099 00000000 00000001"))?.status == .invalidCommandID)
        // Known to SMPP but not taken by this gateway: the same answer.
        #expect(error(hex("00000010 00000003 00000000 00000001"))?.status == .invalidCommandID)
    }

    @Test func truncatedCStringIsRINVCMDLEN() {
        // system_id without its NUL, the PDU ends.
        let e = error(hex("00000018 00000009 00000000 00000001 73656C6663617265"))
        #expect(e?.status == .invalidCommandLength)
        #expect(e?.reason.contains("runs past the end") == true)
    }

    @Test func overlongFieldsSayWhich() {
        // source_addr of 22 digits (21 octets with the NUL at most).
        var m = ShortMessage(source: .international(String(repeating: "3", count: 22)), destination: .shortCode("1730"))
        m.shortMessage = [0x41]
        #expect(error(PDU(command: .deliverSM, sequence: 1, body: .message(m)).encoded())?.status == .invalidSourceAddress)
        m.source = .international("36301234567")
        m.destination = .shortCode(String(repeating: "1", count: 21))
        #expect(error(PDU(command: .deliverSM, sequence: 1, body: .message(m)).encoded())?.status == .invalidDestinationAddress)
        m.destination = .shortCode("1730")
        m.serviceType = "TOOLONG"
        #expect(error(PDU(command: .deliverSM, sequence: 1, body: .message(m)).encoded())?.status == .invalidServiceType)
    }

    @Test func bindFieldsAreReadUpTo64Characters() throws {
        // Longer than SMPP 3.4's 15 / 8: accounts and tools use them; the account table judges.
        let long = PDU(command: .bindTransceiver, sequence: 1,
                       body: .bind(Bind(systemID: String(repeating: "s", count: 64), password: String(repeating: "p", count: 64))))
        #expect(try PDU.decode(long.encoded()) == long)
        let over = PDU(command: .bindTransceiver, sequence: 1, body: .bind(Bind(systemID: "s", password: String(repeating: "p", count: 65))))
        #expect(error(over.encoded())?.status == .invalidParameterLength)
    }

    @Test func smLengthOverrunIsRINVMSGLEN() {
        var bytes = deliverEgyenleg
        bytes[bytes.count - 9] = 0x09   // sm_length 9, 8 octets follow
        #expect(error(bytes)?.status == .invalidMessageLength)
    }

    @Test func tlvLengthOverrunIsRINVOPTPARSTREAM() {
        var bytes = deliverEgyenleg + hex("0501 0005 01")   // says 5, has 1
        bytes[3] = UInt8(bytes.count)
        #expect(error(bytes)?.status == .invalidOptionalParameterStream)
        var cut = deliverEgyenleg + hex("05")               // half a tag
        cut[3] = UInt8(cut.count)
        #expect(error(cut)?.status == .invalidOptionalParameterStream)
    }

    @Test func commandLengthMustMatchTheFrame() {
        var bytes = deliverEgyenleg
        bytes[3] = 0x40
        #expect(error(bytes)?.status == .invalidCommandLength)
        #expect(error(hex("0000000C 00000015 00000000"))?.status == .invalidCommandLength)
    }

    @Test func octetsAfterAnEmptyBodyAreRefused() {
        #expect(error(hex("00000012 00000015 00000000 00000001 0000"))?.status == .invalidCommandLength)
    }

    @Test func bothShortMessageAndPayloadAreRefused() {
        var m = ShortMessage(source: .international("36301234567"), destination: .shortCode("1730"), shortMessage: [0x41])
        m.tlvs = [TLV(.messagePayload, [0x42])]
        #expect(error(PDU(command: .deliverSM, sequence: 1, body: .message(m)).encoded())?.status == .invalidOptionalParameterValue)
    }
}

@Suite struct FrameDecoderTests {
    @Test func findsAFrameFedOneOctetAtATime() {
        let decoder = FrameDecoder()
        let stream = deliverEgyenleg + PDU(command: .enquireLink, sequence: 1).encoded()
        for cut in 0..<deliverEgyenleg.count {
            let result = Array(stream.prefix(cut)).withUnsafeBytes { decoder.next(in: $0) }
            #expect(result == .needMore, "at \(cut) octets")
        }
        #expect(stream.withUnsafeBytes { decoder.next(in: $0) } == .frame(deliverEgyenleg.count))
        let rest = Array(stream.dropFirst(deliverEgyenleg.count))
        #expect(rest.withUnsafeBytes { decoder.next(in: $0) } == .frame(16))
    }

    @Test func refusesLengthsBelowSixteenAndOverTheMaximum() {
        let decoder = FrameDecoder(maximumLength: 1000)
        #expect(hex("0000000F").withUnsafeBytes { decoder.next(in: $0) } == .invalidLength(15))
        #expect(hex("00000000").withUnsafeBytes { decoder.next(in: $0) } == .invalidLength(0))
        #expect(hex("000003E9").withUnsafeBytes { decoder.next(in: $0) } == .invalidLength(1001))
        #expect(hex("FFFFFFFF").withUnsafeBytes { decoder.next(in: $0) } == .invalidLength(0xFFFF_FFFF))
    }

    @Test func headerOfAnUnparseableFrameIsReadable() {
        let frame = hex("00000010 00000099 00000000 0000BEEF")
        let header = frame.withUnsafeBytes { FrameDecoder.header(of: $0) }
        #expect(header?.command == CommandID(rawValue: 0x99))
        #expect(header?.sequence == 0xBEEF)
    }
}
