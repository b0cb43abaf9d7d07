import GRDB

/// The schema, as GRDB migrations.
///
/// Migrations are NAMED and APPEND-ONLY: a released migration is never edited nor
/// removed, because GRDB records the names it applied in `grdb_migrations` and
/// only runs the missing ones on open. A schema change is a new migration at the end.
///
/// Conventions: money is INTEGER forints everywhere; times are INTEGER Unix seconds;
/// tables are STRICT (SQLite ≥ 3.37) so a forint column can never silently hold a REAL
/// or a text, which SQLite's loose typing would otherwise allow.
public enum Migrations {
    /// The names of the migrations, in the order they run.
    public static var names: [String] { migrator.migrations }

    /// The migrator that brings any Selfcare database up to date.
    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()

        // subscribers: one row per MSISDN (canonical digits, e.g. 36301234567).
        // WITHOUT ROWID: the hot path looks subscribers up by number only, so the
        // primary-key b-tree holds the row itself (one b-tree search per lookup).
        // - product/status/language: the Model enums' raw values.
        // - birth_date: `YYYY-MM-DD` or NULL when unknown (age rules).
        // - pin_*: the subscriber PIN (PasswordHash encoding, NULL = never set), wrong
        //   PINs in a row, and the Unix time until which PIN commands are locked.
        // - balance, universal_balance, unbilled, allowance: the money buckets; each
        //   always equals the sum of its ledger rows (see ledger).
        // - created_at: when the row was inserted (Unix seconds).
        migrator.registerMigration("v1-subscribers") { db in
            try db.execute(sql: """
                CREATE TABLE subscribers(
                    msisdn            TEXT    NOT NULL PRIMARY KEY,
                    product           TEXT    NOT NULL CHECK (product IN ('prepaid', 'postpaid', 'mix')),
                    status            TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
                    birth_date        TEXT    CHECK (birth_date IS NULL OR birth_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
                    language          TEXT    NOT NULL DEFAULT 'hu' CHECK (language IN ('hu', 'en')),
                    pin_hash          TEXT,
                    pin_failures      INTEGER NOT NULL DEFAULT 0 CHECK (pin_failures >= 0),
                    pin_locked_until  INTEGER,
                    balance           INTEGER NOT NULL DEFAULT 0,
                    universal_balance INTEGER NOT NULL DEFAULT 0,
                    unbilled          INTEGER NOT NULL DEFAULT 0,
                    allowance         INTEGER NOT NULL DEFAULT 0,
                    created_at        INTEGER NOT NULL DEFAULT (CAST(strftime('%s', 'now') AS INTEGER))
                ) WITHOUT ROWID, STRICT
                """)
        }

        // accounts: logins of the line protocol and the HTTP API. `role` decides the
        // verbs an account may use; `password_hash` is a PasswordHash encoding, never
        // the password.
        migrator.registerMigration("v1-accounts") { db in
            try db.execute(sql: """
                CREATE TABLE accounts(
                    name          TEXT NOT NULL PRIMARY KEY,
                    role          TEXT NOT NULL CHECK (role IN ('network', 'operator')),
                    password_hash TEXT NOT NULL
                ) WITHOUT ROWID, STRICT
                """)
        }

        // ledger: every balance change, append-only. `amount` is signed and added to
        // the subscriber's `bucket` column in the same transaction, so for every
        // subscriber and bucket: column = SUM(amount). `kind` says why the money moved
        // (opening, topup, purchase, charge), `ref` is free text (request, rate prefix,
        // operator note). `id` orders the rows: the latest purchase is the highest id.
        // The partial index makes "last purchase of this number" one short index
        // descent; it holds purchase rows only, so top-ups and charges (the hot
        // writes) do not pay for it with a random index page each.
        migrator.registerMigration("v1-ledger") { db in
            try db.execute(sql: """
                CREATE TABLE ledger(
                    id     INTEGER PRIMARY KEY,
                    at     INTEGER NOT NULL,
                    msisdn TEXT    NOT NULL REFERENCES subscribers(msisdn),
                    bucket TEXT    NOT NULL CHECK (bucket IN ('balance', 'universal', 'unbilled', 'allowance')),
                    amount INTEGER NOT NULL,
                    kind   TEXT    NOT NULL CHECK (kind IN ('opening', 'topup', 'purchase', 'charge')),
                    ref    TEXT
                ) STRICT;
                CREATE INDEX ledger_purchases ON ledger(msisdn, id) WHERE kind = 'purchase';
                """)
        }

