"""The explorer in a real browser: headless Chromium (Debian's chromium + chromedriver) driven by
Selenium against a real `gov serve` on the demo store. Screenshots of each state are written to
tests/output/explorer/ (ignored by git); the path is printed."""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from governance.auth.roles import Role
from governance.timeutil import iso
from tests.helpers import demo_first_seen
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


def test_sign_in_refuses_a_wrong_token_then_accepts_an_auditor(site: Site) -> None:
    d = site.driver
    d.get(f"{site.server.base}/ui/")
    d.execute_script("sessionStorage.clear()")
    d.get(f"{site.server.base}/ui/")
    site.wait(lambda d: d.find_element(By.ID, "signin").is_displayed(), what="no sign-in form")
    site.shot("01-sign-in")
    d.find_element(By.ID, "token").send_keys("gov_not-a-real-token")
    d.find_element(By.ID, "signin-button").click()
    site.wait(lambda d: "refused" in d.find_element(By.ID, "signin-error").text, what="a wrong token was not refused")
    assert not d.find_element(By.ID, "app").is_displayed()
    site.shot("02-wrong-token-refused")
    # a valid token whose role may not read everything is refused too
    d.find_element(By.ID, "token").send_keys(site.tokens[Role.INGEST])
    d.find_element(By.ID, "signin-button").click()
    site.wait(
        lambda d: "role 'ingest'" in d.find_element(By.ID, "signin-error").text, what="an ingest token was let in"
    )
    d.find_element(By.ID, "token").clear()
    d.find_element(By.ID, "token").send_keys(site.tokens[Role.AUDITOR])
    d.find_element(By.ID, "signin-button").click()
    site.wait(lambda d: d.find_element(By.ID, "app").is_displayed(), what="the auditor was not let in")
    assert "auditor" in d.find_element(By.ID, "who").text
    assert site.tokens[Role.AUDITOR] not in d.current_url  # never in the URL
    stored = d.execute_script("return sessionStorage.getItem('gov.explorer.token')")
    assert stored == site.tokens[Role.AUDITOR]
    assert d.execute_script("return localStorage.length") == 0


def test_search_then_upstream_of_a_model_reaches_its_raw_sources(site: Site) -> None:
    site.open_signed_in()
    d = site.driver
    box = d.find_element(By.ID, "search")
    box.send_keys("credit-ri")
    site.wait(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#search-results li[data-id='model:credit-risk@3']"),
        what="no type-ahead",
    )
    texts = [li.text for li in d.find_elements(By.CSS_SELECTOR, "#search-results li")]
    assert any("credit-risk" in t for t in texts)
    site.shot("03-search-type-ahead")
    before = site.hook()["loads"]
    d.find_element(By.CSS_SELECTOR, "#search-results li[data-id='model:credit-risk@3']").click()
    site.wait(lambda d: site.hook()["loads"] > before and site.hook()["ready"], what="model graph not drawn")
    # depth 3 by default; deepen to reach the raw sources
    depth = d.find_element(By.ID, "depth")
    depth.send_keys(Keys.CONTROL, "a")
    depth.send_keys("6", Keys.TAB)
    site.wait(lambda d: set(site.hook()["nodes"]) >= RAW_SOURCES, what="raw sources not reached")
    hook = site.hook()
    assert "model:credit-risk@3" in hook["nodes"]
    assert [FEATURES, "job:credit-platform:ml.train_credit_risk"] in hook["edges"]
    assert "depth=6" in d.current_url and "node=model" in d.current_url
    site.wait(lambda d: "Fairness evidence" in d.find_element(By.ID, "panel").text, what="model panel")
    panel = d.find_element(By.ID, "panel").text
    assert "fairlearn.demographic_parity_difference" in panel and "[" in panel  # value with its interval
    summary = httpx.get(
        f"{site.server.base}/api/v1/models/credit-risk/versions/3/summary",
        headers=bearer(site.tokens[Role.AUDITOR]),
        timeout=30,
    ).json()
    assert f"Decisions ({len(summary['decisions'])})" in panel and "deployable" in panel
    assert "audit-report.pdf" in panel  # signed reports to download
    # the other validation stages (kind, values with intervals, submitter) and the version's findings
    stages = summary["stage_evidence"]
    assert f"Validation-stage evidence ({len(stages)})" in panel
    for st in stages:
        m = st["measurements"][0]
        assert f"submitted by {st['submitted_by']}" in panel and m["name"] in panel
    stage_text = d.find_element(By.ID, "stage-evidence").text
    assert not stages or "[" in stage_text  # an interval shown where the demo has one
    assert f"Findings ({len(summary['findings'])})" in panel
    for f in summary["findings"]:
        assert f["id"] in d.find_element(By.ID, "findings").text
    site.shot("04-model-upstream-raw-sources")


