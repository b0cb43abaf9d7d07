import GRDB
// The SQLite C API as GRDB links it (GRDB's own module for the system libsqlite3).
import GRDBSQLite
import Model
import Numbering

/// The SQL catalog: every per-request statement by name, apart from the operations.
extension SQLiteTransaction {
    // MARK: Statements

    /// The SQL of every per-request statement.
    enum SQL: Int, CaseIterable {
        case subscriber, subscriberList, pin, setPIN, lastPurchase, lastBill, addBill, account, saveAccount
        case addSubscriber, exists, postBalance, postUniversal, postUnbilled, postAllowance
        case purchaseBalance, purchaseUniversal, purchaseUnbilled, purchaseAllowance
        case ledger, audit, audit4, audit16, audit64
        case dataVersion, allRates, rates, exactRate, setRate, deleteRates, updateProfile
        case subscriptions, subscription, addSubscription, removeSubscription
        case setting, settings, setSetting, deleteSetting, counter, incrementCounter
        case enqueue, pendingOutbox, pendingOutboxTo, pendingOutboxCount, markDelivered, auditEntries
        case awaitReceipt, takeReceipt, recordReceipt, failedOutboxCount
        case idempotencyRecord, saveIdempotencyRecord, pruneIdempotency, rememberMO, lastRememberedSeq, rememberedMOs
        case recentLedger, forgetPIN, forgetSettings, forgetSubscriptions, forgetCounters, forgetBills

