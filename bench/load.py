"""The load generator: asyncio and raw HTTP/1.1 over TCP (no dependencies, little client CPU per request).

A `Session` is one simulated user: one connection (kept alive when the server allows it; gunicorn's sync
workers close it after every response, so then each request connects again, as a browser behind no proxy
would), its cookies and its bearer token. `run_slice` drives many sessions at once for a fixed time.
"""

import asyncio
import json
import math
import re
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode

REQUEST_TIMEOUT = 30.0


class HttpError(Exception):
    pass


@dataclass
class Response:
    status: int
    headers: dict[str, list[str]]
    body: bytes

    def header(self, name: str) -> str:
        values = self.headers.get(name.lower())
        return values[0] if values else ""

    def json(self):
        return json.loads(self.body)


class Session:
    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}
        self.token: str | None = None
        self.username: str | None = None
        self._reader = self._writer = None

    async def close(self):
        if self._writer is not None:
            self._writer.close()
            try:
                await self._writer.wait_closed()
            except OSError:
                pass
        self._reader = self._writer = None

    async def request(self, method: str, path: str, *, body: bytes = b"", headers=None, auth: str = "none"):
        head = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "User-Agent: jiedai-bench",
            "Accept: */*",
            "Accept-Language: zh-hans",
        ]
        if auth == "session" and self.cookies:
            head.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if auth == "bearer" and self.token:
            head.append(f"Authorization: Bearer {self.token}")
        for name, value in (headers or {}).items():
            head.append(f"{name}: {value}")
        if body or method in ("POST", "PUT", "PATCH"):
            head.append(f"Content-Length: {len(body)}")
        raw = ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body
        for attempt in range(2):
            reused = self._writer is not None
            if not reused:
                self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
            try:
                self._writer.write(raw)
                return await self._read()
            except (ConnectionError, asyncio.IncompleteReadError) as exc:
                await self.close()
                if not reused or attempt:  # only a stale kept-alive connection is retried
                    raise HttpError(f"connection failed: {exc!r}") from exc
        raise HttpError("unreachable")

    async def _read(self) -> Response:
        reader = self._reader
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers: dict[str, list[str]] = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers.setdefault(name.strip().lower(), []).append(value.strip())
        length = headers.get("content-length")
        if length:
            body = await reader.readexactly(int(length[0]))
        elif "chunked" in ",".join(headers.get("transfer-encoding", [])).lower():
            chunks = []
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await reader.readuntil(b"\r\n")
                    break
                chunks.append(await reader.readexactly(size))
                await reader.readexactly(2)
            body = b"".join(chunks)
        else:
            body = await reader.read()
            headers.setdefault("connection", []).append("close")
        if "close" in ",".join(headers.get("connection", [])).lower():
            await self.close()
        for cookie in headers.get("set-cookie", []):
            parsed = SimpleCookie()
            parsed.load(cookie)
            for key, morsel in parsed.items():
                self.cookies[key] = morsel.value
        return Response(status, headers, body)

    async def login(self, username: str, password: str) -> None:
        """The login form (CSRF cookie and token from the page), then the session cookie."""
        page = await self.request("GET", "/login/", auth="session")
        if page.status != 200:
            raise HttpError(f"GET /login/ answered {page.status}: {page.body[:300]!r}")
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
        if not match:
            raise HttpError("no CSRF token on the login page")
        form = urlencode(
            {"csrfmiddlewaretoken": match.group(1).decode(), "username": username, "password": password, "next": ""}
        ).encode()
        answer = await self.request(
            "POST",
            "/login/",
            body=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            auth="session",
        )
        if answer.status not in (302, 303) or "sessionid" not in self.cookies:
            raise HttpError(f"login as {username} failed: {answer.status}")
        self.username = username

    async def obtain_token(self, username: str, password: str) -> None:
        answer = await self.request(
            "POST",
            "/api/v1/auth/token",
            body=json.dumps({"username": username, "password": password}).encode(),
            headers={"Content-Type": "application/json"},
        )
        if answer.status != 200:
            raise HttpError(f"token for {username}: {answer.status} {answer.body[:200]!r}")
        self.token = answer.json()["token"]
        self.username = username


@dataclass
class SliceResult:
    latencies: list[float] = field(default_factory=list)  # ms, every completed request
    ok: int = 0
    statuses: dict[str, int] = field(default_factory=dict)  # non-2xx statuses and failures
    seconds: float = 0.0
    exhausted: bool = False
    bytes: int = 0

    @property
    def requests(self) -> int:
        return len(self.latencies)

    def merge(self, other: "SliceResult") -> None:
        self.latencies += other.latencies
        self.ok += other.ok
        for key, value in other.statuses.items():
            self.statuses[key] = self.statuses.get(key, 0) + value
        self.seconds += other.seconds
        self.exhausted = self.exhausted or other.exhausted
        self.bytes += other.bytes


async def run_slice(sessions, next_request, seconds: float, *, record: bool = True) -> SliceResult:
    """Every session sends requests back to back for `seconds`. `next_request(index, n)` returns
    (method, path, body, headers, auth) for session `index`'s n-th request, or None when it has no more work
    (the approve pool ran out). Requests still in flight at the deadline are awaited and counted."""
    result = SliceResult()
    started = time.perf_counter()
    deadline = started + seconds
    last_end = started

    async def one(index: int, session):
        nonlocal last_end
        n = 0
        while time.perf_counter() < deadline:
            spec = next_request(index, n)
            n += 1
            if spec is None:
                result.exhausted = True
                return
            method, path, body, headers, auth = spec
            t0 = time.perf_counter()
            try:
                response = await asyncio.wait_for(
                    session.request(method, path, body=body, headers=headers, auth=auth), REQUEST_TIMEOUT
                )
                status = str(response.status)
                size = len(response.body)
            except TimeoutError:
                status, size = "timeout", 0
                await session.close()
            except (HttpError, OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as exc:
                status, size = type(exc).__name__, 0
                await session.close()
            t1 = time.perf_counter()
            last_end = max(last_end, t1)
            if not record:
                continue
            result.latencies.append((t1 - t0) * 1000)
            result.bytes += size
            if status.isdigit() and 200 <= int(status) < 300:
                result.ok += 1
            else:
                result.statuses[status] = result.statuses.get(status, 0) + 1

    await asyncio.gather(*(one(i, s) for i, s in enumerate(sessions)))
    result.seconds = max(last_end - started, 1e-9)
    return result


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]
