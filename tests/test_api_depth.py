"""The JSON depth limit: the fast scan agrees with a plain byte-by-byte reading of the rule."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hos_avtal.api._middleware import json_depth_exceeds


def reference_depth_exceeds(body: bytes, limit: int) -> bool:
    """Brackets outside strings, counted one byte at a time (the obvious reading)."""
    depth = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > limit:
                return True
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return False


def full_scan_depth_exceeds(body: bytes, limit: int) -> bool:
    """The earlier vectorised scan over every byte, kept as the reference for any bytes at all
    (valid JSON or not): the middleware must answer exactly as it did."""
    if not body:
        return False
    a = np.frombuffer(body, dtype=np.uint8)
    backslash = a == 0x5C
    run = np.cumsum(backslash, dtype=np.int32)
    run -= np.maximum.accumulate(np.where(backslash, 0, run))
    escaped = np.zeros(a.shape, dtype=bool)
    escaped[1:] = run[:-1] % 2 == 1
    quote = (a == 0x22) & ~escaped
    outside = (np.cumsum(quote, dtype=np.int32) & 1) == 0
    opens = ((a == 0x5B) | (a == 0x7B)) & outside
    closes = ((a == 0x5D) | (a == 0x7D)) & outside
    depth = np.cumsum(opens.astype(np.int32) - closes, dtype=np.int32)
    return bool(depth.max() > limit)


texts = st.text(alphabet=st.sampled_from('ab[]{}"\\\n é'), max_size=8)
documents: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | texts,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(texts, children, max_size=3),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(document=documents, limit=st.integers(0, 8))
def test_the_fast_scan_agrees_with_the_byte_by_byte_reading(document: Any, limit: int) -> None:
    body = json.dumps(document, ensure_ascii=False).encode()
    assert json_depth_exceeds(body, limit) == reference_depth_exceeds(body, limit)


def test_brackets_inside_strings_do_not_nest() -> None:
    body = json.dumps({"episode_id": "[[[[[[[[[[", "note": 'a \\" {{{{{{{{'}).encode()
    assert not json_depth_exceeds(body, 2)


def test_deep_nesting_is_caught() -> None:
    assert json_depth_exceeds(b"[" * 33 + b"]" * 33, 32)
    assert not json_depth_exceeds(b"[" * 32 + b"]" * 32, 32)


@settings(max_examples=500, deadline=None)
@given(body=st.lists(st.sampled_from(list(b'"\\[]{}a ')), max_size=60).map(bytes), limit=st.integers(0, 6))
def test_any_bytes_get_the_answer_of_the_full_scan(body: bytes, limit: int) -> None:
    assert json_depth_exceeds(body, limit) == full_scan_depth_exceeds(body, limit)


def test_few_brackets_and_escapes() -> None:
    assert not json_depth_exceeds(b"", 0)
    assert not json_depth_exceeds(b'{"a": [1, 2]}', 2)
    assert json_depth_exceeds(b'{"a": [1, 2]}', 1)
    assert not json_depth_exceeds(b'"\\\\" [[[', 3)
    assert json_depth_exceeds(b'"\\\\" [[[[', 3)
    assert not json_depth_exceeds(b'"\\" [[[[', 3)  # an escaped quote: still inside the string
    assert json_depth_exceeds(b'"\\a" [[[[', 3)  # the backslash escapes the a, not the quote
    assert json_depth_exceeds(b'"\\\\\\" [[[[', 3) == full_scan_depth_exceeds(b'"\\\\\\" [[[[', 3)