        // audit: one row per command that reached the engine, written in the same
        // transaction as its effect. `account` is NULL before AUTH, `msisdn` when no
        // subscriber is concerned (and may name an unknown number: no foreign key).
        // `request` has any PIN or password masked; `outcome` is the engine's verdict
        // (`ok: balance`, `refused: postpaid`, `unknown subscriber`). No secondary index: every index costs each command a random page write
        // (the audit is the hottest insert); look-ups go by id/time range, which the
        // rowid already orders.
        migrator.registerMigration("v1-audit") { db in
            try db.execute(sql: """
                CREATE TABLE audit(
                    id      INTEGER PRIMARY KEY,
                    at      INTEGER NOT NULL,
                    account TEXT,
                    channel TEXT    NOT NULL,
                    msisdn  TEXT,
                    request TEXT    NOT NULL,
                    outcome TEXT    NOT NULL
                ) STRICT;
                """)
        }

        // bills: closed monthly bills of postpaid subscribers, one per `period`
        // (`YYYY-MM`, so text order is time order); `amount` in forints. Adding a bill
        // for a period that already has one replaces it (a correction).
        migrator.registerMigration("v1-bills") { db in
            try db.execute(sql: """
                CREATE TABLE bills(
                    msisdn TEXT    NOT NULL,
                    period TEXT    NOT NULL CHECK (period GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]'),
                    amount INTEGER NOT NULL,
                    PRIMARY KEY (msisdn, period)
                ) WITHOUT ROWID, STRICT
                """)
        }

        // rates: the operator's price list, one price per number range and kind. `prefix`
        // is canonical digits (PhoneNumber.normalisedPrefix: 0690 is stored as 3690, so it
        // matches Destination digits); the longest prefix of a number wins. WITHOUT ROWID
        // on (prefix, kind): a lookup probes the primary key with every prefix of the
        // number (at most 20 point lookups in one statement), never a scan.
        // - kind: premium (MO SMS), premium-mt (received premium SMS), subscription
        //   (monthly fee, charged on start), donation (fixed per SMS).
        // - adult: 1 when the range is refused to minors.
        migrator.registerMigration("v2-rates") { db in
            try db.execute(sql: """
                CREATE TABLE rates(
                    prefix TEXT    NOT NULL CHECK (length(prefix) BETWEEN 1 AND 20 AND prefix NOT GLOB '*[^0-9]*'),
                    kind   TEXT    NOT NULL CHECK (kind IN ('premium', 'premium-mt', 'subscription', 'donation')),
                    price  INTEGER NOT NULL CHECK (price >= 0),
                    adult  INTEGER NOT NULL DEFAULT 0 CHECK (adult IN (0, 1)),
                    PRIMARY KEY (prefix, kind)
                ) WITHOUT ROWID, STRICT
                """)
        }

        // subscriptions: running subscriptions (InfoSMS topics `777:SPORT`, partner
        // services `partner:36308080712`, `horoscope`), at most one per service and
        // subscriber. `fee` is the monthly fee charged (as a ledger post) when it started;
        // `detail` is service-specific (the horoscope's birth date). Keyed by subscriber
        // first: "my subscriptions" is one primary-key range.
        migrator.registerMigration("v2-subscriptions") { db in
            try db.execute(sql: """
                CREATE TABLE subscriptions(
                    msisdn     TEXT    NOT NULL REFERENCES subscribers(msisdn),
                    service    TEXT    NOT NULL,
                    fee        INTEGER NOT NULL,
                    started_at INTEGER NOT NULL,
                    detail     TEXT,
                    PRIMARY KEY (msisdn, service)
                ) WITHOUT ROWID, STRICT
                """)
        }

        // settings: a small key/value map per subscriber (premium MT unblock, range bars,
        // favourite numbers, call forwarding, barring, CLIR …). A new setting needs no
        // migration; an unset one has no row.
        migrator.registerMigration("v2-settings") { db in
            try db.execute(sql: """
                CREATE TABLE settings(
                    msisdn TEXT NOT NULL REFERENCES subscribers(msisdn),
                    key    TEXT NOT NULL,
                    value  TEXT NOT NULL,
                    PRIMARY KEY (msisdn, key)
                ) WITHOUT ROWID, STRICT
                """)
        }

