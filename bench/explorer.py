"""The explorer under load: a lineage graph of 5,000 nodes and 10,000 edges drawn in headless Chromium
(time from setting the view to the graph's 'layoutstop', and to the first frame painted after it; the
explorer draws a graph of more than 300 nodes grouped by namespace and distance from the root, so the
bench then opens the biggest group, then draws every node with "Show all"), and node-panel API calls
p50/p95 (GET /api/v1/nodes/dataset/...) on a store that also holds a
synthetic graph of N_EDGES edges.

Needs Debian's chromium + chromium-driver and selenium. Runs a real `gov serve --no-auth` on loopback.

Usage: python bench/explorer.py [N_EDGES (default 1000000)] [PANEL_CALLS (default 200)] [RUNS (default 3)]
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from bench.lineage_query import load, percentiles  # noqa: E402
from bench.synth import layered_edges  # noqa: E402

LAYERS, WIDTH = 10, 500
ROOT = "dataset:explore:xroot"


def explorer_edges() -> list[tuple[str, str]]:
    """5,000 nodes (10 layers of 500, less one, plus a root) and 10,000 edges, all upstream of ROOT."""

    def node(layer: int, j: int) -> str:
        return f"{'dataset' if layer % 2 == 0 else 'job'}:explore:xL{layer}_{j}"

    edges: list[tuple[str, str]] = []
    for g in range(LAYERS - 1):
        for j in range(WIDTH):
            edges.append((node(g, j), node(g + 1, j)))
            edges.append((node(g, (j + 1) % WIDTH), node(g + 1, j)))
        for j in range(56 if g < LAYERS - 2 else 52):
            edges.append((node(g, j), node(g + 1, (j + 250) % WIDTH)))
    last = [node(LAYERS - 1, j) for j in range(WIDTH - 1)]
    edges += [(n, ROOT) for n in last]
    edges.append((node(LAYERS - 2, WIDTH - 1), ROOT))  # the one node left out of the last layer
    nodes = {n for e in edges for n in e}
    nodes.discard(node(LAYERS - 1, WIDTH - 1))
    edges = [e for e in edges if e[0] in nodes and e[1] in nodes]
    while len(edges) < 10_000:  # top up to exactly 10,000 with extra first-gap edges
        j = len(edges) % WIDTH
        extra = (node(0, j), node(1, (j + 125) % WIDTH))
        if extra not in edges:
            edges.append(extra)
    return edges


HOOK = (
    "const h = window.__explorer;"
    " return {ms: h.layoutMs, f: h.fetchMs, a: h.addMs, p: h.paintMs, total: h.total, groups: h.groups,"
    " n: h.nodes.length, e: h.edges.length, g: h.groups.filter((g) => !g.open).length}"
)


def _timed(driver: Any, script: str, *args: Any) -> tuple[float, dict[str, Any]]:
    """Run `script` (it redraws the graph); the wall time until the page is responsive again, and the hook."""
    before = driver.execute_script("return window.__explorer.loads")
    t0 = time.perf_counter()
    driver.execute_script(script, *args)
    while driver.execute_script("return window.__explorer.loads") <= before:
        if time.perf_counter() - t0 > 120:
            raise SystemExit("no redraw within 120 s")
        time.sleep(0.01)
    driver.execute_script("return 1")
    wall = (time.perf_counter() - t0) * 1000
    time.sleep(0.5)
    hook: dict[str, Any] = driver.execute_script(HOOK)
    return wall, hook


def main() -> None:
    n_edges = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    calls = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    from selenium import webdriver

    from tests.service_helpers import ServeProcess

    graph = explorer_edges()
    nodes = {n for e in graph for n in e}
    print(f"explorer graph: {len(nodes)} nodes, {len(graph)} edges; background graph: {n_edges} edges")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        started = time.perf_counter()
        load(url, graph + list(layered_edges(n_edges)) if n_edges else graph)
        print(f"store loaded in {time.perf_counter() - started:.1f} s")
        server = ServeProcess(url, Path(tmp) / "home", "--no-auth").start()
        try:
            # node-panel API latency, over HTTP, on random dataset nodes of the big store
            datasets = [n for n in nodes if n.startswith("dataset:")]
            rng = random.Random(7)
            samples = []
            with httpx.Client(base_url=server.base, timeout=30) as client:
                for _ in range(calls):
                    nid = rng.choice(datasets)
                    t0 = time.perf_counter()
                    r = client.get(f"/api/v1/nodes/dataset/{quote(nid, safe=':')}")
                    samples.append((time.perf_counter() - t0) * 1000)
                    assert r.status_code == 200, r.text
            p50, p95 = percentiles(samples)
            print(
                f"node panel API (GET /api/v1/nodes/dataset/...): p50 {p50:.1f} ms, p95 {p95:.1f} ms over {calls} calls"
            )

            options = webdriver.ChromeOptions()
            options.binary_location = "/usr/bin/chromium"
            for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1500,950"):
                options.add_argument(arg)
            driver = webdriver.Chrome(options=options, service=webdriver.ChromeService("/usr/bin/chromedriver"))
            try:
                driver.get(f"{server.base}/ui/")
                deadline = time.time() + 30
                while not driver.execute_script("return !document.getElementById('app').hidden"):
                    if time.time() > deadline:
                        raise SystemExit("the explorer did not open")
                    time.sleep(0.05)
                for run in range(runs):
                    before = driver.execute_script("return window.__explorer.loads")
                    view = f"#node={quote(ROOT, safe='')}&depth={LAYERS + 2}&dir=upstream"
                    t0 = time.perf_counter()
                    driver.execute_script("window.location.hash = arguments[0]", view)
                    while driver.execute_script("return window.__explorer.loads") <= before:
                        if time.perf_counter() - t0 > 120:
                            raise SystemExit("no layoutstop within 120 s")
                        time.sleep(0.01)
                    wall = (time.perf_counter() - t0) * 1000
                    time.sleep(0.5)  # let the first frame paint
                    hook = driver.execute_script(HOOK)
                    print(
                        f"run {run + 1}: {hook['total']} nodes in the graph, {hook['n']} nodes + {hook['g']} groups "
                        f"and {hook['e']} edges drawn; request -> layoutstop "
                        f"{hook['ms']} ms in the page (data in at {hook['f']} ms, elements added at {hook['a']} ms), "
                        f"first frame painted at {hook['p']} ms; {wall:.0f} ms seen by the driver"
                    )
                    if hook["g"]:  # grouped: open the biggest group (a click), then draw every node ("Show all")
                        biggest = max(hook["groups"], key=lambda g: g["size"])
                        for what, script in (
                            (
                                f"open a group of {biggest['size']}",
                                "window.__explorer.openGroup(arguments[0])",
                            ),
                            ("show all", "document.getElementById('toggle-groups').click()"),
                        ):
                            wall, hook = _timed(driver, script, biggest["id"])
                            print(
                                f"    {what}: {hook['n']} nodes + {hook['g']} groups, {hook['e']} edges drawn; "
                                f"layoutstop {hook['ms']} ms, first frame {hook['p']} ms; "
                                f"{wall:.0f} ms seen by the driver"
                            )
                    # break the key so the next run reloads (same node, new hash)
                    driver.execute_script("window.location.hash = '#'")
                    time.sleep(0.2)
            finally:
                driver.quit()
        finally:
            server.stop()


if __name__ == "__main__":
    main()
