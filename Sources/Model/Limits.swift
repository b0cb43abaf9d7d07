/// What any transport accepts, whatever its syntax: the line protocol, the ops API and
/// the USSD callback refuse the same amounts and lengths.
public enum Limits {
    /// The largest amount one top-up may add: 10 000 000 Ft. A guard against mistyped
    /// amounts (an extra zero or two); larger amounts are refused and change nothing.
    /// Bigger credits are made in several top-ups.
    public static let maximumTopUp: Int64 = 10_000_000

    /// The largest price a rate takes: 100 000 Ft, a guard against typos like the
    /// top-up limit.
    public static let maximumPrice: Int64 = 100_000

    /// The largest Mix allowance an operator sets: 1 000 000 Ft a month.
    public static let maximumAllowance: Int64 = 1_000_000

    /// The most outbox messages one collection hands over; the rest wait for the next.
    public static let outboxBatch = 100

    /// The longest USSD string: one screen, 182 characters (TS 23.038).
    public static let maximumUSSD = 182
}
