@testable import Gateway
import GatewayTesting
import Model
import Numbering
import SMPP
import Testing

@Suite("SMPP link URLs and profiles")
struct SMPPConfigurationTests {
    @Test func aFullURL() throws {
        let c = try SMPPLinkConfig(url: "smpp://selfcare:p%40ss@10.0.0.5:2775?system_type=VMA&window=256&enquire=15&timeout=10&reconnect=0.5&profile=standard&name=smsc-a")
        #expect(c.systemID == "selfcare" && c.password == "p@ss")
        #expect(c.host == "10.0.0.5" && c.port == 2775)
        #expect(c.systemType == "VMA" && c.window == 256 && c.enquireInterval == 15 && c.responseTimeout == 10)
        #expect(c.reconnectDelay == 0.5 && c.profileName == "standard" && c.name == "smsc-a")
        #expect(c.redacted == "smpp://selfcare:***@10.0.0.5:2775")
    }

    @Test func defaultsAndIPv6() throws {
        let c = try SMPPLinkConfig(url: "smpp://esme:pw@[::1]:2775")
        #expect(c.host == "::1" && c.window == 64 && c.enquireInterval == 30 && c.profileName == "standard")
        #expect(c.name == "::1:2775" && !c.pair)
        #expect(try SMPPLinkConfig(url: "smpp://esme:pw@h:1?bind=pair").pair)
    }

    @Test(arguments: [
        ("http://a:b@h:1", "not an smpp:// URL"),
        ("smpp://h:2775", "no SYSTEM_ID:PASSWORD@"),
        ("smpp://a@h:2775", "no password"),
        ("smpp://a:b@h", "no HOST:PORT"),
        ("smpp://a:b@h:0", "no HOST:PORT"),
        ("smpp://a:b@h:99999", "no HOST:PORT"),
        ("smpp://a:123456789@h:1", "password must be at most 8"),
        ("smpp://abcdefghijklmnop:b@h:1", "system_id must be 1 to 15"),
        ("smpp://a:b@h:1?window=0", "window must be a number from 1 to 10000"),
        ("smpp://a:b@h:1?window=x", "window must be a number"),
        ("smpp://a:b@h:1?enquire=-1", "enquire must be"),
        ("smpp://a:b@h:1?profile=../x", "profile must be a name"),
        ("smpp://a:b@h:1?colour=red", "unknown parameter colour"),
        ("smpp://a:b@h:1?bind=both", "bind must be transceiver or pair"),
        ("smpp://a:%zz@h:1", "malformed percent-encoding"),
    ])
    func badURLsSayWhatIsWrong(url: String, reason: String) {
        do {
            _ = try SMPPLinkConfig(url: url)
            Issue.record("\(url) was taken")
        } catch {
            #expect(error.description.contains(reason), "\(url): \(error)")
        }
    }

    @Test func theShippedStandardProfileIsTheBuiltInOne() throws {
        let loaded = try SMPPProfile.load("standard", grammarFolder: TestGateway.grammarFolder)
        #expect(loaded == .standard)
    }

    @Test func aProfileSaysEverythingOrIsRefused() {
        func refusal(_ text: String) -> String {
            do { _ = try SMPPProfile(parsing: text, name: "x", file: "x.profile"); return "" } catch { return error.description }
        }
        let full = """
            default_alphabet = latin1
            long_reply = payload
            ussd_service_type = USSD
            ussd_op_pssr_indication = 0x01
            ussd_op_ussr_confirm = 0x12
            ussd_op_ussr_request = 2
            ussd_op_pssr_response = 17
            ussd_op_abort = none
            ussd_string = destination_addr
            mo_id_tlv = 0x1401
            """
        #expect(refusal(full) == "")
        #expect(refusal(full.replacingOccurrences(of: "long_reply = payload\n", with: "")) == "x.profile: missing key long_reply")
        #expect(refusal(full + "\nlong_reply = udh") == "x.profile:11: long_reply given twice")
        #expect(refusal(full.replacingOccurrences(of: "latin1", with: "ebcdic")) == "x.profile:1: default_alphabet: unknown value ebcdic")
        #expect(refusal(full.replacingOccurrences(of: "= 17", with: "= 300")).hasSuffix("300 is not a number from 0 to 255"))
        #expect(refusal("colour = red") == "x.profile:1: unknown key colour")
        #expect(refusal(full.replacingOccurrences(of: "0x1401", with: "5121")) == "x.profile:10: mo_id_tlv: 5121 is not none or a tag in 0x hex")
    }
}

