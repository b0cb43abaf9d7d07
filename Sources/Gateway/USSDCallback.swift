import Engine
import EventLoop
import HTTP
import Model
import Numbering

/// The USSD callback of aggregators (Africa's Talking and many others): `POST /ussd` with
/// the form fields `sessionId`, `serviceCode`, `phoneNumber` and `text` — the subscriber's
/// answers so far joined by `*`, empty on the session's first request. The answer is
/// `text/plain`: `CON <screen>` while the dialogue goes on, `END <text>` when it is over.
///
/// A thin adapter over the engine's USSD command and the shared ``USSDDialogues``: the
/// first request dials `serviceCode`, each later one sends the LAST answer of `text`.
/// The aggregator sends a request again when it missed the answer, so a request with no
/// answer beyond those already run (``Sessions``) is answered with the screen it had,
/// and runs nothing.
///
/// ```
/// curl -u simulator:simulator -d sessionId=s1 -d serviceCode='*1412#' \
///      -d phoneNumber=+36301111111 -d text= http://127.0.0.1:8080/ussd
/// CON Telekom 1412 …
/// ```
public enum USSDCallback {
    /// One callback request, checked.
    public struct Turn: Equatable, Sendable {
        public var sessionId: String
        public var serviceCode: String
        public var msisdn: MSISDN
        /// The answers so far (`text` split at `*`); empty on the first request.
        public var answers: [String]

        /// What the engine is sent: the code first, then the newest answer.
        public var input: String { answers.last ?? serviceCode }

    }

    /// Longest `sessionId` taken (aggregators send UUID-like ids).
    public static let maximumSessionId = 128

    /// The fields of the form; a missing or malformed one is `400`.
    public static func turn(_ parameters: HTTPParameters) -> Result<Turn, HTTPError> {
        for name in ["sessionId", "serviceCode", "phoneNumber", "text"] where parameters[name] == nil {
            return .failure(.badRequest("missing parameter: \(name)"))
        }
        let session = parameters["sessionId"]!
        guard !session.isEmpty, session.utf8.count <= maximumSessionId,
              session.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            return .failure(.badRequest("malformed sessionId"))
        }
        let code = parameters["serviceCode"]!
        guard USSDDialogue.isCode(code), code.count <= Limits.maximumUSSD, !code.contains(" ") else {
            return .failure(.badRequest("malformed serviceCode (a USSD code such as *1412#)"))
        }
        guard let msisdn = MSISDN(parsing: parameters["phoneNumber"]!) else {
            return .failure(.badRequest("malformed number: phoneNumber"))
        }
        let text = parameters["text"]!
        guard text.count <= Limits.maximumUSSD, !text.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
            return .failure(.badRequest("malformed text"))
        }
        let answers = text.isEmpty ? [] : text.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        return .success(Turn(sessionId: session, serviceCode: code, msisdn: msisdn, answers: answers))
    }

    /// The engine's outcome as the aggregator reads it: `CON` with the screen while a
    /// dialogue waits for an answer, otherwise `END` with the text for the subscriber
    /// (a refusal, "unknown subscriber" and an invalid string end the session too).
    public static func body(_ outcome: Outcome) -> String {
        if outcome.status == .ok, outcome.dialogue != nil { return "CON " + (outcome.reply ?? "") }
        return "END " + (outcome.reply ?? outcome.result)
    }

    public static func response(_ body: String, outcome: String? = nil) -> HTTPResponse {
        .text(200, body, headers: outcome.map { [("X-Selfcare-Outcome", $0)] } ?? [])
    }

    /// The callback sessions seen: how many answers of each were run and what was
    /// answered last, so a request sent again is answered again, not run again. Kept
    /// for as long as a dialogue may wait (``USSDDialogues/timeout``) after the last
    /// request; changed only after the pass's commit, like the dialogues.
    public final class Sessions {
        struct Entry: Equatable, Sendable {
            let msisdn: MSISDN
            let answers: Int
            let body: String
            var touched: Double
        }

        public let timeout: Double
        private var entries: [String: Entry] = [:]

        public init(timeout: Double) {
            self.timeout = timeout
        }

        /// What a batch did, applied after its commit.
        public struct Changes: Sendable {
            var staged: [String: Entry] = [:]
            var isEmpty: Bool { staged.isEmpty }
        }

        /// The sessions as they are now, for a batch on the store's thread.
        func snapshot() -> Snapshot { Snapshot(entries: entries, timeout: timeout) }

        struct Snapshot: Sendable {
            let entries: [String: Entry]
            let timeout: Double

            /// The answer already given to `turn`, when it brings no new answer: the
            /// session is known for this number and has run as many answers (or more).
            func repeated(_ turn: Turn, now: Double, pending: Changes) -> String? {
                guard let entry = pending.staged[turn.sessionId] ?? live(turn.sessionId, now: now),
                      entry.msisdn == turn.msisdn, turn.answers.count <= entry.answers else { return nil }
                return entry.body
            }

            private func live(_ id: String, now: Double) -> Entry? {
                guard let entry = entries[id], now - entry.touched <= timeout else { return nil }
                return entry
            }
        }

        func apply(_ changes: Changes, now: Double) {
            for (id, var entry) in changes.staged {
                entry.touched = now
                entries[id] = entry
            }
            if entries.count > 1024 { entries = entries.filter { now - $0.value.touched <= timeout } }
        }

        /// Sessions remembered (some may be past the timeout until the next clean-up).
        public var count: Int { entries.count }
    }
}

extension USSDCallback.Sessions.Changes {
    mutating func record(_ turn: USSDCallback.Turn, body: String) {
        staged[turn.sessionId] = .init(msisdn: turn.msisdn, answers: turn.answers.count, body: body, touched: 0)
    }
}
