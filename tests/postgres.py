"""A throwaway PostgreSQL cluster for the tests: a temp directory, a free port, stopped after.

initdb and postgres refuse to run as root, so as root they run as the
`postgres` user (Debian's package makes it). Nothing of a system cluster is
touched. Binaries come from PATH or Debian's /usr/lib/postgresql/<version>/bin.
"""
import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.live import free_port

# The cluster's files in memory where the machine has it (/dev/shm): nothing
# of a throwaway cluster needs the disk.
MEMORY = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None


def postgres_bin(name: str) -> str:
    """Return the path of PostgreSQL's `name` binary; RuntimeError when it is not installed."""
    found = shutil.which(name) or next(iter(sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if found is None:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (Debian: apt-get install "
                           "postgresql); run with --database=sqlite to skip PostgreSQL")
    return found


class Cluster:
    """initdb + postgres on 127.0.0.1:<free port> with trust auth, fsync off, C collation."""

    def __init__(self):
        self.directory = Path(tempfile.mkdtemp(prefix="shop-jobs-pg-", dir=MEMORY))
        self.port = free_port()
        self._as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as_user:
            shutil.chown(self.directory, "postgres")
        data = self.directory / "data"
        self._run(postgres_bin("initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--locale=C", "--no-sync")
        self._run(postgres_bin("pg_ctl"), "-D", str(data), "-l", str(self.directory / "log"),
                  "-w", "-o", f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1"
                  " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
                  " -c max_connections=300", "start")

    def _run(self, *command: str) -> None:
        subprocess.run([*self._as_user, *command], check=True, capture_output=True, timeout=120)

    def url(self, database: str) -> str:
        """The `DATABASE_URL` of `database` in this cluster."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """Create an empty database `name`; return its URL."""
        self.sql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def sql(self, statement: str, database: str = "postgres") -> str:
        """Run one SQL statement with psql; return what it printed (unaligned, tuples only)."""
        result = subprocess.run(
            [postgres_bin("psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
             "-d", database, "-v", "ON_ERROR_STOP=1", "-Atc", statement],
            check=True, capture_output=True, text=True, timeout=60)
        return result.stdout

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove its directory."""
        self._run(postgres_bin("pg_ctl"), "-D", str(self.directory / "data"), "-m", "fast",
                  "-w", "stop")
        shutil.rmtree(self.directory, ignore_errors=True)