def test_as_of_removes_edges_that_did_not_exist_then(site: Site) -> None:
    site.open_signed_in()
    now = site.graph(view_hash(APPLICATIONS, depth=6, direction="downstream"))
    assert [BUILD, FEATURES] in now["edges"]
    assert len(now["edges"]) >= 4
    site.shot("05-downstream-now")
    d = site.driver
    before = site.hook()["loads"]
    asof = d.find_element(By.ID, "asof")
    asof.clear()
    # 15 minutes into build_credit_features' first run: before it wrote its output (the demo's dates follow the day)
    moment = iso(demo_first_seen(*APPLICATIONS_NS_NAME) + timedelta(minutes=15))
    asof.send_keys(moment, Keys.TAB)
    site.wait(lambda d: site.hook()["loads"] > before and site.hook()["ready"], what="as-of redraw")
    then = site.hook()
    assert [BUILD, FEATURES] not in then["edges"]
    assert then["edges"] == [[APPLICATIONS, BUILD]]
    assert "asof=" + moment.replace(":", "%3A") in d.current_url
    assert f"as of {moment}" in d.find_element(By.ID, "status").text
    site.shot("06-downstream-as-of")


def test_node_panel_shows_owners_tags_and_retention(site: Site) -> None:
    site.open_signed_in()
    site.graph(view_hash(FEATURES, depth=2, sel=APPLICATIONS))
    d = site.driver
    site.wait(lambda d: d.find_elements(By.ID, "retention"), what="dataset panel")
    owners = d.find_element(By.ID, "owners").text
    assert "team:credit-data" in owners
    schema = d.find_element(By.ID, "schema").text
    assert "full_name" in schema and "PII" in schema
    retention = d.find_element(By.ID, "retention").text
    deadline = iso(
        demo_first_seen("postgres://warehouse.bank.internal:5432", "bank.applications") + timedelta(days=1095)
    )
    assert "within" in retention and deadline in retention and "data.retention" in retention
    site.shot("07-dataset-panel")
    # a job: its runs with state
    site.driver.execute_script("window.location.hash = arguments[0]", view_hash(FEATURES, depth=2, sel=BUILD))
    site.wait(
        lambda d: d.find_elements(By.ID, "runs") and "COMPLETE" in d.find_element(By.ID, "runs").text, what="job runs"
    )


def test_a_deep_link_reopens_the_same_view(site: Site) -> None:
    site.open_signed_in()
    moment = iso(demo_first_seen(*APPLICATIONS_NS_NAME) + timedelta(hours=1))  # after the features were built
    first = site.graph(view_hash(FEATURES, depth=2, direction="both", asof=moment, sel=APPLICATIONS))
    site.wait(lambda d: d.find_elements(By.ID, "owners"), what="panel")
    link = site.driver.current_url
    nodes, edges = first["nodes"], first["edges"]
    site.driver.get("about:blank")
    site.driver.get(link)  # a fresh page load of the cited link (same tab: the token is in sessionStorage)
    site.wait(
        lambda d: d.find_element(By.ID, "app").is_displayed() and site.hook()["ready"] and site.hook()["loads"] >= 1
    )
    again = site.hook()
    assert again["nodes"] == nodes and again["edges"] == edges
    d = site.driver
    assert d.find_element(By.ID, "direction").get_attribute("value") == "both"
    assert d.find_element(By.ID, "depth").get_attribute("value") == "2"
    assert d.find_element(By.ID, "asof").get_attribute("value") == moment
    site.wait(lambda d: d.find_element(By.ID, "panel-title").text == APPLICATIONS, what="panel not reopened")
    site.shot("08-deep-link-reopened")


