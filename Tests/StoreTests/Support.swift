import Foundation
import Model
import Numbering
@testable import Store

/// A fresh directory under the system temp dir, removed when the test is done.
final class TempDir {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("selfcare-store-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    /// A database path inside the directory (its parent may not exist yet).
    func db(_ name: String = "selfcare.sqlite") -> String { url.appendingPathComponent(name).path }
}

func msisdn(_ digits: String) -> MSISDN { MSISDN(canonical: digits) }

extension SubscriberStore {
    /// Reads one subscriber in its own transaction.
    func subscriber(_ number: String) throws -> Subscriber? {
        try write { try $0.subscriber(msisdn(number)) }
    }

    /// Adds an active prepaid subscriber with an opening balance.
    func addPrepaid(_ number: String, balance: Int64 = 0, at: Int64 = 1_700_000_000) throws {
        try write { tx in
            try tx.addSubscriber(Subscriber(msisdn: msisdn(number), product: .prepaid), pin: PINRecord(hash: nil))
            if balance != 0 {
                try tx.post(LedgerEntry(msisdn: msisdn(number), bucket: .balance, amount: balance,
                                        kind: .opening, at: at))
            }
        }
    }
}

/// What an error prints as, for comparing the two stores.
func describe(_ error: any Error) -> String { String(describing: error) }
