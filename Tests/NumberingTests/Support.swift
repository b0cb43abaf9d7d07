
extension RandomNumberGenerator {
    mutating func digits(_ count: Int) -> String {
        String((0..<count).map { _ in Character(String(Int.random(in: 0...9, using: &self))) })
    }

    mutating func pick<T>(_ items: [T]) -> T {
        items[Int.random(in: 0..<items.count, using: &self)]
    }

    mutating func chance(_ p: Double) -> Bool {
        Double.random(in: 0..<1, using: &self) < p
    }
}

/// A random Hungarian number in canonical digits: Budapest (`1` + 7 digits), mobile
/// (20/30/31/50/70 + 7 digits) or a rural area (2-digit area + 6 digits).
func randomHungarian(using rng: inout some RandomNumberGenerator) -> String {
    switch Int.random(in: 0..<3, using: &rng) {
    case 0:
        return "361" + rng.digits(7)
    case 1:
        return "36" + rng.pick(["20", "30", "31", "50", "70"]) + rng.digits(7)
    default:
        return "36" + rng.pick(["22", "24", "34", "46", "52", "62", "72", "88", "96", "99"]) + rng.digits(6)
    }
}

/// The canonical digits written the way a subscriber might: one of the accepted
/// prefixes (`+36`, `0036`, `06`, `36`) and random separators between the digits.
func randomWriting(of canonical: String, using rng: inout some RandomNumberGenerator) -> String {
    precondition(canonical.hasPrefix("36"))
    let national = canonical.dropFirst(2)
    let prefix = rng.pick(["+36", "0036", "06", "36"])
    let separators = [" ", "-", ".", "/", "(", ")", "\t", "  ", " - "]
    var text = ""
    // The `+` must come first; the other prefixes may themselves be split.
    for (i, ch) in prefix.enumerated() {
        text.append(ch)
        if i > 0 || ch != "+", i < prefix.count - 1, rng.chance(0.1) { text += rng.pick(separators) }
    }
    if rng.chance(0.5) { text += rng.pick(separators) }
    for ch in national {
        text.append(ch)
        if rng.chance(0.25) { text += rng.pick(separators) }
    }
    if rng.chance(0.1) { text += rng.pick([" ", ")", "\t"]) }
    return text
}
