/// Reads big-endian integers and C-octet strings off a frame, never past its end.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }
    var isAtEnd: Bool { offset >= bytes.count }

    mutating func uint8() -> UInt8? {
        guard offset < bytes.count else { return nil }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func uint16() -> UInt16? {
        guard remaining >= 2 else { return nil }
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func uint32() -> UInt32? {
        guard remaining >= 4 else { return nil }
        defer { offset += 4 }
        return UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
            | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    mutating func octets(_ count: Int) -> [UInt8]? {
        guard count >= 0, remaining >= count else { return nil }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    enum CStringError: Error { case unterminated, tooLong }

    /// A C-octet string of at most `maximum` octets with its NUL (§3.1): the field's
    /// value as Latin-1 (SMPP's strings are ASCII; Latin-1 keeps any byte readable).
    mutating func cString(maximum: Int) throws(CStringError) -> String {
        var end = offset
        while end < bytes.count, bytes[end] != 0 { end += 1 }
        guard end < bytes.count else { throw .unterminated }
        guard end - offset + 1 <= maximum else { throw .tooLong }
        let field = UnsafeRawBufferPointer(rebasing: bytes[offset..<end])
        defer { offset = end + 1 }
        // Addresses and ids are ASCII: read them as they are (a scalar at a time cost 7%
        // of an SMPP MO's loop CPU); other bytes as Latin-1.
        if !field.contains(where: { $0 >= 0x80 }) { return String(decoding: field, as: UTF8.self) }
        var s = String.UnicodeScalarView()
        for byte in field { s.append(Unicode.Scalar(byte)) }
        return String(s)
    }
}

/// Appends big-endian integers and C-octet strings.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func uint8(_ v: UInt8) { bytes.append(v) }
    mutating func uint16(_ v: UInt16) { bytes.append(UInt8(v >> 8)); bytes.append(UInt8(v & 0xFF)) }
    mutating func uint32(_ v: UInt32) {
        withUnsafeBytes(of: v.bigEndian) { bytes.append(contentsOf: $0) }
    }
    /// The string's scalars below 256 as octets (others as `?`), then NUL.
    mutating func cString(_ s: String) {
        var s = s
        // Addresses, ids and service types are ASCII: their UTF-8 is the octets.
        let ascii = s.withUTF8 { utf8 in
            guard !utf8.contains(where: { $0 >= 0x80 || $0 == 0 }) else { return false }
            bytes.append(contentsOf: utf8)
            return true
        }
        if !ascii {
            for scalar in s.unicodeScalars { bytes.append(scalar.value < 256 && scalar.value != 0 ? UInt8(scalar.value) : 0x3F) }
        }
        bytes.append(0)
    }
}
