import Foundation
import Grammar

/// What a supplementary service code stands for, and so what its SIA/SIB/SIC fields mean.
public enum MMIServiceKind: String, Sendable, CaseIterable {
    /// Call forwarding: SIA directory number, SIB basic service, SIC no-reply timer.
    case forwarding
    /// Call barring: SIA barring password, SIB basic service.
    case barring
    /// Call waiting: SIA basic service.
    case waiting
    /// Line identification (CLIP, CLIR, COLP, COLR): no supplementary information.
    case identity
    /// The password-change procedure `**03*ZZ*OLD*NEW*NEW#`.
    case password
}

/// One supplementary service code of the table (`21` → `cfu`, forwarding).
public struct MMIService: Hashable, Sendable {
    public let kind: MMIServiceKind
    public let code: String
    /// Stable name the engine keys on (`cfu`, `baoc`, `cw`, `clir`).
    public let name: String
    /// A forwarding code that takes the no-reply timer in SIC (61, 002, 004).
    public let acceptsTimer: Bool
    /// The codes a group code stands for (`330` → 33 331 332 35 351); empty for a single service.
    public let covers: [String]
    public let description: String

    public init(kind: MMIServiceKind, code: String, name: String, acceptsTimer: Bool = false,
                covers: [String] = [], description: String = "") {
        self.kind = kind
        self.code = code
        self.name = name
        self.acceptsTimer = acceptsTimer
        self.covers = covers
        self.description = description
    }
}

/// A basic service group code of TS 22.030 Annex C (`11` → telephony).
public struct MMIBasicService: Hashable, Sendable {
    public let code: String
    public let name: String
    public let description: String
}

/// The allowed values of the no-reply condition timer, in seconds.
public struct MMITimerRule: Hashable, Sendable {
    public let lowest: Int
    public let highest: Int
    public let step: Int

    /// `5`, `10` … `30` with the default table; `7` or `35` are not.
    public func allows(_ seconds: Int) -> Bool {
        seconds >= lowest && seconds <= highest && (seconds - lowest) % step == 0
    }
}

/// The service-code tables read from `Grammars/mmi.codes`: what the parser recognises.
/// A code not in the table makes a string USSD, not a supplementary-service request.
///
/// ```swift
/// let codes = try MMICodes.load(from: "Grammars")
/// codes.services["67"]?.name       // "cfb"
/// codes.basicServices["16"]?.name  // "sms"
/// ```
public struct MMICodes: Sendable {
    public static let fileName = "mmi.codes"

    public private(set) var services: [String: MMIService] = [:]
    public private(set) var basicServices: [String: MMIBasicService] = [:]
    /// The no-reply timer's allowed values, seconds (TS 22.030 Annex B: 5…30 step 5).
    public private(set) var timer = MMITimerRule(lowest: 5, highest: 30, step: 5)

    /// No codes at all: every string ending in `#` is USSD.
    public init() {}

    /// Reads `mmi.codes` from `directory`.
    public static func load(from directory: String) throws(GrammarError) -> MMICodes {
        let path = directory.hasSuffix("/") ? directory + fileName : directory + "/" + fileName
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw GrammarError(file: path, line: 0, reason: "cannot read file")
        }
        return try MMICodes(parsing: text, file: path)
    }

    /// Parses the table; errors carry file, line and reason, and the table must hold
    /// one password-change code and a timer line.
    public init(parsing text: String, file: String) throws(GrammarError) {
        var names: Set<String> = []
        var timerLine: Int?
        var pendingCovers: [(service: MMIService, line: Int)] = []
        var lineNumber = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            func fail(_ reason: String) -> GrammarError { GrammarError(file: file, line: lineNumber, reason: reason) }
            var line = Substring(rawLine)
            if line.hasSuffix("\r") { line = line.dropLast() }
            var description = ""
            if let dash = line.range(of: "--") {
                description = line[dash.upperBound...].trimmingCharacters(in: .whitespaces)
                line = line[..<dash.lowerBound]
            }
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let keyword = fields.first, !keyword.hasPrefix("#") else { continue }

            if keyword == "timer" {
                guard fields.count == 4, let low = Int(fields[1]), let high = Int(fields[2]), let step = Int(fields[3]),
                      low > 0, low <= high, step > 0 else {
                    throw fail("expected `timer <lowest> <highest> <step>` in seconds")
                }
                guard timerLine == nil else { throw fail("timer defined twice (first on line \(timerLine!))") }
                timerLine = lineNumber
                timer = MMITimerRule(lowest: low, highest: high, step: step)
                continue
            }
            guard fields.count >= 3 else { throw fail("expected `<kind> <code> <name>`") }
            let code = fields[1], name = fields[2]
            guard !code.isEmpty, code.allSatisfy(\.isASCIIDigit) else { throw fail("code `\(code)` is not digits") }
            guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else { throw fail("bad name `\(name)`") }

            if keyword == "basic" {
                guard fields.count == 3 else { throw fail("unexpected `\(fields[3])` after a basic service") }
                guard basicServices[code] == nil else { throw fail("basic service code \(code) defined twice") }
                guard names.insert("basic " + name).inserted else { throw fail("name `\(name)` defined twice") }
                basicServices[code] = MMIBasicService(code: code, name: name, description: description)
                continue
            }
            guard let kind = MMIServiceKind(rawValue: keyword) else {
                throw fail("unknown kind `\(keyword)` (forwarding, barring, waiting, identity, password, basic, timer)")
            }
            var acceptsTimer = false
            var covers: [String] = []
            var index = 3
            while index < fields.count {
                switch fields[index] {
                case "timer" where kind == .forwarding:
                    acceptsTimer = true
                    index += 1
                case "covers":
                    let members = fields[(index + 1)...].prefix { $0.allSatisfy(\.isASCIIDigit) }
                    guard !members.isEmpty else { throw fail("`covers` needs the codes it stands for") }
                    covers = Array(members)
                    index += 1 + members.count
                default:
                    throw fail("unexpected `\(fields[index])` for a \(kind.rawValue) code")
                }
            }
            guard services[code] == nil else { throw fail("service code \(code) defined twice") }
            guard names.insert(name).inserted else { throw fail("name `\(name)` defined twice") }
            if kind == .password, services.values.contains(where: { $0.kind == .password }) {
                throw fail("only one password-change code")
            }
            let service = MMIService(kind: kind, code: code, name: name, acceptsTimer: acceptsTimer,
                                     covers: covers, description: description)
            services[code] = service
            if !covers.isEmpty { pendingCovers.append((service, lineNumber)) }
        }
        for (group, line) in pendingCovers {
            for member in group.covers where services[member]?.kind != group.kind {
                throw GrammarError(file: file, line: line,
                                   reason: "`covers \(member)`: no \(group.kind.rawValue) code \(member)")
            }
        }
        guard services.values.contains(where: { $0.kind == .password }) else {
            throw GrammarError(file: file, line: lineNumber, reason: "no password-change code (`password 03 …`)")
        }
        guard timerLine != nil else {
            throw GrammarError(file: file, line: lineNumber, reason: "no `timer <lowest> <highest> <step>` line")
        }
    }

    /// The password-change code (`03`).
    public var passwordChangeCode: String {
        services.values.first { $0.kind == .password }?.code ?? "03"
    }
}
