#if canImport(Glibc)
import Glibc
#endif

/// A bind's `address_range` (SMPP 3.4 5.2.7: "a regular expression", UNIX notation): the
/// numbers whose outbox messages the server delivers on that bind. Read as a POSIX
/// extended regular expression and matched against the recipient's digits and its `+`
/// form, anywhere unless anchored: `^3630` takes 3630…, `^\+?3620` as well, `.` takes
/// every number. An empty range takes none (the bind only gets the replies to its MOs).
///
/// ```swift
/// let r = try SMPPAddressRange("^3630")
/// r?.matches("36301111111")  // true
/// r?.matches("36201111111")  // false
/// try SMPPAddressRange("")    // nil
/// ```
final class SMPPAddressRange {
    let text: String
    private var regex = regex_t()

    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    /// `nil` for an empty range; throws when `text` is not a regular expression.
    init?(_ text: String) throws {
        guard !text.isEmpty else { return nil }
        self.text = text
        let code = regcomp(&regex, text, REG_EXTENDED | REG_NOSUB)
        guard code == 0 else {
            var buffer = [CChar](repeating: 0, count: 128)
            regerror(code, &regex, &buffer, buffer.count)
            throw Invalid(description: "address_range \(text) is not a regular expression: "
                          + String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
    }

    deinit { regfree(&regex) }

    /// Whether the range takes `digits` (canonical, without `+`).
    func matches(_ digits: String) -> Bool {
        regexec(&regex, digits, 0, nil, 0) == 0 || regexec(&regex, "+" + digits, 0, nil, 0) == 0
    }
}
