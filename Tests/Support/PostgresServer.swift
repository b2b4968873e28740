import Foundation
import Glibc
import TapedeckSystem

/// A real PostgreSQL server (Debian's, found under /usr/lib/postgresql) that the test suite starts itself: `initdb`
/// into a temporary directory, password authentication only (scram-sha-256, for TCP and the socket alike), listening
/// on a free loopback port and a socket directory of its own, stopped at the end.
///
/// `initdb` refuses to run as root, so when the tests do (CI), the server's files belong to `nobody` and every
/// server command runs as `nobody` through `setpriv`.
///
/// ```swift
/// let server = try PostgresServer.shared()
/// let url = try server.newDatabase()   // postgres://tapedeck:…@127.0.0.1:PORT/t_…, empty
/// ```
package final class PostgresServer: @unchecked Sendable {  // Every field is set in init and never changed.
    /// No PostgreSQL server binaries are installed (`make test` installs them).
    package struct NotInstalled: Error, CustomStringConvertible {
        package var description: String { "no PostgreSQL server under /usr/lib/postgresql/*/bin (apt-get install postgresql)" }
    }

    /// A server command failed; its output says why.
    package struct CommandFailed: Error, CustomStringConvertible {
        let command: [String]
        let output: String
        package var description: String { "\(command.joined(separator: " ")) failed: \(output)" }
    }

    /// The role every test connects as.
    package static let user = "tapedeck"
    /// The directory holding initdb, pg_ctl and psql.
    package let binDirectory: String
    /// The temporary directory holding the data directory, the socket and the log.
    package let root: String
    /// The loopback TCP port the server listens on.
    package let port: Int
    /// The role's password: distinctive, so a test can look for it in everything Tapedeck shows.
    package let password: String

    /// The directory of the newest installed PostgreSQL's server binaries, if any.
    package static let installedBinDirectory: String? = {
        let base = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
        return versions.compactMap(Int.init).sorted().reversed().map { "\(base)/\($0)/bin" }
            .first { FileManager.default.isExecutableFile(atPath: "\($0)/initdb") }
    }()

    /// Whether a server can be started here.
    package static var isAvailable: Bool { installedBinDirectory != nil }

    private static let sharedServer = Mutex<Result<PostgresServer, Error>?>(nil)

    /// One server for the whole test process, started on first use and stopped when the process exits; tests
    /// sharing it each take a database of their own (`newDatabase`).
    package static func shared() throws -> PostgresServer {
        try sharedServer.withLock { shared in
            if shared == nil {
                shared = Result { try PostgresServer() }
                if case .success = shared { atexit { PostgresServer.stopShared() } }
            }
            return try shared!.get()
        }
    }

    /// Stops the shared server, if one was started, and removes its directory.
    private static func stopShared() {
        let server = sharedServer.withLock { try? $0?.get() }
        server?.destroy()
    }

    /// Initialises a new cluster in a temporary directory and starts it.
    package init() throws {
        guard let bin = Self.installedBinDirectory else { throw NotInstalled() }
        binDirectory = bin
        var template = Array("/tmp/tapedeck-pg-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw CommandFailed(command: ["mkdtemp"], output: String(cString: strerror(errno))) }
        root = String(cString: made)
        password = "pg-Secret-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        port = try Self.freePort()
        chmod(root, 0o755)
        let passwordFile = "\(root)/password"
        try password.write(toFile: passwordFile, atomically: false, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: "\(root)/socket", withIntermediateDirectories: false)
        if geteuid() == 0 { try Self.run(["chown", "-R", "nobody:nogroup", root], asServer: false) }
        try Self.run([
            "\(bin)/initdb", "-D", "\(root)/data", "-U", Self.user, "--pwfile=\(passwordFile)", "--auth=scram-sha-256",
            "-E", "UTF8", "--locale=C", "--no-sync",
        ])
        try start()
    }

    /// Starts the server (again, after `stop`), waiting until it accepts connections.
    package func start() throws {
        // fsync off: a test cluster need not survive a power loss, and the suite runs faster.
        try Self.run([
            "\(binDirectory)/pg_ctl", "-D", "\(root)/data", "-l", "\(root)/server.log", "-w", "-t", "60", "-o",
            "-p \(port) -k \(root)/socket -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", "start",
        ])
    }

    /// Stops the server (fast shutdown: open connections are closed), waiting until it is down.
    package func stop() {
        _ = try? Self.run(["\(binDirectory)/pg_ctl", "-D", "\(root)/data", "-m", "fast", "-w", "stop"])
    }

    /// Stops the server and removes its directory.
    package func destroy() {
        stop()
        try? FileManager.default.removeItem(atPath: root)
    }

    /// A new empty database, named uniquely, and its URL (password included).
    package func newDatabase() throws -> String {
        let name = "t_" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        try psql("CREATE DATABASE \(name)")
        return url(database: name)
    }

    /// The URL of `database` on this server, with the role and password.
    package func url(database: String) -> String {
        "postgres://\(Self.user):\(password)@127.0.0.1:\(port)/\(database)"
    }

    /// Runs `sql` with psql against `database`, returning its unaligned, tuples-only output.
    @discardableResult
    package func psql(_ sql: String, database: String = "postgres") throws -> String {
        try Self.run(
            ["\(binDirectory)/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", "\(port)",
             "-U", Self.user, "-d", database, "-c", sql],
            asServer: false, environment: ["PGPASSWORD": password])
    }

    /// Everything the server logged so far.
    package var serverLog: String { (try? String(contentsOfFile: "\(root)/server.log", encoding: .utf8)) ?? "" }

    /// A TCP port nothing listens on right now, from binding port 0 on loopback.
    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw CommandFailed(command: ["bind"], output: String(cString: strerror(errno))) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Runs `command` to its end and returns its output; as `nobody` when `asServer` and this process is root.
    ///
    /// Spawned and reaped directly (`posix_spawn`, `waitpid`): the server pg_ctl starts inherits the output file, so
    /// a pipe would never end, and nothing here waits on Foundation's child reaping.
    @discardableResult
    private static func run(_ command: [String], asServer: Bool = true, environment: [String: String] = [:]) throws -> String {
        let full = asServer && geteuid() == 0 ? ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"] + command : command
        let outputPath = "/tmp/tapedeck-pg-output-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let env = ProcessInfo.processInfo.environment.merging(environment) { _, added in added }.map { "\($0.key)=\($0.value)" }
        let argv = (["/usr/bin/env"] + full).map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/usr/bin/env", &actions, &attributes, argv, envp)
        guard spawned == 0 else { throw CommandFailed(command: full, output: String(cString: strerror(spawned))) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        // WIFEXITED and WEXITSTATUS by hand: Glibc's macros do not import.
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else { throw CommandFailed(command: full, output: text) }
        return text
    }
}
