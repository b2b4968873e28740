internal import CPostgres

/// The rows one statement returned, in binary (`resultFormat` 1); owns the `PGresult` and clears it in `deinit`.
final class PostgresResult {
    private let handle: OpaquePointer
    /// The statement, for errors about its columns.
    let context: String

    /// Takes ownership of `handle`.
    init(_ handle: OpaquePointer, context: String) {
        self.handle = handle
        self.context = context
    }

    deinit { PQclear(handle) }

    /// How many rows there are.
    var rowCount: Int { Int(PQntuples(handle)) }

    /// How many rows an INSERT, UPDATE or DELETE touched (`PQcmdTuples`).
    var affectedRows: Int {
        guard let text = PQcmdTuples(handle) else { return 0 }
        return Int(String(cString: text)) ?? 0
    }

    /// Whether the value at `row`, `column` is NULL.
    func isNull(_ row: Int, _ column: Int) -> Bool {
        PQgetisnull(handle, Int32(row), Int32(column)) == 1
    }

    /// The value's bytes as sent (bytea's raw bytes, text's UTF-8); empty for NULL.
    func bytes(_ row: Int, _ column: Int) -> [UInt8] {
        let count = Int(PQgetlength(handle, Int32(row), Int32(column)))
        guard count > 0, let value = PQgetvalue(handle, Int32(row), Int32(column)) else { return [] }
        return value.withMemoryRebound(to: UInt8.self, capacity: count) { Array(UnsafeBufferPointer(start: $0, count: count)) }
    }

    /// A text value.
    func text(_ row: Int, _ column: Int) -> String {
        String(decoding: bytes(row, column), as: UTF8.self)
    }

    /// An integer value of any width the server sends (int2, int4, int8 are 2, 4 or 8 bytes big-endian); 0 for NULL.
    func int64(_ row: Int, _ column: Int) throws(PostgresError) -> Int64 {
        let raw = bytes(row, column)
        guard [0, 2, 4, 8].contains(raw.count) else {
            throw PostgresError(sqlState: "", message: "column \(column) is \(raw.count) bytes, not an integer", context: context, connectionLost: false)
        }
        guard !raw.isEmpty else { return 0 }
        var value: Int64 = raw[0] & 0x80 != 0 ? -1 : 0
        for byte in raw { value = (value << 8) | Int64(byte) }
        return value
    }
}
