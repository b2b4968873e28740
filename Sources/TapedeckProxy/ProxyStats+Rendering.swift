import TapedeckCodec
/// The two views of live statistics: JSON for `/_tapedeck/stats`, Prometheus text for `/metrics`.
extension ProxyStats {
    /// `{"hits", "misses", "upstreamErrors", "tokensSaved": {input, output}, "costSaved", "recordFailures", "models": {…}}`.
    public func json() -> JSONValue {
        let snapshot = snapshot()
        var total = ModelCounts()
        var totalCost = 0.0
        var models: [JSONMember] = []
        for (model, counts) in snapshot.models.sorted(by: { $0.key < $1.key }) {
            total.hits += counts.hits
            total.misses += counts.misses
            total.upstreamErrors += counts.upstreamErrors
            total.tokensSaved.inputTokens += counts.tokensSaved.inputTokens
            total.tokensSaved.outputTokens += counts.tokensSaved.outputTokens
            let cost = cost(of: counts.tokensSaved, model: model)
            totalCost += cost ?? 0
            models.append(JSONMember(model, Self.json(counts, cost: cost)))
        }
        guard case .object(var members) = Self.json(total, cost: totalCost) else { return .null }
        members.append(JSONMember("recordFailures", .number(String(snapshot.recordFailures))))
        members.append(JSONMember("models", .object(models)))
        return .object(members)
    }

    private static func json(_ counts: ModelCounts, cost: Double?) -> JSONValue {
        .object([
            JSONMember("hits", .number(String(counts.hits))),
            JSONMember("misses", .number(String(counts.misses))),
            JSONMember("upstreamErrors", .number(String(counts.upstreamErrors))),
            JSONMember("tokensSaved", .object([
                JSONMember("input", .number(String(counts.tokensSaved.inputTokens))),
                JSONMember("output", .number(String(counts.tokensSaved.outputTokens))),
            ])),
            JSONMember("costSaved", cost.map { .number(dollars($0)) } ?? .null),
        ])
    }

    /// The Prometheus text exposition format (version 0.0.4).
    public func prometheus() -> String {
        let snapshot = snapshot()
        var out = ""
        out += "# HELP tapedeck_requests_total Requests answered, by outcome.\n# TYPE tapedeck_requests_total counter\n"
        for (outcome, count) in snapshot.requests.sorted(by: { $0.key < $1.key }) {
            out += "tapedeck_requests_total{outcome=\"\(outcome.rawValue)\"} \(count)\n"
        }
        let models = snapshot.models.sorted { $0.key < $1.key }
        out += "# HELP tapedeck_model_requests_total Converse requests by model and result.\n# TYPE tapedeck_model_requests_total counter\n"
        for (model, counts) in models {
            out += "tapedeck_model_requests_total{model=\"\(Self.label(model))\",result=\"hit\"} \(counts.hits)\n"
            out += "tapedeck_model_requests_total{model=\"\(Self.label(model))\",result=\"miss\"} \(counts.misses)\n"
        }
        out += "# HELP tapedeck_upstream_errors_total Upstream failures and non-200 answers.\n# TYPE tapedeck_upstream_errors_total counter\n"
        for (model, counts) in models {
            out += "tapedeck_upstream_errors_total{model=\"\(Self.label(model))\"} \(counts.upstreamErrors)\n"
        }
        out += "# HELP tapedeck_record_failures_total Upstream answers whose cassette could not be written.\n# TYPE tapedeck_record_failures_total counter\n"
        out += "tapedeck_record_failures_total \(snapshot.recordFailures)\n"
        out += "# HELP tapedeck_tokens_saved_total Tokens served from cassettes instead of upstream.\n# TYPE tapedeck_tokens_saved_total counter\n"
        for (model, counts) in models {
            out += "tapedeck_tokens_saved_total{model=\"\(Self.label(model))\",direction=\"input\"} \(counts.tokensSaved.inputTokens)\n"
            out += "tapedeck_tokens_saved_total{model=\"\(Self.label(model))\",direction=\"output\"} \(counts.tokensSaved.outputTokens)\n"
        }
        out += "# HELP tapedeck_cost_saved_dollars_total US dollars not spent upstream, for models with a price.\n# TYPE tapedeck_cost_saved_dollars_total counter\n"
        for (model, counts) in models {
            guard let cost = cost(of: counts.tokensSaved, model: model) else { continue }
            out += "tapedeck_cost_saved_dollars_total{model=\"\(Self.label(model))\"} \(Self.dollars(cost))\n"
        }
        out += "# HELP tapedeck_request_duration_seconds Time from the first byte of a request to its answer, by outcome.\n# TYPE tapedeck_request_duration_seconds histogram\n"
        for (outcome, durations) in snapshot.durations.sorted(by: { $0.key < $1.key }) {
            let name = outcome.rawValue
            for (index, bound) in Self.buckets.enumerated() {
                out += "tapedeck_request_duration_seconds_bucket{outcome=\"\(name)\",le=\"\(bound)\"} \(durations.bucketCounts[index])\n"
            }
            out += "tapedeck_request_duration_seconds_bucket{outcome=\"\(name)\",le=\"+Inf\"} \(durations.count)\n"
            out += "tapedeck_request_duration_seconds_sum{outcome=\"\(name)\"} \(durations.sumSeconds)\n"
            out += "tapedeck_request_duration_seconds_count{outcome=\"\(name)\"} \(durations.count)\n"
        }
        return out
    }

    /// Prometheus label escaping: backslash, double quote and newline.
    static func label(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    /// Dollars with six decimals, as a JSON number literal.
    static func dollars(_ value: Double) -> String {
        let micros = Int((value * 1_000_000).rounded())
        let fraction = String(String(micros % 1_000_000 + 1_000_000).dropFirst())
        return "\(micros / 1_000_000).\(fraction)"
    }
}
