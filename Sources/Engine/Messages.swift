import Grammar
import Model

/// One language's catalog with the formatting rules of that language.
struct Messages: Sendable {
    let language: Language
    let catalog: MessageCatalog
    /// The 1730 answer's messages, looked up once: every balance query renders one or
    /// two, and a look-up by key hashes it (a few hundred instructions each time).
    private let balanceTemplates: [MessageCatalog.Template?]

    init(language: Language, catalog: MessageCatalog) {
        self.language = language
        self.catalog = catalog
        balanceTemplates = BalanceMessage.allCases.map { catalog.template($0.key) }
    }

    /// The messages of the 1730 answer.
    enum BalanceMessage: Int, CaseIterable {
        case prepaid, postpaid, postpaidNoBill, mix, lastPurchase

        var key: String {
            switch self {
            case .prepaid: "balance.prepaid"
            case .postpaid: "balance.postpaid"
            case .postpaidNoBill: "balance.postpaid.nobill"
            case .mix: "balance.mix"
            case .lastPurchase: "balance.lastPurchase"
            }
        }
    }

    func render(_ key: String, _ values: KeyValuePairs<String, String> = [:]) -> String {
        catalog.render(key, values)
    }

    func render(_ message: BalanceMessage, _ values: KeyValuePairs<String, String>) -> String {
        catalog.render(balanceTemplates[message.rawValue], key: message.key, values)
    }

    /// `1 250 Ft` (space as thousands separator, the Hungarian way, in both languages:
    /// the currency is the forint either way).
    func money(_ amount: Int64) -> String { Money.format(amount) }

    /// `2026.11.18.` in Hungarian, `2026-11-18` in English; Budapest local date.
    func date(_ unixTime: Int64) -> String {
        let d = CivilTime.budapestDate(unixTime)
        return language == .hu ? "\(d.year).\(pad(d.month)).\(pad(d.day))." : "\(d.year)-\(pad(d.month))-\(pad(d.day))"
    }

    /// `2026.11.21. 13:05` in Hungarian, `2026-11-21 13:05` in English; Budapest time.
    func time(_ unixTime: Int64) -> String {
        let t = CivilTime.budapestTime(unixTime)
        return "\(date(unixTime)) \(pad(t.hour)):\(pad(t.minute))"
    }

    /// `2026-10` → `2026. október` / `October 2026`.
    func period(_ period: String) -> String {
        let parts = period.split(separator: "-")
        guard parts.count == 2, let month = Int(parts[1]), (1...12).contains(month) else { return period }
        return language == .hu ? "\(parts[0]). \(CivilTime.hungarianMonths[month - 1])" : "\(CivilTime.englishMonths[month - 1]) \(parts[0])"
    }

    private func pad(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
}

/// Forint amounts for people.
public enum Money {
    /// `1250` → `1 250 Ft`, `-300` → `-300 Ft`. Built in a stack buffer: it runs for
    /// every balance answer.
    public static func format(_ amount: Int64) -> String {
        // 20 digits, 6 separators, a sign and " Ft": 30 bytes.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 32) { buffer in
            var end = 32
            func put(_ byte: UInt8) {
                end -= 1
                buffer[end] = byte
            }
            for byte in " Ft".utf8.reversed() { put(byte) }
            var value = amount.magnitude
            var digits = 0
            repeat {
                if digits > 0, digits % 3 == 0 { put(UInt8(ascii: " ")) }
                put(UInt8(ascii: "0") + UInt8(value % 10))
                value /= 10
                digits += 1
            } while value > 0
            if amount < 0 { put(UInt8(ascii: "-")) }
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[end..<32]), as: UTF8.self)
        }
    }
}

