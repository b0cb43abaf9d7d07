import Model

/// S6: the 1730 answer, for the sending number only.
extension Engine {
    func balance(of s: Subscriber, _ lang: Messages, _ tx: any StoreTransaction) throws -> String {
        var text: String
        switch s.product {
        case .prepaid:
            text = lang.render(.prepaid, ["balance": lang.money(s.balance), "universal": lang.money(s.universalBalance)])
        case .postpaid:
            if let bill = try tx.lastBill(of: s.msisdn) {
                text = lang.render(.postpaid, [
                    "unbilled": lang.money(s.unbilled), "bill": lang.money(bill.amount), "period": lang.period(bill.period)])
            } else {
                text = lang.render(.postpaidNoBill, ["unbilled": lang.money(s.unbilled)])
            }
        case .mix:
            text = lang.render(.mix, [
                "allowance": lang.money(s.allowance), "balance": lang.money(s.balance),
                "universal": lang.money(s.universalBalance)])
        }
        if let purchase = try tx.lastPurchase(of: s.msisdn) {
            text += " "
            text += lang.render(.lastPurchase, ["date": lang.date(purchase.at), "amount": lang.money(purchase.amount)])
        }
        return text
    }
}
