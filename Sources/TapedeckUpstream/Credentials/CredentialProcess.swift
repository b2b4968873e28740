/// A profile's `credential_process`: a command whose stdout is a JSON credential document.
///
/// As the AWS CLI runs it: the command line is split into words as a POSIX shell splits them (Python's
/// `shlex.split`: blanks separate words, `'...'` is literal, `"..."` keeps blanks and lets `\` escape `"` and `\`,
/// a `\` outside quotes escapes the next character), with no variable expansion, globbing, pipes or redirection,
/// then the first word is run from `PATH` with the other words as its arguments. A non-zero exit is a failure whose
/// message shows the command's stderr (never its stdout, which may hold secrets).
public struct CredentialProcess: Sendable {
    /// The command line as written in the profile.
    public let commandLine: String
    /// The environment the command runs with.
    public let environment: [String: String]
    /// The longest the command may run, in milliseconds.
    public var timeoutMs = 60_000

    /// A `credential_process` of `commandLine`, run with `environment`.
    public init(commandLine: String, environment: [String: String]) {
        self.commandLine = commandLine
        self.environment = environment
    }

    /// Runs the command and reads its credentials; `origin` (the profile) starts every error.
    public func fetch(origin: String) throws(CredentialError) -> TimedCredentials {
        let words: [String]
        do { words = try Self.split(commandLine) } catch {
            throw CredentialError("\(origin): credential_process \(error.message)")
        }
        let child = ChildProcess(arguments: words, environment: environment, timeoutMs: timeoutMs,
                                 maxStdoutBytes: CredentialDocument.maxBytes)
        let result: ChildProcess.Result
        do { result = try child.run() } catch {
            throw CredentialError("\(origin): credential_process \(words.first ?? ""): \(error.message)")
        }
        let name = "\(origin): credential_process \(words[0])"
        guard result.exitStatus == 0 else {
            let ending = result.exitStatus.map { "exited with status \($0)" } ?? "was killed by a signal"
            let stderr = Self.printable(result.stderr)
            throw CredentialError("\(name) \(ending)" + (stderr.isEmpty ? "" : ": \(stderr)"))
        }
        return try CredentialDocument.parse(result.stdout, shape: .process, origin: name)
    }

    /// The words of `line`, split as `shlex.split` (POSIX mode) splits them.
    public static func split(_ line: String) throws(CredentialError) -> [String] {
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for character in line {
            if escaped {
                // Inside double quotes a backslash escapes only `"` and `\`; elsewhere, anything.
                if quote == "\"" && character != "\"" && character != "\\" { word.append("\\") }
                word.append(character)
                escaped = false
                continue
            }
            switch (quote, character) {
            case ("'", "'"), ("\"", "\""):
                quote = nil
            case ("'", _):
                word.append(character)
            case ("\"", "\\"), (nil, "\\"):
                escaped = true
                inWord = true
            case ("\"", _):
                word.append(character)
            case (nil, "'"), (nil, "\""):
                quote = character
                inWord = true
            case (nil, _) where character.isWhitespace:
                if inWord { words.append(word) }
                word = ""
                inWord = false
            default:
                word.append(character)
                inWord = true
            }
        }
        guard quote == nil else { throw CredentialError("has no closing quotation") }
        guard !escaped else { throw CredentialError("ends in an escape character") }
        if inWord { words.append(word) }
        guard !words.isEmpty else { throw CredentialError("is empty") }
        return words
    }

    /// Up to 300 characters of `bytes` on one line: control characters shown as spaces.
    private static func printable(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        let flat = String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) })
        let trimmed = flat.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        return trimmed.count > 300 ? String(trimmed.prefix(300)) + "…" : trimmed
    }
}
