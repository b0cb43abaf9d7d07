import ArgumentParser
import LineClient
#if canImport(Glibc)
import Glibc
#endif

/// `selfcare phone <msisdn>`: a subscriber's handset on the line protocol, to try the
/// gateway by hand (or from a script, one line per command on stdin).
///
/// ```
/// $ selfcare phone 36301111111
/// > 1730 EGYENLEG
/// 💬 1730: Egyenleg: 5 000 Ft, univerzális egyenleg: 1 000 Ft. …
/// > 1430 EMELT BE 11111
/// 💬 1430: Az emelt díjas SMS-ek fogadását engedélyezted.
/// 📩 from 1430: Biztonsági értesítés: emelt díjas SMS fogadás engedélyezve (…). …
/// > *1412#
/// 📟 Telekom 1412
///    1 Önkiszolgalo ügyfélszolgalat …
/// ```
struct Phone: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Be a subscriber's phone: send SMS, dial USSD codes, see incoming SMS.",
        discussion: """
            Each line read from stdin is one action. `777 SPORT` sends the SMS SPORT to 777 (the \
            first word is the number, the rest the text); a line starting with * or # dials it \
            as a USSD code; while a USSD dialogue is open, every line answers its screen. After \
            each action the SMS the gateway sends this number (OUTBOX) are shown. `?` shows \
            this help; Ctrl-D hangs up. The server and account come from the flags or from \
            SELFCARE_SERVER, SELFCARE_ACCOUNT and SELFCARE_PASSWORD.
            """)

    @Argument(help: "The subscriber's number (MSISDN).")
    var msisdn: String

    @OptionGroup var network: NetworkOptions

    @Flag(help: "Plain text without symbols (the default when the output is not a terminal).")
    var plain = false

    func validate() throws {
        guard !msisdn.isEmpty, !msisdn.contains(" ") else {
            throw ValidationError("write the number without spaces (36301234567 or 06-30-123-4567)")
        }
    }

    func run() throws {
        let client = try network.connect()
        var handset = Handset(msisdn: msisdn, symbols: !plain && isatty(STDOUT_FILENO) != 0)
        let interactive = isatty(STDIN_FILENO) != 0
        if interactive { print(Handset.help) }
        func prompt() {
            guard interactive else { return }
            print(handset.dialogueOpen ? "answer> " : "> ", terminator: "")
            fflush(nil)
        }
        prompt()
        do {
            while let typed = readLine() {
                switch handset.action(for: typed) {
                case .nothing:
                    break
                case .local(let text):
                    print(text)
                case .request(let request, let ussd, let from):
                    for line in handset.show(try client.send(request), ussd: ussd, from: from) { print(line) }
                    for line in handset.incoming(try client.send("OUTBOX \(msisdn)")) { print(line) }
                }
                fflush(nil)
                prompt()
            }
        } catch {
            throw CLIError("\(error)")
        }
        if handset.dialogueOpen { _ = try? client.send("RELEASE \(msisdn)") }
        _ = try? client.send("QUIT")
    }
}

/// What the phone does with a typed line and how it shows the gateway's answers. Pure:
/// it knows the line protocol's text, not its socket.
struct Handset {
    let msisdn: String
    /// 💬 📩 📟 ⚠️ before what is shown, else plain words.
    let symbols: Bool
    /// The last USSD answer was `251 CONTINUE`: the next line answers its screen.
    private(set) var dialogueOpen = false

    static let help = """
        Type `777 SPORT` to send SPORT to 777, `*1412#` to dial; while a USSD dialogue is open \
        every line is its answer. `?` for this help, Ctrl-D to hang up.
        """

    enum Action: Equatable {
        case nothing
        /// Shown without asking the gateway.
        case local(String)
        /// A request line; `from` is who the reply seems to come from (the number dialled).
        case request(String, ussd: Bool, from: String)
    }

    func action(for typed: String) -> Action {
        let text = typed.trimmingCharacters(in: " \t\r")
        if text.isEmpty { return .nothing }
        if dialogueOpen || text.hasPrefix("*") || text.hasPrefix("#") {
            return .request("USSD \(msisdn) \(text)", ussd: true, from: "USSD")
        }
        if text == "?" { return .local(Handset.help) }
        guard let gap = text.firstIndex(where: { $0 == " " || $0 == "\t" }) else {
            return .local("An SMS needs a number and a text, e.g. `1730 EGYENLEG`.")
        }
        let to = String(text[..<gap])
        let body = text[gap...].drop { $0 == " " || $0 == "\t" }
        return .request("SMS \(msisdn) \(to) \(body)", ussd: false, from: to)
    }

    /// The answer as the phone's screen shows it: the reply text without the codes; for
    /// USSD the screen, and whether the dialogue stays open.
    mutating func show(_ response: [String], ussd: Bool, from: String) -> [String] {
        guard let last = response.last, last.utf8.count >= 3 else { return [warning("no answer")] }
        let code = String(last.prefix(3))
        let final = String(last.dropFirst(4))
        let text = response.dropLast().map { String($0.dropFirst(4)) }
        guard ussd else {
            // An SMS reply in parts: joined, the parts give the text back.
            if !text.isEmpty, ["250", "550", "554"].contains(code) { return [(symbols ? "💬 " : "") + "\(from): " + text.joined()] }
            return code.hasPrefix("2") ? [(symbols ? "✓ " : "") + final] : [warning(last)]
        }
        switch code {
        case "451":
            // Nothing happened; the dialogue is where it was.
            return [warning(last)]
        case "250", "251", "550", "554":
            dialogueOpen = code == "251"
            let screen = text.isEmpty ? [final] : text
            return [(symbols ? "📟 " : "USSD: ") + screen.joined(separator: "\n" + (symbols ? "   " : "      "))]
        case "500":
            dialogueOpen = false
            return [warning("USSD is not available on this gateway (\(last))")]
        default:
            dialogueOpen = false
            return [warning(last)]
        }
    }

    /// The messages an `OUTBOX` answer hands over (`250-<id> <from> <to> <text>` lines).
    func incoming(_ response: [String]) -> [String] {
        guard let last = response.last else { return [] }
        guard last.hasPrefix("250") else { return [warning("OUTBOX: \(last)")] }
        return response.dropLast().compactMap { line in
            let fields = line.dropFirst(4).split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
            guard fields.count == 4 else { return nil }
            return (symbols ? "📩 from " : "from ") + "\(fields[1]): \(fields[3])"
        }
    }

    func warning(_ text: String) -> String { (symbols ? "⚠️ " : "! ") + text }
}
