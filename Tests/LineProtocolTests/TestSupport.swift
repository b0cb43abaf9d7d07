import LineProtocol

/// A decoder event with the line copied out of the borrowed buffer.
enum Decoded: Equatable, CustomStringConvertible {
    case line(String)
    case tooLong

    var description: String {
        switch self {
        case .line(let text): return "line(\(text.debugDescription))"
        case .tooLong: return "tooLong"
        }
    }
}

/// Plays the caller of ``LineDecoder``: appends each chunk to its buffer, offers the whole
/// buffer, drains what was consumed and keeps the rest.
struct DecoderHarness {
    var decoder: LineDecoder
    var buffer: [UInt8] = []
    var events: [Decoded] = []
    /// Largest number of bytes the harness ever had to keep between calls.
    var largestKept = 0

    init(maximumLineLength: Int = LineDecoder.defaultMaximumLineLength) {
        decoder = LineDecoder(maximumLineLength: maximumLineLength)
    }

    mutating func feed(_ chunk: some Sequence<UInt8>) {
        buffer.append(contentsOf: chunk)
        var decoder = self.decoder
        var events: [Decoded] = []
        let consumed = buffer.withUnsafeBytes { bytes in
            decoder.decode(bytes) { event in
                switch event {
                case .line(let line): events.append(.line(String(decoding: line, as: UTF8.self)))
                case .tooLong: events.append(.tooLong)
                }
            }
        }
        self.decoder = decoder
        self.events += events
        precondition(consumed >= 0 && consumed <= buffer.count)
        buffer.removeFirst(consumed)
        largestKept = max(largestKept, buffer.count)
    }

    /// Feeds `input` cut at `cuts` (sorted offsets).
    static func run(_ input: [UInt8], cuts: [Int], maximumLineLength: Int = LineDecoder.defaultMaximumLineLength)
        -> DecoderHarness
    {
        var harness = DecoderHarness(maximumLineLength: maximumLineLength)
        var start = 0
        for cut in cuts + [input.count] {
            harness.feed(input[start..<cut])
            start = cut
        }
        return harness
    }
}


func parse(_ text: String) -> Result<Request, RequestError> {
    parse(bytes: Array(text.utf8))
}

func parse(bytes: [UInt8]) -> Result<Request, RequestError> {
    bytes.withUnsafeBytes { Request.parse($0) }
}

extension Result where Success == Request, Failure == RequestError {
    var request: Request? {
        if case .success(let request) = self { return request }
        return nil
    }
    var error: RequestError? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
