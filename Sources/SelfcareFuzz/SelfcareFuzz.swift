import FuzzTargets
#if canImport(Glibc)
import Glibc
#endif

/// `selfcare-fuzz`, built two ways.
///
/// `make fuzz` builds it with `-sanitize=fuzzer,address -D FUZZING`: libFuzzer drives the
/// target named by `SELFCARE_FUZZ_TARGET`, with libFuzzer's own arguments (corpus
/// folders, `-max_total_time=…`). A plain build replays files instead:
/// `selfcare-fuzz TARGET FILE…` runs each through the target once (a crash input, by hand).
@main
struct SelfcareFuzz {
    static func main() {
        #if FUZZING
        _ = target
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOne))
        #else
        replay(CommandLine.arguments.dropFirst())
        #endif
    }

    static func replay(_ arguments: ArraySlice<String>) {
        guard let name = arguments.first, let target = FuzzTarget(rawValue: name) else {
            print("usage: selfcare-fuzz TARGET FILE…  (targets: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")))")
            exit(2)
        }
        for path in arguments.dropFirst() {
            guard let file = fopen(path, "rb") else { print("\(path): cannot open"); exit(1) }
            var data: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            while case let n = fread(&chunk, 1, chunk.count, file), n > 0 { data += chunk[..<n] }
            fclose(file)
            target.run(data)
            print("\(path): ok")
        }
    }
}

#if FUZZING
let target: FuzzTarget = {
    guard let name = getenv("SELFCARE_FUZZ_TARGET").map({ String(cString: $0) }), let t = FuzzTarget(rawValue: name) else {
        fatalError("set SELFCARE_FUZZ_TARGET to one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return t
}()

/// libFuzzer's entry for one input (also what its own `main` would call).
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    target.run(count == 0 ? [] : Array(UnsafeBufferPointer(start: start, count: count)))
    return 0
}

/// libFuzzer's driver (compiler-rt's FuzzerDriver.cpp): SwiftPM links an executable's
/// `main` to this module's, so the module starts the fuzzer itself.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt
#endif
