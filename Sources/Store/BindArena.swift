#if canImport(Glibc)
import Glibc
#endif

/// Bytes of the text parameters bound during one write transaction.
///
/// `sqlite3_bind_text` with `SQLITE_TRANSIENT` makes SQLite copy every string into a
/// heap block of its own (a malloc, a free and its memory-statistics mutex each time):
/// about a tenth of the CPU of a 1730 request, which binds seven strings. Copied here
/// instead, they are bound `SQLITE_STATIC`: one `memcpy`, no allocation. The bytes stay
/// put until ``reset()`` at the start of the next write, so no bound statement of the
/// transaction ever sees them change, nested statements included.
final class BindArena {
    private static let chunkSize = 64 * 1024
    /// Every chunk in use; the first is kept across resets.
    private var chunks: [UnsafeMutableRawPointer] = []
    private var capacity = 0
    private var used = 0

    init() {}

    deinit {
        for chunk in chunks { free(chunk) }
    }

    /// Forgets every copy: the start of a write.
    func reset() {
        for chunk in chunks.dropFirst() { free(chunk) }
        if chunks.count > 1 {
            chunks.removeSubrange(1...)
            capacity = Self.chunkSize
        }
        used = 0
    }

    /// A stable copy of the UTF-8 of `text` and its length in bytes, valid until the next
    /// ``reset()``; copied by the string's own bulk copy, with no closure or temporary.
    func copy(_ text: String) -> (UnsafeRawPointer, Int) {
        let count = text.utf8.count
        let target = reserve(count)
        let (_, copied) = UnsafeMutableBufferPointer(start: target.assumingMemoryBound(to: UInt8.self), count: count)
            .initialize(from: text.utf8)
        return (UnsafeRawPointer(target), copied)
    }

    /// `head` and `tail` copied one after the other: one text, never joined in a String.
    func copy(_ head: String, _ tail: String) -> (UnsafeRawPointer, Int) {
        if head.isEmpty { return copy(tail) }
        let count = head.utf8.count + tail.utf8.count
        let target = reserve(count).assumingMemoryBound(to: UInt8.self)
        let (_, first) = UnsafeMutableBufferPointer(start: target, count: count).initialize(from: head.utf8)
        let (_, second) = UnsafeMutableBufferPointer(start: target + first, count: count - first)
            .initialize(from: tail.utf8)
        return (UnsafeRawPointer(target), first + second)
    }

    /// Room for `count` bytes (the arena always returns an address, even for 0).
    private func reserve(_ count: Int) -> UnsafeMutableRawPointer {
        if used + count > capacity || chunks.isEmpty {
            let size = max(Self.chunkSize, count)
            guard let chunk = malloc(size) else { fatalError("out of memory binding \(count) bytes") }
            chunks.append(chunk)
            capacity = size
            used = 0
        }
        let target = chunks[chunks.count - 1] + used
        used += count
        return target
    }
}
