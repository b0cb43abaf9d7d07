#if canImport(Glibc)
import Glibc
#endif

/// The process's limit on open files (`RLIMIT_NOFILE`). A server that accepts
/// thousands of connections needs more than the usual soft limit of 1 024: it raises the
/// soft limit to the hard one at start and sizes its connection limits to fit.
///
/// ```swift
/// let limit = FileDescriptorLimit.raiseToHard()   // (soft: 524288, hard: 524288, raisedFrom: 1024)
/// ```
public enum FileDescriptorLimit {
    public struct Reading: Sendable, Equatable {
        public var soft: Int
        public var hard: Int
        /// The soft limit before the raise (equal to `soft` when nothing changed).
        public var raisedFrom: Int

        public init(soft: Int, hard: Int, raisedFrom: Int) {
            self.soft = soft
            self.hard = hard
            self.raisedFrom = raisedFrom
        }
    }

    /// Raises the soft limit to the hard limit; returns both, as they are now.
    @discardableResult
    public static func raiseToHard() -> Reading {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else {
            return Reading(soft: 1024, hard: 1024, raisedFrom: 1024)
        }
        let before = limit.rlim_cur
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Reading(soft: clamp(limit.rlim_cur), hard: clamp(limit.rlim_max), raisedFrom: clamp(before))
    }

    /// The limit as it is, without changing it.
    public static func current() -> Reading {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else {
            return Reading(soft: 1024, hard: 1024, raisedFrom: 1024)
        }
        return Reading(soft: clamp(limit.rlim_cur), hard: clamp(limit.rlim_max), raisedFrom: clamp(limit.rlim_cur))
    }

    private static func clamp(_ value: rlim_t) -> Int {
        value > rlim_t(Int32.max) ? Int(Int32.max) : Int(value)
    }
}
