import Model
import Testing

@Suite("String(concatenating:): the pieces one after another")
struct StringConcatenatingTests {
    @Test("two to six pieces, empty ones and non-ASCII included")
    func joins() {
        #expect(String(concatenating: "ok: ", "balance") == "ok: balance")
        #expect(String(concatenating: "SMS ", "36301111111", " ", "1730", " ", "EGYENLEG")
            == "SMS 36301111111 1730 EGYENLEG")
        #expect(String(concatenating: "", "") == "")
        #expect(String(concatenating: "", "Egyenleg: ", "", "5 000 Ft", "", "") == "Egyenleg: 5 000 Ft")
        #expect(String(concatenating: "univerzális ", "egyenleg ő ű", " 🙂") == "univerzális egyenleg ő ű 🙂")
        // Longer than a small string, so the pieces go to a heap buffer.
        let long = String(repeating: "á", count: 40)
        #expect(String(concatenating: long, "|", long) == long + "|" + long)
    }
}
