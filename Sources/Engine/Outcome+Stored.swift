/// An outcome kept with an idempotency key (``Model/IdempotencyRecord``): what the
/// transports render from it — status, reply, result, lines, service — as one string of
/// length-prefixed fields, so any text survives (no separator can collide with it).
///
/// ```swift
/// let o = Outcome.ok("Feltöltve", result: "topup 1000")
/// Outcome(stored: o.stored) == o   // true
/// ```
///
/// A USSD turn's dialogue is not kept, only that it continued (``Outcome/continues``):
/// the repeat reads the same and leaves the open dialogue as it is.
/// ```swift
/// ```
extension Outcome {
    public var stored: String {
        // Built as bytes, one String at the end: every keyed request writes one.
        var out: [UInt8] = [UInt8(ascii: "1")]
        out.reserveCapacity(64 + (reply?.utf8.count ?? 0) + result.utf8.count)
        func number(_ n: Int) {
            if n >= 10 { number(n / 10) }
            out.append(UInt8(ascii: "0") + UInt8(n % 10))
        }
        func field(_ text: String) {
            out.append(UInt8(ascii: "|"))
            number(text.utf8.count)
            out.append(UInt8(ascii: ":"))
            out += text.utf8
        }
        field(status.rawValue)
        field(service)
        if let reply { field(reply) } else { out += "|-".utf8 }
        field(result)
        out.append(UInt8(ascii: "|"))
        number(lines.count)
        for line in lines { field(line) }
        if continues { out += "|d".utf8 }
        return String(decoding: out, as: UTF8.self)
    }

    /// `nil` when `stored` is not what ``stored`` writes.
    public init?(stored: String) {
        var rest = Substring(stored).utf8[...]
        func take(_ n: Int) -> Substring? {
            guard rest.count >= n else { return nil }
            let end = rest.index(rest.startIndex, offsetBy: n)
            defer { rest = rest[end...] }
            return Substring(rest[..<end])
        }
        func expectBar() -> Bool { take(1) == "|" }
        func number() -> Int? {
            let digits = rest.prefix { (48...57).contains($0) }
            guard !digits.isEmpty, digits.count <= 9, let n = Int(Substring(digits)) else { return nil }
            rest = rest.dropFirst(digits.count)
            return n
        }
        func field() -> String? {
            guard expectBar(), let n = number(), take(1) == ":", let text = take(n) else { return nil }
            return String(text)
        }
        guard take(1) == "1", let statusText = field(), let status = Status(rawValue: statusText),
              let service = field() else { return nil }
        var reply: String?
        if rest.starts(with: "|-".utf8) {
            rest = rest.dropFirst(2)
        } else {
            guard let r = field() else { return nil }
            reply = r
        }
        guard let result = field(), expectBar(), let count = number() else { return nil }
        var lines: [String] = []
        for _ in 0..<count {
            guard let line = field() else { return nil }
            lines.append(line)
        }
        let continuing = rest.elementsEqual("|d".utf8)
        guard rest.isEmpty || continuing else { return nil }
        self.init(status: status, reply: reply, result: result, lines: lines)
        self.service = service
        keptContinuing = continuing
    }
}
