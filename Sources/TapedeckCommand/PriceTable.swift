import TapedeckCodec
import TapedeckBedrock
import TapedeckStore
/// On-demand prices per model in US$ per million tokens, built in for common Bedrock models and extended or
/// overridden by a `--prices` file.
package struct PriceTable: Sendable {
    /// US$ per million input and output tokens.
    package struct Price: Sendable, Equatable {
        package var input: Double
        package var output: Double
    }

    /// AWS Bedrock on-demand pricing page, us-east-1, as listed in 2025 (US$ per million tokens, input / output).
    /// Cross-region inference profiles (`us.`, `eu.`, `apac.`) are billed as the model they run.
    static let builtIn: [String: Price] = [
        "anthropic.claude-3-5-haiku-20241022-v1:0": Price(input: 0.80, output: 4.00),
        "anthropic.claude-3-5-sonnet-20240620-v1:0": Price(input: 3.00, output: 15.00),
        "anthropic.claude-3-5-sonnet-20241022-v2:0": Price(input: 3.00, output: 15.00),
        "anthropic.claude-3-haiku-20240307-v1:0": Price(input: 0.25, output: 1.25),
        "anthropic.claude-3-7-sonnet-20250219-v1:0": Price(input: 3.00, output: 15.00),
        "anthropic.claude-sonnet-4-20250514-v1:0": Price(input: 3.00, output: 15.00),
        "anthropic.claude-opus-4-20250514-v1:0": Price(input: 15.00, output: 75.00),
        "amazon.nova-micro-v1:0": Price(input: 0.035, output: 0.14),
        "amazon.nova-lite-v1:0": Price(input: 0.06, output: 0.24),
        "amazon.nova-pro-v1:0": Price(input: 0.80, output: 3.20),
        "meta.llama3-1-8b-instruct-v1:0": Price(input: 0.22, output: 0.22),
        "meta.llama3-1-70b-instruct-v1:0": Price(input: 0.72, output: 0.72),
        // Embedding models bill input tokens only.
        "amazon.titan-embed-text-v2:0": Price(input: 0.02, output: 0),
        "amazon.titan-embed-text-v1": Price(input: 0.10, output: 0),
        "cohere.embed-english-v3": Price(input: 0.10, output: 0),
        "cohere.embed-multilingual-v3": Price(input: 0.10, output: 0),
    ]

    /// Prices by foundation model id (`ModelId.base`).
    private(set) var prices: [String: Price]

    /// The built-in table with `overrides` laid over it; their ids may carry a regional prefix or be ARNs.
    package init(overrides: [String: Price] = [:]) {
        prices = Self.builtIn
        for (id, price) in overrides { prices[ModelId.base(id)] = price }
    }

    /// The price of `modelId` (a regional prefix or an ARN around it is ignored), or nil when unknown.
    package func price(for modelId: String) -> Price? {
        prices[ModelId.base(modelId)]
    }

    /// What `tokens` cost at `price`, in US$.
    static func cost(inputTokens: Int, outputTokens: Int, at price: Price) -> Double {
        (Double(inputTokens) * price.input + Double(outputTokens) * price.output) / 1_000_000
    }

    /// Reads a `--prices` file: `{"<model id>": {"input": 3.0, "output": 15.0}}`, US$ per million tokens.
    static func overrides(file path: String) throws(CommandFailure) -> [String: Price] {
        let bytes: [UInt8]?
        do {
            bytes = try FileIO.readIfPresent(path, limit: 16 << 20)
        } catch {
            throw CommandFailure("cannot read --prices \(path): \(StoreScan.reason(error))")
        }
        guard let bytes else { throw CommandFailure("--prices \(path): no such file") }
        let json: JSONValue
        do {
            json = try JSONParser.parse(bytes)
        } catch {
            throw CommandFailure("--prices \(path): \(error)")
        }
        guard let members = json.objectValue else {
            throw CommandFailure("--prices \(path) must hold a JSON object such as {\"<model id>\": {\"input\": 3.0, \"output\": 15.0}}")
        }
        var prices: [String: Price] = [:]
        for member in members {
            func amount(_ name: String) -> Double? {
                guard let value = member.value[name]?.numberLiteral.flatMap(Double.init), value.isFinite, value >= 0 else { return nil }
                return value
            }
            guard let input = amount("input"), let output = amount("output") else {
                throw CommandFailure("--prices \(path): \"\(member.key)\" needs \"input\" and \"output\" as US$ per million tokens, e.g. {\"input\": 3.0, \"output\": 15.0}")
            }
            prices[member.key] = Price(input: input, output: output)
        }
        return prices
    }

    /// `value` rounded to `decimals` places, e.g. `0.0168` for 4; no exponent, so it is also a JSON number.
    static func dollars(_ value: Double, decimals: Int = 4) -> String {
        var scale = 1
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (value * Double(scale)).rounded()
        // Counts from a hand-edited usage file can make absurd amounts: saturate, since Int(_:) traps beyond its range.
        let units = scaled.isNaN ? 0 : scaled >= 0x1p63 ? Int.max : scaled < -0x1p63 ? Int.min : Int(scaled)
        guard decimals > 0 else { return String(units) }
        let fraction = String(units % scale)
        return "\(units / scale)." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }
}
