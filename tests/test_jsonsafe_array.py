"""jsonsafe.loads_array: the elements of a batch body or array file, verbatim, or None so that `loads`
explains the refusal. Whatever it accepts, `loads` accepts with the same values."""

from __future__ import annotations

import json

import pytest

from governance import jsonsafe
from governance.lineage.sources import items_from_body

EVENT = {"eventType": "START", "run": {"runId": "r"}, "n": [1, 2.5, -3], "s": 'caf\u00e9 \\ " \u2028'}


@pytest.mark.parametrize(
    "text",
    [
        "[]",
        " [ ] ",
        json.dumps([EVENT, EVENT]),
        "[" + json.dumps(EVENT, separators=(",", ":")) + "]",
        "\n\t[\r\n" + json.dumps(EVENT, indent=2) + " ,\n" + json.dumps(EVENT, ensure_ascii=False) + "\n]\n",
        '[1, "two", null, true, {"a": []}]',
        "[" + "[" * 120 + "]" * 120 + "]",  # within MAX_DEPTH
    ],
)
def test_accepts_what_loads_accepts_and_keeps_each_element_verbatim(text: str) -> None:
    got = jsonsafe.loads_array(text)
    assert got is not None
    assert [value for _, value in got] == jsonsafe.loads(text)
    for element_text, value in got:
        assert json.loads(element_text) == value
        assert element_text in text and element_text == element_text.strip()


@pytest.mark.parametrize(
    "text",
    [
        "",
        "{}",
        '"[]"',
        "[",
        "[1,]",
        "[,1]",
        "[1 2]",
        "[1] x",
        "[1]]",
        "[NaN]",
        "[1e400]",
        "[" + "9" * 30 + "]",
        "[2e0, Infinity]",
        "[" + "[" * 200 + "]" * 200 + "]",  # deeper than MAX_DEPTH
        "[" + "[" * 100_000 + "]" * 100_000 + "]",  # deep enough to exhaust the recursion limit
        "[\u00a0]",  # not JSON whitespace
    ],
)
def test_anything_else_is_left_to_loads(text: str) -> None:
    assert jsonsafe.loads_array(text) is None


def test_batch_items_carry_the_text_as_sent_and_errors_are_unchanged() -> None:
    body = ("[" + json.dumps(EVENT, separators=(",", ":")) + ",  " + json.dumps(EVENT) + "]").encode()
    items = items_from_body(body, source="api", batch=True)
    assert [i.text for i in items] == [json.dumps(EVENT, separators=(",", ":")), json.dumps(EVENT)]
    assert [i.location for i in items] == ["[0]", "[1]"]
    with pytest.raises(jsonsafe.InputError) as refused:
        items_from_body(b"[1, 1e400]", source="api", batch=True)
    assert refused.value.where == "$[1]"
    with pytest.raises(jsonsafe.InputError, match="JSON array"):
        items_from_body(b'{"eventType": "START"}', source="api", batch=True)
