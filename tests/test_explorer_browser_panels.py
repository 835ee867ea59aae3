"""The explorer in a real browser, the panels: a dataset's owners, tags, retention and column lineage, a
hostile name, the blocked register, and the no-auth loopback mode (harness: tests/explorer_site.py)."""

# ruff: noqa: F811 - every test takes the `site` fixture imported from tests.explorer_site
from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from governance.auth.roles import Role
from governance.timeutil import iso
from tests.explorer_site import (  # noqa: F401 - `site` is the fixture
    APPLICATIONS,
    BUILD,
    FEATURES,
    XSS,
    By,
    NoAlertPresentException,
    Site,
    assert_console_clean,
    fan_in_event,
    site,
    view_hash,
)
from tests.helpers import demo_first_seen
from tests.service_helpers import ServeProcess, bearer


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


def test_the_dataset_panel_lists_column_lineage(site: Site) -> None:
    source = {"namespace": "coltest", "name": "raw_people"}
    event = fan_in_event("build_people", ["coltest|raw_people"], "coltest|people_features", "2026-11-23T13:00:00Z")
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


def test_the_console_shows_no_csp_violation_or_script_error_in_the_panels(site: Site) -> None:
    site.open_signed_in()
    site.graph(view_hash(FEATURES, depth=3, direction="both", sel=APPLICATIONS))
    assert_console_clean(site)  # everything logged since the module's browser started
