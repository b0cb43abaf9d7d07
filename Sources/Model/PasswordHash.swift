import Crypto
import CryptoExtras
import Foundation

/// Salted PBKDF2-SHA256 password and PIN hashes, stored as
/// `pbkdf2-sha256$<rounds>$<salt hex>$<hash hex>` so the cost can be raised later
/// without invalidating stored hashes.
///
/// ```swift
/// let stored = PasswordHash.make("11111")
/// PasswordHash.verify("11111", against: stored)   // true
/// PasswordHash.verify("11112", against: stored)   // false
/// ```
///
/// The rounds are a compromise: verification runs on the event loop (AUTH, PIN
/// commands), so each one must stay in the low milliseconds. A 5-digit PIN cannot be
/// made safe against offline guessing by any KDF; the online lock-out protects it.
public enum PasswordHash {
    public static let defaultRounds = 10_000
    static let scheme = "pbkdf2-sha256"
    static let hashLength = 32

    public static func make(_ secret: String, rounds: Int = defaultRounds) -> String {
        var salt = [UInt8](repeating: 0, count: 16)
        var rng = SystemRandomNumberGenerator()
        for i in salt.indices { salt[i] = UInt8.random(in: 0...255, using: &rng) }
        let hash = derive(secret, salt: salt, rounds: rounds)
        return "\(scheme)$\(rounds)$\(hex(salt))$\(hex(hash))"
    }

    /// Constant-time comparison of `secret` with a stored hash; `false` for a malformed one.
    public static func verify(_ secret: String, against stored: String) -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == scheme, let rounds = Int(parts[1]), rounds > 0,
              rounds <= 10_000_000, let salt = unhex(parts[2]), let expected = unhex(parts[3]),
              // PBKDF2 output is a prefix of any longer output: a truncated hash would
              // verify against fewer bytes (1 byte: 1 guess in 256 passes).
              expected.count == hashLength
        else { return false }
        let actual = derive(secret, salt: salt, rounds: rounds, length: expected.count)
        guard actual.count == expected.count else { return false }
        var diff: UInt8 = 0
        for (a, b) in zip(actual, expected) { diff |= a ^ b }
        return diff == 0
    }

    static func derive(_ secret: String, salt: [UInt8], rounds: Int, length: Int = hashLength) -> [UInt8] {
        guard let key = try? KDF.Insecure.PBKDF2.deriveKey(
            from: Array(secret.utf8), salt: salt, using: .sha256,
            outputByteCount: length, unsafeUncheckedRounds: rounds)
        else { return [] }
        return key.withUnsafeBytes { Array($0) }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func unhex(_ text: Substring) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0, !chars.isEmpty else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x61...0x66: return c - 0x61 + 10
            default: return nil
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }
}
