/// Strict UTF-8 validation of a line (RFC 3629): no overlong forms, no surrogates, nothing
/// above U+10FFFF, no truncated sequence, no stray continuation byte. ASCII runs are
/// checked eight bytes at a time.
enum UTF8Validation {
    static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        var i = 0
        while i < count {
            // ASCII fast path.
            while i + 8 <= count,
                  base.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                i += 8
            }
            guard i < count else { return true }
            let b0 = bytes[i]
            if b0 < 0x80 {
                i += 1
                continue
            }
            let length: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF  // range of the second byte
            switch b0 {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0              // no overlong 3-byte forms
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F             // no surrogates
            case 0xF0: length = 4; low = 0x90              // no overlong 4-byte forms
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F             // nothing above U+10FFFF
            default: return false                          // 80…C1 (stray or overlong), F5…FF
            }
            guard i + length <= count else { return false }
            let b1 = bytes[i + 1]
            guard b1 >= low, b1 <= high else { return false }
            var k = 2
            while k < length {
                guard bytes[i + k] & 0xC0 == 0x80 else { return false }
                k += 1
            }
            i += length
        }
        return true
    }
}
