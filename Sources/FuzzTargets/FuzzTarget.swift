#if canImport(Glibc)
import Glibc
#endif
import CSV
import Grammar
import HTTP
import Import
import JSON
import LineProtocol
import MMI
import Menus
import Model
import Numbering
import SMPP
import SMSText

/// The parsers a hostile peer reaches, each as a function of arbitrary bytes (issue 16):
/// libFuzzer drives them in `make fuzz` (the `selfcare-fuzz` executable built with
/// `-sanitize=fuzzer,address`), and `FuzzCorpusTests` replays the seed corpus and every
/// input that once failed (`Fuzz/corpus/<target>/`) through them in `make test`.
///
/// Besides not crashing, each target checks what must hold whatever the input (a round
/// trip, a bound); a broken one stops the run with `fatalError`, which libFuzzer reports
/// as a crash with the input that caused it.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// LineDecoder over the bytes in uneven chunks, each line through the request parser.
    case line
    /// The MMI parser (3GPP TS 22.030 codes) over the bytes as text.
    case mmi
    /// The grammar's matcher: the first line is the destination, the rest the text.
    case grammar
    /// A USSD menu dialogue: each line an answer to the screen before.
    case menu
    /// The SMPP framing and PDU decoder, over a stream in uneven chunks.
    case smpp
    /// The HTTP/1.1 request decoder, over a stream in uneven chunks.
    case http
    /// The JSON parser of the ops API.
    case json
    /// The GSM 03.38 7-bit codec: septets decoded, text encoded and decoded back.
    case gsm7
    /// An import file (the ops API's `text/csv` body): the CSV decoder in uneven chunks,
    /// agreeing with itself fed whole, and the subscriber rows read from it.
    case csv

    /// The repository's Grammars folder (the grammar, MMI and menu targets load it once):
    /// `SELFCARE_GRAMMARS`, else `Grammars` in the working folder.
    static let grammars: String = {
        if let p = getenv("SELFCARE_GRAMMARS") { return String(cString: p) }
        return "Grammars"
    }()
    static let commandGrammar = try! Grammar.load(from: grammars)
    static let mmiCodes = try! MMICodes.load(from: grammars)
    static let menus = try! MenuCatalog.load(from: grammars)

    /// Runs one input.
    public func run(_ data: [UInt8]) {
        switch self {
        case .line: Self.line(data)
        case .mmi: _ = MMIParse.parse(String(decoding: data, as: UTF8.self), codes: Self.mmiCodes)
        case .grammar: Self.match(data)
        case .menu: Self.menu(data)
        case .smpp: Self.smpp(data)
        case .http: Self.http(data)
        case .json: Self.json(data)
        case .gsm7: Self.gsm7(data)
        case .csv: Self.csv(data)
        }
    }

    /// Feeds `data` as a stream in chunks of 1 to 16 bytes (sizes from the data itself):
    /// the decoders keep state between reads, and a boundary anywhere must not matter.
    /// `decode` returns how many bytes it consumed; the rest waits for the next chunk.
    static func stream(_ data: [UInt8], _ decode: (UnsafeRawBufferPointer) -> Int) {
        var pending: [UInt8] = []
        var i = 0
        var size = 1
        while i < data.count {
            size = 1 + Int(data[i] & 0x0F)
            pending += data[i..<min(data.count, i + size)]
            i += size
            let used = pending.withUnsafeBytes { decode($0) }
            guard used >= 0, used <= pending.count else { fatalError("decoder consumed \(used) of \(pending.count) bytes") }
            pending.removeFirst(used)
        }
    }

    static func line(_ data: [UInt8]) {
        var decoder = LineDecoder(maximumLineLength: 256)
        stream(data) { bytes in
            decoder.decode(bytes) { event in
                guard case .line(let line) = event else { return }
                guard line.count <= 256 else { fatalError("a line of \(line.count) bytes passed the limit") }
                _ = RequestParser.parse(line)
                if case .success(let keyed) = RequestParser.parseKeyed(line), let key = keyed.key,
                   key.isEmpty || key.utf8.count > 64 {
                    fatalError("a malformed key was taken: \(key)")
                }
            }
        }
    }

    static func match(_ data: [UInt8]) {
        let text = String(decoding: data, as: UTF8.self)
        let (first, rest) = text.firstIndex(of: "\n").map { (String(text[..<$0]), String(text[text.index(after: $0)...])) }
            ?? ("1730", text)
        guard let destination = Destination(parsing: first) else { return }
        _ = Self.commandGrammar.recognize(destination: destination, text: rest)
    }

    static func menu(_ data: [UInt8]) {
        let menus = Self.menus.menus.keys.sorted()
        guard !menus.isEmpty, let first = data.first else { return }
        let menu = Self.menus.menus[menus[Int(first) % menus.count]]!
        let language = Language.allCases[Int(first / 16) % Language.allCases.count]
        var (dialogue, step) = MenuDialogue.start(menu: menu, language: language)
        for answer in String(decoding: data.dropFirst(), as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
            guard case .screen(let screen, true) = step else { return }
            guard screen.count <= 182 * 4 else { fatalError("a screen of \(screen.count) characters") }
            step = dialogue.answer(String(answer))
        }
    }

    static func smpp(_ data: [UInt8]) {
        let framing = FrameDecoder()
        var lost = false
        stream(data) { bytes in
            var used = 0
            while !lost {
                let rest = UnsafeRawBufferPointer(rebasing: bytes[used...])
                switch framing.next(in: rest) {
                case .needMore: return used
                case .invalidLength: lost = true
                case .frame(let length):
                    let frame = UnsafeRawBufferPointer(rebasing: rest[..<length])
                    if let pdu = try? PDU.decode(frame) {
                        // What decodes encodes again, and the same way.
                        let again = pdu.encoded()
                        guard (try? PDU.decode(again)) == pdu else { fatalError("\(pdu.command) does not survive encoding") }
                    } else if FrameDecoder.header(of: frame) == nil {
                        fatalError("a frame of \(length) bytes without a header")
                    }
                    used += length
                }
            }
            return bytes.count
        }
    }

    static func http(_ data: [UInt8]) {
        var decoder = HTTPRequestDecoder(maxBodyBytes: 4096)
        stream(data) { bytes in
            decoder.decode(bytes) { event in
                if case .request(_, let body) = event, body.count > 4096 { fatalError("a body of \(body.count) bytes passed the limit") }
                return .read
            }
        }
    }

    static func json(_ data: [UInt8]) {
        guard let value = try? JSONValue.parse(data) else { return }
        // What parses prints as JSON that parses to the same value.
        guard (try? JSONValue.parse(Array(value.text.utf8))) == value else { fatalError("JSON round trip failed") }
    }

    static func gsm7(_ data: [UInt8]) {
        _ = GSM7.decode(data.map { $0 & 0x7F })
        let text = String(decoding: data, as: UTF8.self)
        guard let septets = GSM7.encode(text) else {
            guard !GSM7.isEncodable(text) else { fatalError("encodable but not encoded") }
            return
        }
        guard GSM7.septets(text) == septets.count else { fatalError("septet count disagrees with the encoding") }
        guard GSM7.decode(septets) == text else { fatalError("GSM 7-bit round trip failed") }
    }

    static func csv(_ data: [UInt8]) {
        var whole = CSVDecoder()
        let expected = try? whole.feed(data) + whole.finish()
        var chunked = CSVDecoder()
        var got: [CSVDecoder.Record] = []
        var failed = false
        var start = 0
        while start < data.count, !failed {
            let end = min(data.count, start + 1 + Int(data[start] % 13))
            if let records = try? chunked.feed(data[start..<end]) { got += records } else { failed = true }
            start = end
        }
        if !failed, let last = try? chunked.finish() { got += last } else { failed = true }
        guard (failed ? nil : got) == expected else { fatalError("CSV records depend on where the reads end") }
        let body = ImportBody(data, columns: SubscriberCSV.columns, required: SubscriberCSV.required, row: SubscriberCSV.row)
        guard body.rows.count == body.lines.count else { fatalError("a row without its line") }
    }
}