        // counters: how many times something happened to a subscriber in a period, for
        // limits (call-me-back per pair per day, top-ups received per month …). `period`
        // is free text chosen by the rule (`2026-01-15`, `2026-01`); old periods are
        // simply never read again.
        migrator.registerMigration("v2-counters") { db in
            try db.execute(sql: """
                CREATE TABLE counters(
                    msisdn TEXT    NOT NULL REFERENCES subscribers(msisdn),
                    name   TEXT    NOT NULL,
                    period TEXT    NOT NULL,
                    count  INTEGER NOT NULL CHECK (count >= 0),
                    PRIMARY KEY (msisdn, name, period)
                ) WITHOUT ROWID, STRICT
                """)
        }

        // outbox: SMS the gateway sends (confirmations, partner messages, call-me-back),
        // written in the same transaction as their cause so nothing is announced that was
        // not kept. `id` is the queue order; `delivered_at` stays NULL until the gateway
        // hands the message on. `recipient` may be any number (no foreign key). The
        // partial indexes hold pending rows only, so they stay small however long the
        // history grows: one serves "pending for this recipient", the other "all pending".
        migrator.registerMigration("v2-outbox") { db in
            try db.execute(sql: """
                CREATE TABLE outbox(
                    id           INTEGER PRIMARY KEY,
                    at           INTEGER NOT NULL,
                    sender       TEXT    NOT NULL,
                    recipient    TEXT    NOT NULL,
                    text         TEXT    NOT NULL,
                    delivered_at INTEGER
                ) STRICT;
                CREATE INDEX outbox_pending_by_recipient ON outbox(recipient, id) WHERE delivered_at IS NULL;
                CREATE INDEX outbox_pending ON outbox(id) WHERE delivered_at IS NULL;
                """)
        }

        // v3: the rows of the hot path, rebuilt for it.
        // - The 1730 answer names the last purchase. Looking it up in the ledger was a
        //   second statement and index descent on every balance query; the row now
        //   carries it (`at` and the ledger `amount`, negative, of the latest purchase
        //   row), written by the same UPDATE that moves the bucket. The ledger stays the
        //   record: `selfcare db check` compares the two. The index that served the ledger
        //   look-up only cost every purchase a page write, so it goes.
        // - The PIN (hash, failures, lock) moves to `pins`: only PIN commands read it, and
        //   its 100-byte hash tripled the row every subscriber look-up walks past.
        // - A narrow row: every 1730 and TOPUP descends this 1,000,000-row b-tree to a
        //   random leaf, and the time goes in cache misses on its pages (perf: the key
        //   search was 18% of a 1730 request). product, status and language become small
        //   integer codes (SQLite stores 0 and 1 in the row header, no payload byte):
        //   product 0 prepaid, 1 postpaid, 2 mix; status 0 active, 1 suspended;
        //   language 0 hu, 1 en. created_at (never read; S13 counts from the `since`
        //   setting) goes. A bench row shrinks from ~50 to ~28 bytes.
        // - 11 columns: SQLite compares the keys of a WITHOUT ROWID table with its fast
        //   string comparator only while the row has at most 13 columns.
        // - CHECKs name their values with OR, not IN: SQLite checks `x IN (3 or more
        //   constants)` by building an ephemeral index on every insert, which made a
        //   ledger row cost four times a whole TOPUP of the C ceiling.
        // Rebuilt the documented way (new table, copy, drop, rename); GRDB runs it with
        // foreign keys off and checks them before committing.
        migrator.registerMigration("v3-hot-rows") { db in
            try db.execute(sql: """
                CREATE TABLE subscribers_v3(
                    msisdn               TEXT    NOT NULL PRIMARY KEY,
                    product              INTEGER NOT NULL CHECK (product BETWEEN 0 AND 2),
                    status               INTEGER NOT NULL DEFAULT 0 CHECK (status = 0 OR status = 1),
                    birth_date           TEXT    CHECK (birth_date IS NULL OR birth_date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
                    language             INTEGER NOT NULL DEFAULT 0 CHECK (language = 0 OR language = 1),
                    balance              INTEGER NOT NULL DEFAULT 0,
                    universal_balance    INTEGER NOT NULL DEFAULT 0,
                    unbilled             INTEGER NOT NULL DEFAULT 0,
                    allowance            INTEGER NOT NULL DEFAULT 0,
                    last_purchase_at     INTEGER,
                    last_purchase_amount INTEGER
                ) WITHOUT ROWID, STRICT;
                INSERT INTO subscribers_v3
                SELECT s.msisdn,
                       CASE s.product WHEN 'prepaid' THEN 0 WHEN 'postpaid' THEN 1 ELSE 2 END,
                       CASE s.status WHEN 'active' THEN 0 ELSE 1 END,
                       s.birth_date,
                       CASE s.language WHEN 'hu' THEN 0 ELSE 1 END,
                       s.balance, s.universal_balance, s.unbilled, s.allowance, l.at, l.amount
                FROM subscribers s
                LEFT JOIN (SELECT msisdn, max(id) AS id FROM ledger WHERE kind = 'purchase' GROUP BY msisdn) m
                    ON m.msisdn = s.msisdn
                LEFT JOIN ledger l ON l.id = m.id;
                CREATE TABLE pins(
                    msisdn       TEXT    NOT NULL PRIMARY KEY REFERENCES subscribers(msisdn),
                    hash         TEXT,
                    failures     INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
                    locked_until INTEGER
                ) WITHOUT ROWID, STRICT;
                INSERT INTO pins(msisdn, hash, failures, locked_until)
                SELECT msisdn, pin_hash, pin_failures, pin_locked_until FROM subscribers
                WHERE pin_hash IS NOT NULL OR pin_failures != 0 OR pin_locked_until IS NOT NULL;
                DROP TABLE subscribers;
                ALTER TABLE subscribers_v3 RENAME TO subscribers;
                CREATE TABLE ledger_v3(
                    id     INTEGER PRIMARY KEY,
                    at     INTEGER NOT NULL,
                    msisdn TEXT    NOT NULL REFERENCES subscribers(msisdn),
                    bucket TEXT    NOT NULL CHECK (bucket = 'balance' OR bucket = 'universal' OR bucket = 'unbilled'
                                                   OR bucket = 'allowance'),
                    amount INTEGER NOT NULL,
                    kind   TEXT    NOT NULL CHECK (kind = 'opening' OR kind = 'topup' OR kind = 'purchase' OR kind = 'charge'),
                    ref    TEXT
                ) STRICT;
                INSERT INTO ledger_v3(id, at, msisdn, bucket, amount, kind, ref)
                SELECT id, at, msisdn, bucket, amount, kind, ref FROM ledger;
                DROP TABLE ledger;
                ALTER TABLE ledger_v3 RENAME TO ledger;
                """)
        }

