"""The bench's databases, without Django: a cached, seeded database per size and schema, and a throw-away copy
per run (the approve benchmark writes, and the copy keeps the cache exactly as seeded).

SQLite (default): files under var/bench/. PostgreSQL: `--database-url postgres://user@host:port/NAME` makes
NAME_<size>_<schema> (the cache) and NAME_<size>_run (the copy, CREATE DATABASE ... TEMPLATE), dropped after.
"""

import hashlib
import importlib.metadata
import json
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "var" / "bench"
META_TABLE = "bench_meta"


def schema_hash() -> str:
    """Changes when any migration, the seed or Django changes: a cached database is then seeded again."""
    digest = hashlib.sha256()
    files = sorted((ROOT / "jiedai").glob("*/migrations/*.py"))
    files += [ROOT / "bench" / name for name in ("seed.py", "seed_planning.py", "seed_expenses.py")]
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    digest.update(importlib.metadata.version("Django").encode())
    return digest.hexdigest()[:10]


@dataclass
class Database:
    """The cache and the run copy for one size."""

    size: int
    schema: str
    base_url: str | None  # None: SQLite under var/bench

    @property
    def engine(self) -> str:
        return (
            "postgresql" if self.base_url and self.base_url.startswith(("postgres://", "postgresql://")) else "sqlite"
        )

    # --- naming
    def _sqlite_base(self) -> tuple[Path, str]:
        if self.base_url:
            path = Path(urlsplit(self.base_url).path[1:])  # sqlite:///relative or sqlite:////absolute
            path = path if path.is_absolute() else ROOT / path
            return path.parent, path.stem
        return BENCH_DIR, "jiedai-bench"

    def _pg_base(self) -> str:
        return urlsplit(self.base_url).path.lstrip("/") or "jiedai_bench"

    def _pg_url(self, name: str) -> str:
        parts = urlsplit(self.base_url)
        return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))

    @property
    def cache_name(self) -> str:
        if self.engine == "sqlite":
            folder, stem = self._sqlite_base()
            return str(folder / f"{stem}-{self.size}-{self.schema}.sqlite3")
        return f"{self._pg_base()}_{self.size}_{self.schema}"

    @property
    def run_name(self) -> str:
        if self.engine == "sqlite":
            folder, stem = self._sqlite_base()
            return str(folder / f"{stem}-{self.size}-run.sqlite3")
        return f"{self._pg_base()}_{self.size}_run"

    def url(self, name: str) -> str:
        return f"sqlite:///{name}" if self.engine == "sqlite" else self._pg_url(name)

    @property
    def cache_url(self) -> str:
        return self.url(self.cache_name)

    @property
    def run_url(self) -> str:
        return self.url(self.run_name)

    # --- PostgreSQL administration
    def _admin(self):
        import psycopg

        return psycopg.connect(self._pg_url("postgres"), autocommit=True)

    def _pg_exists(self, name: str) -> bool:
        with self._admin() as conn:
            return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None

    def _pg_drop(self, name: str) -> None:
        from psycopg import sql

        with self._admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

    # --- cache
    def cache_meta(self) -> dict:
        """The cache's bench_meta, or {} if it does not exist or is unreadable."""
        try:
            if self.engine == "sqlite":
                if not Path(self.cache_name).exists():
                    return {}
                conn = sqlite3.connect(self.cache_name)
                try:
                    rows = conn.execute(f"SELECT key, value FROM {META_TABLE}").fetchall()
                    count = conn.execute("SELECT COUNT(*) FROM receptions_reception").fetchone()[0]
                finally:
                    conn.close()
            else:
                if not self._pg_exists(self.cache_name):
                    return {}
                import psycopg

                with psycopg.connect(self.cache_url) as conn:
                    rows = conn.execute(f"SELECT key, value FROM {META_TABLE}").fetchall()
                    count = conn.execute("SELECT COUNT(*) FROM receptions_reception").fetchone()[0]
        except Exception:  # noqa: BLE001 - any problem means "seed again"
            return {}
        meta = {key: json.loads(value) for key, value in rows}
        meta["actual_receptions"] = count
        return meta

    def cache_ok(self) -> bool:
        meta = self.cache_meta()
        return (
            meta.get("complete") is True
            and meta.get("schema") == self.schema
            and meta.get("receptions") == self.size
            and meta.get("actual_receptions") == self.size
        )

    def reset_cache(self) -> None:
        """An empty cache database to migrate and seed (stale caches of this size are removed too)."""
        if self.engine == "sqlite":
            folder, stem = self._sqlite_base()
            folder.mkdir(parents=True, exist_ok=True)
            for path in folder.glob(f"{stem}-{self.size}-*.sqlite3*"):
                if "-run.sqlite3" not in path.name:
                    path.unlink()
        else:
            from psycopg import sql

            with self._admin() as conn:
                names = [row[0] for row in conn.execute("SELECT datname FROM pg_database").fetchall()]
            stale = re.compile(rf"^{re.escape(self._pg_base())}_{self.size}_[0-9a-f]{{10}}$")
            for name in names:
                if stale.match(name) or name == self.cache_name:
                    self._pg_drop(name)
            with self._admin() as conn:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.cache_name)))

    # --- run copy
    def make_run_copy(self) -> None:
        self.drop_run()
        if self.engine == "sqlite":
            source = sqlite3.connect(self.cache_name)
            target = sqlite3.connect(self.run_name)
            try:
                source.backup(target)
                target.execute("PRAGMA journal_mode=WAL")
            finally:
                source.close()
                target.close()
        else:
            from psycopg import sql

            with self._admin() as conn:
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [self.cache_name]
                )
                conn.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                        sql.Identifier(self.run_name), sql.Identifier(self.cache_name)
                    )
                )

    def drop_run(self) -> None:
        if self.engine == "sqlite":
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(self.run_name + suffix).unlink(missing_ok=True)
        else:
            self._pg_drop(self.run_name)

    def size_on_disk_mb(self) -> float | None:
        try:
            if self.engine == "sqlite":
                return round(Path(self.cache_name).stat().st_size / 2**20, 1)
            import psycopg

            with psycopg.connect(self.cache_url) as conn:
                return round(conn.execute("SELECT pg_database_size(current_database())").fetchone()[0] / 2**20, 1)
        except Exception:  # noqa: BLE001 - informational
            return None
