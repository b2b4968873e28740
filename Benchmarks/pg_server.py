"""A throwaway PostgreSQL server for benchmarks, as Tests/Support/PostgresServer.swift starts one for the tests:
`initdb` and `pg_ctl` from Debian's postgresql package into a temporary directory (as `nobody` when run as root,
since initdb refuses root), listening on 127.0.0.1 and a free port, password authentication, fsync off. `stop`
stops it and removes the directory."""
import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile

USER = "tapedeck"


def bin_directory():
    """The newest installed PostgreSQL's server binaries, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return os.path.dirname(found[-1]) if found else None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self):
        self.bin = bin_directory()
        if self.bin is None:
            raise SystemExit("no PostgreSQL server under /usr/lib/postgresql/*/bin (apt-get install postgresql)")
        self.root = tempfile.mkdtemp(prefix="tapedeck-bench-pg-")
        os.chmod(self.root, 0o755)
        self.password = "bench-" + secrets.token_hex(8)
        self.port = free_port()
        with open(os.path.join(self.root, "password"), "w") as f:
            f.write(self.password)
        os.mkdir(os.path.join(self.root, "socket"))
        if os.geteuid() == 0:
            subprocess.run(["chown", "-R", "nobody:nogroup", self.root], check=True)
        self._run([f"{self.bin}/initdb", "-D", f"{self.root}/data", "-U", USER, f"--pwfile={self.root}/password",
                   "--auth=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"])
        self._run([f"{self.bin}/pg_ctl", "-D", f"{self.root}/data", "-l", f"{self.root}/server.log", "-w", "-t", "60", "-o",
                   f"-p {self.port} -k {self.root}/socket -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c max_connections=100", "start"])

    def _run(self, argv):
        if os.geteuid() == 0:
            argv = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"] + argv
        result = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd="/")
        if result.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed:\n{result.stdout}")
        return result.stdout

    def create_database(self, name):
        """Creates database `name` and answers its URL."""
        env = dict(os.environ, PGPASSWORD=self.password)
        subprocess.run([f"{self.bin}/psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, "-d", "postgres",
                        "-c", f"CREATE DATABASE {name}"], check=True, env=env, stdout=subprocess.DEVNULL)
        return self.url(name)

    def url(self, database):
        return f"postgres://{USER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def stop(self):
        try:
            self._run([f"{self.bin}/pg_ctl", "-D", f"{self.root}/data", "-m", "fast", "-w", "stop"])
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
