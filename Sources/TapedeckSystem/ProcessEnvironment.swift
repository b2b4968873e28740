import Glibc

/// The process's environment variables, read from `environ`: what Foundation's `ProcessInfo` would give, without
/// loading Foundation.
public enum ProcessEnvironment {
    /// Every `NAME=value` entry; where a name appears twice the first one counts, as `getenv` finds it.
    public static var current: [String: String] {
        var variables: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let text = String(cString: pointer)
            if let equals = text.firstIndex(of: "="), case let name = String(text[..<equals]), variables[name] == nil {
                variables[name] = String(text[text.index(after: equals)...])
            }
            entry += 1
        }
        return variables
    }
}
