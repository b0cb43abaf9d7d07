/// Walks the arguments of a line: tokens separated by runs of spaces and tabs. Borrows
/// the line; no copy, no allocation.
struct ArgumentScanner {
    let line: UnsafeRawBufferPointer
    private(set) var position = 0

    init(_ line: UnsafeRawBufferPointer) {
        self.line = line
    }

    @inline(__always)
    static func isSeparator(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09
    }

    /// Skips one run of separators (possibly empty).
    mutating func skipSeparators() {
        while position < line.count, Self.isSeparator(line[position]) {
            position += 1
        }
    }

    /// The next token, after any separators; `nil` at the end of the line.
    mutating func next() -> UnsafeRawBufferPointer? {
        skipSeparators()
        guard position < line.count else { return nil }
        let start = position
        while position < line.count, !Self.isSeparator(line[position]) {
            position += 1
        }
        return UnsafeRawBufferPointer(rebasing: line[start..<position])
    }

    /// Whether only separators are left.
    mutating func isAtEnd() -> Bool {
        skipSeparators()
        return position == line.count
    }

    /// Everything after the separators that follow the current position, kept as typed
    /// (inner and trailing separators included); empty at the end of the line.
    mutating func rest() -> UnsafeRawBufferPointer {
        skipSeparators()
        let start = position
        position = line.count
        return UnsafeRawBufferPointer(rebasing: line[start..<line.count])
    }
}
