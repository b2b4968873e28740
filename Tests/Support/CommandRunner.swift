import Foundation

/// Runs the real `tapedeck` binary for the store command tests, on a thread of its own.
package enum CommandRunner {
    /// Runs `tapedeck arguments` and returns what it printed and its exit.
    package static func run(_ arguments: [String]) async throws -> TapedeckBinary.Finished {
        try await onOwnThread { try TapedeckBinary.run(arguments) }
    }

    /// Runs `tapedeck <command> <arguments> --store json:<store>`.
    package static func run(_ command: String, _ arguments: [String] = [], store: String) async throws -> TapedeckBinary.Finished {
        try await run([command] + arguments + ["--store", "json:\(store)"])
    }

    /// Every file under `root` (dot files included) with its bytes, by path relative to `root`.
    package static func files(_ root: String) throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        for name in CassetteFixtures.tree(root) {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: "\(root)/\(name)", isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            files[name] = try CassetteFixtures.read("\(root)/\(name)")
        }
        return files
    }
}
