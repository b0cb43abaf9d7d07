import Engine
import Model

/// Runs a command under an idempotency key, on the store's thread, in the batch's
/// transaction (issue 16): the first time, the command runs and its outcome is kept with
/// the key; a repeat of the same request gets that outcome and runs nothing; the key used
/// before for another request is refused. Shared by the line protocol (`id=`) and Kannel's
/// `/kannel/sms` (`id=%I`, Kannel's message id).
enum Idempotency {
    /// `request`: the request's canonical text (its digest is what a repeat must match).
    static func execute(_ command: Command, request: String, key: String, account: String, channel: String,
                        in batch: BatchContext) throws -> Outcome {
        if let prior = try batch.tx.idempotencyRecord(account: account, key: key) {
            guard prior.isFor(request: request) else { return .invalid("id=\(key) was used for another request") }
            return Outcome(stored: prior.answer) ?? .invalid("id=\(key): the answer kept for it cannot be read")
        }
        // As an unkeyed command runs (a USSD turn with the batch's dialogue).
        guard case .outcome(let outcome) = try StoreWork.command(command, channel: channel, account: account).run(batch) else {
            return .invalid("id=\(key): no answer to keep")
        }
        try batch.tx.saveIdempotencyRecord(IdempotencyRecord(account: account, key: key, request: IdempotencyRecord.digest(of: request),
                                                             answer: outcome.stored, at: batch.now))
        return outcome
    }

    /// Longest key, in bytes.
    static let maximumKey = 64

    /// A key as given: 1 to 64 printable ASCII characters.
    static func isValid(_ key: String) -> Bool {
        (1...maximumKey).contains(key.utf8.count) && key.utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }
}