        var text: String {
            switch self {
            case .subscriber:
                // No pin_* columns: the PIN hash is only read by PIN commands. The last
                // purchase comes along for a 1730 answer that follows (see lastPurchase).
                return """
                    SELECT product, status, birth_date, language, balance, universal_balance, unbilled, allowance,
                           last_purchase_at, last_purchase_amount
                    FROM subscribers WHERE msisdn = ?1
                    """
            case .subscriberList:
                // A range of the primary key: [prefix, prefix + ":") holds every number
                // that starts with the prefix (":" follows "9"), so a page is a bounded walk.
                return """
                    SELECT msisdn, product, status, birth_date, language, balance, universal_balance, unbilled, allowance
                    FROM subscribers
                    WHERE msisdn >= ?1 AND msisdn < ?1 || ':' AND msisdn > ?2
                      AND (?3 IS NULL OR product = ?3) AND (?4 IS NULL OR status = ?4)
                    ORDER BY msisdn LIMIT ?5
                    """
            case .pin:
                // A subscriber without a pins row has never set a PIN; no subscriber, no row.
                return """
                    SELECT p.hash, coalesce(p.failures, 0), p.locked_until
                    FROM subscribers s LEFT JOIN pins p ON p.msisdn = s.msisdn WHERE s.msisdn = ?1
                    """
            case .setPIN:
                // Inserts nothing for an unknown number (the caller reports it).
                return """
                    INSERT INTO pins(msisdn, hash, failures, locked_until)
                    SELECT ?4, ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM subscribers WHERE msisdn = ?4)
                    ON CONFLICT(msisdn) DO UPDATE SET hash = excluded.hash, failures = excluded.failures,
                        locked_until = excluded.locked_until
                    """
            case .lastPurchase:
                // Kept on the subscriber row by post (v3-hot-rows).
                return """
                    SELECT last_purchase_at, last_purchase_amount FROM subscribers
                    WHERE msisdn = ?1 AND last_purchase_at IS NOT NULL
                    """
            case .lastBill:
                return "SELECT period, amount FROM bills WHERE msisdn = ?1 ORDER BY period DESC LIMIT 1"
            case .addBill:
                return """
                    INSERT INTO bills(msisdn, period, amount) VALUES (?1, ?2, ?3)
                    ON CONFLICT(msisdn, period) DO UPDATE SET amount = excluded.amount
                    """
            case .account:
                return "SELECT role, password_hash FROM accounts WHERE name = ?1"
            case .saveAccount:
                return """
                    INSERT INTO accounts(name, role, password_hash) VALUES (?1, ?2, ?3)
                    ON CONFLICT(name) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash
                    """
            case .addSubscriber:
                // Buckets take their default 0: opening amounts are ledger posts.
                return """
                    INSERT INTO subscribers(msisdn, product, status, birth_date, language)
                    VALUES (?1, ?2, ?3, ?4, ?5)
                    ON CONFLICT(msisdn) DO NOTHING
                    """
            case .exists:
                return "SELECT 1 FROM subscribers WHERE msisdn = ?1"
            case .postBalance: return Self.post("balance")
            case .postUniversal: return Self.post("universal_balance")
            case .postUnbilled: return Self.post("unbilled")
            case .postAllowance: return Self.post("allowance")
            case .purchaseBalance: return Self.post("balance", purchase: true)
            case .purchaseUniversal: return Self.post("universal_balance", purchase: true)
            case .purchaseUnbilled: return Self.post("unbilled", purchase: true)
            case .purchaseAllowance: return Self.post("allowance", purchase: true)
            case .ledger:
                return "INSERT INTO ledger(at, msisdn, bucket, amount, kind, ref) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
            case .audit: return Self.auditInsert1
            case .audit4: return Self.auditInsert4
            case .audit16: return Self.auditInsert16
            case .audit64: return Self.auditInsert64
            case .dataVersion:
                return "PRAGMA data_version"
            case .allRates:
                // Loaded into a RateTable, which answers the longest-prefix look-ups.
                return "SELECT prefix, kind, price, adult FROM rates"
            case .rates:
                // Prefixes are digits, which sort below ':': the range is a primary-key
                // range; the substr test keeps the meaning exact for any filter text.
                return """
                    SELECT prefix, kind, price, adult FROM rates
                    WHERE prefix >= ?1 AND prefix < ?1 || ':' AND substr(prefix, 1, length(?1)) = ?1
                    ORDER BY prefix, kind
                    """
            case .exactRate:
                return "SELECT price, adult FROM rates WHERE prefix = ?1 AND kind = ?2"
            case .setRate:
                return """
                    INSERT INTO rates(prefix, kind, price, adult) VALUES (?1, ?2, ?3, ?4)
                    ON CONFLICT(prefix, kind) DO UPDATE SET price = excluded.price, adult = excluded.adult
                    """
            case .deleteRates:
                return "DELETE FROM rates WHERE prefix = ?1 AND (?2 IS NULL OR kind = ?2) RETURNING prefix, kind, price, adult"
            case .updateProfile:
                // No bucket column: money moves only through post.
                return "UPDATE subscribers SET product = ?1, status = ?2, birth_date = ?3, language = ?4 WHERE msisdn = ?5"
            case .subscriptions:
                return "SELECT service, fee, started_at, detail FROM subscriptions WHERE msisdn = ?1 ORDER BY service"
            case .subscription:
                return "SELECT fee, started_at, detail FROM subscriptions WHERE msisdn = ?1 AND service = ?2"
            case .addSubscription:
                // Inserts nothing when the service exists or the subscriber does not.
                return """
                    INSERT INTO subscriptions(msisdn, service, fee, started_at, detail)
                    SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM subscribers WHERE msisdn = ?1)
                    ON CONFLICT(msisdn, service) DO NOTHING
                    """
            case .removeSubscription:
                return "DELETE FROM subscriptions WHERE msisdn = ?1 AND service = ?2"
            case .setting:
                return "SELECT value FROM settings WHERE msisdn = ?1 AND key = ?2"
            case .settings:
                return "SELECT key, value FROM settings WHERE msisdn = ?1"
            case .setSetting:
                return """
                    INSERT INTO settings(msisdn, key, value)
                    SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM subscribers WHERE msisdn = ?1)
                    ON CONFLICT(msisdn, key) DO UPDATE SET value = excluded.value
                    """
            case .deleteSetting:
                return "DELETE FROM settings WHERE msisdn = ?1 AND key = ?2"
            case .counter:
                return "SELECT count FROM counters WHERE msisdn = ?1 AND name = ?2 AND period = ?3"
            case .incrementCounter:
                // One statement; no row back when the subscriber does not exist.
                return """
                    INSERT INTO counters(msisdn, name, period, count)
                    SELECT ?1, ?2, ?3, 1 WHERE EXISTS (SELECT 1 FROM subscribers WHERE msisdn = ?1)
                    ON CONFLICT(msisdn, name, period) DO UPDATE SET count = count + 1
                    RETURNING count
                    """
            case .enqueue:
                return "INSERT INTO outbox(at, sender, recipient, text, secret) VALUES (?1, ?2, ?3, ?4, ?5)"
            case .pendingOutbox:
                // Served by the partial index outbox_pending.
                return """
                    SELECT id, sender, recipient, text, at FROM outbox WHERE delivered_at IS NULL
                    ORDER BY id LIMIT ?1
                    """
            case .pendingOutboxTo:
                // Served by the partial index outbox_pending_by_recipient.
                return """
                    SELECT id, sender, recipient, text, at FROM outbox WHERE recipient = ?2 AND delivered_at IS NULL
                    ORDER BY id LIMIT ?1
                    """
            case .pendingOutboxCount:
                // Served by the partial index outbox_pending.
                return "SELECT count(*) FROM outbox WHERE delivered_at IS NULL"
            case .markDelivered:
                return """
                    UPDATE outbox SET delivered_at = ?1, text = CASE WHEN secret = 1 THEN '' ELSE text END
                    WHERE id = ?2 AND delivered_at IS NULL
                    """
            case .awaitReceipt:
                return "INSERT OR REPLACE INTO outbox_receipts(link, smsc_id, outbox_id) VALUES (?1, ?2, ?3)"
            case .takeReceipt:
                return "DELETE FROM outbox_receipts WHERE link = ?1 AND smsc_id = ?2 RETURNING outbox_id"
            case .recordReceipt:
                // A failed part keeps the message failed, and its state, whatever later parts say.
                return """
                    UPDATE outbox SET receipt = CASE WHEN failed = 1 AND ?3 = 0 THEN receipt ELSE ?2 END,
                                      receipt_at = ?4, failed = max(failed, ?3)
                    WHERE id = ?1
                    """
            case .idempotencyRecord:
                return "SELECT request, answer, at FROM idempotency WHERE account = ?1 AND key = ?2"
            case .saveIdempotencyRecord:
                return "INSERT OR REPLACE INTO idempotency(account, key, request, answer, at) VALUES (?1, ?2, ?3, ?4, ?5)"
            case .pruneIdempotency:
                // Oldest first along idempotency_at, a bounded batch per statement.
                return """
                    DELETE FROM idempotency WHERE (account, key) IN
                        (SELECT account, key FROM idempotency WHERE at < ?1 ORDER BY at LIMIT ?2)
                    """
            case .rememberMO:
                // A ring of fixed slots: the newest takes the place of the one `capacity` back.
                return "INSERT OR REPLACE INTO smpp_recent(slot, seq, scope, key, at, replies) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
            case .lastRememberedSeq:
                return "SELECT coalesce(max(seq), 0) FROM smpp_recent"
            case .rememberedMOs:
                return "SELECT scope, key, at, replies FROM smpp_recent WHERE at >= ?1 ORDER BY seq"
            case .recentLedger:
                // A walk down the rowid from the newest row, bounded by the window:
                // the ledger has no index by number (see recentLedgerWindow).
                return """
                    SELECT at, bucket, amount, kind, ref FROM ledger
                    WHERE id > (SELECT coalesce(max(id), 0) FROM ledger) - ?3 AND msisdn = ?1
                    ORDER BY id DESC LIMIT ?2
                    """
            case .forgetPIN: return "DELETE FROM pins WHERE msisdn = ?1"
            case .forgetSettings: return "DELETE FROM settings WHERE msisdn = ?1"
            case .forgetSubscriptions: return "DELETE FROM subscriptions WHERE msisdn = ?1"
            case .forgetCounters: return "DELETE FROM counters WHERE msisdn = ?1"
            case .forgetBills: return "DELETE FROM bills WHERE msisdn = ?1"
            case .failedOutboxCount:
                // Served by the partial index outbox_failed.
                return "SELECT count(*) FROM outbox WHERE failed = 1"
            case .auditEntries:
                // Walks the rowid backwards from the newest row (no audit index, see v1-audit)
                // and stops after `limit` matches; the outer query puts them back in id order.
                return """
                    SELECT id, at, account, channel, msisdn, request, outcome FROM (
                        SELECT id, at, account, channel, msisdn, request, outcome FROM audit
                        WHERE (?1 IS NULL OR msisdn = ?1) AND (?2 IS NULL OR at >= ?2)
                        ORDER BY id DESC LIMIT ?3
                    ) ORDER BY id
                    """
            }
        }

