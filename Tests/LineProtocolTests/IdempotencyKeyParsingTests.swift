import LineProtocol
import Numbering
import Testing

/// `id=<token>` before the arguments of SMS, TOPUP and MT (issue 16).
@Suite("Idempotency keys in requests")
struct IdempotencyKeyParsingTests {
    func keyed(_ text: String) -> Result<(request: Request, key: String?), RequestError> {
        Array(text.utf8).withUnsafeBytes { RequestParser.parseKeyed($0) }
    }

    @Test func aKeyComesFirstAndTheRestParsesAsWithout() throws {
        let topup = try keyed("TOPUP id=bill-77 36301111111 1000").get()
        #expect(topup.key == "bill-77" && topup.request == .topup(msisdn: MSISDN(canonical: "36301111111"), amount: 1000))
        let sms = try keyed("sms ID=k1   36301111111 1730  balance please ").get()
        #expect(sms.key == "k1")
        #expect(sms.request == .sms(from: MSISDN(canonical: "36301111111"), to: try #require(Destination(parsing: "1730")), text: "balance please "))
        let mt = try keyed("MT id=a:b/c;d 0690123456 36301111111 hello").get()
        #expect(mt.key == "a:b/c;d")
        // Without a key: the same as parse.
        let plain = try keyed("TOPUP 36301111111 1000").get()
        #expect(plain.key == nil && plain.request == .topup(msisdn: MSISDN(canonical: "36301111111"), amount: 1000))
        #expect(try keyed("").get().request == .empty)
    }

    @Test(arguments: [
        ("TOPUP id= 36301111111 1000", "invalid id: 1 to 64 printable ASCII characters"),
        ("TOPUP id=\(String(repeating: "k", count: 65)) 36301111111 1000", "invalid id: 1 to 64 printable ASCII characters"),
        ("TOPUP id=kulcs-ő 36301111111 1000", "invalid id: 1 to 64 printable ASCII characters"),
        ("OUTBOX id=x", "id= is taken by SMS, TOPUP, MT, USSD, RATE, SUB and PIN only"),
        ("PING id=x", "id= is taken by SMS, TOPUP, MT, USSD, RATE, SUB and PIN only"),
        ("AUTH id=x ops ops", "id= is taken by SMS, TOPUP, MT, USSD, RATE, SUB and PIN only"),
    ])
    func badKeysAreRefusedWithTheReason(_ line: String, _ reason: String) {
        guard case .failure(let error) = keyed(line) else { Issue.record("\(line) was taken"); return }
        #expect(error.code == .syntaxError && error.text == reason)
    }

    /// Every verb that changes state takes a key (issue 16).
    @Test func ussdRateAndSubTakeAKey() throws {
        #expect(try keyed("USSD id=u1 36301111111 *1412#").get().key == "u1")
        #expect(try keyed("RATE id=r1 SET 3690 300 premium").get().key == "r1")
        #expect(try keyed("SUB id=s1 SHOW 36301111111").get().key == "s1")
    }

    @Test func aKeyOfTheLongestLengthAndOnlyAsTheFirstArgument() throws {
        let longest = String(repeating: "k", count: 64)
        #expect(try keyed("TOPUP id=\(longest) 36301111111 1").get().key == longest)
        // Elsewhere it is an argument like any other (here a malformed amount).
        guard case .failure = keyed("TOPUP 36301111111 id=k 1") else { Issue.record("taken"); return }
        // `idx=` is no key.
        guard case .failure = keyed("TOPUP idx=1 36301111111 1") else { Issue.record("taken"); return }
    }
}
