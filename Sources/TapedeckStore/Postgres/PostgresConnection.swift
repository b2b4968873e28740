internal import CPostgres
import Glibc
import TapedeckSystem

/// One libpq connection (`PGconn`), owned here and closed in `deinit`. Not thread-safe: `PostgresPool` hands it to
/// one thread at a time.
///
/// Every statement goes through `PQexecParams` with its parameters in binary and typed (no SQL is ever built from
/// values), and asks for binary results, so a bytea document comes back as the bytes that went in.
final class PostgresConnection {
    private let handle: OpaquePointer
    let url: PostgresURL
    /// Every password this connection might have used (the URL's, `PGPASSWORD`, the one libpq read from
    /// `~/.pgpass`), taken out of any message before it becomes an error.
    private let secrets: [String]

    /// How long a connection attempt may take when the URL does not say (`connect_timeout`, seconds).
    static let defaultConnectTimeoutSeconds = "5"

    /// Connects to `url`. Defaults come first and the URL last (`expand_dbname`), so whatever the URL sets wins:
    /// libpq keeps the last value of a repeated keyword (PQconnectdbParams, "expand_dbname").
    init(_ url: PostgresURL) throws(PostgresError) {
        self.url = url
        let keywords = ["connect_timeout", "application_name", "keepalives_idle", "keepalives_interval", "keepalives_count", "dbname"]
        let values = [Self.defaultConnectTimeoutSeconds, "tapedeck", "10", "5", "3", url.raw]
        let connection: OpaquePointer? = withCStrings(keywords) { keywordPointers in
            withCStrings(values) { valuePointers in PQconnectdbParams(keywordPointers, valuePointers, 1) }
        }
        var secrets = [url.password, ProcessEnvironment.current["PGPASSWORD"]].compactMap { $0 }.filter { !$0.isEmpty }
        guard let connection else {
            throw PostgresError(sqlState: "", message: "out of memory", context: "connect", connectionLost: true)
        }
        if let used = PQpass(connection).map({ String(cString: $0) }), !used.isEmpty { secrets.append(used) }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = PQerrorMessage(connection).map { String(cString: $0) } ?? "connection failed"
            PQfinish(connection)
            throw PostgresError(sqlState: "", message: Self.scrub(message, secrets), context: "connect", connectionLost: true)
        }
        tapedeck_pq_quiet_notices(connection)
        handle = connection
        self.secrets = secrets
    }

    deinit { PQfinish(handle) }

    /// Whether the connection is still usable; a lost one is dropped rather than pooled.
    var isOpen: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Runs `sql` with `parameters` ($1, $2, ...) and returns its rows (none for a command).
    @discardableResult
    func execute(_ sql: String, _ parameters: [PostgresValue] = []) throws(PostgresError) -> PostgresResult {
        var storage: [UInt8] = []
        storage.reserveCapacity(parameters.reduce(0) { $0 + $1.encodedCount })
        var offsets: [Int] = []
        for parameter in parameters {
            offsets.append(storage.count)
            parameter.encode(into: &storage)
        }
        let types = parameters.map { Oid($0.oid) }
        let lengths = parameters.map { Int32($0.encodedCount) }
        let formats = [Int32](repeating: 1, count: parameters.count)
        let result: OpaquePointer? = storage.withUnsafeBufferPointer { buffer in
            // An empty parameter still needs a non-null pointer: a NULL one would send SQL NULL.
            let base = UnsafeRawPointer(buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!)
            let values: [UnsafePointer<CChar>?] = offsets.map { (base + $0).assumingMemoryBound(to: CChar.self) }
            return PQexecParams(handle, sql, Int32(parameters.count), types, values, lengths, formats, 1)
        }
        return try check(result, sql: sql)
    }

    /// Runs `sql`, which may hold several statements and no parameters (the schema's migrations).
    func executeScript(_ sql: String) throws(PostgresError) {
        _ = try check(PQexec(handle, sql), sql: sql)
    }

    /// The result when the statement succeeded; else the error, its message scrubbed of every secret.
    private func check(_ result: OpaquePointer?, sql: String) throws(PostgresError) -> PostgresResult {
        let context = sql.count > 120 ? String(sql.prefix(120)) + "…" : sql
        guard let result else {
            throw PostgresError(sqlState: "", message: Self.scrub(lastMessage, secrets), context: context, connectionLost: !isOpen)
        }
        let status = PQresultStatus(result)
        guard status != PGRES_COMMAND_OK, status != PGRES_TUPLES_OK else { return PostgresResult(result, context: context) }
        let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? ""
        let message = PQresultErrorMessage(result).map { String(cString: $0) } ?? lastMessage
        PQclear(result)
        // 57P01..57P03: the server is shutting down or cannot take connections; 08xxx: connection exceptions.
        let lost = !isOpen || state.hasPrefix("08") || state.hasPrefix("57P")
        throw PostgresError(sqlState: state, message: Self.scrub(message, secrets), context: context, connectionLost: lost)
    }

    /// The connection's socket, for `poll` (LISTEN connections wait on it for notifications).
    var socket: Int32 { PQsocket(handle) }

    /// The payloads of every notification that has arrived (reading what the socket holds, never waiting).
    func takeNotifications() throws(PostgresError) -> [String] {
        guard PQconsumeInput(handle) == 1 else {
            throw PostgresError(sqlState: "", message: Self.scrub(lastMessage, secrets), context: "LISTEN", connectionLost: true)
        }
        var payloads: [String] = []
        while let notification = PQnotifies(handle) {
            payloads.append(notification.pointee.extra.map { String(cString: $0) } ?? "")
            PQfreemem(notification)
        }
        return payloads
    }

    /// libpq's message for the connection's last failure.
    private var lastMessage: String {
        PQerrorMessage(handle).map { String(cString: $0) } ?? "unknown error"
    }

    /// `message` with every secret masked.
    private static func scrub(_ message: String, _ secrets: [String]) -> String {
        secrets.reduce(message.trimmingTrailingNewlines) { PostgresURL.scrub($0, password: $1) }
    }
}

/// Runs `body` with `strings` as a C array of C strings, NULL-terminated (libpq's keyword/value arrays).
private func withCStrings<T>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> T) -> T {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    var pointers = copies.map { UnsafePointer($0) }
    pointers.append(nil)
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}

extension PostgresConnection {
    /// Runs `body` inside `BEGIN` … `COMMIT`; any failure rolls back, so nothing half-written is ever committed.
    func transaction<T>(_ body: () throws(PostgresError) -> T) throws(PostgresError) -> T {
        try execute("BEGIN")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            // A lost connection rolled back already; otherwise leave it clean for its next user.
            if isOpen { _ = try? execute("ROLLBACK") }
            throw error
        }
    }
}
