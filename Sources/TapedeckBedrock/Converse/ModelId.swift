/// Bedrock model ids as recorded (`us.anthropic…`, inference-profile ARNs) reduced to the foundation model they name.
package enum ModelId {
    /// Cross-region inference profile prefixes: `us.anthropic.claude-…` runs `anthropic.claude-…`.
    static let regionalPrefixes: Set<String> = ["us", "eu", "apac", "us-gov", "global", "jp", "au", "ca"]

    /// The foundation model id: the part after an ARN's last `/`, without a regional prefix.
    ///
    /// `arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0`
    /// and `us.anthropic.claude-3-5-haiku-20241022-v1:0` both give `anthropic.claude-3-5-haiku-20241022-v1:0`.
    package static func base(_ id: String) -> String {
        var id = Substring(id)
        if let slash = id.lastIndex(of: "/") { id = id[id.index(after: slash)...] }
        let parts = id.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        if parts.count == 2, regionalPrefixes.contains(String(parts[0])), parts[1].contains(".") {
            id = parts[1]
        }
        return String(id)
    }

    /// Whether a cassette recorded for `recorded` is one `--model filter` asks for: the same id, or the same
    /// foundation model when the filter names a foundation model (no region, no ARN).
    package static func matches(_ recorded: String, filter: String) -> Bool {
        recorded == filter || (base(filter) == filter && base(recorded) == filter)
    }
}
