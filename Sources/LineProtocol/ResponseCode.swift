/// The response codes of the line protocol, in the manner of SMTP.
///
/// Every response line starts with one of these codes. The first digit tells the class:
/// `2xx` done, `4xx` transient failure (try again later), `5xx` permanent failure (do not
/// repeat the same request unchanged).
///
/// Role checks: a verb used before `AUTH` gets `530 authentication required`; a verb the
/// authenticated account's role may not use gets `530 not permitted for role <role>`
/// (the connection lacks the authentication the verb needs; see ``notPermitted`` and
/// ``Request/Verb/permission(for:)``).
public enum ResponseCode: Int, Hashable, Sendable, CaseIterable {
    /// `220 <banner>`: the greeting, sent on connect.
    case greeting = 220
    /// `221 Bye`: answer to `QUIT`; the server closes the connection after it.
    case bye = 221
    /// `235 …`: `AUTH` succeeded.
    case authenticated = 235
    /// `250 …`: done (`PONG`, a balance, an applied or answered request); `250 END`
    /// ends a USSD dialogue.
    case ok = 250
    /// `251 CONTINUE`: the USSD screen on the lines before it waits for the subscriber's
    /// answer (the next `USSD` of the same number); the dialogue stays open.
    case continues = 251
    /// `421 …`: the server closes the connection: too many connections, idle too long,
    /// too many authentication failures, or shutting down.
    case closing = 421
    /// `451 …`: the transaction behind the request failed to commit; nothing of the
    /// request was applied, it may be sent again.
    case commitFailed = 451
    /// `500 …`: unknown command, or a line longer than 4096 bytes (discarded).
    case unknownCommand = 500
    /// `501 …`: wrong arguments: wrong number (`Usage: …`), a malformed number or amount,
    /// invalid UTF-8, a NUL byte.
    case syntaxError = 501
    /// `530 …`: authentication required before the verb, or the authenticated role may
    /// not use it (`530 not permitted for role network`).
    case authenticationRequired = 530
    /// `535 …`: `AUTH` failed (unknown account or wrong password, not told apart).
    case authenticationFailed = 535
    /// `550 …`: the subscriber number is unknown.
    case unknownSubscriber = 550
    /// `554 …`: refused by a rule; lines before it still carry what the subscriber is told.
    case refused = 554

    /// `530`, for a verb the authenticated role may not use.
    public static let notPermitted = ResponseCode.authenticationRequired

    /// `500` also answers lines longer than the limit.
    public static let lineTooLong = ResponseCode.unknownCommand
}