@Suite("SMPP messages read and written per profile")
struct SMPPMessagesTests {
    let profile = SMPPProfile.standard

    func mo(_ text: String, from: String = "36301111111", to: String = "1730") -> ShortMessage {
        ShortMessage(source: .international(from), destination: .shortCode(to), shortMessage: Array(text.utf8))
    }

    @Test func anSMSAndItsAddresses() {
        #expect(SMPPMessages.read(mo("EGYENLEG"), profile: profile)
                == .success(.sms(from: MSISDN(canonical: "36301111111"), to: Destination(parsing: "1730")!, text: "EGYENLEG", part: nil)))
        // National forms of the sender are normalised like everywhere else.
        if case .success(.sms(let from, _, _, _)) = SMPPMessages.read(mo("x", from: "06301111111"), profile: profile) {
            #expect(from == MSISDN(canonical: "36301111111"))
        } else { Issue.record("06 form not read") }
    }

    @Test func sarTLVsNameThePart() {
        var m = mo("SP")
        m.tlvs = [TLV(.sarMessageReference, uint16: 0x0102), TLV(.sarTotalSegments, byte: 2), TLV(.sarSegmentNumber, byte: 1)]
        guard case .success(.sms(_, _, _, let part)) = SMPPMessages.read(m, profile: profile) else { Issue.record("not read"); return }
        #expect(part == Concatenation(reference: 0x0102, total: 2, number: 1))
        m.tlvs[2] = TLV(.sarSegmentNumber, byte: 3)
        guard case .failure(let e) = SMPPMessages.read(m, profile: profile) else { Issue.record("part 3 of 2 taken"); return }
        #expect(e.status == .invalidOptionalParameterValue)
    }

    @Test func receiptsAreNotMOs() {
        var m = mo("id:abc123 sub:001 dlvrd:001 submit date:2612031200 done date:2612031201 stat:DELIVRD err:000 text:")
        m.esmClass = 0x04
        #expect(SMPPMessages.read(m, profile: profile)
                == .success(.receipt(messageID: "abc123", report: DeliveryReport(state: "DELIVRD"))))
        // The TLVs win over the text.
        m.tlvs = [TLV(.receiptedMessageID, Array("xyz\0".utf8)), TLV(.messageState, byte: 5)]
        #expect(SMPPMessages.read(m, profile: profile) == .success(.receipt(messageID: "xyz", report: DeliveryReport(state: "UNDELIV"))))
        // No state at all; a field name inside another's value is not a field.
        m = mo("id:77 text:stat:DELIVRD")
        m.esmClass = 0x04
        #expect(SMPPMessages.read(m, profile: profile) == .success(.receipt(messageID: "77", report: nil)))
        m = mo("ID:9 STAT:expired")
        m.esmClass = 0x04
        #expect(SMPPMessages.read(m, profile: profile) == .success(.receipt(messageID: "9", report: DeliveryReport(state: "EXPIRED"))))
    }

    @Test func addressRangesArePOSIXRegularExpressionsOverTheNumber() throws {
        #expect(try SMPPAddressRange("") == nil)
        let prefix = try #require(try SMPPAddressRange("^3630"))
        #expect(prefix.matches("36301111111") && !prefix.matches("36201111111") && !prefix.matches("4436301111"))
        let either = try #require(try SMPPAddressRange("^\\+?36(20|30)"))
        #expect(either.matches("36201111111") && either.matches("36301111111") && !either.matches("36701111111"))
        #expect(try #require(try SMPPAddressRange(".")).matches("36701111111"))
        // Unanchored: anywhere in the number.
        #expect(try #require(try SMPPAddressRange("1111")).matches("36301111111"))
        #expect(throws: SMPPAddressRange.Invalid.self) { try SMPPAddressRange("([") }
    }

    @Test func receiptIDsAreTriedInTheirHexAndDecimalForms() {
        #expect(SMPPMessages.receiptIDForms("255") == ["255", "ff"])
        #expect(SMPPMessages.receiptIDForms("1A2b") == ["1A2b", "6699"])
        #expect(SMPPMessages.receiptIDForms("msg-1") == ["msg-1"])
        #expect(SMPPMessages.receiptIDForms("") == [""])
        #expect(SMPPMessages.receiptIDForms(String(repeating: "9", count: 30)) == [String(repeating: "9", count: 30)])
    }

    @Test func ussdByServiceTypeOrOperationAndTheProfilesStringPlace() {
        var m = mo("*1412#", to: "1412")
        m.serviceType = "USSD"
        #expect(SMPPMessages.read(m, profile: profile) == .success(.ussd(from: MSISDN(canonical: "36301111111"), input: "*1412#", opens: true)))
        m.serviceType = ""
        m.tlvs = [TLV(.ussdServiceOp, byte: 18)]
        m.shortMessage = Array("3".utf8)
        #expect(SMPPMessages.read(m, profile: profile) == .success(.ussd(from: MSISDN(canonical: "36301111111"), input: "3", opens: false)))
        m.tlvs = [TLV(.ussdServiceOp, byte: 0x81)]
        #expect(SMPPMessages.read(m, profile: profile) == .success(.ussdAbort(from: MSISDN(canonical: "36301111111"))))
        m.tlvs = [TLV(.ussdServiceOp, byte: 3)]
        guard case .failure(let e) = SMPPMessages.read(m, profile: profile) else { Issue.record("USSN request taken as MO"); return }
        #expect(e.status == .invalidOptionalParameterValue)
        // A gateway that puts the dialled string in destination_addr.
        var vendor = profile
        vendor.ussdString = .destinationAddress
        var d = ShortMessage(source: .international("36301111111"), destination: .shortCode("*1412#"))
        d.tlvs = [TLV(.ussdServiceOp, byte: 1)]
        #expect(SMPPMessages.read(d, profile: vendor) == .success(.ussd(from: MSISDN(canonical: "36301111111"), input: "*1412#", opens: true)))
    }

    @Test func aLongReplyAsPayloadWhenTheProfileSaysSo() {
        var payload = profile
        payload.longReply = .payload
        let parts = ["a" + String(repeating: "b", count: 152), "c"]
        let out = SMPPMessages.smsReply(parts, to: mo("x"), profile: payload, reference: 1)
        #expect(out.count == 1)
        #expect(out[0].shortMessage.isEmpty && out[0].payload.count == 154 && !out[0].hasUDH)
        let udh = SMPPMessages.smsReply(parts, to: mo("x"), profile: profile, reference: 9)
        #expect(udh.count == 2 && udh.allSatisfy(\.hasUDH))
        #expect(Array(udh[1].shortMessage.prefix(6)) == UserDataHeader.concatenation(reference: 9, total: 2, number: 2))
    }

    @Test func aUSSDReplyKeepsTheSessionAndMarksTheEnd() {
        var m = mo("*1412#", to: "1412")
        m.serviceType = "USSD"
        m.tlvs = [TLV(.ussdServiceOp, byte: 1), TLV(.itsSessionInfo, [0x10, 0x04]), TLV(.userMessageReference, uint16: 77)]
        let open = SMPPMessages.ussdReply("Menu", continues: true, to: m, profile: profile)
        #expect(open.tlvs.first(.ussdServiceOp)?.value == [2])
        #expect(open.tlvs.first(.itsSessionInfo)?.value == [0x10, 0x06])
        #expect(open.tlvs.first(.userMessageReference)?.integer == 77)
        let last = SMPPMessages.ussdReply("Bye", continues: false, to: m, profile: profile)
        #expect(last.tlvs.first(.ussdServiceOp)?.value == [17])
        #expect(last.tlvs.first(.itsSessionInfo)?.value == [0x10, 0x07])
        #expect(last.source.value == "1412" && last.destination.value == "36301111111")
    }
}

