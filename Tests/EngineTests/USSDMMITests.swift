import Engine
import Model
import Numbering
import SMSText
import Testing

/// The supplementary-service codes of 3GPP TS 22.030 through the engine, code by code:
/// what each procedure stores, what the subscriber is told, and that every refusal
/// leaves the store as it was.
/// A catalog text as the USSD screen shows it (GSM 7-bit: í, á, ő … lose their accent).
func gsm(_ text: String) -> String { GSM7.transliterate(text) }
func gsmLines(_ lines: [String]) -> [Substring] { lines.map { Substring(gsm($0)) } }

@Suite("USSD: MMI codes (TS 22.030, S7, S8)")
struct USSDMMITests {
    /// The cases of the S7 forwarding codes: code, Hungarian name as the screen shows it.
    static let forwardingCodes: [(String, String)] = [
        ("21", "Hívásátirányítás"), ("67", "Hívásátirányítás (foglalt)"),
        ("61", "Hívásátirányítás (nem felel)"), ("62", "Hívásátirányítás (nem elérhető)"),
    ]

    @Test(arguments: forwardingCodes)
    func forwardingRegisterInterrogateDeactivateActivateErase(_ code: String, _ name: String) throws {
        let desk = try Desk()
        let timer = code == "61" ? " 20" : ""
        // Registration (** and * with a number are the same).
        let registered = try desk.ussd(prepaid, "**\(code)*06301234567#")
        #expect(registered.status == .ok)
        #expect(registered.dialogue == nil)
        #expect(registered.reply == gsm("\(name) bekapcsolva: +36 30 123 4567" + (code == "61" ? ", 20 mp után" : "")))
        #expect(try desk.settings(prepaid)["cf.\(code)"] == "on 36301234567\(timer)")

        // Interrogation changes nothing.
        let before = desk.state
        #expect(try desk.ussd(prepaid, "*#\(code)#").reply?.hasPrefix(gsm("\(name) bekapcsolva: +36 30 123 4567")) == true)
        #expect(desk.state.sameApartFromAudit(before))

        // Deactivation keeps the number; activation brings it back.
        #expect(try desk.ussd(prepaid, "#\(code)#").reply == gsm("\(name) kikapcsolva"))
        #expect(try desk.settings(prepaid)["cf.\(code)"] == "off 36301234567\(timer)")
        #expect(try desk.ussd(prepaid, "*#\(code)#").reply == gsm("\(name): nincs bekapcsolva"))
        #expect(try desk.ussd(prepaid, "*\(code)#").status == .ok)
        #expect(try desk.settings(prepaid)["cf.\(code)"] == "on 36301234567\(timer)")

        // Erasure forgets the number: activation has nothing to switch on.
        #expect(try desk.ussd(prepaid, "##\(code)#").reply == gsm("\(name) törölve"))
        #expect(try desk.settings(prepaid)["cf.\(code)"] == nil)
        let erased = desk.state
        let nothing = try desk.ussd(prepaid, "*\(code)#")
        #expect(nothing.status == .refused)
        #expect(nothing.reply?.contains(gsm("**\(code)*szám#")) == true)
        #expect(desk.state.sameApartFromAudit(erased))
    }

    @Test func activationWithANumberIsRegistration() throws {
        let desk = try Desk()
        #expect(try desk.ussd(prepaid, "*21*+36201234567#").status == .ok)
        #expect(try desk.settings(prepaid)["cf.21"] == "on 36201234567")
    }

