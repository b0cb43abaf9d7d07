/// An optional parameter (§5.3): a tag, and its value's octets.
public struct TLV: Equatable, Sendable {
    public var tag: Tag
    public var value: [UInt8]

    public init(_ tag: Tag, _ value: [UInt8]) {
        self.tag = tag
        self.value = value
    }

    public init(_ tag: Tag, byte: UInt8) { self.init(tag, [byte]) }
    public init(_ tag: Tag, uint16: UInt16) { self.init(tag, [UInt8(uint16 >> 8), UInt8(uint16 & 0xFF)]) }

    /// The value as an unsigned integer of its length (1, 2 or 4 octets), else nil.
    public var integer: UInt32? {
        guard value.count == 1 || value.count == 2 || value.count == 4 else { return nil }
        return value.reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// The value as a C-octet string (its terminating NUL dropped).
    public var string: String {
        let bytes = value.last == 0 ? value.dropLast() : value[...]
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A tag. Named here: those a self-service gateway reads or writes.
    public struct Tag: RawRepresentable, Hashable, Sendable {
        public let rawValue: UInt16
        public init(rawValue: UInt16) { self.rawValue = rawValue }
        public init(_ rawValue: UInt16) { self.rawValue = rawValue }

        public static let receiptedMessageID = Tag(0x001E)
        public static let userMessageReference = Tag(0x0204)
        public static let sarMessageReference = Tag(0x020C)
        public static let sarTotalSegments = Tag(0x020E)
        public static let sarSegmentNumber = Tag(0x020F)
        public static let scInterfaceVersion = Tag(0x0210)
        public static let messagePayload = Tag(0x0424)
        public static let messageState = Tag(0x0427)
        public static let ussdServiceOp = Tag(0x0501)
        public static let itsReplyType = Tag(0x1380)
        public static let itsSessionInfo = Tag(0x1383)
    }
}

extension Array where Element == TLV {
    /// The first parameter with `tag`.
    public func first(_ tag: TLV.Tag) -> TLV? { first { $0.tag == tag } }
}
