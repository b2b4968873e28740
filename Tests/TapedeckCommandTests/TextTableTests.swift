import Testing
@testable import TapedeckCommand

@Suite struct TextTableTests {
    @Test func columnsArePaddedToTheWidestCellWithoutTrailingSpaces() {
        var table = TextTable([.init("NAME"), .init("WORDS"), .init("N", .right)])
        table.add(["a", "Café au lait …", "7"])
        table.add(["longer name", "", "1234"])
        #expect(table.text == """
            NAME         WORDS              N
            a            Café au lait …     7
            longer name                  1234

            """)
    }

    @Test func aTableWithoutRowsIsItsHeader() {
        #expect(TextTable([.init("A"), .init("B", .right)]).text == "A  B\n")
    }
}
