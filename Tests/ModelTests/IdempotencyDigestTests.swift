import Crypto
import Model
import Testing

/// What an idempotency record keeps of its request: a digest that a copy of the store
/// without the server key cannot test guesses against (an SMS may hold a PIN).
@Suite("Idempotency digests")
struct IdempotencyDigestTests {
    let request = "SMS 36301111111 1414 EMELT BE 12345"
    let key = [UInt8](repeating: 7, count: 32)

    @Test func keyedUnderTheServerKeyAndShort() {
        let keyed = IdempotencyRecord.digest(of: request, key: key)
        let plain = IdempotencyRecord.digest(of: request, key: nil)
        #expect(keyed.count == 32 && plain.count == 32)
        #expect(keyed != plain)
        #expect(keyed == IdempotencyRecord.digest(of: request, key: key))
        #expect(keyed != IdempotencyRecord.digest(of: request, key: [UInt8](repeating: 8, count: 32)))
        // Without the key, the PIN's 100 000 candidates do not lead to the keyed digest.
        let guesses = (12340...12349).map { IdempotencyRecord.digest(of: "SMS 36301111111 1414 EMELT BE \($0)", key: nil) }
        #expect(!guesses.contains(keyed))
        #expect(IdempotencyRecord.digest(of: request + " ", key: key) != keyed)
    }

    @Test func aRecordMatchesItsOwnRequestOnly() {
        let record = IdempotencyRecord(account: "a", key: "k", request: IdempotencyRecord.digest(of: request), answer: "", at: 0)
        #expect(record.isFor(request: request))
        #expect(!record.isFor(request: "SMS 36301111111 1414 EMELT BE 12346"))
    }

    /// Records from before keyed digests (`sha256:` and the whole hash) still match.
    @Test func anOlderRecordStillMatches() {
        let old = "sha256:" + SHA256.hash(data: Array(request.utf8)).map { String(format: "%02x", $0) }.joined()
        let record = IdempotencyRecord(account: "a", key: "k", request: old, answer: "", at: 0)
        #expect(record.isFor(request: request))
        #expect(!record.isFor(request: "TOPUP 36301111111 1"))
    }
}
