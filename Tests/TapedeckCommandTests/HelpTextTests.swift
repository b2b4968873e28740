import Testing
@testable import TapedeckCommand

/// The help layout: wrapped paragraphs, two aligned columns, long flags on a line of their own.
@Suite struct HelpTextTests {
    @Test func paragraphsWrapAtEightyColumnsOnWords() {
        let words = (1...40).map { "word\($0)" }.joined(separator: " ")
        let wrapped = HelpText.wrap(words, indent: 2)
        #expect(wrapped.split(separator: "\n").allSatisfy { $0.count <= 80 && $0.hasPrefix("  word") })
        #expect(wrapped.split(separator: "\n").joined(separator: " ").split(separator: " ").joined(separator: " ") == words)
        #expect(HelpText.wrap("one\ntwo   three") == "one two three", "line breaks and runs of spaces are reflowed")
        #expect(HelpText.wrap("") == "")
        let long = String(repeating: "x", count: 90)
        #expect(HelpText.wrap("a \(long) b") == "a\n\(long)\nb", "a word longer than a line stands alone")
    }

    @Test func optionsListEachFlagWithItsValueAndDefault() {
        let specs = [
            FlagSpec("name", value: "NAME", help: "a name", default: "none"),
            FlagSpec("verbose", value: nil, help: "say more", default: "off"),
            FlagSpec("a-very-long-flag-name", value: "VALUE", help: "goes below", default: "1"),
        ]
        #expect(HelpText.options(specs) == """
              --name NAME                 a name (default: none)
              --verbose                   say more (default: off)
              --a-very-long-flag-name VALUE
                                          goes below (default: 1)
              -h, --help                  print this help and exit
            """)
    }

    @Test func aLongUsageLineBreaksBetweenGroupsUnderTheCommand() {
        let page = HelpText.page(
            usage: "tapedeck prune (--older-than AGE | --unused-for AGE) [--dry-run] [--store STORE]", description: "Prunes.", options: "")
        #expect(page.hasPrefix("""
            Usage: tapedeck prune (--older-than AGE | --unused-for AGE) [--dry-run]
                   [--store STORE]

            Prunes.

            Options:

            """))
        #expect(HelpText.groups("a [b c] (d | [e f]) g") == ["a", "[b c]", "(d | [e f])", "g"])
    }
}
