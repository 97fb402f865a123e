"""Record files and folders: one file read into a record, the data folder walked."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Iterable

from . import yamlsafe
from .yamlsafe import Mark
from .entities import read_entity_file
from .meetings import read_meeting_file
from .model import MEETING_FILE, RecordFile, Records
from .reader import _Reader
from .rules import check_references


def read_file(path: Path, name: str, data: bytes | None = None) -> RecordFile:
    """Read one record file; ``name`` is its path relative to the data folder.

    ``data``, when given, is the file's content (a record sent over HTTP): ``path`` is not read.
    """
    record = RecordFile(path=path, name=name)
    reader = _Reader(name)
    if not name.isprintable() or name != name.encode("utf-8", "surrogateescape").decode("utf-8", "replace"):
        shown = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        reader.problem(Mark(1, 1), "(file name)", f"the file name {shown!r} is not printable UTF-8 text",
                       "a file name of letters, digits, hyphens and dots, e.g. ranks.yaml")
        record.unreadable = True
        return _with_problems(record, reader)
    try:
        if data is None:
            data, info = yamlsafe.read(path)
            record.digest, record.stamp = hashlib.sha256(data).hexdigest(), (info.st_size, info.st_mtime_ns)
        parsed = yamlsafe.loads(data)
    except yamlsafe.YamlProblem as err:
        reader.problem(err.mark, "", err.message, "", None)
        record.unreadable = isinstance(err, yamlsafe.Unreadable)
        return _with_problems(record, reader)
    except OSError as err:
        reader.problem(Mark(1, 1), "", f"cannot be read: {err.strerror or err}")
        record.unreadable = True
        return _with_problems(record, reader)
    if name.startswith("meetings/"):
        stem = Path(name).stem
        if not MEETING_FILE.match(stem):
            reader.problem(Mark(1, 1), "(file name)", f"{Path(name).name!r} is not a valid meeting file name",
                           "YYYY-MM-DD-slug.yaml (or YYYY-MM-slug / YYYY-slug), lowercase, e.g. 2019-06-20-ccim-22.yaml")
        elif parsed is None:
            reader.problem(Mark(1, 1), "", "the file is empty", "a meeting record")
        else:
            record.meeting = read_meeting_file(reader, parsed, stem)
            if record.meeting is not None:
                _check_former_ids(reader, record.meeting, path.parent)
    elif parsed is not None:
        record.entities = read_entity_file(reader, parsed)
    return _with_problems(record, reader)


def _check_former_ids(reader: _Reader, meeting, folder: Path) -> None:
    """A former name is no other record's name now (the build checks every folder and record)."""
    for former in meeting.former_ids:
        if (folder / f"{former}.yaml").is_file():
            reader.problem(former.mark, "former_ids", f"{former!r} is the name of the record meetings/{former}.yaml",
                           "an earlier name of this file that no record has now", former)


def _with_problems(record: RecordFile, reader: _Reader) -> RecordFile:
    record.problems = reader.problems
    return record


def record_files(data_dir: Path, folders: tuple[str, ...] = ("entities", "meetings")) -> list[tuple[Path, str]]:
    """The record files of a data folder (or of some of its ``folders``), in a stable order."""
    import os

    found = []
    for sub in folders:
        root = os.path.join(data_dir, sub)
        if not os.path.isdir(root):
            continue
        names = []
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            rel = os.path.relpath(folder, data_dir).replace(os.sep, "/")
            names += [f"{rel}/{f}" for f in files if f.endswith((".yaml", ".yml")) and not f.startswith(".")]
        found += [(data_dir / name, name) for name in sorted(names)]
    return found


def read_records(data_dir: Path, extra: Iterable[tuple[Path, str]] = ()) -> Records:
    """Read and check every record of ``data_dir`` (plus ``extra`` files)."""
    files = [read_file(path, name) for path, name in [*record_files(data_dir), *extra]]
    problems = [p for f in files for p in f.problems]
    records = Records(files, problems)
    records.problems.extend(check_references(records))
    return records