@Suite("Reassembly of long MOs")
struct SMPPReassemblyTests {
    let from = MSISDN(canonical: "36301111111")
    let to = Destination(parsing: "777")!

    @Test func partsInAnyOrderMakeOneText() {
        var r = SMPPReassembly()
        #expect(r.add(Concatenation(reference: 1, total: 3, number: 2), text: "B", sequence: 12, from: from, to: to, now: 0) == nil)
        #expect(r.add(Concatenation(reference: 1, total: 3, number: 3), text: "C", sequence: 13, from: from, to: to, now: 0) == nil)
        // Another message of the same sender with another reference stays apart.
        #expect(r.add(Concatenation(reference: 2, total: 2, number: 1), text: "X", sequence: 20, from: from, to: to, now: 0) == nil)
        let whole = r.add(Concatenation(reference: 1, total: 3, number: 1), text: "A", sequence: 11, from: from, to: to, now: 1)
        #expect(whole?.text == "ABC" && whole?.sequences == [12, 13, 11])
        #expect(r.count == 1)
    }

    @Test func aPartDeliveredTwiceCountsOnceAndIsAnsweredBoth() {
        var r = SMPPReassembly()
        _ = r.add(Concatenation(reference: 5, total: 2, number: 1), text: "A", sequence: 1, from: from, to: to, now: 0)
        _ = r.add(Concatenation(reference: 5, total: 2, number: 1), text: "A", sequence: 2, from: from, to: to, now: 0)
        let whole = r.add(Concatenation(reference: 5, total: 2, number: 2), text: "B", sequence: 3, from: from, to: to, now: 0)
        #expect(whole?.text == "AB" && whole?.sequences == [1, 2, 3])
    }

