"""The explorer in a real browser, the graph: sign-in, search, upstream and downstream, as-of, deep links,
paths, the table view and exports, expanding and grouping (harness: tests/explorer_site.py)."""

# ruff: noqa: F811 - every test takes the `site` fixture imported from tests.explorer_site
from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import httpx

from governance.auth.roles import Role
from governance.timeutil import iso
from tests.explorer_site import (  # noqa: F401 - `site` is the fixture
    APPLICATIONS,
    APPLICATIONS_NS_NAME,
    BUILD,
    FEATURES,
    RAW_SOURCES,
    ActionChains,
    By,
    Keys,
    Site,
    assert_console_clean,
    fan_in_event,
    site,
    view_hash,
)
from tests.helpers import demo_first_seen
from tests.service_helpers import bearer


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


def test_a_big_graph_is_grouped_and_a_click_opens_a_group(site: Site) -> None:
    """604 nodes: drawn as the root, its jobs and two groups (one namespace at one distance each); a real
    click on a group draws its members; "Show all" draws every node; the table view still lists every edge."""
    upper = [f"bigtest.upper|u{i:03d}" for i in range(300)]
    lower = [f"bigtest.lower|l{i:03d}" for i in range(300)]
    for event in (
        fan_in_event("combine_upper", upper, "bigtest.lower|mid", "2026-11-23T11:00:00Z"),
        fan_in_event("combine_all", [*lower, "bigtest.lower|mid"], "bigtest|root", "2026-11-23T12:00:00Z"),
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


def test_the_console_shows_no_csp_violation_or_script_error(site: Site) -> None:
    site.open_signed_in()
    site.graph(view_hash(FEATURES, depth=3, direction="both", sel=APPLICATIONS))
    site.driver.find_element(By.ID, "export-png").click()
    assert_console_clean(site)  # everything logged since the module's browser started
