import Model
import Numbering
import Testing

@Suite("Subscriber: the money buckets")
struct SubscriberTests {
    static let number = MSISDN(canonical: "36301234567")

    @Test func bucketsReadTheirOwnField() {
        let s = Subscriber(msisdn: Self.number, product: .mix, balance: 1, universalBalance: 2, unbilled: 3, allowance: 4)
        #expect(s[.balance] == 1)
        #expect(s[.universal] == 2)
        #expect(s[.unbilled] == 3)
        #expect(s[.allowance] == 4)
    }

    @Test(arguments: Bucket.allCases)
    func writingABucketChangesThatFieldOnly(_ bucket: Bucket) {
        var s = Subscriber(msisdn: Self.number, product: .prepaid, balance: 10, universalBalance: 20, unbilled: 30, allowance: 40)
        let before = s
        s[bucket] = -777
        #expect(s[bucket] == -777)
        let fields: [(Bucket, Int64)] = [(.balance, s.balance), (.universal, s.universalBalance),
                                         (.unbilled, s.unbilled), (.allowance, s.allowance)]
        for (other, value) in fields {
            #expect(value == (other == bucket ? -777 : before[other]), "\(other) after writing \(bucket)")
        }
        #expect(s.msisdn == before.msisdn && s.product == before.product && s.status == before.status)
    }

    @Test func defaults() {
        let s = Subscriber(msisdn: Self.number, product: .postpaid)
        #expect(s.status == .active)
        #expect(s.language == .hu)
        #expect(s.birthDate == nil)
        #expect(Bucket.allCases.allSatisfy { s[$0] == 0 })
        let pin = PINRecord(hash: nil)
        #expect(pin.failures == 0 && pin.lockedUntil == nil)
    }

    /// The stored spellings of the enums are part of the database format.
    @Test func storedNames() {
        #expect(Bucket.allCases.map(\.rawValue) == ["balance", "universal", "unbilled", "allowance"])
        #expect(LedgerKind.allCases.map(\.rawValue) == ["opening", "topup", "purchase", "charge", "bill", "allowance", "transfer", "writeoff"])
        #expect(Product.allCases.map(\.rawValue) == ["prepaid", "postpaid", "mix"])
        #expect(SubscriberStatus.allCases.map(\.rawValue) == ["active", "suspended", "terminated"])
        #expect(Language.allCases.map(\.rawValue) == ["hu", "en"])
        #expect(Role.allCases.map(\.rawValue) == ["network", "operator"])
    }

    @Test func storeErrorsNameTheNumber() {
        #expect(StoreError.unknownSubscriber("36309999999").description == "unknown subscriber 36309999999")
        #expect(StoreError.duplicateSubscriber("36301234567").description == "subscriber 36301234567 exists")
        #expect(StoreError.overflow.description == "amount out of range")
    }
}
