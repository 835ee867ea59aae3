"""Benchmark: `gov check` as a whole process, on a store with 100,000 OpenLineage events and 30 policies.

Builds a SQLite store: 100,000 background RunEvents (bench/synth.py) plus a credit-risk platform whose
training run reads a 12-deep lineage chain with PII tags, validation facets and a fairness evaluation;
registers two versions (one approved, one not). The policy folder is the default pack plus generated
variants (30 policies, every kind). Then it times, as subprocesses (each a cold interpreter), the
median of several runs of:

- `gov check ... --format json` for the approved version (deployable, exit 0);
- the same for the unapproved version (blocked, exit 1: also appends to the ledger);
- `python -c "import governance.cli.main"` and `gov --help`, and the bare interpreter,

and prints the biggest imports of the check (python -X importtime) and an in-process breakdown
(load policies, build context, evaluate). Target: 300 ms for the whole `gov check` process.

    /work/venv/bin/python bench/check.py [--events 100000] [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TARGET_MS = 300.0


def timed(cmd: list[str], env: dict[str, str], runs: int, expect: int | None = None) -> list[tuple[float, float]]:
    """(wall ms, CPU ms) of each run. CPU time (user + system of the child) is what the process itself
    costs; wall time also counts waiting for a busy machine."""
    out = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=REPO)
        wall = (time.perf_counter() - start) * 1000
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
        out.append((wall, cpu))
        if expect is not None and proc.returncode != expect:
            raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}, expected {expect}:\n{proc.stderr[-2000:]}")
    return out


def serve(env: dict[str, str], policies: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`gov serve --no-auth` on a free loopback port, warmed by one check."""
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "governance.cli.main",
            "serve",
            "--no-auth",
            "--port",
            str(port),
            "--policies",
            str(policies),
        ],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            urllib.request.urlopen(f"{base}/health", timeout=1).close()
            return proc, base
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("gov serve did not start")


def importtime(cmd: list[str], env: dict[str, str]) -> list[tuple[int, str]]:
    proc = subprocess.run([sys.executable, "-X", "importtime", *cmd], env=env, capture_output=True, text=True, cwd=REPO)
    rows = []
    for line in proc.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if match and len(match.group(3)) <= 2:  # top-level imports only
            rows.append((int(match.group(2)), match.group(4)))
    return sorted(rows, reverse=True)


def breakdown(url: str, policies: Path) -> dict[str, float]:
    """In-process (warm imports): where one check's time goes."""
    from governance.gate.gather import build_context
    from governance.policy.context import EvaluationContext
    from governance.policy.evaluator import evaluate_bundle
    from governance.policy.loader import load_bundle
    from governance.store.db import make_engine, session_scope
    from governance.timeutil import utcnow

    engine = make_engine(url)
    out: dict[str, list[float]] = {"load policies": [], "build context": [], "evaluate": []}
    for _ in range(5):
        t0 = time.perf_counter()
        bundle = load_bundle(policies)
        t1 = time.perf_counter()
        with session_scope(engine) as session:
            ctx = build_context(session, "credit-risk", "3", "production", evaluated_at=utcnow())
        t2 = time.perf_counter()
        evaluate_bundle(bundle, EvaluationContext.from_dict(ctx.to_dict()))
        t3 = time.perf_counter()
        for key, seconds in zip(out, (t1 - t0, t2 - t1, t3 - t2), strict=True):
            out[key].append(seconds * 1000)
    engine.dispose()
    return {k: statistics.median(v) for k, v in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--workdir", type=Path, help="Build the store here and keep it; reuse it if it exists.")
    args = parser.parse_args()
    root = args.workdir or Path(tempfile.mkdtemp(prefix="gov-bench-check-"))
    try:
        if args.workdir and (root / "gov.db").exists():
            url, policies = f"sqlite:///{root / 'gov.db'}", root / "policies"
            print(f"store: reusing {root}")
        else:
            from bench.check_setup import build

            root.mkdir(parents=True, exist_ok=True)
            url, policies = build(root, args.events)
        env = {**os.environ, "GOV_DATABASE_URL": url, "GOV_HOME": str(root), "GOV_USER": "bench"}
        for key in ("GITHUB_RUN_ID", "CI_JOB_ID"):
            env.pop(key, None)
        gov = str(Path(sys.executable).parent / "gov")
        check = [
            gov,
            "check",
            "credit-risk",
            "{v}",
            "--target",
            "production",
            "--policies",
            str(policies),
            "--format",
            "json",
        ]
        ok = timed([c.replace("{v}", "3") for c in check], env, args.runs, expect=0)
        blocked = timed([c.replace("{v}", "4") for c in check], env, args.runs, expect=1)
        server, base = serve(env, policies)
        try:
            timed([*(c.replace("{v}", "3") for c in check[:6]), "--server", base], env, 1, expect=0)  # warm-up
            remote = timed(
                [*(c.replace("{v}", "3") for c in check[:6]), "--format", "json", "--server", base],
                env,
                args.runs,
                expect=0,
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
        bare = timed([sys.executable, "-c", "pass"], env, args.runs)
        cli_import = timed([sys.executable, "-c", "import governance.cli.main"], env, args.runs)
        help_ = timed([gov, "--help"], env, args.runs, expect=0)
        rows = [
            ("gov check, deployable (exit 0)", ok),
            ("gov check, blocked (exit 1, ledger append)", blocked),
            ("gov check --server (warm gov serve), exit 0", remote),
            ("import governance.cli.main", cli_import),
            ("gov --help", help_),
            ("python -c pass", bare),
        ]
        print(
            f"\nmedian of {args.runs} cold processes, 30 policies, {args.events:,} background events "
            f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)"
        )
        print(f"  {'':<44} {'wall ms':>8} {'(min..max)':>13} {'CPU ms':>7}  CPU / {TARGET_MS:.0f} ms target")
        for name, values in rows:
            wall = [w for w, _ in values]
            cpu = statistics.median(c for _, c in values)
            print(
                f"  {name:<44} {statistics.median(wall):>8.0f} {f'({min(wall):.0f}..{max(wall):.0f})':>13} "
                f"{cpu:>7.0f}  {cpu / TARGET_MS:>5.2f}x"
            )
        print("\nbiggest top-level imports of `gov check` (python -X importtime, cumulative):")
        script = (
            "import sys; sys.argv=['gov','check','credit-risk','3','--target','production','--policies',"
            f"{str(policies)!r},'--format','json']; import governance.cli.main as m; m.run()"
        )
        for micros, name in importtime(["-c", script], env)[:10]:
            print(f"  {micros / 1000:>7.1f} ms  {name}")
        print("\nin-process breakdown of one check (warm imports, median of 5):")
        for name, ms in breakdown(url, policies).items():
            print(f"  {name:<16} {ms:>7.1f} ms")
    finally:
        if not args.workdir:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
