import Foundation
import Testing

/// `selfcare phone`: the handset simulator, fed lines on stdin as a person would type them.
@Suite("selfcare phone")
struct PhoneTests {
    /// Runs `selfcare phone ARGS` with `input` on stdin (not a terminal: plain output);
    /// exit status and stdout lines.
    func phone(_ arguments: [String], input: String) throws -> (Int32, [String]) {
        let (status, output) = try runSelfcare(["phone"] + arguments, input: input)
        return (status, output.split(separator: "\n").map(String.init))
    }

    @Test func smsRepliesAndIncomingSMSShowAsOnAPhone() throws {
        let store = try TemporaryStore()
        let server = try ServerProcess(store: store, http: false)
        let (status, out) = try phone(["36301111111", "--server", "127.0.0.1:\(server.port)"], input: """
            1730 EGYENLEG
            1430 EMELT BE 11111

            hello
            12 x
            777   SPORT
            *1412#
            0
            **21*06201234567#
            1730 x
            """)
        #expect(status == 0)
        #expect(out.count == 15, "\(out)")
        #expect(out[0].hasPrefix("1730: Egyenleg: 5 000 Ft, univerzális egyenleg: 1 000 Ft. Utolsó vásárlás: "))
        #expect(out[1] == "1430: Az emelt díjas SMS-ek fogadását engedélyezted.")
        // The security notice of the change arrives as an SMS from 1430.
        #expect(out[2].hasPrefix("from 1430: Biztonsági értesítés: emelt díjas SMS fogadás engedélyezve ("))
        #expect(out[3] == "An SMS needs a number and a text, e.g. `1730 EGYENLEG`.")
        #expect(out[4] == "! 501 malformed number: to")
        #expect(out[5] == "777: Feliratkoztál: SPORT. Havidíj: 500 Ft. Leiratkozás: STOP SPORT")
        // The 1412 menu: its screen, one line of the display each.
        #expect(out[6] == "USSD: Telekom 1412")
        #expect(out[7] == "      1 Önkiszolgalo ügyfélszolgalat")
        #expect(out[11] == "      *:Vissza 0:Ügyintézo")
        // "0" answers the open menu (the agent), which ends the dialogue.
        #expect(out[12].hasPrefix("USSD: Ügyintézonk hamarosan visszahivja"))
        #expect(out[13] == "USSD: Hivasatiranyitas bekapcsolva: +36 20 123 4567")
        // No dialogue open after an MMI code: "1730 x" is an SMS again.
        #expect(out[14].hasPrefix("1730: Egyenleg: 4 500 Ft"))

        // Someone else's call-me-back request reaches this phone after its next action.
        let (_, other) = try phone(["06301111111", "--server", "127.0.0.1:\(server.port)"], input: "1430 HIVJ 06302222222\n")
        #expect(other == ["1430: Visszahíváskérést küldtünk ide: +36302222222."])
        let (_, target) = try phone(["36302222222", "--server", "127.0.0.1:\(server.port)"], input: "1730 balance\n")
        #expect(target.count == 2)
        #expect(target[1] == "from 36301111111: +36301111111 asks you to call back.")
    }

    @Test func whileADialogueIsOpenEveryLineAnswersIt() throws {
        let gateway = try FakeLineServer { line in
            switch line {
            case "AUTH simulator simulator": return ["235 Authenticated as simulator (network)"]
            case "USSD 36301111111 *1412#": return ["251-Selfcare 1412", "251-1 Egyenleg", "251-2 Szolgaltatasok", "251 CONTINUE"]
            case "USSD 36301111111 2": return ["251-1 InfoSMS", "251 CONTINUE"]
            case "USSD 36301111111 1730 x": return ["250-Egyenleg: 5 000 Ft", "250 END"]
            case "SMS 36301111111 1730 x": return ["250-Egyenleg: 5 000 Ft.", "250 OK balance"]
            case "USSD 36301111111 #": return ["554-Nincs ilyen kod", "554 Refused: unknown code"]
            case "OUTBOX 36301111111": return ["250 OK 0 messages"]
            case "RELEASE 36301111111": return ["250 Released"]
            case "QUIT": return ["221 Bye"]
            default: return ["500 unknown command"]
            }
        }
        let (status, out) = try phone(["36301111111", "--server", "127.0.0.1:\(gateway.port)"],
                                      input: "*1412#\n2\n1730 x\n1730 x\n#\n*1412#\n")
        #expect(status == 0)
        #expect(out == [
            "USSD: Selfcare 1412", "      1 Egyenleg", "      2 Szolgaltatasok",
            "USSD: 1 InfoSMS",
            // Still open: "1730 x" is an answer, not an SMS.
            "USSD: Egyenleg: 5 000 Ft",
            // The dialogue ended: now it is an SMS.
            "1730: Egyenleg: 5 000 Ft.",
            "USSD: Nincs ilyen kod",
            "USSD: Selfcare 1412", "      1 Egyenleg", "      2 Szolgaltatasok",
        ])
        let sent = gateway.lines.filter { !$0.hasPrefix("OUTBOX") }
        #expect(sent == [
            "AUTH simulator simulator", "USSD 36301111111 *1412#", "USSD 36301111111 2", "USSD 36301111111 1730 x",
            "SMS 36301111111 1730 x", "USSD 36301111111 #", "USSD 36301111111 *1412#",
            // Hung up with a dialogue open: the network is told.
            "RELEASE 36301111111", "QUIT",
        ])
        #expect(gateway.lines.filter { $0 == "OUTBOX 36301111111" }.count == 6)
    }

    @Test func aGatewayThatIsNotThereIsAClearError() throws {
        let gone = try FakeLineServer { _ in [] }
        let port = gone.port
        gone.close()
        let (status, out) = try phone(["36301111111", "--server", "127.0.0.1:\(port)"], input: "1730 x\n")
        #expect(status == 1)
        #expect(out.first?.hasPrefix("Error: cannot connect to 127.0.0.1:\(port)") == true, "\(out)")
    }
}
