"""A bounded HTTP load generator for loopback targets only: N threads, each sending GET
requests one after another for a fixed time, with a hard cap on the number of requests."""

from __future__ import annotations

import http.client
import threading
import time
from dataclasses import dataclass, field

MAX_REQUESTS = 200_000
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass
class LoadResult:
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests
    errors: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def percentile(self, q: float) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
        return ordered[index]

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def summary(self) -> dict:
        return {
            "requests": len(self.latencies),
            "errors": dict(self.errors),
            "seconds": round(self.seconds, 3),
            "p50_ms": _ms(self.percentile(50)),
            "p99_ms": _ms(self.percentile(99)),
            "rps": round(self.rps, 2),
        }


def _ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 2)


def run(
    *,
    host: str,
    port: int,
    path: str,
    cookie: str,
    concurrency: int,
    duration: float,
    timeout: float = 60.0,
) -> LoadResult:
    """``concurrency`` connections for ``duration`` seconds (requests in flight at the end
    finish; none start after it)."""
    if host not in LOOPBACK:
        raise ValueError(f"the load generator only targets loopback, not {host!r}")
    result = LoadResult()
    lock = threading.Lock()
    deadline = time.monotonic() + duration
    sent = [0]

    def worker() -> None:
        latencies: list[float] = []
        errors: dict[str, int] = {}
        while time.monotonic() < deadline:
            with lock:
                if sent[0] >= MAX_REQUESTS:
                    break
                sent[0] += 1
            began = time.perf_counter()
            try:
                connection = http.client.HTTPConnection(host, port, timeout=timeout)
                connection.request("GET", path, headers={"Cookie": cookie, "Host": host})
                response = connection.getresponse()
                response.read()
                connection.close()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                status = type(exc).__name__
            elapsed = time.perf_counter() - began
            if status == 200:
                latencies.append(elapsed)
            else:
                errors[str(status)] = errors.get(str(status), 0) + 1
        with lock:
            result.latencies.extend(latencies)
            for key, count in errors.items():
                result.errors[key] = result.errors.get(key, 0) + count

    began = time.monotonic()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(duration + timeout + 5)
    result.seconds = time.monotonic() - began
    return result
