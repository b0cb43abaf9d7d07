import Foundation
import Model
import Store
#if canImport(Glibc)
import Glibc
#endif

/// The server key PIN and password hashes are keyed with (``PasswordHash``), kept in a
/// file outside the store: 32 random bytes as 64 hex digits, mode 0600. Beside the store by
/// default (`<db>.key`); `--key-file PATH` puts it elsewhere (another disk, a secret
/// mount), so that a copy of the store alone gives nothing to guess PINs against.
///
/// The store keeps the key's fingerprint (`meta.key_fingerprint`): a store opened with
/// another key, or without the one its hashes were made with, is refused.
enum KeyFile {
    static let fingerprintName = "key_fingerprint"

    /// Loads the key for `store` (creating it, and recording its fingerprint, when the
    /// store has none yet) and makes it the process's.
    static func use(path: String, for store: SQLiteStore) throws {
        let recorded = try store.meta(fingerprintName)
        let key: [UInt8]
        if FileManager.default.fileExists(atPath: path) {
            key = try load(path)
            if let recorded, recorded != fingerprint(key) {
                throw CLIError("the key file \(path) is not the one this store's PINs and passwords were hashed with (fingerprint \(fingerprint(key)), the store expects \(recorded)); give the right one with --key-file")
            }
        } else {
            if let recorded {
                throw CLIError("the key file \(path) is missing: this store's PINs and passwords were hashed with a key (fingerprint \(recorded)); restore the file or give its path with --key-file")
            }
            key = try create(path)
        }
        if recorded == nil { try store.setMeta(fingerprintName, fingerprint(key)) }
        PasswordHash.useKey(key)
    }

    /// 16 hex digits of the key's SHA-256: names it without giving it away.
    static func fingerprint(_ key: [UInt8]) -> String { PasswordHash.fingerprint(of: key) }

    static func load(_ path: String) throws -> [UInt8] {
        var info = stat()
        guard stat(path, &info) == 0 else { throw CLIError("cannot read the key file \(path): \(String(cString: strerror(errno)))") }
        guard info.st_mode & 0o077 == 0 else {
            throw CLIError("the key file \(path) may be read by others (mode \(String(info.st_mode & 0o777, radix: 8))): chmod 600 \(path)")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CLIError("cannot read the key file \(path)")
        }
        let digits = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard digits.count == 64, let key = unhex(digits) else {
            throw CLIError("the key file \(path) does not hold a key (64 hex digits)")
        }
        return key
    }

    static func create(_ path: String) throws -> [UInt8] {
        var key = [UInt8](repeating: 0, count: 32)
        var rng = SystemRandomNumberGenerator()
        for i in key.indices { key[i] = UInt8.random(in: 0...255, using: &rng) }
        let fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw CLIError("cannot create the key file \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let text = Array((key.map { String(format: "%02x", $0) }.joined() + "\n").utf8)
        guard write(fd, text, text.count) == text.count, fsync(fd) == 0 else {
            throw CLIError("cannot write the key file \(path): \(String(cString: strerror(errno)))")
        }
        return key
    }

    static func unhex(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        var chars = text.makeIterator()
        while let hi = chars.next() {
            guard let lo = chars.next(), let h = hi.hexDigitValue, let l = lo.hexDigitValue else { return nil }
            out.append(UInt8(h << 4 | l))
        }
        return out
    }
}
