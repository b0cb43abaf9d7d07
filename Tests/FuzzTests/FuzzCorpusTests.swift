import Foundation
import FuzzTargets
import Testing
import TestSupport

/// The fuzz corpus as regression tests: every seed and every input that once broke a
/// parser (`Fuzz/corpus/<target>/`) runs through its target in a plain build, where a
/// failed check stops the test process — as it stopped the fuzzer.
@Suite("Fuzz corpus replay")
struct FuzzCorpusTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test(arguments: FuzzTarget.allCases) func everyCorpusInputRunsClean(_ target: FuzzTarget) throws {
        setenv("SELFCARE_GRAMMARS", Self.root.appendingPathComponent("Grammars").path, 1)
        let folder = Self.root.appendingPathComponent("Fuzz/corpus/\(target.rawValue)")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(files.count >= 3, "the seed corpus of \(target.rawValue) has \(files.count) inputs")
        for file in files {
            let data = try Data(contentsOf: folder.appendingPathComponent(file))
            target.run(Array(data))
        }
    }

    /// Every target has a corpus folder, and every folder a target (make fuzz runs the folders).
    @Test func corpusFoldersMatchTheTargets() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("Fuzz/corpus").path)
        #expect(Set(folders) == Set(FuzzTarget.allCases.map(\.rawValue)))
    }
}
