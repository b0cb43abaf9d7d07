extension PDU {
    /// The PDU's octets, `command_length` filled in.
    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        // The fixed fields and addresses fit 96 bytes; a message's text comes on top.
        var size = 96
        if case .message(let m) = body { size += m.shortMessage.count + m.tlvs.reduce(0) { $0 + 4 + $1.value.count } }
        w.bytes.reserveCapacity(size)
        w.uint32(0)
        w.uint32(command.rawValue)
        w.uint32(status.rawValue)
        w.uint32(sequence)
        switch body {
        case .empty:
            break
        case .bind(let bind):
            w.cString(bind.systemID)
            w.cString(bind.password)
            w.cString(bind.systemType)
            w.uint8(bind.interfaceVersion)
            w.uint8(bind.addressRange.ton)
            w.uint8(bind.addressRange.npi)
            w.cString(bind.addressRange.value)
        case .bindResponse(let systemID, let tlvs):
            w.cString(systemID)
            PDU.write(tlvs, &w)
        case .message(let m):
            w.cString(m.serviceType)
            PDU.write(m.source, &w)
            PDU.write(m.destination, &w)
            w.uint8(m.esmClass)
            w.uint8(m.protocolID)
            w.uint8(m.priority)
            w.cString(m.scheduleDeliveryTime)
            w.cString(m.validityPeriod)
            w.uint8(m.registeredDelivery)
            w.uint8(m.replaceIfPresent)
            w.uint8(m.dataCoding)
            w.uint8(m.defaultMessageID)
            // The caller keeps short_message within 254 octets (longer texts go in
            // message_payload); a longer one is cut rather than framed wrong.
            let text = m.shortMessage.prefix(254)
            w.uint8(UInt8(text.count))
            w.bytes += text
            PDU.write(m.tlvs, &w)
        case .data(let m):
            w.cString(m.serviceType)
            PDU.write(m.source, &w)
            PDU.write(m.destination, &w)
            w.uint8(m.esmClass)
            w.uint8(m.registeredDelivery)
            w.uint8(m.dataCoding)
            PDU.write(m.tlvs, &w)
        case .messageResponse(let id, let tlvs):
            w.cString(id)
            PDU.write(tlvs, &w)
        }
        let n = UInt32(w.bytes.count)
        w.bytes[0] = UInt8(n >> 24); w.bytes[1] = UInt8((n >> 16) & 0xFF)
        w.bytes[2] = UInt8((n >> 8) & 0xFF); w.bytes[3] = UInt8(n & 0xFF)
        return w.bytes
    }

    private static func write(_ a: Address, _ w: inout ByteWriter) {
        w.uint8(a.ton)
        w.uint8(a.npi)
        w.cString(a.value)
    }

    private static func write(_ tlvs: [TLV], _ w: inout ByteWriter) {
        for tlv in tlvs {
            w.uint16(tlv.tag.rawValue)
            w.uint16(UInt16(min(tlv.value.count, 0xFFFF)))
            w.bytes += tlv.value.prefix(0xFFFF)
        }
    }
}
