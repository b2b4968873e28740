import Glibc

#if FUZZING
/// libFuzzer's hooks. libFuzzer provides `main`; before it reads its flags it calls `LLVMFuzzerInitialize`,
/// which takes the target name (first argument, else `TAPEDECK_FUZZ_TARGET`) out of the argument list.
nonisolated(unsafe) private var selected: FuzzTarget?

/// Selects the target and removes its name from the arguments libFuzzer parses.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>
) -> Int32 {
    if argc.pointee > 1, let first = argv.pointee[1], let target = FuzzTarget.named(String(cString: first)) {
        selected = target
        // Drop argv[1]; libFuzzer re-runs itself for -merge and -fork, so the choice also goes in the environment.
        for index in 1..<Int(argc.pointee) { argv.pointee[index] = argv.pointee[index + 1] }
        argc.pointee -= 1
        setenv("TAPEDECK_FUZZ_TARGET", target.name, 1)
    } else if let name = getenv("TAPEDECK_FUZZ_TARGET").map({ String(cString: $0) }) {
        selected = FuzzTarget.named(name)
    }
    guard selected != nil else {
        FuzzUsage.print(to: 2)
        exit(2)
    }
    return 0
}

/// Runs one input through the selected target.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    selected!.run(bytes)
    return 0
}
#else
/// Without `-DFUZZING`: a corpus replayer. `TapedeckFuzz TARGET FILE|DIR...` runs every file (directories
/// recursively) through the target once; a crash or violated property stops it, as it would stop the fuzzer.
@main
struct CorpusReplayer {
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard let name = arguments.first, let target = FuzzTarget.named(name) else {
            FuzzUsage.print(to: arguments.isEmpty ? 1 : 2)
            exit(arguments.isEmpty ? 0 : 2)
        }
        var count = 0
        for path in arguments.dropFirst() {
            for file in CorpusFiles.list(path) {
                guard let bytes = CorpusFiles.read(file) else {
                    FuzzUsage.write("cannot read \(file)\n", to: 2)
                    exit(1)
                }
                target.run(bytes)
                count += 1
            }
        }
        FuzzUsage.write("\(target.name): \(count) inputs ran, no property violated\n", to: 1)
    }
}
#endif

/// The usage text, shared by both modes.
enum FuzzUsage {
    static func print(to fd: Int32) {
        var text = """
            usage: TapedeckFuzz TARGET [FILE|DIR...]        (corpus replay, a normal build)
                   TapedeckFuzz TARGET [libFuzzer flags] [CORPUS_DIR...]   (built with -DFUZZING and sanitizers)
            targets:

            """
        for target in FuzzTarget.all { text += "  \(target.name.padding(12))\(target.summary)\n" }
        write(text, to: fd)
    }

    static func write(_ text: String, to fd: Int32) {
        var text = text
        text.withUTF8 { utf8 in _ = Glibc.write(fd, utf8.baseAddress, utf8.count) }
    }
}

extension String {
    /// The string padded with spaces to `width` characters.
    func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}
