import LineProtocol
import Model
import Numbering
import Testing

@Suite("USSD and RELEASE parsing")
struct USSDVerbParsingTests {
    static let subscriber = MSISDN(canonical: "36301111111")

    @Test func ussdTakesTheRestOfTheLineWithoutTrailingSpaces() {
        #expect(parse("USSD 36301111111 *1412#") == .success(.ussd(msisdn: Self.subscriber, text: "*1412#")))
        #expect(parse("ussd 06-30-111-1111   **21*06301234567#  \t") ==
                .success(.ussd(msisdn: Self.subscriber, text: "**21*06301234567#")))
        // An answer may be a number typed with spaces.
        #expect(parse("USSD 36301111111 06 20 123 4567") == .success(.ussd(msisdn: Self.subscriber, text: "06 20 123 4567")))
        #expect(parse("USSD 36301111111 #") == .success(.ussd(msisdn: Self.subscriber, text: "#")))
    }

    @Test func ussdRefusesBadInputWithAReason() {
        #expect(parse("USSD 36301111111").error?.text == "Usage: USSD <msisdn> <string>")
        #expect(parse("USSD 36301111111   ").error?.text == "Usage: USSD <msisdn> <string>")
        #expect(parse("USSD 1412 *1412#").error?.text == "malformed number: msisdn")
        #expect(parse("USSD 36301111111 " + String(repeating: "1", count: 183)).error?.text
                == "USSD string longer than 182 characters")
        #expect(parse("USSD 36301111111 " + String(repeating: "ő", count: 182)).error == nil)
    }

    @Test func releaseTakesOneNumber() {
        #expect(parse("RELEASE 36301111111") == .success(.release(Self.subscriber)))
        #expect(parse("release +36301111111") == .success(.release(Self.subscriber)))
        #expect(parse("RELEASE").error?.text == "Usage: RELEASE <msisdn>")
        #expect(parse("RELEASE 36301111111 now").error?.text == "Usage: RELEASE <msisdn>")
        #expect(parse("RELEASE 777").error?.text == "malformed number: msisdn")
    }

    @Test func bothAreNetworkVerbsAndDescribedForTheAudit() {
        #expect(Request.Verb.ussd.role == .network && Request.Verb.release.role == .network)
        #expect(Request.Verb.ussd.permission(for: .operator)?.description == "530 not permitted for role operator")
        #expect(Request.ussd(msisdn: Self.subscriber, text: "*#21#").maskedDescription == "USSD 36301111111 *#21#")
        #expect(Request.release(Self.subscriber).maskedDescription == "RELEASE 36301111111")
        #expect(ResponseCode.continues.rawValue == 251)
    }
}