    @Test func anIncompleteMessageExpires() {
        var r = SMPPReassembly()
        _ = r.add(Concatenation(reference: 5, total: 2, number: 1), text: "A", sequence: 7, from: from, to: to, now: 0)
        #expect(r.expire(now: 30, after: 60).isEmpty)
        #expect(r.expire(now: 61, after: 60) == [[7]])
        #expect(r.count == 0)
    }
}

@Suite("Remembered MOs")
struct SMPPDuplicatesTests {
    @Test func rememberedForTheWindowThenForgotten() {
        var d = SMPPDuplicates(window: 30)
        let k = SMPPDuplicates.key(moID: nil, from: "36301111111", to: "777", text: "SPORT", part: nil)
        let reply = "Feliratkoztál: SPORT."
        #expect(verdict(d.check(k, tickets: [1], now: 1000)) == "run")
        #expect(verdict(d.check(k, tickets: [2], now: 1000)) == "waiting")
        #expect(d.committed(k, replies: [reply], now: 1000.5) == [2])
        guard case .answered(let replies) = d.check(k, tickets: [3], now: 1029) else { Issue.record("not answered"); return }
        #expect(replies == [reply])
        // Past the window: runs again.
        #expect(verdict(d.check(k, tickets: [4], now: 1031)) == "run")
        _ = d.committed(k, replies: [], now: 1031)
        #expect(d.count == 1)
    }

    @Test func aFailedOriginalIsForgotten() {
        var d = SMPPDuplicates(window: 30)
        let k = SMPPDuplicates.key(moID: nil, from: "a", to: "b", text: "c", part: nil)
        #expect(verdict(d.check(k, tickets: [1], now: 0)) == "run")
        #expect(verdict(d.check(k, tickets: [2], now: 0)) == "waiting")
        #expect(d.failed(k) == [2])
        #expect(verdict(d.check(k, tickets: [3], now: 1)) == "run")
    }

    @Test func expiryKeepsTheMemoryToTheWindow() {
        var d = SMPPDuplicates(window: 2)
        for second in 0..<100 {
            let k = SMPPDuplicates.key(moID: nil, from: "a", to: "b", text: String(second), part: nil)
            _ = d.check(k, tickets: [], now: Double(second))
            _ = d.committed(k, replies: [], now: Double(second))
        }
        #expect(d.count <= 3)
    }

    @Test func pastTheLimitTheOldestSecondsGoFirst() {
        var d = SMPPDuplicates(window: 30, limit: 10)
        for i in 0..<40 {
            let k = SMPPDuplicates.key(moID: nil, from: "a", to: "b", text: String(i), part: nil)
            _ = d.check(k, tickets: [], now: 100 + Double(i / 4))
            _ = d.committed(k, replies: [], now: 100 + Double(i / 4))
        }
        #expect(d.count <= 10)
        // The newest is still known.
        let newest = SMPPDuplicates.key(moID: nil, from: "a", to: "b", text: "39", part: nil)
        #expect(verdict(d.check(newest, tickets: [], now: 110)) == "answered")
    }

    func verdict(_ v: SMPPDuplicates.Verdict) -> String {
        switch v {
        case .run: "run"
        case .waiting: "waiting"
        case .answered: "answered"
        }
    }

    @Test func theKeySeparatesWhatDiffers() {
        let base = SMPPDuplicates.key(moID: nil, from: "a", to: "b", text: "c", part: nil)
        #expect(base != SMPPDuplicates.key(moID: nil, from: "a", to: "b", text: "c", part: (1, 2)))
        #expect(base != SMPPDuplicates.key(moID: nil, from: "a", to: "b2", text: "c", part: nil))
        #expect(SMPPDuplicates.key(moID: [1], from: "a", to: "b", text: "c", part: nil)
                == SMPPDuplicates.key(moID: [1], from: "x", to: "y", text: "z", part: nil))
    }
}
