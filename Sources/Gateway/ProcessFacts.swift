#if canImport(Glibc)
import Glibc
#endif

/// What Prometheus' `process_*` metrics say of this process, read from /proc when
/// `/metrics` is scraped (never on a request's path).
public struct ProcessFacts: Sendable, Equatable {
    public var cpuSeconds: Double
    public var residentBytes: Int
    public var virtualBytes: Int
    public var openFileDescriptors: Int
    public var maxFileDescriptors: Int
    /// Unix time the process started, seconds.
    public var startTime: Double

    public init(cpuSeconds: Double, residentBytes: Int, virtualBytes: Int, openFileDescriptors: Int,
                maxFileDescriptors: Int, startTime: Double) {
        self.cpuSeconds = cpuSeconds
        self.residentBytes = residentBytes
        self.virtualBytes = virtualBytes
        self.openFileDescriptors = openFileDescriptors
        self.maxFileDescriptors = maxFileDescriptors
        self.startTime = startTime
    }

    /// This process's, or `nil` where there is no /proc.
    public static func current() -> ProcessFacts? {
        guard let stat = read("/proc/self/stat"), let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command name (which may hold spaces): state is field 3.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        func field(_ n: Int) -> Double? { n - 3 < fields.count ? Double(fields[n - 3]) : nil }
        guard let utime = field(14), let stime = field(15), let start = field(22), let vsize = field(23), let rss = field(24),
              let boot = read("/proc/stat")?.split(separator: "\n").first(where: { $0.hasPrefix("btime ") })
                .flatMap({ Double($0.dropFirst(6)) })
        else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        var limit = rlimit()
        getrlimit(RLIMIT_NOFILE_VALUE, &limit)
        return ProcessFacts(cpuSeconds: (utime + stime) / ticks, residentBytes: Int(rss) * Int(sysconf(Int32(_SC_PAGESIZE))),
                            virtualBytes: Int(vsize), openFileDescriptors: openDescriptors(),
                            maxFileDescriptors: Int(limit.rlim_cur), startTime: boot + start / ticks)
    }

    private static let RLIMIT_NOFILE_VALUE = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)

    private static func openDescriptors() -> Int {
        guard let dir = opendir("/proc/self/fd") else { return 0 }
        defer { closedir(dir) }
        var count = 0
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { $0.first }
            if name != UInt8(ascii: ".") { count += 1 }
        }
        return max(0, count - 1)  // the directory's own descriptor
    }

    private static func read(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buffer, 1, buffer.count, file)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
