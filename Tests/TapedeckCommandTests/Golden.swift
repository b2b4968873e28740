import Foundation
import Testing
@testable import TapedeckCommand

/// Expected CLI output kept in `Tests/TapedeckCommandTests/Golden/<name>.txt`, rewritten (never edited by hand)
/// when `TAPEDECK_UPDATE_GOLDEN=1` is set.
enum Golden {
    /// The folder holding the golden files, found from this source file's path.
    static let directory: String = {
        let support = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        return support.appendingPathComponent("Golden").path
    }()

    /// Whether this run rewrites the golden files instead of comparing with them.
    static var updating: Bool { ProcessInfo.processInfo.environment["TAPEDECK_UPDATE_GOLDEN"] == "1" }

    /// `text` with each path replaced by its placeholder (longest path first, so nested paths stay apart).
    static func masked(_ text: String, _ paths: [String: String]) -> String {
        var text = text
        for (path, placeholder) in paths.sorted(by: { $0.key.count > $1.key.count }) {
            text = text.replacingOccurrences(of: path, with: placeholder)
        }
        return text
    }

    /// Compares `actual` with the golden file `name`, or writes it when updating.
    static func check(_ actual: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let path = "\(directory)/\(name).txt"
        if updating {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try Data(actual.utf8).write(to: URL(fileURLWithPath: path))
            return
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            Issue.record("no golden file \(name).txt; run the tests once with TAPEDECK_UPDATE_GOLDEN=1", sourceLocation: sourceLocation)
            return
        }
        let expected = String(decoding: data, as: UTF8.self)
        #expect(actual == expected, "differs from Golden/\(name).txt (TAPEDECK_UPDATE_GOLDEN=1 rewrites it)", sourceLocation: sourceLocation)
    }
}
