"""python -m bench --scale 1: generate (or reuse) the bench database, measure, print the
table and write it as JSON to bench/results/.

The generated organisation lives in a template database (``starservice_bench_tpl``),
reused while its fingerprint (generator version, scale, seed, day) matches; every run
measures a fresh copy of it (``starservice_bench``), so runs never see each other's writes.
Nothing here touches the app's own database."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg

from bench.plan import Plan
from bench.report import table

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
TEMPLATE_DB = "starservice_bench_tpl"
WORK_DB = "starservice_bench"
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def admin() -> psycopg.Connection:
    return psycopg.connect(f"{SERVER}/postgres", autocommit=True)


def drop(connection: psycopg.Connection, name: str) -> None:
    connection.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name]
    )
    connection.execute(f'DROP DATABASE IF EXISTS "{name}"')


def comment_of(connection: psycopg.Connection, name: str) -> str | None:
    row = connection.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
        [name],
    ).fetchone()
    return row[0] if row else None


def redis_url() -> str | None:
    """The bench's own Redis database (shared cache across gunicorn workers), if reachable."""
    try:
        import redis

        client = redis.Redis.from_url(REDIS, socket_connect_timeout=1)
        client.ping()
        client.flushdb()
        return REDIS
    except Exception as exc:  # noqa: BLE001 — any failure: fall back to local memory
        log(f"no Redis at {REDIS} ({exc}); caches are per process")
        return None


def child_env(database: str) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": f"{SERVER}/{database}",
        "DJANGO_SETTINGS_MODULE": "bench.settings",
    }
    env.pop("REDIS_URL", None)
    return env


def run(args: list[str], env: dict, capture: bool = False) -> str:
    completed = subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE if capture else None,
        text=True,
    )
    return completed.stdout or ""


def prepare(plan: Plan, regenerate: bool) -> dict:
    """The template database for ``plan``, generated unless a matching one exists."""
    env = child_env(TEMPLATE_DB)
    with admin() as connection:
        stored = comment_of(connection, TEMPLATE_DB)
        fingerprint, _sep, stats = (stored or "").partition("|")
        if not regenerate and fingerprint == plan.fingerprint():
            log(f"reusing {TEMPLATE_DB} ({fingerprint})")
            run(["manage.py", "migrate", "--noinput", "-v", "0"], env)
            return {**json.loads(stats), "reused": True}
        log(f"generating {TEMPLATE_DB}: {plan.fingerprint()}")
        drop(connection, TEMPLATE_DB)
        connection.execute(f'CREATE DATABASE "{TEMPLATE_DB}"')
    began = time.monotonic()
    run(["manage.py", "migrate", "--noinput", "-v", "0"], env)
    output = run(
        [
            "-m",
            "bench.generate",
            "--scale",
            f"{plan.scale:g}",
            "--seed",
            str(plan.seed),
            "--today",
            plan.today.isoformat(),
        ],
        env,
        capture=True,
    )
    stats = json.loads(output.strip().splitlines()[-1])
    stats["seconds"] = round(time.monotonic() - began, 1)  # migrations included
    with admin() as connection:
        text = f"{plan.fingerprint()}|{json.dumps(stats)}".replace("'", "''")
        connection.execute(f"COMMENT ON DATABASE \"{TEMPLATE_DB}\" IS '{text}'")
    return {**stats, "reused": False}


def working_copy() -> float:
    began = time.monotonic()
    with admin() as connection:
        drop(connection, WORK_DB)
        connection.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            [TEMPLATE_DB],
        )
        connection.execute(f'CREATE DATABASE "{WORK_DB}" TEMPLATE "{TEMPLATE_DB}"')
    return time.monotonic() - began


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 20,000 staff")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--runs", type=int, default=5, help="runs per figure")
    parser.add_argument("--page-runs", type=int, default=3, help="load runs per page")
    parser.add_argument("--duration", type=float, default=None, help="seconds per load run")
    parser.add_argument("--only", default="", help="close,pages,export,import,refresh")
    parser.add_argument("--regenerate", action="store_true", help="ignore a matching template")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    zone = ZoneInfo(os.environ.get("TIME_ZONE", "Asia/Shanghai"))
    started = datetime.now(zone)
    plan = Plan(args.scale, args.seed, started.date())
    duration = args.duration or (10.0 if args.scale >= 0.5 else 5.0)
    load_before = os.getloadavg()
    generation = prepare(plan, args.regenerate)
    copy_seconds = working_copy()
    log(f"working copy {WORK_DB} in {copy_seconds:.1f} s")
    RESULTS.mkdir(exist_ok=True)
    stamp = started.strftime("%Y%m%d-%H%M%S")
    out = RESULTS / f"bench-{stamp}-scale{args.scale:g}.json"
    env = child_env(WORK_DB)
    cache = redis_url()
    if cache:
        env["REDIS_URL"] = cache
    began = time.monotonic()
    run(
        [
            "-m",
            "bench.measure",
            "--scale",
            f"{plan.scale:g}",
            "--seed",
            str(plan.seed),
            "--today",
            plan.today.isoformat(),
            "--runs",
            str(args.runs),
            "--page-runs",
            str(args.page_runs),
            "--duration",
            str(duration),
            "--only",
            args.only,
            "--out",
            str(out),
        ],
        env,
    )
    result = json.loads(out.read_text())
    result["meta"] = {
        "started": started.isoformat(),
        "scale": args.scale,
        "seed": args.seed,
        "runs": args.runs,
        "page_runs": args.page_runs,
        "page_seconds": duration,
        "generation": generation,
        "working_copy_seconds": round(copy_seconds, 1),
        "measure_seconds": round(time.monotonic() - began, 1),
        "cache": "redis" if cache else "local memory",
        "cpus": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
    }
    out.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    gen = "reused" if generation.get("reused") else "generated"
    print(
        f"\nStarService bench — scale {args.scale:g}: {result['data']}; template {gen} "
        f"(generation {generation.get('seconds', 0):.0f} s), measured in "
        f"{result['meta']['measure_seconds']:.0f} s; load average {load_before[0]:.1f} → "
        f"{result['meta']['load_average_after'][0]:.1f} on {os.cpu_count()} CPUs\n"
    )
    print(table(result))
    print(f"\nJSON: {out.relative_to(ROOT)}")
    judged = [f for f in result["figures"] if f["passed"] is not None]
    failed = [f["label"] for f in judged if not f["passed"]]
    print(f"{len(judged) - len(failed)} of {len(judged)} targets met")
    return 1 if failed and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