        // v4: delivery receipts of the outbox. A carrier that asks for receipts (an SMPP
        // link) records, when the SMSC takes a message, the id the SMSC gave each part;
        // the receipt later names that id. The rows wait in outbox_receipts (keyed by the
        // link's name: ids are only unique per SMSC) and go when their receipt comes, so
        // the table holds receipts still awaited. `receipt` on the outbox row is the last
        // state a receipt reported (`DELIVRD`, `UNDELIV`, `EXPIRED` …) and `failed` says
        // the message did not reach its recipient (a failed part marks the whole message).
        migrator.registerMigration("v4-outbox-receipts") { db in
            try db.execute(sql: """
                ALTER TABLE outbox ADD COLUMN receipt TEXT;
                ALTER TABLE outbox ADD COLUMN receipt_at INTEGER;
                ALTER TABLE outbox ADD COLUMN failed INTEGER NOT NULL DEFAULT 0 CHECK (failed = 0 OR failed = 1);
                CREATE TABLE outbox_receipts(
                    link      TEXT    NOT NULL,
                    smsc_id   TEXT    NOT NULL,
                    outbox_id INTEGER NOT NULL REFERENCES outbox(id),
                    PRIMARY KEY(link, smsc_id)
                ) WITHOUT ROWID, STRICT;
                CREATE INDEX outbox_failed ON outbox(id) WHERE failed = 1;
                """)
        }

        // v5: a purchase code must not stay readable in the outbox once delivered (the
        // code itself is kept only as a hash, in settings): `secret` rows have their text
        // blanked by the UPDATE that marks them delivered.
        migrator.registerMigration("v5-outbox-secrets") { db in
            try db.execute(sql: "ALTER TABLE outbox ADD COLUMN secret INTEGER NOT NULL DEFAULT 0 CHECK (secret = 0 OR secret = 1)")
        }

