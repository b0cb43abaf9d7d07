import CSV
import Import
import Model
import Numbering
import Testing

@Suite("Import files: header and rows")
struct ImportFileTests {
    func record(_ line: Int, _ fields: String) -> CSVDecoder.Record {
        CSVDecoder.Record(line: line, fields: fields.split(separator: ",", omittingEmptySubsequences: false).map(String.init))
    }

    func subscriberHeader(_ text: String = "msisdn,product,lang,birth,status,balance,universal,allowance,since") throws -> ImportHeader {
        try ImportHeader(record(1, text), known: SubscriberCSV.columns, required: SubscriberCSV.required)
    }

    @Test func aHeaderNamesKnownColumnsOnceInAnyOrderAndCase() throws {
        let header = try subscriberHeader(" Product ,MSISDN")
        #expect(try SubscriberCSV.row(record(2, "mix,06-30-123-4567"), header)
                == SubscriberImportRow(line: 2, msisdn: MSISDN(canonical: "36301234567"), product: .mix))
        #expect(throws: ImportLineError(line: 1, "unknown column \"colour\": the columns are msisdn, product, lang, birth, status, balance, universal, allowance, since")) {
            try subscriberHeader("msisdn,product,colour")
        }
        #expect(throws: ImportLineError(line: 1, "column msisdn given twice")) { try subscriberHeader("msisdn,product,msisdn") }
        #expect(throws: ImportLineError(line: 1, "no column product: the header needs msisdn, product")) { try subscriberHeader("msisdn") }
    }

    @Test func aFullSubscriberRow() throws {
        let row = try SubscriberCSV.row(record(7, "+36 30 123 4567,Prepaid,EN,1990-02-03,suspended,1500,200,,2020-05-06"), try subscriberHeader())
        #expect(row == SubscriberImportRow(line: 7, msisdn: MSISDN(canonical: "36301234567"), product: .prepaid, language: .en,
                                           birthDate: CalendarDate(year: 1990, month: 2, day: 3), status: .suspended,
                                           balance: 1500, universalBalance: 200,
                                           since: CalendarDate(year: 2020, month: 5, day: 6)))
    }

    @Test(arguments: [
        (",prepaid", "msisdn is empty"),
        ("1234,prepaid", "msisdn \"1234\": not a mobile number of ours (36301234567, 06-30-123-4567, +36 30 123 4567)"),
        ("36301234567,", "product is empty"),
        ("36301234567,gold", "product \"gold\": one of prepaid, postpaid, mix"),
        ("36301234567,prepaid,de", "lang \"de\": one of hu, en"),
        ("36301234567,prepaid,,2001-02-30", "birth \"2001-02-30\": a date, YYYY-MM-DD"),
        ("36301234567,prepaid,,,terminated", "status \"terminated\": active or suspended"),
        ("36301234567,prepaid,,,,-5", "balance \"-5\": whole forints, 0 to 10000000"),
        ("36301234567,prepaid,,,,1 000", "balance \"1 000\": whole forints, 0 to 10000000"),
        ("36301234567,prepaid,,,,,10000001", "universal \"10000001\": whole forints, 0 to 10000000"),
        ("36301234567,mix,,,,,,1000001", "allowance \"1000001\": whole forints, 0 to 1000000"),
        ("36301234567,prepaid,,,,,,,,extra", "10 fields, the header has 9"),
        ("36301234567,prepaid,,,,,,,2026-02-30", "since \"2026-02-30\": a date, YYYY-MM-DD"),
    ])
    func badSubscriberRowsSayWhyAndWhere(_ fields: String, _ message: String) throws {
        #expect(throws: ImportLineError(line: 5, message)) { try SubscriberCSV.row(record(5, fields), try subscriberHeader()) }
    }

    @Test func rateRows() throws {
        let header = try ImportHeader(record(1, "prefix,price,kind,adult"), known: RateCSV.columns, required: RateCSV.required)
        #expect(try RateCSV.row(record(2, "0690,350,premium,"), header) == RateChange(prefix: "3690", price: 350, kind: .premium))
        #expect(try RateCSV.row(record(3, "+3691,500,Premium-MT,yes"), header)
                == RateChange(prefix: "3691", price: 500, kind: .premiumMT, adult: true))
        #expect(try RateCSV.row(record(4, "16,0,donation,no"), header) == RateChange(prefix: "16", price: 0, kind: .donation, adult: false))
        #expect(throws: ImportLineError(line: 5, "prefix \"0120\": digits as dialled (0690, 1690, 777) or international (3690)")) {
            try RateCSV.row(record(5, "0120,1,premium,"), header)
        }
        #expect(throws: ImportLineError(line: 6, "price \"100001\": whole forints, 0 to 100000")) {
            try RateCSV.row(record(6, "0690,100001,premium,"), header)
        }
        #expect(throws: ImportLineError(line: 7, "kind \"cheap\": one of premium, premium-mt, subscription, donation")) {
            try RateCSV.row(record(7, "0690,1,cheap,"), header)
        }
        #expect(throws: ImportLineError(line: 8, "adult \"maybe\": yes or no (empty keeps the stored flag)")) {
            try RateCSV.row(record(8, "0690,1,premium,maybe"), header)
        }
    }
}
