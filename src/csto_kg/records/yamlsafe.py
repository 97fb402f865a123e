"""Read a YAML record safely, keeping the line and column of every value.

Records are curated by hand and may come from anywhere, so the reader is strict:
only plain mappings, sequences and scalars; no anchors or aliases (they make YAML
bombs possible); no tags that would build objects; no duplicate keys; UTF-8 only;
bounded size and depth. Every scalar stays a string: typing (dates, numbers) is
the record schema's job, so ``2019-06`` or ``no`` are never silently converted.
"""

from __future__ import annotations

import os
from typing import NamedTuple
from pathlib import Path

import yaml

try:  # libyaml's scanner is much faster when it is available
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - depends on the platform's wheel
    from yaml import SafeLoader as _SafeLoader

MAX_FILE_BYTES = 2_000_000
MAX_DEPTH = 20
_NULLS = {"", "~", "null", "Null", "NULL"}
_ALLOWED_TAGS = {
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:timestamp",
}


class Mark(NamedTuple):
    """A position in a record file; lines and columns count from 1."""

    line: int
    column: int


class YamlProblem(Exception):
    """The file cannot be read as a record at all."""

    def __init__(self, message: str, mark: Mark | None = None):
        super().__init__(message)
        self.message = message
        self.mark = mark or Mark(1, 1)


class Unreadable(YamlProblem):
    """The bytes are not a text file a record could be in (binary, not UTF-8, too large)."""


class Text(str):
    """A scalar value with the position it was read from."""

    mark: Mark

    def __new__(cls, value: str, mark: Mark) -> "Text":
        obj = super().__new__(cls, value)
        obj.mark = mark
        return obj

    def __reduce__(self):
        return (Text, (str(self), self.mark))


class Mapping(dict):
    """A mapping whose keys remember their positions (``key_marks``)."""

    mark: Mark
    key_marks: dict[str, Mark]


class Sequence(list):
    """A sequence whose items remember their positions (``item_marks``)."""

    mark: Mark
    item_marks: list[Mark]


_STR, _SEQ, _MAP = "tag:yaml.org,2002:str", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"
# the first characters of the plain scalars that may resolve to a tag a record may not use
# ('=', '!', '&', '*') or to a merge key ('<<'): the resolvers are chosen by the first character
_SPECIAL_FIRST = "<=!&*"


class _Loader(_SafeLoader):
    """The safe loader, resolving implicit tags only as far as :func:`_convert` looks at them.

    Every scalar stays a string, so which allowed type a plain scalar would resolve to (int,
    bool, timestamp, ...) is never used: such scalars get the string tag without trying the
    resolvers' regular expressions, one by one, on every value. The few plain scalars that
    resolve to a tag a record may not use, or to a merge key, are resolved as before."""

    def resolve(self, kind, value, implicit):
        if kind is yaml.ScalarNode:
            if implicit[0] and value and value[0] in _SPECIAL_FIRST:
                return super().resolve(kind, value, implicit)
            return _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP

    def descend_resolver(self, current_node, current_index):
        pass  # no path resolvers

    def ascend_resolver(self):
        pass


_new_tuple = tuple.__new__
_new_str = str.__new__