        // v6: facts about the store itself; first, the fingerprint of the server key its
        // hashes are made with (the key lives outside the store), so that a store opened
        // with another key, or none, is refused instead of failing every PIN.
        migrator.registerMigration("v6-meta") { db in
            try db.execute(sql: "CREATE TABLE meta(name TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID, STRICT")
        }

        // v7: idempotency keys. A request a client tags (`TOPUP id=bill-77 …`) is kept with
        // its answer in the transaction of its effects, so a repeat (the client never got
        // the answer) is answered alike and changes nothing. Per account; pruned by age
        // (the index) in small batches.
        migrator.registerMigration("v7-idempotency") { db in
            try db.execute(sql: """
                CREATE TABLE idempotency(
                    account TEXT    NOT NULL,
                    key     TEXT    NOT NULL,
                    request TEXT    NOT NULL,
                    answer  TEXT    NOT NULL,
                    at      INTEGER NOT NULL,
                    PRIMARY KEY(account, key)
                ) WITHOUT ROWID, STRICT;
                CREATE INDEX idempotency_at ON idempotency(at);
                """)
        }

        // The SMPP MOs that ran lately, so that a redelivery after a restart is still
        // answered from memory (issue 16): a ring of the latest RememberedMO.capacity
        // rows, in rowid order (no AUTOINCREMENT: rowids are max + 1).
        migrator.registerMigration("v8-smpp-recent") { db in
            try db.execute(sql: """
                CREATE TABLE smpp_recent(
                    scope   TEXT    NOT NULL,
                    key     INTEGER NOT NULL,
                    at      INTEGER NOT NULL,
                    replies TEXT    NOT NULL
                ) STRICT;
                """)
        }

        // The SMPP memory as fixed slots: the MO numbered `seq` goes in slot
        // seq % RememberedMO.capacity, over the one that was there (one write, where v8
        // inserted a row and deleted the one `capacity` back: the SMPP benchmark lost a
        // quarter of its rate to it). The few seconds of memory v8 held are not kept.
        migrator.registerMigration("v9-smpp-recent-slots") { db in
            try db.execute(sql: """
                DROP TABLE smpp_recent;
                CREATE TABLE smpp_recent(
                    slot    INTEGER PRIMARY KEY,
                    seq     INTEGER NOT NULL,
                    scope   TEXT    NOT NULL,
                    key     INTEGER NOT NULL,
                    at      INTEGER NOT NULL,
                    replies TEXT    NOT NULL
                ) STRICT;
                """)
        }

        // Issue 18: a subscriber can be `terminated` (status 2) and the ledger knows
        // why money moved for bills, allowances, product changes and terminations.
        // Both only WIDEN a CHECK, which every stored row already meets, so the table
        // text is edited in place by SQLite's documented procedure for removing or
        // relaxing a constraint (sqlite.org/lang_altertable.html, "making other kinds
        // of table schema changes"): no copy of a ledger of millions of rows. The
        // schema version goes up so every connection reads the new text.
        migrator.registerMigration("v10-subscriber-lifecycle") { db in
            let edits: [(table: String, old: String, new: String)] = [
                ("subscribers", "CHECK (status = 0 OR status = 1)", "CHECK (status = 0 OR status = 1 OR status = 2)"),
                ("ledger", "OR kind = 'charge')",
                 "OR kind = 'charge'\n                                   OR kind = 'bill' OR kind = 'allowance' OR kind = 'transfer' OR kind = 'writeoff')"),
            ]
            let version = try Int.fetchOne(db, sql: "PRAGMA schema_version") ?? 0
            try db.execute(sql: "PRAGMA writable_schema = ON")
            for edit in edits {
                let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?",
                                              arguments: [edit.table]) ?? ""
                // Exactly one occurrence, or this is not the table v3 made: stop rather than guess.
                guard sql.components(separatedBy: edit.old).count == 2 else {
                    throw StoreFailure.corruptRow("schema of \(edit.table): expected \(edit.old)")
                }
                try db.execute(sql: "UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = ?",
                               arguments: [sql.replacingOccurrences(of: edit.old, with: edit.new), edit.table])
            }
            try db.execute(sql: "PRAGMA schema_version = \(version + 1)")
            try db.execute(sql: "PRAGMA writable_schema = OFF")
            let check = try String.fetchAll(db, sql: "PRAGMA quick_check")
            guard check == ["ok"] else { throw StoreFailure.corruptRow("after v10: \(check.joined(separator: "; "))") }
        }

        return migrator
    }
}
