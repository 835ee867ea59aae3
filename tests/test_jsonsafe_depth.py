"""jsonsafe's nesting bound, at its edges: exactly MAX_DEPTH levels pass, one more is refused with the
path of the first container past the limit, whether the text is one value or a batch of shallow events
(whose brackets add up past MAX_DEPTH, which takes the depth check's fast path), and brackets inside
strings never count. The verdict and the path are those of the full walk (`jsonsafe.check`)."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from governance import jsonsafe
from governance.errors import InputError
from governance.lineage.sources import items_from_body

LIMIT = jsonsafe.MAX_DEPTH


def nested(levels: int, inner: str = "") -> str:
    """`levels` arrays, one inside the other (levels=1 is `[]`)."""
    return "[" * levels + inner + "]" * levels


def refused(text: str) -> jsonsafe.UnsafeJSON:
    with pytest.raises(jsonsafe.UnsafeJSON) as caught:
        jsonsafe.loads(text)
    return caught.value


def test_exactly_max_depth_passes_and_one_more_is_refused_with_its_path() -> None:
    assert jsonsafe.loads(nested(LIMIT)) == json.loads(nested(LIMIT))
    error = refused(nested(LIMIT + 1))
    assert error.json_path == "$" + "[0]" * LIMIT
    assert error.reason == f"nested deeper than {LIMIT} arrays/objects"


@pytest.mark.parametrize("index", [0, 3, 19])
def test_in_a_batch_of_shallow_events_the_limit_counts_the_batch_array(index: int) -> None:
    event = {"job": {"name": "j", "facets": {"a": [{"b": [1, 2]}]}}, "inputs": [{"x": {}}]}
    events = [json.dumps(event)] * 20
    assert sum(text.count("[") + text.count("{") for text in events) > LIMIT  # the gate lets the check run
    at_limit = list(events)
    at_limit[index] = '{"deep": ' + nested(LIMIT - 2) + "}"  # batch array + object + LIMIT - 2 arrays
    assert len(jsonsafe.loads("[" + ",".join(at_limit) + "]")) == 20
    items = items_from_body(("[" + ",".join(at_limit) + "]").encode(), source="t", batch=True)
    assert len(items) == 20 and items[index].obj == {"deep": json.loads(nested(LIMIT - 2))}

    past = list(events)
    past[index] = '{"deep": ' + nested(LIMIT - 1) + "}"
    body = "[" + ",".join(past) + "]"
    error = refused(body)
    assert error.json_path == f"$[{index}].deep" + "[0]" * (LIMIT - 2)
    with pytest.raises(InputError) as caught:
        items_from_body(body.encode(), source="t", batch=True)
    assert caught.value.where == error.json_path


def test_brackets_inside_strings_do_not_count() -> None:
    text = json.dumps(["[" * 500, {"k" + "{" * 300: "]" * 300}, nested(3)])
    assert jsonsafe.loads(text) == json.loads(text)


def test_many_shallow_containers_pass() -> None:
    text = json.dumps([[{"a": [i]}] for i in range(2000)])
    assert jsonsafe.loads(text) == json.loads(text)


def _shape(rng: random.Random, depth: int) -> Any:
    """A random value whose deepest branch is `depth` containers deep, with shallow siblings (0-2 deep)."""
    if depth == 0:
        return rng.choice([1, "s", None, True, 2.5])
    siblings = [_shape(rng, rng.randrange(min(depth, 3))) for _ in range(rng.randrange(3))]
    child = _shape(rng, depth - 1)
    position = rng.randrange(len(siblings) + 1)
    if rng.random() < 0.5:
        return siblings[:position] + [child] + siblings[position:]
    keys = [f"k{i}" for i in range(len(siblings) + 1)]
    values = siblings[:position] + [child] + siblings[position:]
    return dict(zip(keys, values, strict=True))


@pytest.mark.parametrize("seed", range(40))
def test_the_verdict_and_path_are_those_of_the_full_walk(seed: int) -> None:
    rng = random.Random(seed)
    value = _shape(rng, rng.choice([LIMIT - 1, LIMIT, LIMIT + 1, LIMIT + 5]))
    text = json.dumps([value, _shape(rng, 3)] if rng.random() < 0.5 else value)
    decoded = json.loads(text)
    try:
        jsonsafe.check(decoded)
    except jsonsafe.UnsafeJSON as expected:
        assert (refused(text).json_path, refused(text).reason) == (expected.json_path, expected.reason)
    else:
        assert jsonsafe.loads(text) == decoded
