import Grammar
import Model

/// One language's catalog with the formatting rules of that language.
struct Messages {
    let language: Language
    let catalog: MessageCatalog

    func render(_ key: String, _ values: KeyValuePairs<String, String> = [:]) -> String {
        catalog.render(key, values)
    }

    /// `1 250 Ft` (space as thousands separator, the Hungarian way, in both languages:
    /// the currency is the forint either way).
    func money(_ amount: Int64) -> String { Money.format(amount) }

    /// `2026.11.18.` in Hungarian, `2026-11-18` in English; Budapest local date.
    func date(_ unixTime: Int64) -> String {
        let d = CivilTime.budapestDate(unixTime)
        return language == .hu ? "\(d.year).\(pad(d.month)).\(pad(d.day))." : "\(d.year)-\(pad(d.month))-\(pad(d.day))"
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
    /// `1250` → `1 250 Ft`, `-300` → `-300 Ft`.
    public static func format(_ amount: Int64) -> String {
        let negative = amount < 0
        let digits = String(amount.magnitude)
        var out = negative ? "-" : ""
        let count = digits.utf8.count
        for (i, c) in digits.enumerated() {
            if i > 0, (count - i) % 3 == 0 { out.append(" ") }
            out.append(c)
        }
        return out + " Ft"
    }
}

