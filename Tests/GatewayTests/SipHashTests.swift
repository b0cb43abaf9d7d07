@testable import Gateway
import Testing

/// SipHash-2-4 against the reference vectors of the paper's implementation (key 00…0f,
/// message 00, 01, … of each length).
@Suite("SipHash-2-4")
struct SipHashTests {
    let h = SipHash(k0: 0x0706050403020100, k1: 0x0f0e0d0c0b0a0908)

    @Test(arguments: [
        (0, 0x726fdb47dd0e0e31 as UInt64), (1, 0x74f839c593dc67fd), (7, 0xab0200f58b01d137),
        (8, 0x93f5f5799a932462), (15, 0xa129ca6149be45e5), (63, 0x958a324ceb064572),
    ])
    func referenceVectors(length: Int, expected: UInt64) {
        #expect(h.hash((0..<length).map { UInt8($0) }) == expected)
    }

    /// The MO key is the same in every process (unlike Swift's seeded `Hasher`).
    @Test func anMOKeyIsStable() {
        let k = SMPPDuplicates.key(moID: nil, from: "36301111111", to: "777", text: "SPORT", part: nil)
        #expect(k == SMPPDuplicates.key(moID: nil, from: "36301111111", to: "777", text: "SPORT", part: nil))
        #expect(k != SMPPDuplicates.key(moID: nil, from: "3630111111", to: "1777", text: "SPORT", part: nil))
        #expect(k != SMPPDuplicates.key(moID: Array("36301111111777SPORT".utf8), from: "", to: "", text: "", part: nil))
    }
}
