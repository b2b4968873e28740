import Testing
@testable import TapedeckBedrock
@testable import TapedeckCommand

@Suite struct PriceTableTests {
    @Test(arguments: [
        ("anthropic.claude-3-5-haiku-20241022-v1:0", "anthropic.claude-3-5-haiku-20241022-v1:0"),
        ("us.anthropic.claude-3-5-haiku-20241022-v1:0", "anthropic.claude-3-5-haiku-20241022-v1:0"),
        ("apac.amazon.nova-lite-v1:0", "amazon.nova-lite-v1:0"),
        ("arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.meta.llama3-1-8b-instruct-v1:0", "meta.llama3-1-8b-instruct-v1:0"),
        ("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0", "amazon.nova-micro-v1:0"),
        ("us.nova", "us.nova"),
        ("custom-model", "custom-model"),
    ])
    func modelIdsReduceToTheFoundationModel(_ id: String, _ base: String) {
        #expect(ModelId.base(id) == base)
    }

    @Test func aFilterWithoutRegionMatchesEveryProfileOfThatModel() {
        #expect(ModelId.matches("us.amazon.nova-pro-v1:0", filter: "amazon.nova-pro-v1:0"))
        #expect(ModelId.matches("eu.amazon.nova-pro-v1:0", filter: "eu.amazon.nova-pro-v1:0"))
        #expect(!ModelId.matches("eu.amazon.nova-pro-v1:0", filter: "us.amazon.nova-pro-v1:0"))
        #expect(!ModelId.matches("amazon.nova-lite-v1:0", filter: "amazon.nova-pro-v1:0"))
    }

    @Test func theBuiltInTableHasTheListedPrices() {
        let table = PriceTable()
        #expect(table.price(for: "us.anthropic.claude-3-5-haiku-20241022-v1:0") == .init(input: 0.80, output: 4.00))
        #expect(table.price(for: "anthropic.claude-3-5-sonnet-20241022-v2:0") == .init(input: 3, output: 15))
        #expect(table.price(for: "anthropic.claude-opus-4-20250514-v1:0") == .init(input: 15, output: 75))
        #expect(table.price(for: "amazon.nova-micro-v1:0") == .init(input: 0.035, output: 0.14))
        #expect(table.price(for: "mistral.mistral-large-2407-v1:0") == nil)
    }

    @Test func overridesReplaceAndExtendWhateverPrefixTheyCarry() {
        let table = PriceTable(overrides: ["eu.anthropic.claude-3-haiku-20240307-v1:0": .init(input: 1, output: 2), "x.y": .init(input: 3, output: 4)])
        #expect(table.price(for: "us.anthropic.claude-3-haiku-20240307-v1:0") == .init(input: 1, output: 2))
        #expect(table.price(for: "x.y") == .init(input: 3, output: 4))
    }

    @Test func costIsPerMillionTokens() {
        #expect(PriceTable.cost(inputTokens: 1_000_000, outputTokens: 500_000, at: .init(input: 3, output: 15)) == 10.5)
    }

    @Test(arguments: [(0.0017768, 4, "0.0018"), (10.5, 4, "10.5000"), (0, 4, "0.0000"), (0.00004, 4, "0.0000"), (1234.5678905, 6, "1234.567891"), (2, 0, "2")])
    func dollarsAreRoundedWithoutAnExponent(_ value: Double, _ decimals: Int, _ text: String) {
        #expect(PriceTable.dollars(value, decimals: decimals) == text)
    }
}
