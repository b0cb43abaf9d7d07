extension String {
    /// Up to six strings one after another, made in one allocation.
    ///
    /// `+`, `append` and interpolation cost a few hundred instructions per piece; an array
    /// of the pieces costs an allocation and a release of each, and a parameter pack runs
    /// through witness tables. The audit text, the reply and the result line of every
    /// request are built of several pieces, so this is plain `String` parameters.
    ///
    /// ```swift
    /// String(concatenating: "SMS ", "36301111111", " ", "1730")   // "SMS 36301111111 1730"
    /// ```
    public init(concatenating a: String, _ b: String, _ c: String = "", _ d: String = "",
                _ e: String = "", _ f: String = "") {
        let count = a.utf8.count + b.utf8.count + c.utf8.count + d.utf8.count + e.utf8.count + f.utf8.count
        self.init(unsafeUninitializedCapacity: count) { buffer in
            var offset = String.copyUTF8(of: a, into: buffer, at: 0)
            offset = String.copyUTF8(of: b, into: buffer, at: offset)
            offset = String.copyUTF8(of: c, into: buffer, at: offset)
            offset = String.copyUTF8(of: d, into: buffer, at: offset)
            offset = String.copyUTF8(of: e, into: buffer, at: offset)
            return String.copyUTF8(of: f, into: buffer, at: offset)
        }
    }

    /// Copies the UTF-8 of `part` into `buffer` at `offset`; the offset after it.
    public static func copyUTF8(of part: String, into buffer: UnsafeMutableBufferPointer<UInt8>, at offset: Int) -> Int {
        // UTF8View's own bulk copy: a memcpy for native strings, small ones included.
        let target = UnsafeMutableBufferPointer(rebasing: buffer[offset...])
        let (_, copied) = target.initialize(from: part.utf8)
        return offset + copied
    }
}
