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
/// The rounds are a compromise: each check costs the store's thread a few milliseconds.
/// A 5-digit PIN cannot be made safe against offline guessing by any KDF alone, so with a
/// server key (``key``, the key file beside the store) the secret is first HMAC-SHA256'd
/// with it — `hmac-pbkdf2-sha256$…` — and a copy of the store without the key gives
/// nothing to guess against. Hashes made before the key are still checked (unkeyed) and
/// re-made keyed on their next successful use (``needsRekey(_:)``).
public enum PasswordHash {
    public static let defaultRounds = 10_000
    static let scheme = "pbkdf2-sha256"
    static let keyedScheme = "hmac-pbkdf2-sha256"
    static let hashLength = 32

    /// The server key of this process: set once at start-up, before any hash is made or
    /// checked (the CLI's store opening); `nil`: unkeyed hashes.
    public static var key: [UInt8]? {
        get { keyStorage }
    }
    nonisolated(unsafe) private static var keyStorage: [UInt8]?

    /// Sets the process's key (start-up only: not synchronised with hashing threads).
    public static func useKey(_ key: [UInt8]?) { keyStorage = key }

    public static func make(_ secret: String, rounds: Int = defaultRounds) -> String {
        make(secret, rounds: rounds, key: key)
    }

    public static func make(_ secret: String, rounds: Int = defaultRounds, key: [UInt8]?) -> String {
        var salt = [UInt8](repeating: 0, count: 16)
        var rng = SystemRandomNumberGenerator()
        for i in salt.indices { salt[i] = UInt8.random(in: 0...255, using: &rng) }
        let hash = derive(keyed(secret, key), salt: salt, rounds: rounds)
        return "\(key == nil ? scheme : keyedScheme)$\(rounds)$\(hex(salt))$\(hex(hash))"
    }

    /// Constant-time comparison of `secret` with a stored hash; `false` for a malformed one.
    public static func verify(_ secret: String, against stored: String) -> Bool {
        verify(secret, against: stored, key: key)
    }

    /// A keyed hash needs `key`; an unkeyed one is checked as it is.
    public static func verify(_ secret: String, against stored: String, key: [UInt8]?) -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == scheme || parts[0] == keyedScheme, let rounds = Int(parts[1]), rounds > 0,
              rounds <= 10_000_000, let salt = unhex(parts[2]), let expected = unhex(parts[3]),
              // PBKDF2 output is a prefix of any longer output: a truncated hash would
              // verify against fewer bytes (1 byte: 1 guess in 256 passes).
              expected.count == hashLength
        else { return false }
        let input: [UInt8]
        if parts[0] == keyedScheme {
            guard let key else { return false }
            input = keyed(secret, key)
        } else {
            input = Array(secret.utf8)
        }
        let actual = derive(input, salt: salt, rounds: rounds, length: expected.count)
        guard actual.count == expected.count else { return false }
        var diff: UInt8 = 0
        for (a, b) in zip(actual, expected) { diff |= a ^ b }
        return diff == 0
    }

    /// 16 hex digits of a key's SHA-256: names it without giving it away.
    public static func fingerprint(of key: [UInt8]) -> String {
        hex(Array(SHA256.hash(data: key).prefix(8)))
    }

    /// Whether `stored` should be made again now that it checked out: the process has a
    /// key and the hash was made without one.
    public static func needsRekey(_ stored: String) -> Bool {
        key != nil && !stored.hasPrefix(keyedScheme + "$")
    }

    /// What goes into the KDF: the secret's UTF-8, or its HMAC-SHA256 under `key`.
    static func keyed(_ secret: String, _ key: [UInt8]?) -> [UInt8] {
        guard let key else { return Array(secret.utf8) }
        return Array(HMAC<SHA256>.authenticationCode(for: Array(secret.utf8), using: SymmetricKey(data: key)))
    }

    static func derive(_ input: [UInt8], salt: [UInt8], rounds: Int, length: Int = hashLength) -> [UInt8] {
        guard let key = try? KDF.Insecure.PBKDF2.deriveKey(
            from: input, salt: salt, using: .sha256,
            outputByteCount: length, unsafeUncheckedRounds: rounds)
        else { return [] }
        return key.withUnsafeBytes { Array($0) }
    }

    public static func hex(_ bytes: [UInt8]) -> String {
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
