import Testing
@testable import TapedeckStore

@Suite struct PostgresURLTests {
    @Test(arguments: [
        ("postgres://u:s3cret@db.example:5432/tapes", "postgres://u:***@db.example:5432/tapes"),
        ("postgresql://u:p%40ss@127.0.0.1/tapes?sslmode=require", "postgresql://u:***@127.0.0.1/tapes?sslmode=require"),
        ("postgres://u@host/tapes?password=s3cret&sslmode=disable", "postgres://u@host/tapes?password=***&sslmode=disable"),
        ("postgres://u:a@b@host/tapes", "postgres://u:***@host/tapes"),
        ("postgres://host/tapes", "postgres://host/tapes"),
        ("postgres:///tapes?host=/run/postgresql", "postgres:///tapes?host=/run/postgresql"),
        // Not a parameter before the query: masking it would take the '?' with it, and a second masking would differ.
        ("postgres://u&password=a?b@host/tapes", "postgres://u&password=a?b@host/tapes"),
    ])
    func thePasswordIsMaskedWhereverTheURLCarriesIt(raw: String, masked: String) throws {
        #expect(PostgresURL.mask(raw) == masked)
        #expect(StoreLocation.masked(raw) == masked)
        #expect(PostgresURL.mask(masked) == masked, "masking twice changes nothing")
        #expect(StoreLocation.masked("sqlite:tapes.db") == "sqlite:tapes.db")
    }

    @Test func theURLKeepsItsPasswordForLibpqOnlyAndNamesItselfMasked() throws {
        let url = try PostgresURL("postgres://u:s3cret@localhost/tapes")
        #expect(url.password == "s3cret")
        #expect(url.description == "postgres://u:***@localhost/tapes")
        #expect(PostgresURL.scrub("auth failed for s3cret and s3cret", password: url.password) == "auth failed for *** and ***")
    }

    @Test func aURLLibpqCannotParseIsRefusedWithoutItsPassword() {
        #expect {
            _ = try PostgresURL("postgres://u:s3cret@localhost/tapes?nosuchoption=1")
        } throws: { error in
            let text = "\(error)"
            return text.contains("invalid PostgreSQL URL postgres://u:***@localhost") && text.contains("nosuchoption") && !text.contains("s3cret")
        }
    }

    @Test func aPasswordLibpqCannotDecodeIsNotEchoedEvenWithAnAtInTheQuery() {
        // libpq names the bad token (the password); its user part ends at the first '@', not the query's last one.
        #expect {
            _ = try PostgresURL("postgres://u:pa%zz-Secret1@localhost/tapes?application_name=a@b")
        } throws: { error in
            let text = "\(error)"
            return text.contains("invalid PostgreSQL URL") && text.contains("percent") && !text.contains("Secret1")
        }
    }

    @Test func onlyPostgresSchemesNameAPostgresStore() {
        #expect(PostgresURL.names("postgres://h/db"))
        #expect(PostgresURL.names("postgresql://h/db"))
        #expect(!PostgresURL.names("pg://h/db"))
        #expect(!PostgresURL.names("sqlite:postgres://h"))
    }
}
