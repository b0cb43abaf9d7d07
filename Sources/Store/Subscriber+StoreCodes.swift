import Model

// How the subscriber enums are stored (v3-hot-rows): small integers, which SQLite keeps
// in the row header, rather than their names. The codes are part of the file format:
// never renumber them.

extension Product {
    var storeCode: Int64 {
        switch self {
        case .prepaid: return 0
        case .postpaid: return 1
        case .mix: return 2
        }
    }

    init?(storeCode: Int64) {
        switch storeCode {
        case 0: self = .prepaid
        case 1: self = .postpaid
        case 2: self = .mix
        default: return nil
        }
    }
}

extension SubscriberStatus {
    var storeCode: Int64 {
        switch self {
        case .active: return 0
        case .suspended: return 1
        case .terminated: return 2
        }
    }

    init?(storeCode: Int64) {
        switch storeCode {
        case 0: self = .active
        case 1: self = .suspended
        case 2: self = .terminated
        default: return nil
        }
    }
}

extension Language {
    var storeCode: Int64 { self == .hu ? 0 : 1 }

    init?(storeCode: Int64) {
        switch storeCode {
        case 0: self = .hu
        case 1: self = .en
        default: return nil
        }
    }
}
