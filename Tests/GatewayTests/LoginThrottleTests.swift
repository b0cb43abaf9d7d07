@testable import Gateway
import Testing

/// The lock-outs across connections and transports, clock in hand.
@Suite("Login throttle")
struct LoginThrottleTests {
    let a = "192.0.2.7", b = "192.0.2.8", c = "198.51.100.1"

    @Test func anAddressIsLockedAfterItsFreeFailuresForLongerEachTime() {
        var t = LoginThrottle(policy: .init(freeAddressFailures: 3, freeAccountFailures: 100))
        for i in 0..<3 {
            #expect(t.lockedFor(source: a, account: "x\(i)", now: 10) == nil)
            t.failed(source: a, account: "x\(i)", now: 10)
        }
        #expect(t.lockedFor(source: a, account: "anything", now: 10) == nil)
        t.failed(source: a, account: "kannel", now: 10)           // the 4th: 1 s
        #expect(t.lockedFor(source: a, account: "kannel", now: 10.5) == 0.5)
        #expect(t.lockedFor(source: b, account: "kannel", now: 10.5) == nil, "another address is not locked")
        #expect(t.lockedFor(source: a, account: "kannel", now: 11) == nil)
        t.failed(source: a, account: "kannel", now: 11)           // 2 s
        #expect(t.lockedFor(source: a, account: "y", now: 12.9) != nil)
        // Trying while locked keeps it locked longer (4 s from then).
        t.refusedWhileLocked(source: a, now: 12)
        #expect(t.lockedFor(source: a, account: "y", now: 15.9) != nil)
        #expect(t.lockedFor(source: a, account: "y", now: 16) == nil)
        // Two locks began (the refusal lengthened the second).
        #expect(t.stats.addressLocks == 2 && t.stats.refusedWhileLocked == 1 && t.stats.accountLocks == 0)
    }

    @Test func locksGrowToTheLongestAndCountsAreForgottenAfterAQuietSpell() {
        var t = LoginThrottle(policy: .init(freeAddressFailures: 1, freeAccountFailures: 100, maxLock: 300, forget: 900))
        for _ in 0..<40 { t.failed(source: a, account: "x", now: 0) }
        #expect(t.lockedFor(source: a, account: "x", now: 0) == 300)
        // 901 s without a failure: the count starts again (one free failure).
        t.failed(source: a, account: "x", now: 1_200)
        #expect(t.lockedFor(source: a, account: "x", now: 1_200) == nil)
    }

    @Test func anAccountIsLockedForEveryoneButTheAddressesThatLoggedInToIt() {
        var t = LoginThrottle(policy: .init(freeAddressFailures: 100, freeAccountFailures: 2))
        t.succeeded(source: c, account: "kannel")                 // Kannel's own address
        t.failed(source: a, account: "kannel", now: 0)
        t.failed(source: b, account: "kannel", now: 0)
        t.failed(source: a, account: "kannel", now: 0)            // the 3rd, from anywhere
        #expect(t.lockedFor(source: a, account: "kannel", now: 0.1) != nil)
        #expect(t.lockedFor(source: b, account: "kannel", now: 0.1) != nil, "a new address meets the lock too")
        #expect(t.lockedFor(source: c, account: "kannel", now: 0.1) == nil, "the address that logged in before is spared")
        #expect(t.lockedFor(source: a, account: "ops", now: 0.1) == nil, "other accounts are not locked")
        // Refusals while locked do not lengthen the account's lock.
        for _ in 0..<10 { t.refusedWhileLocked(source: b, now: 0.5) }
        #expect(t.lockedFor(source: b, account: "kannel", now: 1) == nil)
        #expect(t.stats.accountLocks == 1)
    }

    @Test func aSuccessStartsTheCountsAgain() {
        var t = LoginThrottle(policy: .init(freeAddressFailures: 2, freeAccountFailures: 2))
        t.failed(source: a, account: "ops", now: 0)
        t.failed(source: a, account: "ops", now: 0)
        t.succeeded(source: a, account: "ops")
        t.failed(source: a, account: "ops", now: 0)
        t.failed(source: a, account: "ops", now: 0)
        #expect(t.lockedFor(source: a, account: "ops", now: 0) == nil)
    }

    @Test func offCountsNothing() {
        var t = LoginThrottle(policy: .off)
        for _ in 0..<1_000 { t.failed(source: a, account: "x", now: 0) }
        #expect(t.lockedFor(source: a, account: "x", now: 0) == nil)
    }

    @Test func aFloodOfAddressesDoesNotGrowTheTableWithoutBound() {
        var t = LoginThrottle(policy: .init(freeAddressFailures: 1, freeAccountFailures: 1_000_000))
        for _ in 0..<10 { t.failed(source: a, account: "x", now: 0) }   // a is locked for 256 s
        for i in 0..<(LoginThrottle.maximumEntries + 5) { t.failed(source: "10.0.\(i / 256).\(i % 256)", account: "x", now: 1) }
        #expect(t.entries.addresses <= LoginThrottle.maximumEntries)
        #expect(t.lockedFor(source: a, account: "x", now: 1.5) != nil, "a locked address is kept while it is locked")
    }
}