def _mark(node: yaml.Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


def decode(data: bytes) -> str:
    """Decode record bytes as UTF-8 (a BOM is allowed); say where it fails."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        column = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        raise Unreadable(
            f"byte 0x{data[err.start]:02x} is not valid UTF-8; save the file as UTF-8",
            Mark(line, column),
        ) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise Unreadable("the file contains NUL bytes; is it a binary file?", Mark(line, 1))
    return text.replace("\r\n", "\n")


def read(path: Path) -> tuple[bytes, os.stat_result]:
    """A record file's bytes, and its ``stat`` taken just before they were read: a change made to
    the file after that gives it another modification time than the one returned."""
    info = path.stat()
    if info.st_size > MAX_FILE_BYTES:
        raise Unreadable(
            f"the file is {info.st_size:,} bytes; a record may be at most {MAX_FILE_BYTES:,} bytes"
        )
    return path.read_bytes(), info


def load(path: Path) -> object:
    """Read one YAML file into Mapping / Sequence / Text / None values."""
    return loads(read(path)[0])


def loads(data: bytes | str) -> object:
    text = decode(data) if isinstance(data, bytes) else data
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise Unreadable(f"a record may be at most {MAX_FILE_BYTES:,} bytes")
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = Mark(mark.line + 1, mark.column + 1) if mark else None
        what = err.problem or "invalid YAML"
        if err.context:
            what = f"{err.context}: {what}"
            if err.context_mark and mark and err.context_mark.line != mark.line:
                what += f" (the construct began on line {err.context_mark.line + 1})"
        raise YamlProblem(f"YAML syntax error: {what}", where) from None
    except yaml.YAMLError as err:
        raise YamlProblem(f"YAML syntax error: {err}") from None
    except RecursionError:
        raise YamlProblem(f"the YAML is nested too deeply (at most {MAX_DEPTH} levels)") from None
    if not nodes:
        return None
    if len(nodes) > 1:
        raise YamlProblem("a record file holds one YAML document; remove the extra '---'", _mark(nodes[1]))
    return _convert(nodes[0], depth=0, seen=set())


def _convert(node: yaml.Node, depth: int, seen: set[int]) -> object:
    if depth > MAX_DEPTH:
        raise YamlProblem(f"the YAML is nested too deeply (at most {MAX_DEPTH} levels)", _mark(node))
    if id(node) in seen:
        raise YamlProblem("anchors and aliases (& and *) are not allowed in records; write values out", _mark(node))
    seen.add(id(node))
    if node.tag not in _ALLOWED_TAGS:
        raise YamlProblem(f"the tag {node.tag!r} is not allowed in records; remove it", _mark(node))
    start = node.start_mark
    mark = _new_tuple(Mark, (start.line + 1, start.column + 1))
    kind = type(node)
    if kind is yaml.ScalarNode:
        if not node.style and node.value in _NULLS:  # plain (not quoted) null
            return None
        text = _new_str(Text, node.value)
        text.mark = mark
        return text
    # the items of a sequence and the values of a mapping: a scalar one is converted here, as
    # _convert would (the same checks, in the same order), without a call of its own
    inner = depth + 1
    scalar = yaml.ScalarNode
    if kind is yaml.SequenceNode:
        seq = Sequence()
        seq.mark = mark
        seq.item_marks = item_marks = []
        for item in node.value:
            start = item.start_mark
            item_mark = _new_tuple(Mark, (start.line + 1, start.column + 1))
            if type(item) is scalar and inner <= MAX_DEPTH and id(item) not in seen and item.tag in _ALLOWED_TAGS:
                seen.add(id(item))
                if not item.style and item.value in _NULLS:
                    seq.append(None)
                else:
                    text = _new_str(Text, item.value)
                    text.mark = item_mark
                    seq.append(text)
            else:
                seq.append(_convert(item, inner, seen))
            item_marks.append(item_mark)
        return seq
    if kind is yaml.MappingNode:
        mapping = Mapping()
        mapping.mark = mark
        mapping.key_marks = key_marks = {}
        for key_node, value_node in node.value:
            if type(key_node) is not scalar or key_node.tag == "tag:yaml.org,2002:merge":
                raise YamlProblem("keys must be plain words (no '<<' merges or complex keys)", _mark(key_node))
            key = key_node.value
            start = key_node.start_mark
            key_mark = _new_tuple(Mark, (start.line + 1, start.column + 1))
            if key in key_marks:
                first = key_marks[key]
                raise YamlProblem(f"duplicate key {key!r} (first given on line {first.line}); keep one", key_mark)
            key_marks[key] = key_mark
            if (type(value_node) is scalar and inner <= MAX_DEPTH and id(value_node) not in seen
                    and value_node.tag in _ALLOWED_TAGS):
                seen.add(id(value_node))
                if not value_node.style and value_node.value in _NULLS:
                    mapping[key] = None
                else:
                    start = value_node.start_mark
                    text = mapping[key] = _new_str(Text, value_node.value)
                    text.mark = _new_tuple(Mark, (start.line + 1, start.column + 1))
            else:
                mapping[key] = _convert(value_node, inner, seen)
        return mapping
    raise YamlProblem("unsupported YAML node", mark)  # pragma: no cover
