import Grammar
import MMI
import Testing
import TestSupport

private let shipped: MMICodes = {
    var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
    parts.removeLast(3)
    return try! MMICodes.load(from: parts.joined(separator: "/") + "/Grammars")
}()

private func parse(_ text: String) -> MMIParse { MMIParse.parse(text, codes: shipped) }

private func request(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> MMIRequest {
    guard case .supplementary(let r) = parse(text) else {
        Issue.record("\(text) is \(parse(text)), not supplementary", sourceLocation: sourceLocation)
        throw CancellationError()
    }
    return r
}

/// TS 22.030 Annex B, written out here apart from Grammars/mmi.codes: code → (kind, name).
private let annexB: [(String, MMIServiceKind, String)] = [
    ("21", .forwarding, "cfu"), ("67", .forwarding, "cfb"), ("61", .forwarding, "cfnry"),
    ("62", .forwarding, "cfnrc"), ("002", .forwarding, "cf-all"), ("004", .forwarding, "cf-conditional"),
    ("33", .barring, "baoc"), ("331", .barring, "boic"), ("332", .barring, "boic-exhc"),
    ("35", .barring, "baic"), ("351", .barring, "baic-roam"), ("330", .barring, "barring-all"),
    ("333", .barring, "barring-outgoing"), ("353", .barring, "barring-incoming"),
    ("43", .waiting, "cw"), ("30", .identity, "clip"), ("31", .identity, "clir"),
    ("03", .password, "password-change"),
]
private let forwardingCodes = ["21", "67", "61", "62", "002", "004"]
private let barringCodes = ["33", "331", "332", "35", "351", "330", "333", "353"]

@Suite("MMI codes (TS 22.030)")
struct MMITests {
    @Test func theShippedTableHoldsAnnexBAndAnnexC() {
        for (code, kind, name) in annexB {
            #expect(shipped.services[code]?.kind == kind, "\(code)")
            #expect(shipped.services[code]?.name == name, "\(code)")
        }
        for (code, name) in [("10", "all-tele"), ("11", "telephony"), ("12", "all-data-tele"), ("13", "fax"), ("16", "sms")] {
            #expect(shipped.basicServices[code]?.name == name, "\(code)")
        }
        #expect(shipped.services["002"]?.covers == ["21", "67", "61", "62"])
        #expect(shipped.services["004"]?.covers == ["67", "61", "62"])
        #expect(shipped.services["330"]?.covers == ["33", "331", "332", "35", "351"])
        #expect(shipped.services["333"]?.covers == ["33", "331", "332"])
        #expect(shipped.services["353"]?.covers == ["35", "351"])
        #expect(Set(shipped.services.values.filter(\.acceptsTimer).map(\.code)) == ["61", "002", "004"])
        #expect((0...40).filter(shipped.timer.allows) == [5, 10, 15, 20, 25, 30])
    }

    @Test(arguments: forwardingCodes)
    func everyForwardingProcedure(code: String) throws {
        let activate = try request("*\(code)#")
        #expect(activate.procedure == .activate && activate.serviceCode == code && activate.number == nil)
        #expect(try request("#\(code)#").procedure == .deactivate)
        #expect(try request("*#\(code)#").procedure == .interrogate)
        #expect(try request("##\(code)#").procedure == .erase)

        let register = try request("**\(code)*06301234567#")
        #expect(register.procedure == .register && register.number == "06301234567")
        #expect(register.basicService == nil && register.problem == nil)
        // *SC*SIA# with a number is a registration too (§4.5.2).
        #expect(try request("*\(code)*06301234567#").procedure == .register)

        let telephony = try request("**\(code)*+36301234567*11#")
        #expect(telephony.number == "+36301234567" && telephony.sia == "+36301234567")
        #expect(telephony.basicService?.name == "telephony" && telephony.sib == "11")
        #expect(try request("##\(code)**16#").basicService?.name == "sms")
        #expect(try request("*#\(code)**10#").basicService?.name == "all-tele")
        #expect(parse("**\(code)#") == .invalid("registration needs a number: **\(code)*number#"))
    }

    @Test func theNoReplyTimer() throws {
        let r = try request("**61*06301234567*11*20#")
        #expect(r.noReplyTimer == 20 && r.sic == "20" && r.problem == nil && r.basicService?.code == "11")
        #expect(try request("**61*06301234567**25#").noReplyTimer == 25)
        #expect(try request("**002*06301234567**5#").problem == nil)
        #expect(try request("**004*06301234567**30#").noReplyTimer == 30)
        for seconds in [0, 3, 7, 31, 35, 60] {
            let out = try request("**61*06301234567**\(seconds)#")
            #expect(out.problem == .timerOutOfRange(seconds), "\(seconds)")
            #expect(out.noReplyTimer == seconds)
        }
        for code in ["21", "67", "62"] {
            #expect(try request("**\(code)*06301234567**20#").problem == .timerNotAllowed)
        }
    }

    @Test(arguments: barringCodes)
    func everyBarringProcedure(code: String) throws {
        let on = try request("*\(code)*0000#")
        #expect(on.procedure == .activate && on.password == "0000" && on.problem == nil)
        let off = try request("#\(code)*0000#")
        #expect(off.procedure == .deactivate && off.password == "0000")
        let ask = try request("*#\(code)#")
        #expect(ask.procedure == .interrogate && ask.password == nil && ask.problem == nil)
        #expect(try request("*\(code)*0000*11#").basicService?.name == "telephony")
        #expect(try request("*\(code)#").problem == .passwordMissing)
        #expect(try request("#\(code)#").problem == .passwordMissing)
        guard case .invalid = parse("**\(code)*0000#") else { Issue.record("register \(code)"); return }
        guard case .invalid = parse("##\(code)#") else { Issue.record("erase \(code)"); return }
        guard case .invalid = parse("*\(code)*0000*11*5#") else { Issue.record("SIC on \(code)"); return }
    }

    @Test func changingTheBarringPassword() {
        #expect(parse("**03*330*0000*1234*1234#") == .passwordChange(code: "330", old: "0000", new: "1234", repeat: "1234"))
        #expect(parse("*03*330*0000*1234*1234#") == .passwordChange(code: "330", old: "0000", new: "1234", repeat: "1234"))
        #expect(parse("**03**0000*1234*1234#") == .passwordChange(code: "", old: "0000", new: "1234", repeat: "1234"))
        // A mismatch is well formed: the engine refuses it against the store.
        #expect(parse("**03*330*0000*1234*4321#") == .passwordChange(code: "330", old: "0000", new: "1234", repeat: "4321"))
        for bad in ["**03*330*0000*1234#", "**03*21*0000*1234*1234#", "#03*330*0000*1234*1234#",
                    "**03*330*000*1234*1234#", "**03*330*0000*12345*12345#", "*#03#"] {
            guard case .invalid = parse(bad) else { Issue.record("\(bad) is \(parse(bad))"); continue }
        }
    }

    @Test func callWaitingAndLineIdentification() throws {
        #expect(try request("*43#").procedure == .activate)
        #expect(try request("#43#").procedure == .deactivate)
        #expect(try request("*#43#").procedure == .interrogate)
        #expect(try request("*43*11#").basicService?.name == "telephony")
        #expect(try request("*43*77#").problem == .unknownBasicService("77"))
        for code in ["30", "31"] {
            let ask = try request("*#\(code)#")
            #expect(ask.procedure == .interrogate && ask.service.kind == .identity)
        }
        #expect(try request("*31#").service.name == "clir")
        #expect(try request("#31#").procedure == .deactivate)
        for bad in ["*43*11*1#", "**43#", "##43#", "*31*1#", "**30#", "*#30*11#"] {
            guard case .invalid = parse(bad) else { Issue.record("\(bad) is \(parse(bad))"); continue }
        }
    }

    @Test(arguments: ["*1412#", "*100#", "*#06#", "1412#", "*121*1#", "**1412*1#", "#", "*#", "##55#"])
    func unknownServiceCodesAreUSSD(code: String) {
        #expect(parse(code) == .ussd(code))
    }

    @Test func spacesAroundACodeAreDropped() throws {
        #expect(try request("  *#21# ").procedure == .interrogate)
        #expect(parse(" *100# ") == .ussd("*100#"))
    }

    @Test(arguments: [
        ("", "empty code"),
        ("hello", "a code is made of digits, *, # and +"),
        ("*21*06 30#", "a code is made of digits, *, # and +"),
        ("*21", "a code ends with #"),
        ("06301234567", "a code ends with #"),
        ("*21*#", "an empty field before #"),
        ("**61*06301234567*11*#", "an empty field before #"),
        ("**21*06+301234567#", "`06+301234567` is not digits (a number may start with +)"),
        ("**21*+#", "`+` is not digits (a number may start with +)"),
        ("*33*+0000#", "`+0000` is not digits"),
        ("**61*06301234567*11*20*5#", "too many fields: at most *SIA*SIB*SIC before #"),
    ])
    func malformedCodesAreInvalid(text: String, reason: String) {
        #expect(parse(text) == .invalid(reason))
    }

    @Test func randomDialStringsAlwaysGetAnAnswerAndKnownCodesKeepTheirFields() {
        var random = SeededGenerator(seed: 22030)
        let pool: [Character] = ["*", "*", "#", "+", "0", "1", "2", "3", "4", "6", "7", "a", " "]
        for _ in 0..<5000 {
            let text = String((0..<Int.random(in: 0...16, using: &random)).map { _ in pool.randomElement(using: &random)! })
            switch parse(text) {
            case .supplementary(let r):
                #expect(shipped.services[r.serviceCode] == r.service, "\(text)")
                #expect(r.problem != nil || r.sib.map { shipped.basicServices[$0] != nil } ?? true, "\(text)")
            case .passwordChange(_, let old, let new, let again):
                #expect([old, new, again].allSatisfy { $0.count == 4 }, "\(text)")
            case .ussd(let code):
                #expect(code.hasSuffix("#"), "\(text)")
            case .invalid(let reason):
                #expect(!reason.isEmpty)
            }
        }
    }

    @Test func unknownBasicServiceIsAProblemNotAParseError() throws {
        let r = try request("**21*06301234567*88#")
        #expect(r.problem == .unknownBasicService("88") && r.number == "06301234567")
    }

    @Test(arguments: [
        ("forwarding 21 cfu\nforwarding 21 cfu2", 2, "service code 21 defined twice"),
        ("forwarding 21 cfu\nbarring 33 cfu", 2, "name `cfu` defined twice"),
        ("forwarding x1 cfu", 1, "code `x1` is not digits"),
        ("bogus 21 cfu", 1, "unknown kind `bogus` (forwarding, barring, waiting, identity, password, basic, timer)"),
        ("forwarding 21", 1, "expected `<kind> <code> <name>`"),
        ("barring 33 baoc timer", 1, "unexpected `timer` for a barring code"),
        ("timer 5 30", 1, "expected `timer <lowest> <highest> <step>` in seconds"),
        ("basic 11 telephony extra", 1, "unexpected `extra` after a basic service"),
        ("password 03 pw\n\nforwarding 002 all covers 21\ntimer 5 30 5", 3, "`covers 21`: no forwarding code 21"),
        ("timer 5 30 5\nforwarding 21 cfu", 2, "no password-change code (`password 03 …`)"),
        ("password 03 pw\n", 2, "no `timer <lowest> <highest> <step>` line"),
    ])
    func tableErrorsNameFileLineAndReason(text: String, line: Int, reason: String) {
        #expect(throws: GrammarError(file: "mmi.codes", line: line, reason: reason)) {
            try MMICodes(parsing: text, file: "mmi.codes")
        }
    }

    @Test func aMissingTableIsRefused() {
        #expect(throws: GrammarError(file: "/nonexistent/mmi.codes", line: 0, reason: "cannot read file")) {
            try MMICodes.load(from: "/nonexistent")
        }
    }
}