    @Test func groupCodesActOnTheCodesTheyCover() throws {
        let desk = try Desk()
        try desk.ussd(prepaid, "**004*06201234567#")
        var settings = try desk.settings(prepaid)
        #expect(settings["cf.21"] == nil)
        #expect(settings["cf.67"] == "on 36201234567" && settings["cf.62"] == "on 36201234567")
        #expect(settings["cf.61"] == "on 36201234567 20")

        try desk.ussd(prepaid, "**002*0612345678**15#")
        settings = try desk.settings(prepaid)
        #expect(["21", "67", "62"].allSatisfy { settings["cf.\($0)"] == "on 3612345678" })
        #expect(settings["cf.61"] == "on 3612345678 15")

        let report = try #require(try desk.ussd(prepaid, "*#002#").reply)
        #expect(report.split(separator: "\n") == gsmLines([
            "Összes hívásátirányítás:", "mindig: +36 1 234 5678", "foglalt: +36 1 234 5678",
            "nem felel: +36 1 234 5678 (15 mp)", "nem elérhető: +36 1 234 5678",
        ]))
        try desk.ussd(prepaid, "#004#")
        settings = try desk.settings(prepaid)
        #expect(settings["cf.21"] == "on 3612345678" && settings["cf.67"] == "off 3612345678")
        // *004# switches the conditional ones on again, not the rest.
        #expect(try desk.ussd(prepaid, "*004#").status == .ok)
        settings = try desk.settings(prepaid)
        #expect(settings["cf.67"] == "on 3612345678" && settings["cf.61"] == "on 3612345678 15")
        try desk.ussd(prepaid, "##002#")
        #expect(try desk.settings(prepaid).keys.allSatisfy { !$0.hasPrefix("cf.") })
        // Nothing registered: *002# has nothing to switch on.
        let before = desk.state
        #expect(try desk.ussd(prepaid, "*002#").status == .refused)
        #expect(desk.state.sameApartFromAudit(before))
    }

    @Test(arguments: [5, 10, 15, 20, 25, 30])
    func everyAllowedNoReplyTimer(_ seconds: Int) throws {
        let desk = try Desk()
        let outcome = try desk.ussd(prepaid, "**61*06301234567**\(seconds)#")
        #expect(outcome.reply == gsm("Hívásátirányítás (nem felel) bekapcsolva: +36 30 123 4567, \(seconds) mp után"))
        #expect(try desk.settings(prepaid)["cf.61"] == "on 36301234567 \(seconds)")
    }

    @Test(arguments: ["**61*06301234567**35#", "**61*06301234567**7#", "**61*06301234567**0#",
                      "**21*06301234567**20#", "**67*06301234567**10#"])
    func timersOutsideTheRuleAreRefused(_ code: String) throws {
        let desk = try Desk()
        let before = desk.state
        let outcome = try desk.ussd(prepaid, code)
        #expect(outcome.status == .refused)
        #expect(outcome.reply?.isEmpty == false)
        #expect(desk.state.sameApartFromAudit(before))
    }

    /// S7: premium, short, foreign and other non-geographic numbers are refused with a
    /// reason, and nothing changes.
    @Test(arguments: [
        ("**21*0690123456#", "premium"), ("**21*+3691123456#", "premium"), ("**67*16123#", "premium"),
        ("**21*1412#", "short"), ("**61*777#", "short"), ("**62*+441234567890#", "foreign"),
        ("**21*004930123456#", "foreign"), ("**21*0680123456#", "no mobile or fixed"),
        ("**21*0640123456#", "no mobile or fixed"), ("**21*06301111111#", "own number"),
        ("**002*0690123456#", "premium"),
    ])
    func refusedTargets(_ code: String, _ why: String) throws {
        let desk = try Desk()
        let before = desk.state
        let outcome = try desk.ussd(prepaid, code)
        #expect(outcome.status == .refused)
        #expect(outcome.result.contains(why), "\(outcome.result)")
        #expect(outcome.reply?.contains("nem") == true)
        #expect(desk.state.sameApartFromAudit(before))
    }

    @Test(arguments: [("06201234567", "36201234567"), ("+36 70 123 4567", "36701234567"), ("0612345678", "3612345678"),
                      ("0662123456", "3662123456"), ("0036501234567", "36501234567")])
    func domesticMobileAndFixedTargets(_ dialled: String, _ stored: String) throws {
        let desk = try Desk()
        let code = "**67*" + dialled.filter { $0 != " " } + "#"
        #expect(try desk.ussd(prepaid, code).status == .ok)
        #expect(try desk.settings(prepaid)["cf.67"] == "on \(stored)")
    }

    @Test func theVoicemailIsATargetAndNamedSo() throws {
        let desk = try Desk()
        #expect(Engine.voicemail(of: prepaid)?.digits == "36309111111")
        let outcome = try desk.ussd(prepaid, "**62*06309111111#")
        #expect(outcome.reply == gsm("Hívásátirányítás (nem elérhető) bekapcsolva: hangposta (+36 30 911 1111)"))
    }

    @Test func forwardingPerBasicServiceGroup() throws {
        let desk = try Desk()
        try desk.ussd(prepaid, "**21*06201234567*11#")
        #expect(try desk.settings(prepaid)["cf.21.11"] == "on 36201234567")
        #expect(try desk.settings(prepaid)["cf.21"] == nil)
        #expect(try desk.ussd(prepaid, "*#21#").reply == gsm("Hívásátirányítás, telefon bekapcsolva: +36 20 123 4567"))
        // For all services: replaces the group's own entry.
        try desk.ussd(prepaid, "**21*06701234567#")
        #expect(try desk.settings(prepaid).filter { $0.key.hasPrefix("cf.21") } == ["cf.21": "on 36701234567"])
        // Deactivating one group with only the all-services entry switches that off whole.
        #expect(try desk.ussd(prepaid, "#21**11#").reply == gsm("Hívásátirányítás, telefon kikapcsolva"))
        #expect(try desk.settings(prepaid)["cf.21"] == "off 36701234567")

        let before = desk.state
        #expect(try desk.ussd(prepaid, "**21*06701234567*16#").result == "cfu does not apply to sms")
        #expect(try desk.ussd(prepaid, "**21*06701234567*88#").result == "unknown basic service code 88")
        #expect(desk.state.sameApartFromAudit(before))
    }

    // MARK: Barring

    static let barringCodes: [(String, String)] = [
        ("33", "Híváskorlátozás (minden kimenő)"), ("331", "Híváskorlátozás (nemzetközi kimenő)"),
        ("332", "Híváskorlátozás (nemzetközi, kivéve haza)"), ("35", "Híváskorlátozás (minden bejövő)"),
        ("351", "Híváskorlátozás (bejövő roamingban)"),
    ]

    @Test(arguments: barringCodes)
    func barringActivateInterrogateDeactivate(_ code: String, _ name: String) throws {
        let desk = try Desk()
        #expect(try desk.ussd(prepaid, "*#\(code)#").reply == gsm("\(name): nincs bekapcsolva"))
        #expect(try desk.ussd(prepaid, "*\(code)*0000#").reply == gsm("\(name) bekapcsolva"))
        #expect(try desk.settings(prepaid)["cb.\(code)"] == "on")
        #expect(try desk.ussd(prepaid, "*#\(code)#").reply == gsm("\(name) bekapcsolva"))
        #expect(try desk.ussd(prepaid, "#\(code)*0000#").reply == gsm("\(name) kikapcsolva"))
        #expect(try desk.settings(prepaid)["cb.\(code)"] == nil)
    }

    @Test(arguments: barringCodes.map(\.0))
    func barringRefusalsChangeNothing(_ code: String) throws {
        let desk = try Desk()
        try desk.ussd(prepaid, "*\(code)*0000#")
        let before = desk.state
        for refused in ["*\(code)#", "#\(code)#", "*\(code)*1234#", "#\(code)*9999#", "**\(code)*0000#", "##\(code)#"] {
            #expect(try desk.ussd(prepaid, refused).status == .refused, "\(refused)")
        }
        // Only the failure count of the two wrong passwords moved.
        #expect(try desk.settings(prepaid)["cb.failures"] == "2")
        #expect(desk.state.sameApartFromAudit(before))
    }

    @Test func barringForOneBasicServiceAndTheGroupCodes() throws {
        let desk = try Desk()
        try desk.ussd(prepaid, "*33*0000*16#")
        try desk.ussd(prepaid, "*35*0000#")
        #expect(try desk.settings(prepaid)["cb.33.16"] == "on")
        let report = try #require(try desk.ussd(prepaid, "*#330#").reply)
        #expect(report.split(separator: "\n") == gsmLines([
            "Híváskorlátozás:", "minden kimenő, SMS: be", "nemzetközi kimenő: ki",
            "nemzetközi, kivéve haza: ki", "minden bejövő: be", "bejövő roamingban: ki",
        ]))
        // Groups are not activated whole.
        let before = desk.state
        #expect(try desk.ussd(prepaid, "*330*0000#").status == .refused)
        #expect(try desk.ussd(prepaid, "*333*0000#").status == .refused)
        #expect(desk.state.sameApartFromAudit(before))
        // #353 clears the incoming ones only, #330 everything.
        try desk.ussd(prepaid, "#353*0000#")
        #expect(try desk.settings(prepaid)["cb.35"] == nil)
        #expect(try desk.settings(prepaid)["cb.33.16"] == "on")
        try desk.ussd(prepaid, "#330*0000#")
        #expect(try desk.settings(prepaid).keys.allSatisfy { !$0.hasPrefix("cb.3") })
    }

    /// 330, 333, 353: interrogation names each member, deactivation clears exactly the
    /// members, activation is refused.
    @Test(arguments: [("330", ["33", "331", "332", "35", "351"]), ("333", ["33", "331", "332"]), ("353", ["35", "351"])])
    func barringGroupCodes(_ group: String, _ members: [String]) throws {
        let desk = try Desk()
        let all = ["33", "331", "332", "35", "351"]
        for code in all { try desk.ussd(prepaid, "*\(code)*0000#") }
        let report = try #require(try desk.ussd(prepaid, "*#\(group)#").reply)
        #expect(report.split(separator: "\n").count == members.count + 1)
        #expect(report.split(separator: "\n").dropFirst().allSatisfy { $0.hasSuffix(": be") })
        let before = desk.state
        #expect(try desk.ussd(prepaid, "*\(group)*0000#").status == .refused)
        #expect(try desk.ussd(prepaid, "#\(group)*1111#").status == .refused)
        #expect(desk.state.sameApartFromAudit(before))
        #expect(try desk.ussd(prepaid, "#\(group)*0000#").status == .ok)
        let settings = try desk.settings(prepaid)
        for code in all { #expect((settings["cb.\(code)"] == nil) == members.contains(code), "\(code)") }
    }

    @Test func changingTheBarringPassword() throws {
        let desk = try Desk()
        #expect(try desk.ussd(prepaid, "**03*330*0000*1234*1234#").status == .ok)
        let stored = try #require(try desk.settings(prepaid)["cb.password"])
        #expect(PasswordHash.verify("1234", against: stored))
        #expect(try desk.ussd(prepaid, "*33*0000#").status == .refused)
        #expect(try desk.ussd(prepaid, "*33*1234#").status == .ok)
        // The security notice went out.
        #expect(try desk.outbox(prepaid).contains { $0.text.contains("híváskorlátozási jelszó módosítva") })
        // An empty ZZ means all barring services too.
        #expect(try desk.ussd(prepaid, "*03**1234*4321*4321#").status == .ok)
        // SUB SHOW never shows the hash.
        let show = try desk.run(.showSubscriber(prepaid))
        #expect(show.lines.contains("setting cb.password (set)"))
        // Passwords are masked in the audit.
        let requests = desk.state.audit.map(\.request)
        #expect(requests.contains("USSD 36301111111 **03*330*****#"))
        #expect(requests.contains("USSD 36301111111 *33*****#"))
        #expect(!requests.contains { $0.contains("1234") || $0.contains("0000") })
    }

    @Test func aWrongOldPasswordOrDifferentNewOnesChangeNothing() throws {
        let desk = try Desk()
        let before = desk.state
        #expect(try desk.ussd(prepaid, "**03*330*1111*1234*1234#").result.contains("wrong barring password"))
        #expect(try desk.settings(prepaid)["cb.failures"] == "1")
        #expect(desk.state.sameApartFromAudit(before))
        // A typo in the new password costs no attempt.
        #expect(try desk.ussd(prepaid, "**03*330*0000*1234*1235#").result == "new barring passwords differ")
        #expect(try desk.settings(prepaid)["cb.failures"] == "1")
        #expect(try desk.ussd(prepaid, "**03*330*0000*12*12#").status == .refused)
    }

    @Test func threeWrongBarringPasswordsLockForFifteenMinutes() throws {
        let desk = try Desk()
        try desk.ussd(prepaid, "*33*1111#")
        try desk.ussd(prepaid, "*33*2222#")
        let third = try desk.ussd(prepaid, "*33*3333#")
        #expect(third.result == "wrong barring password 3 times, locked until 2026-11-21 13:15")
        #expect(try desk.run(.showSubscriber(prepaid)).lines.contains("setting cb.locked 2026-11-21 13:15"))
        #expect(try desk.outbox(prepaid).contains { $0.text.contains("híváskorlátozási jelszó") })
        #expect(try desk.ussd(prepaid, "*33*0000#", at: now + 60).result == "barring password locked")
        #expect(try desk.settings(prepaid)["cb.33"] == nil)
        // The PIN is another secret: it is not locked.
        #expect(try desk.sms(prepaid, "1430", "KOD 11111").status == .ok)
        #expect(try desk.ussd(prepaid, "*33*0000#", at: now + 15 * 60 + 1).status == .ok)
        #expect(try desk.settings(prepaid)["cb.locked"] == nil)
    }

    // MARK: Call waiting, CLIP, CLIR

    @Test func callWaiting() throws {
        let desk = try Desk()
        #expect(try desk.ussd(prepaid, "*#43#").reply == gsm("Hívásvárakoztatás: nincs bekapcsolva"))
        #expect(try desk.ussd(prepaid, "*43#").reply == gsm("Hívásvárakoztatás bekapcsolva"))
        #expect(try desk.settings(prepaid)["cw"] == "on")
        #expect(try desk.ussd(prepaid, "*#43#").reply == gsm("Hívásvárakoztatás bekapcsolva"))
        #expect(try desk.ussd(prepaid, "#43#").status == .ok)
        #expect(try desk.settings(prepaid)["cw"] == nil)
        #expect(try desk.ussd(prepaid, "*43*11#").reply == gsm("Hívásvárakoztatás, telefon bekapcsolva"))
        #expect(try desk.settings(prepaid)["cw.11"] == "on")
        let before = desk.state
        #expect(try desk.ussd(prepaid, "*43*16#").status == .refused)
        #expect(try desk.ussd(prepaid, "**43#").status == .refused)
        #expect(try desk.ussd(prepaid, "##43#").status == .refused)
        #expect(desk.state.sameApartFromAudit(before))
    }

    @Test func clipIsProvidedClirIsTheSubscribersAndFree() throws {
        let desk = try Desk()
        #expect(try desk.ussd(prepaid, "*#30#").reply == gsm("Hívószámkijelzés (CLIP): bekapcsolva (a hálózat biztosítja)"))
        let before = desk.state
        #expect(try desk.ussd(prepaid, "#30#").status == .refused)
        #expect(try desk.ussd(prepaid, "*76#").status == .refused)
        #expect(desk.state.sameApartFromAudit(before))
        #expect(try desk.ussd(prepaid, "*#31#").reply == gsm("Hívószám-letiltás (CLIR): nincs bekapcsolva"))
        #expect(try desk.ussd(prepaid, "*31#").status == .ok)
        #expect(try desk.settings(prepaid)["clir"] == "on")
        #expect(try desk.ussd(prepaid, "*#31#").reply == gsm("Hívószám-letiltás (CLIR) bekapcsolva"))
        #expect(try desk.ussd(prepaid, "#31#").status == .ok)
        #expect(try desk.settings(prepaid)["clir"] == nil)
        #expect(desk.subscriber(prepaid)?.balance == 5_000)
        #expect(desk.store.ledgerHolds)
        #expect(try desk.ussd(prepaid, "*#76#").reply == gsm("Kapcsolt szám kijelzése (COLP): nincs előfizetve"))
    }

    // MARK: Language, refusals

    @Test func answersReadLikeAHandsetsInTheSubscribersLanguage() throws {
        let desk = try Desk()
        #expect(try desk.ussd(postpaid, "*#67#").reply == "Call forwarding (busy): not active")
        #expect(try desk.ussd(postpaid, "**21*06301234567#").reply == "Call forwarding on: +36 30 123 4567")
        #expect(try desk.ussd(prepaid, "**21*06301234567#").reply == gsm("Hívásátirányítás bekapcsolva: +36 30 123 4567"))
    }

    @Test func suspendedSubscribersGetNoMMI() throws {
        let desk = try Desk()
        let before = desk.state
        for code in ["*#21#", "**21*06301234567#", "*43#", "**03*330*0000*1234*1234#"] {
            let outcome = try desk.ussd(suspended, code)
            #expect(outcome.status == .refused && outcome.result == "suspended")
        }
        #expect(desk.state.sameApartFromAudit(before))
    }

    @Test func unknownSubscribersAndUnknownOrBadCodes() throws {
        let desk = try Desk()
        let before = desk.state
        #expect(try desk.ussd(stranger, "*#21#").status == .unknownSubscriber)
        let unknown = try desk.ussd(prepaid, "*100#")
        #expect(unknown.status == .refused && unknown.result == "no menu for *100#")
        #expect(unknown.reply == gsm("A(z) *100# kód ismeretlen. Ügyfélszolgálati menü: *1412#"))
        #expect(try desk.ussd(prepaid, "**21#").result.contains("registration needs a number"))
        #expect(try desk.ussd(prepaid, "*1412").result == "a code ends with #")
        #expect(try desk.ussd(prepaid, "1").result == "no open dialogue to answer")
        #expect(desk.state.sameApartFromAudit(before))
        #expect(desk.state.audit.count == 5)
    }

    @Test func everyAnswerIsOneGSMScreen() throws {
        let desk = try Desk()
        try desk.ussd(prepaid, "**21*06301234567*11#")
        try desk.ussd(prepaid, "**002*06301234567**30#")
        for code in ["*#002#", "*#004#", "*#330#", "*#21#", "**62*0690123456#", "*100#"] {
            let screen = try #require(try desk.ussd(prepaid, code).reply)
            #expect(SMSSegmenter.fitsUSSD(screen), "\(code): \(screen)")
        }
        #expect(Engine.ussdScreen(String(repeating: "ű", count: 300)).count == 182)
    }

    @Test func theGrammarREADMEListsTheWholeTable() throws {
        let readme = try String(contentsOfFile: grammarFolder + "/README.md", encoding: .utf8)
        let engine = try makeEngine()
        for service in engine.mmi.services.values {
            #expect(readme.contains("| `\(service.code)` | `\(service.name)` | \(service.kind.rawValue) |"), "README lacks \(service.code)")
        }
        for group in engine.mmi.basicServices.values {
            #expect(readme.contains("| `\(group.code)` | `\(group.name)` |"), "README lacks basic service \(group.code)")
        }
    }
}
