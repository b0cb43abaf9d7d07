import TestSupport
import Model
import Testing

@Suite("PasswordHash: salted PBKDF2-SHA256 for passwords and PINs")
struct PasswordHashTests {
    static func fields(_ stored: String) -> [String] {
        stored.split(separator: "$", omittingEmptySubsequences: false).map(String.init)
    }

    static func isLowercaseHex(_ text: String) -> Bool {
        text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    @Test func theRightSecretVerifiesAndNothingElse() {
        let stored = PasswordHash.make("11111")
        #expect(PasswordHash.verify("11111", against: stored))
        for wrong in ["11112", "1111", "111111", "", " 11111", "11111 ", "21111", "٠١١١١"] {
            #expect(!PasswordHash.verify(wrong, against: stored), "\(wrong.debugDescription)")
        }
    }

    /// Issue 17: with the server key the secret is HMAC'd before the KDF, so a copy of the
    /// store without the key gives nothing to guess PINs against.
    @Test func aKeyedHashVerifiesOnlyWithItsKey() {
        let key = [UInt8](repeating: 7, count: 32), other = [UInt8](repeating: 8, count: 32)
        let stored = PasswordHash.make("12345", rounds: 1000, key: key)
        #expect(stored.hasPrefix("hmac-pbkdf2-sha256$1000$"))
        #expect(PasswordHash.verify("12345", against: stored, key: key))
        #expect(!PasswordHash.verify("12346", against: stored, key: key))
        #expect(!PasswordHash.verify("12345", against: stored, key: nil), "no key: nothing verifies")
        #expect(!PasswordHash.verify("12345", against: stored, key: other))
        // The same salt and rounds without the key give another hash: the key is in it.
        let fields = Self.fields(stored)
        let unkeyed = PasswordHash.make("12345", rounds: 1000, key: nil)
        #expect(unkeyed.hasPrefix("pbkdf2-sha256$1000$"))
        #expect(!PasswordHash.verify("12345", against: ["pbkdf2-sha256"] .joined() + "$" + fields[1...].joined(separator: "$"), key: key))
        // Hashes made before the key still verify with it (until re-made on use).
        #expect(PasswordHash.verify("12345", against: unkeyed, key: key))
        #expect(PasswordHash.fingerprint(of: key).count == 16 && PasswordHash.fingerprint(of: key) != PasswordHash.fingerprint(of: other))
    }

    @Test func nonASCIISecretsAreExact() {
        let stored = PasswordHash.make("jelszó", rounds: 1000)
        #expect(PasswordHash.verify("jelszó", against: stored))
        #expect(!PasswordHash.verify("jelszo", against: stored))
        #expect(!PasswordHash.verify("JELSZÓ", against: stored))
    }

    @Test func theStoredFormat() {
        let stored = PasswordHash.make("11111")
        let parts = Self.fields(stored)
        #expect(parts.count == 4, "\(stored)")
        guard parts.count == 4 else { return }
        #expect(parts[0] == "pbkdf2-sha256")
        #expect(parts[1] == String(PasswordHash.defaultRounds))
        #expect(PasswordHash.defaultRounds == 10_000)
        #expect(parts[2].utf8.count == 32 && Self.isLowercaseHex(parts[2]), "16-byte salt: \(parts[2])")
        #expect(parts[3].utf8.count == 64 && Self.isLowercaseHex(parts[3]), "32-byte hash: \(parts[3])")
        #expect(!stored.contains("11111"))
    }

    @Test(arguments: [1, 1000, 20_000])
    func roundsAreRecordedAndHonoured(_ rounds: Int) {
        let stored = PasswordHash.make("ops", rounds: rounds)
        #expect(Self.fields(stored)[1] == String(rounds))
        #expect(PasswordHash.verify("ops", against: stored))
        #expect(!PasswordHash.verify("opt", against: stored))
        // The same salt and hash read with another round count is another key.
        var parts = Self.fields(stored)
        parts[1] = String(rounds + 1)
        #expect(!PasswordHash.verify("ops", against: parts.joined(separator: "$")))
    }

    @Test func twoHashesOfTheSameSecretDifferBySalt() {
        let a = PasswordHash.make("11111", rounds: 1000)
        let b = PasswordHash.make("11111", rounds: 1000)
        #expect(a != b)
        #expect(Self.fields(a)[2] != Self.fields(b)[2])
        #expect(Self.fields(a)[3] != Self.fields(b)[3])
        #expect(PasswordHash.verify("11111", against: a))
        #expect(PasswordHash.verify("11111", against: b))
        // Many at once: no salt repeats.
        let salts = Set((0..<50).map { _ in Self.fields(PasswordHash.make("11111", rounds: 1))[2] })
        #expect(salts.count == 50)
    }

    /// The stored string is standard PBKDF2-HMAC-SHA256 (the published test vectors for
    /// P = "password", S = "salt"), so other tools can check or migrate it.
    @Test(arguments: [
        (1, "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b"),
        (2, "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43"),
        (4096, "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"),
    ])
    func knownAnswers(_ rounds: Int, _ hash: String) {
        let stored = "pbkdf2-sha256$\(rounds)$73616c74$\(hash)"
        #expect(PasswordHash.verify("password", against: stored))
        #expect(!PasswordHash.verify("Password", against: stored))
    }

    /// A stored string that is not exactly `pbkdf2-sha256$<rounds>$<salt hex>$<32-byte
    /// hash hex>` never verifies, whatever the secret, and never crashes.
    @Test func malformedStoredStringsNeverVerify() {
        let good = PasswordHash.make("11111", rounds: 1000)
        let p = Self.fields(good)
        let (scheme, rounds, salt, hash) = (p[0], p[1], p[2], p[3])
        func with(scheme s: String = scheme, rounds r: String = rounds, salt x: String = salt, hash h: String = hash) -> String {
            "\(s)$\(r)$\(x)$\(h)"
        }
        let malformed: [(String, String)] = [
            ("empty", ""),
            ("no fields", "11111"),
            ("only separators", "$$$"),
            ("empty fields", "$$$$"),
            ("three fields", "\(scheme)$\(rounds)$\(salt)"),
            ("five fields", good + "$"),
            ("five fields, extra value", good + "$00"),
            ("leading separator", "$" + good),
            ("other separator", String(good.map { $0 == "$" ? ":" : $0 })),
            ("other scheme", with(scheme: "pbkdf2-sha1")),
            ("scheme in capitals", with(scheme: "PBKDF2-SHA256")),
            ("bcrypt", "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"),
            ("no scheme", with(scheme: "")),
            ("zero rounds", with(rounds: "0")),
            ("negative rounds", with(rounds: "-1000")),
            ("rounds not a number", with(rounds: "many")),
            ("rounds empty", with(rounds: "")),
            ("rounds with a space", with(rounds: " 1000")),
            ("rounds as a float", with(rounds: "1000.0")),
            ("rounds in exponent form", with(rounds: "1e3")),
            ("rounds above the cap", with(rounds: "10000001")),
            ("rounds beyond Int", with(rounds: "99999999999999999999999")),
            ("salt empty", with(salt: "")),
            ("salt odd length", with(salt: String(salt.dropLast()))),
            ("salt in capitals", with(salt: salt.uppercased())),
            ("salt not hex", with(salt: "zz" + salt.dropFirst(2))),
            ("salt non-ASCII", with(salt: "é" + salt.dropFirst(2))),
            ("hash empty", with(hash: "")),
            ("hash odd length", with(hash: String(hash.dropLast()))),
            ("hash in capitals", with(hash: hash.uppercased())),
            ("hash not hex", with(hash: "xy" + hash.dropFirst(2))),
            ("hash with fullwidth digits", with(hash: "０" + hash.dropFirst(1))),
            ("hash truncated to one byte", with(hash: String(hash.prefix(2)))),
            ("hash truncated to half", with(hash: String(hash.prefix(32)))),
            ("hash missing its last byte", with(hash: String(hash.dropLast(2)))),
            ("hash with a byte appended", with(hash: hash + "00")),
            ("hash doubled", with(hash: hash + hash)),
            ("trailing newline", good + "\n"),
            ("trailing space", good + " "),
            ("leading space", " " + good),
            ("salt and hash swapped", with(salt: hash, hash: salt)),
        ]
        for (label, stored) in malformed {
            #expect(!PasswordHash.verify("11111", against: stored), "\(label): \(stored.debugDescription)")
            #expect(!PasswordHash.verify("", against: stored), "\(label)")
        }
        #expect(PasswordHash.verify("11111", against: good))
    }

    /// Random one-character damage to a stored hash: verification never crashes, and it
    /// only succeeds when salt and hash are intact and the rounds still read as 1000.
    @Test func randomlyDamagedStoredStringsNeverCrash() {
        let good = PasswordHash.make("11111", rounds: 1000)
        let p = Self.fields(good)
        let pool: [Character] = Array("0123456789abcdefABCDEF$-+ x\u{0}é０😀")
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<400 {
            var chars = Array(good)
            let i = Int.random(in: 0..<chars.count, using: &rng)
            let c = pool[Int.random(in: 0..<pool.count, using: &rng)]
            switch Int.random(in: 0..<3, using: &rng) {
            case 0: chars.remove(at: i)
            case 1: chars.insert(c, at: i)
            default: chars[i] = c
            }
            let damaged = String(chars)
            let q = Self.fields(damaged)
            let equivalent = q.count == 4 && q[0] == p[0] && Int(q[1]) == 1000 && q[2] == p[2] && q[3] == p[3]
            #expect(PasswordHash.verify("11111", against: damaged) == equivalent, "\(damaged.debugDescription)")
        }
    }
}
