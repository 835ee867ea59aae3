"""The explorer's browser harness: headless Chromium (Debian's chromium + chromedriver) driven by Selenium
against a real `gov serve` on the demo store (`site` fixture, one per test module). Screenshots of each
state are written to tests/output/explorer/ (ignored by git); the path is printed. Importing this module
skips the importing test module when Chromium or Selenium is missing."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from governance.auth.roles import Role
from tests.service_helpers import ServeProcess, bearer, make_token

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
    pytest.skip(
        f"headless Chromium is not installed ({CHROMIUM}, {CHROMEDRIVER}): apt-get install chromium chromium-driver",
        allow_module_level=True,
    )
selenium = pytest.importorskip("selenium", reason="selenium is not installed")

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

# Selenium's names, for the test modules: imported from here, after the skip above.
__all__ = ["ActionChains", "By", "Keys", "NoAlertPresentException"]

SHOTS = Path(__file__).parent / "output" / "explorer"
XSS = "<img src=x onerror=alert(1)>"
APPLICATIONS = "dataset:postgres://warehouse.bank.internal:5432:bank.applications"
APPLICATIONS_NS_NAME = ("postgres://warehouse.bank.internal:5432", "bank.applications")
BUILD = "job:credit-platform:features.build_credit_features"
FEATURES = "dataset:s3://bank-ml-lake:features/credit_features"
RAW_SOURCES = {
    APPLICATIONS,
    "dataset:postgres://warehouse.bank.internal:5432:bank.repayments",
    "dataset:s3://bureau-feed:scores/2026-09",
}


class Site:
    def __init__(self, server: ServeProcess, tokens: dict[Role, str], driver: Any) -> None:
        self.server, self.tokens, self.driver = server, tokens, driver

    def shot(self, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        self.driver.save_screenshot(str(path))
        print(f"screenshot: {path}")
        return path

    def wait(self, condition: Callable[[Any], Any], timeout: float = 20, what: str = "") -> Any:
        return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(condition, message=what)

    def hook(self) -> dict[str, Any]:
        result: dict[str, Any] = self.driver.execute_script("return window.__explorer")
        return result

    def open_signed_in(self, hash_: str = "", role: Role = Role.AUDITOR) -> None:
        """Open /ui with a token already in this tab's sessionStorage (as after signing in)."""
        self.driver.get(f"{self.server.base}/ui/")
        self.driver.execute_script("sessionStorage.setItem('gov.explorer.token', arguments[0])", self.tokens[role])
        self.driver.get(f"{self.server.base}/ui/{hash_}")
        self.wait(lambda d: d.find_element(By.ID, "app").is_displayed(), what="the explorer did not open")

    def graph(self, hash_: str, loads_before: int | None = None) -> dict[str, Any]:
        """Open a view by its hash and wait for its layout to finish."""
        before = self.hook()["loads"] if loads_before is None else loads_before
        self.driver.execute_script("window.location.hash = arguments[0]", hash_)
        self.wait(lambda d: self.hook()["loads"] > before and self.hook()["ready"], what=f"graph {hash_} not drawn")
        return self.hook()


def view_hash(node: str, depth: int = 5, direction: str = "upstream", asof: str = "", sel: str = "") -> str:
    parts = [f"node={quote(node, safe='')}", f"depth={depth}", f"dir={direction}"]
    if asof:
        parts.append(f"asof={quote(asof, safe='')}")
    if sel:
        parts.append(f"sel={quote(sel, safe='')}")
    return "#" + "&".join(parts)


def _xss_event() -> dict[str, Any]:
    return {
        "eventType": "COMPLETE",
        "eventTime": "2026-11-23T10:00:00Z",
        "run": {"runId": str(uuid.uuid4())},
        "job": {"namespace": "xss-test", "name": "write_hostile_name"},
        "producer": "https://example.com/explorer-test",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "inputs": [{"namespace": "xss-test", "name": "hostile_source"}],
        "outputs": [
            {
                "namespace": "xss-test",
                "name": XSS,
                "facets": {
                    "ownership": {
                        "_producer": "https://example.com/explorer-test",
                        "_schemaURL": "https://openlineage.io/spec/facets/1-0-1/OwnershipDatasetFacet.json#/$defs/OwnershipDatasetFacet",
                        "owners": [{"name": "<b>owner</b>", "type": "<script>alert(2)</script>"}],
                    }
                },
            }
        ],
    }


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    from governance.demo import run_demo
    from governance.store.db import make_engine

    out = tmp_path_factory.mktemp("explorer-demo")
    result = run_demo(out, echo=lambda _line: None)
    engine = make_engine(result.database_url)
    tokens = {role: make_token(engine, role, f"{role.value}-user") for role in Role}
    engine.dispose()
    server = ServeProcess(result.database_url, out / "home", "--reports-dir", str(out)).start()
    response = httpx.post(
        f"{server.base}/api/v1/lineage", json=_xss_event(), headers=bearer(tokens[Role.INGEST]), timeout=60
    )
    assert response.status_code == 201, response.text
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1500,950", "--disable-gpu"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    try:
        yield Site(server, tokens, driver)
    finally:
        driver.quit()
        server.stop()


def fan_in_event(job: str, inputs: list[str], output: str, when: str) -> dict[str, Any]:
    return {
        "eventType": "COMPLETE",
        "eventTime": when,
        "run": {"runId": str(uuid.uuid4())},
        "job": {"namespace": "bigtest", "name": job},
        "producer": "https://example.com/explorer-test",
        "schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
        "inputs": [{"namespace": ns, "name": name} for ns, name in (i.split("|") for i in inputs)],
        "outputs": [{"namespace": output.split("|")[0], "name": output.split("|")[1]}],
    }


def assert_console_clean(site: Site) -> None:
    """Nothing the browser logged since the module's browser started is a CSP violation or script error."""
    entries = site.driver.get_log("browser")
    problems = [
        e["message"]
        for e in entries
        if "Content Security Policy" in e["message"] or (e["level"] == "SEVERE" and "Uncaught" in e["message"])
    ]
    assert problems == [], problems
