from __future__ import annotations

import time

import pytest

from csto_kg.records import yamlsafe
from csto_kg.records.yamlsafe import Mark, YamlProblem, loads


def test_scalars_stay_text_with_positions():
    doc = loads(b"a: 2019-06\nb: no\nc:\n  - 22\n")
    assert doc == {"a": "2019-06", "b": "no", "c": ["22"]}
    assert doc["a"].mark == Mark(1, 4)
    assert doc.key_marks["c"] == Mark(3, 1)
    assert doc["c"].item_marks == [Mark(4, 5)]


def test_plain_empty_is_none_but_quoted_empty_is_text():
    doc = loads(b'a:\nb: ""\nc: ~\n')
    assert doc["a"] is None and doc["c"] is None
    assert doc["b"] == ""


def test_bom_and_crlf_are_accepted():
    doc = loads(b"\xef\xbb\xbfa: 1\r\nb: 2\r\n")
    assert doc == {"a": "1", "b": "2"}
    assert doc["b"].mark.line == 2


@pytest.mark.parametrize(
    "data, message, line",
    [
        (b"a: 1\na: 2\n", "duplicate key 'a' (first given on line 1)", 2),
        (b"a: &x [1]\nb: *x\n", "anchors and aliases", 1),
        (b"a: !!python/object/apply:os.system ['true']\n", "is not allowed in records", 1),
        (b"a: !custom x\n", "the tag '!custom' is not allowed", 1),
        (b"<<: {a: 1}\n", "no '<<' merges", 1),
        (b"a: 1\n---\nb: 2\n", "one YAML document", 3),
        (b"ok: 1\nname: caf\xe9\n", "byte 0xe9 is not valid UTF-8", 2),
        (b"a: 1\x00\n", "NUL bytes", 1),
        (b"a: [1, 2\nb: 3\n", "YAML syntax error", 2),
    ],
)
def test_refused_input_says_where(data, message, line):
    with pytest.raises(YamlProblem) as err:
        loads(data)
    assert message in err.value.message
    assert err.value.mark.line == line


def test_billion_laughs_is_refused_quickly():
    lines = [b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        refs = ",".join([f"*{prev}"] * 9).encode()
        lines.append(f"{name}: &{name} [".encode() + refs + b"]")
    started = time.perf_counter()
    with pytest.raises(YamlProblem, match="anchors and aliases"):
        loads(b"\n".join(lines))
    assert time.perf_counter() - started < 2


def test_deep_nesting_is_refused():
    with pytest.raises(YamlProblem, match="nested too deeply|nesting depth"):
        loads(b"a: " + b"[" * 200 + b"]" * 200)
    with pytest.raises(YamlProblem, match="nested too deeply"):
        loads("".join(f"{'  ' * i}k{i}:\n" for i in range(40)) + "  " * 40 + "x: 1\n")


def test_huge_file_is_refused(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"a: " + b"x" * (yamlsafe.MAX_FILE_BYTES + 1))
    with pytest.raises(yamlsafe.Unreadable, match="at most"):
        yamlsafe.load(path)