        /// Adds ?1 to the column unless the result would leave Int64: the caller binds
        /// ?3...?4, the range the column may start from. The check is in the WHERE
        /// clause because SQLite turns an overflowing integer sum into a REAL.
        /// A purchase also becomes the row's last purchase (?5 its time, ?1 its amount).
        /// No `RETURNING`: the new value is known (see `addToBucket`).
        /// The audit inserts by rows per statement, largest first: ``flushAudits()``
        /// covers any count with them (200 rows: three of 64, two of 4).
        static let auditBatches: [(Int, SQL)] = [(64, .audit64), (16, .audit16), (4, .audit4), (1, .audit)]

        /// `INSERT INTO audit(...) VALUES (?, ?, ?, ?, ?, ?), (...)`: six parameters a row
        /// (384 for 64 rows, far below SQLite's limit of 32766).
        /// Built once: every write looks its statements up by this text.
        static let auditInsert1 = auditInsert(rows: 1)
        static let auditInsert4 = auditInsert(rows: 4)
        static let auditInsert16 = auditInsert(rows: 16)
        static let auditInsert64 = auditInsert(rows: 64)

        static func auditInsert(rows: Int) -> String {
            "INSERT INTO audit(at, account, channel, msisdn, request, outcome) VALUES "
                + Array(repeating: "(?, ?, ?, ?, ?, ?)", count: rows).joined(separator: ", ")
        }

        static func post(_ column: String, purchase: Bool = false) -> String {
            let last = purchase ? ", last_purchase_at = ?5, last_purchase_amount = ?1" : ""
            return "UPDATE subscribers SET \(column) = \(column) + ?1\(last) WHERE msisdn = ?2 AND \(column) BETWEEN ?3 AND ?4"
        }

        static func post(_ bucket: Bucket, kind: LedgerKind) -> SQL {
            switch (bucket, kind == .purchase) {
            case (.balance, false): return .postBalance
            case (.universal, false): return .postUniversal
            case (.unbilled, false): return .postUnbilled
            case (.allowance, false): return .postAllowance
            case (.balance, true): return .purchaseBalance
            case (.universal, true): return .purchaseUniversal
            case (.unbilled, true): return .purchaseUnbilled
            case (.allowance, true): return .purchaseAllowance
            }
        }
    }
}
