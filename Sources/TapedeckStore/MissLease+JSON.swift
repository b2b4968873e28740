import TapedeckCodec
import TapedeckSystem
import TapedeckBedrock

/// A lease as the JSON store's lock files hold it: one compact JSON object.
extension MissLease {
    /// `{"key": …, "pid": n, "startTicks": n, "bootId": …, "host": …, "token": …, "acquiredAtMs": n}`.
    public var jsonValue: JSONValue {
        .object([
            JSONMember("key", .string(key.hex)),
            JSONMember("pid", .number(String(owner.pid))),
            JSONMember("startTicks", .number(String(owner.startTicks))),
            JSONMember("bootId", .string(owner.bootId)),
            JSONMember("host", .string(owner.host)),
            JSONMember("token", .string(token)),
            JSONMember("acquiredAtMs", .number(String(acquiredAtMs))),
        ])
    }

    /// Reads a lease back; anything missing or malformed is refused with the reason.
    public init(json: JSONValue) throws(CassetteError) {
        guard let key = json["key"]?.stringValue.flatMap({ CacheKey(hex: $0) }),
              let pid = json["pid"]?.numberLiteral.flatMap({ Int32($0) }),
              let startTicks = json["startTicks"]?.numberLiteral.flatMap({ UInt64($0) }),
              let bootId = json["bootId"]?.stringValue, let host = json["host"]?.stringValue,
              let token = json["token"]?.stringValue, !token.isEmpty,
              let acquiredAtMs = json["acquiredAtMs"]?.numberLiteral.flatMap({ Int64($0) })
        else { throw .malformed("a lease needs key, pid, startTicks, bootId, host, token and acquiredAtMs") }
        self.init(
            key: key, owner: ProcessIdentity(pid: pid, startTicks: startTicks, bootId: bootId, host: host),
            token: token, acquiredAtMs: acquiredAtMs)
    }
}