def test_a_hostile_dataset_name_renders_inert(site: Site) -> None:
    site.open_signed_in()
    d = site.driver
    d.find_element(By.ID, "search").send_keys("onerror")
    site.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "#search-results li[data-id]"), what="no search hit")
    item = d.find_element(By.CSS_SELECTOR, "#search-results li[data-id]")
    assert XSS in item.text  # shown literally
    site.shot("09-hostile-name-search")
    node = f"dataset:xss-test:{XSS}"
    site.graph(view_hash(node, depth=2, sel=node))
    site.wait(lambda d: d.find_elements(By.ID, "owners"), what="hostile dataset panel")
    assert d.find_element(By.ID, "panel-title").text == node
    assert "<b>owner</b>" in d.find_element(By.ID, "owners").text
    assert not d.find_elements(By.CSS_SELECTOR, "#panel img, #search-results img, #panel b, #panel script")
    time.sleep(0.3)
    with pytest.raises(NoAlertPresentException):
        _ = d.switch_to.alert.text
    assert node in site.hook()["nodes"]
    site.shot("10-hostile-name-panel")


def test_blocked_register_links_to_its_decision(site: Site) -> None:
    site.open_signed_in()
    d = site.driver
    d.find_element(By.CSS_SELECTOR, "#tabs button[data-view='blocked']").click()
    site.wait(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#blocked-table a.decision-link"), what="blocked register empty"
    )
    rows = d.find_elements(By.CSS_SELECTOR, "#blocked-table tbody tr")
    assert len(rows) == 1 and "fraud-detector" in rows[0].text
    d.find_element(By.ID, "blocked-filter").send_keys("credit")
    site.wait(lambda d: not d.find_elements(By.CSS_SELECTOR, "#blocked-table tbody tr"), what="filter")
    d.find_element(By.ID, "blocked-filter").clear()
    d.find_element(By.ID, "blocked-filter").send_keys("fairness")
    site.wait(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#blocked-table tbody tr")) == 1, what="filter by policy")
    site.shot("11-blocked-register")
    d.find_element(By.CSS_SELECTOR, "#blocked-table a.decision-link").click()
    site.wait(lambda d: d.find_elements(By.ID, "decision-title"), what="decision not opened")
    assert "decision=" in d.current_url
    verdicts = d.find_element(By.ID, "verdicts").text
    assert "fairness.demographic-parity" in verdicts and "fail" in verdicts
    site.shot("12-decision")
    d.find_element(By.LINK_TEXT, "model version evidence").click()
    site.wait(lambda d: "Fairness evidence" in d.find_element(By.ID, "panel").text, what="evidence link")
    assert "Ledger entries (1)" in d.find_element(By.ID, "panel").text


def test_path_table_view_and_exports(site: Site) -> None:
    site.open_signed_in()
    d = site.driver
    hook = site.graph(
        view_hash(APPLICATIONS, depth=6, direction="downstream")
        + f"&from={quote(APPLICATIONS, safe='')}&to={quote('dataset:s3://bank-ml-lake:models/credit-risk/3', safe='')}"
    )
    assert hook["ready"]
    onpath = d.execute_script("return window.__explorer.nodes.length")
    assert onpath >= 5
    assert "no path" not in d.find_element(By.ID, "status").text
    site.shot("13-path")
    d.find_element(By.ID, "export-svg").click()
    svg = site.wait(lambda d: d.execute_script("return window.__explorer.lastSvg"), what="no SVG")
    assert svg.startswith("<svg") and "bank.applications" in svg
    d.find_element(By.ID, "export-png").click()
    assert site.wait(lambda d: d.execute_script("return window.__explorer.lastPngBytes"), what="no PNG") > 1000
    d.find_element(By.ID, "toggle-table").click()
    site.wait(lambda d: d.find_element(By.ID, "table-view").is_displayed())
    rows = d.find_elements(By.CSS_SELECTOR, "#edge-table tbody tr")
    assert len(rows) == len(hook["edges"])
    assert d.switch_to.active_element == rows[0]
    d.switch_to.active_element.send_keys(Keys.ARROW_DOWN)
    assert d.switch_to.active_element == rows[1]
    d.switch_to.active_element.send_keys(Keys.ENTER)
    site.wait(lambda d: d.find_element(By.ID, "panel-title").text == rows[1].get_attribute("data-from"))
    site.shot("14-table-view")
    d.find_element(By.ID, "toggle-table").click()


def test_no_auth_on_loopback_opens_directly(site: Site, tmp_path: Path) -> None:
    server = ServeProcess(site.server.db_url, tmp_path / "home", "--no-auth").start()
    try:
        d = site.driver
        d.get(f"{server.base}/ui/")
        d.execute_script("sessionStorage.clear()")
        d.get(f"{server.base}/ui/")
        site.wait(lambda d: d.find_element(By.ID, "app").is_displayed(), what="--no-auth did not open directly")
        assert "authentication off" in d.find_element(By.ID, "who").text
    finally:
        server.stop()


def test_expand_and_collapse_a_node(site: Site) -> None:
    site.open_signed_in()
    d = site.driver
    first = site.graph(view_hash(FEATURES, depth=1, sel=BUILD))
    assert set(first["nodes"]) == {FEATURES, BUILD}
    site.wait(lambda d: d.find_elements(By.ID, "expand"), what="no Expand button")
    loads = site.hook()["loads"]
    d.find_element(By.ID, "expand").click()
    site.wait(lambda d: site.hook()["loads"] > loads, what="expand did not redraw")
    grown = set(site.hook()["nodes"])
    assert grown >= RAW_SOURCES | {FEATURES, BUILD}
    site.shot("15-expanded")
    loads = site.hook()["loads"]
    d.find_element(By.ID, "expand").click()  # the same node again: collapse
    site.wait(lambda d: site.hook()["loads"] > loads, what="collapse did not redraw")
    assert set(site.hook()["nodes"]) == {FEATURES, BUILD}


def test_the_console_shows_no_csp_violation_or_script_error(site: Site) -> None:
    site.open_signed_in()
    site.graph(view_hash(FEATURES, depth=3, direction="both", sel=APPLICATIONS))
    site.driver.find_element(By.ID, "export-png").click()
    entries = site.driver.get_log("browser")  # everything logged since the module's browser started
    problems = [
        e["message"]
        for e in entries
        if "Content Security Policy" in e["message"] or (e["level"] == "SEVERE" and "Uncaught" in e["message"])
    ]
    assert problems == [], problems


def _fan_in_event(job: str, inputs: list[str], output: str, when: str) -> dict[str, Any]:
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


def test_a_big_graph_is_grouped_and_a_click_opens_a_group(site: Site) -> None:
    """604 nodes: drawn as the root, its jobs and two groups (one namespace at one distance each); a real
    click on a group draws its members; "Show all" draws every node; the table view still lists every edge."""
    upper = [f"bigtest.upper|u{i:03d}" for i in range(300)]
    lower = [f"bigtest.lower|l{i:03d}" for i in range(300)]
    for event in (
        _fan_in_event("combine_upper", upper, "bigtest.lower|mid", "2026-11-23T11:00:00Z"),
        _fan_in_event("combine_all", [*lower, "bigtest.lower|mid"], "bigtest|root", "2026-11-23T12:00:00Z"),
    ):
        r = httpx.post(
            f"{site.server.base}/api/v1/lineage", json=event, headers=bearer(site.tokens[Role.INGEST]), timeout=60
        )
        assert r.status_code == 201, r.text
    site.open_signed_in()
    root = "dataset:bigtest:root"
    hook = site.graph(view_hash(root, depth=6))
    assert hook["total"] == 604
    groups = {g["id"].split("\u0000", 2)[1:][0]: g for g in hook["groups"]}
    assert {(ns, g["size"], g["open"]) for ns, g in groups.items()} == {
        ("bigtest.lower", 301, False),
        ("bigtest.upper", 300, False),
    }
    assert set(hook["nodes"]) == {root, "job:bigtest:combine_all", "job:bigtest:combine_upper"}
    assert hook["hidden"] == 601
    site.wait(lambda d: d.find_element(By.ID, "toggle-groups").is_displayed(), what="no Show all button")
    site.shot("16-big-graph-grouped")
    lower_group = groups["bigtest.lower"]["id"]
    x, y = site.driver.execute_script("return window.__explorer.renderedPosition(arguments[0])", lower_group)
    canvas = site.driver.find_element(By.ID, "graph")
    size = canvas.size
    loads = site.hook()["loads"]
    ActionChains(site.driver).move_to_element_with_offset(
        canvas, int(x - size["width"] / 2), int(y - size["height"] / 2)
    ).click().perform()
    site.wait(lambda d: site.hook()["loads"] > loads and site.hook()["ready"], what="a click did not open the group")
    opened = site.hook()
    assert len(opened["nodes"]) == 3 + 301 and "dataset:bigtest.lower:l042" in opened["nodes"]
    assert [g["open"] for g in opened["groups"] if g["id"] == lower_group] == [True]
    assert opened["hidden"] == 300
    assert "opened a group of 301 nodes" in site.driver.find_element(By.ID, "status").text
    site.shot("17-big-graph-group-opened")
    link = site.driver.current_url
    assert "open=-2%3Abigtest.lower" in link  # the opened group is in the link
    site.driver.get("about:blank")
    site.driver.get(link)  # a cited link reopens the group opened
    site.wait(lambda d: d.find_element(By.ID, "app").is_displayed() and site.hook()["ready"], what="link not reopened")
    assert site.hook()["hidden"] == 300 and set(site.hook()["nodes"]) == set(opened["nodes"])
    loads = site.hook()["loads"]
    site.driver.find_element(By.ID, "toggle-groups").click()
    site.wait(lambda d: site.hook()["loads"] > loads and site.hook()["ready"], what="Show all did not redraw")
    assert len(site.hook()["nodes"]) == 604 and site.hook()["hidden"] == 0
    site.driver.find_element(By.ID, "toggle-table").click()
    site.wait(lambda d: d.find_element(By.ID, "table-view").is_displayed())
    assert len(site.driver.find_elements(By.CSS_SELECTOR, "#edge-table tbody tr")) == 603
    site.driver.find_element(By.ID, "toggle-table").click()


def test_the_dataset_panel_lists_column_lineage(site: Site) -> None:
    source = {"namespace": "coltest", "name": "raw_people"}
    event = _fan_in_event("build_people", ["coltest|raw_people"], "coltest|people_features", "2026-11-23T13:00:00Z")
    event["outputs"][0]["facets"] = {
        "columnLineage": {
            "_producer": "https://example.com/explorer-test",
            "_schemaURL": "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json",
            "fields": {
                "age_band": {
                    "inputFields": [{**source, "field": "birth_date"}],
                    "transformationDescription": "bucketed <b>age</b>",
                },
                "income_log": {"inputFields": [{**source, "field": "income"}, {**source, "field": "currency"}]},
            },
        }
    }
    r = httpx.post(
        f"{site.server.base}/api/v1/lineage", json=event, headers=bearer(site.tokens[Role.INGEST]), timeout=60
    )
    assert r.status_code == 201, r.text
    site.open_signed_in()
    node = "dataset:coltest:people_features"
    site.graph(view_hash(node, depth=2, sel=node))
    table = site.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "table#columns"), what="no column lineage table")[0]
    rows = [
        [td.text for td in tr.find_elements(By.TAG_NAME, "td")]
        for tr in table.find_elements(By.CSS_SELECTOR, "tbody tr")
    ]
    assert rows == [
        ["age_band", "raw_people.birth_date", "bucketed <b>age</b>"],  # as text, never as HTML
        ["income_log", "raw_people.currency", ""],
        ["", "raw_people.income", ""],
    ]
    assert "Column lineage (2 fields)" in site.driver.find_element(By.ID, "panel").text
    # the graph's column view: each field a node inside its dataset, an edge from each input field
    loads = site.hook()["loads"]
    site.driver.find_element(By.ID, "toggle-columns").click()
    site.wait(lambda d: site.hook()["loads"] > loads and site.hook()["ready"], what="no column view")

    def field(ds: str, name: str) -> str:
        return f"field\u0000dataset:coltest:{ds}\u0000{name}"

    assert set(site.hook()["nodes"]) == {
        field("people_features", "age_band"),
        field("people_features", "income_log"),
        field("raw_people", "birth_date"),
        field("raw_people", "income"),
        field("raw_people", "currency"),
    }
    assert [field("raw_people", "currency"), field("people_features", "income_log")] in site.hook()["edges"]
    site.driver.execute_script("arguments[0].scrollIntoView()", table)
    site.shot("18-column-lineage")
    loads = site.hook()["loads"]
    site.driver.find_element(By.ID, "toggle-columns").click()  # back to the dataset graph
    site.wait(lambda d: site.hook()["loads"] > loads and site.hook()["ready"], what="no dataset view")
    assert node in site.hook()["nodes"] and "dataset:coltest:raw_people" in site.hook()["nodes"]
    table.find_element(By.LINK_TEXT, "raw_people").click()  # the input dataset opens as the root
    site.wait(
        lambda d: site.hook()["ready"] and quote("dataset:coltest:raw_people", safe="") in d.current_url,
        what="input link",
    )
