"""Precision and recall of drafts against the records a curator wrote, by kind of field.

A record (a draft or a curator's, as read from YAML) is reduced to the facts of each kind, and a
draft's facts are compared with the curator's: a fact the draft states that the curator's record
does not is a false one (precision), a fact of the curator's record the draft misses is a missed
one (recall). Commented choices and TODOs are not facts of the draft.
"""

from __future__ import annotations

from collections import Counter

#: The kinds of field measured, in the order they are printed.
FIELD_KINDS = ("people", "roles", "posts", "ranks", "states", "dates", "place", "decisions", "body")


def _list(value) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _who(p: dict):
    if p.get("person"):
        return p["person"]
    posts = _list(p.get("post")) + _list(p.get("acting_post"))
    return ("post", posts[0]) if posts else ("for", p.get("on_behalf_of"))


def facts(record: dict) -> dict[str, set]:
    """The facts of each kind of ``record``."""
    f: dict[str, set] = {kind: set() for kind in FIELD_KINDS}
    record = record or {}
    for key in ("body", "session", "format"):
        if record.get(key) is not None:
            f["body"].add((key, str(record[key])))
    for key in ("date", "end_date"):
        if record.get(key) is not None:
            f["dates"].add((key, str(record[key])))
    if record.get("place"):
        f["place"].add(("place", record["place"]))
    if record.get("host_state"):
        f["states"].add(("host", record["host_state"]))
    for d in _list(record.get("delegations")):
        f["states"].add(("delegation", d.get("state")))
    for p in _list(record.get("participations")):
        who = _who(p)
        if p.get("person"):
            f["people"].add(p["person"])
        for role in _list(p.get("roles")):
            f["roles"].add((who, role))
        for post in _list(p.get("post")):
            f["posts"].add((who, post))
        for post in _list(p.get("acting_post")):
            f["posts"].add((who, "acting", post))
        if p.get("rank") and p["rank"] != "not-stated":
            f["ranks"].add((who, p["rank"]))
        if p.get("on_behalf_of"):
            f["states"].add(("for", who, p["on_behalf_of"]))
    for d in _list(record.get("decisions")):
        if d.get("type") in ("appointment", "election"):
            f["decisions"].add((d["type"], d.get("appointee"), d.get("post")))
            if d.get("appointee"):
                f["people"].add(d["appointee"])
            if d.get("effective_from"):
                f["dates"].add(("effective_from", d.get("appointee"), str(d["effective_from"])))
        else:
            f["decisions"].add((d.get("type"), d.get("kind"), d.get("title")))
    nxt = record.get("next_meeting") or {}
    if nxt.get("date") is not None:
        f["dates"].add(("next_meeting", str(nxt["date"])))
    if nxt.get("host_state"):
        f["states"].add(("next_meeting", nxt["host_state"]))
    if nxt.get("place"):
        f["place"].add(("next_meeting", nxt["place"]))
    return f


class Score:
    """Counts of right, false and missed facts, by kind, summed over drafts."""

    def __init__(self):
        self.right: Counter = Counter()
        self.false: Counter = Counter()
        self.missed: Counter = Counter()
        self.drafts = 0
        self.errors: list[tuple[str, str, str, object]] = []  # (name, kind, "false" | "missed", fact)

    def add(self, name: str, drafted: dict, curated: dict) -> None:
        self.drafts += 1
        got, want = facts(drafted), facts(curated)
        for kind in FIELD_KINDS:
            self.right[kind] += len(got[kind] & want[kind])
            self.false[kind] += len(got[kind] - want[kind])
            self.missed[kind] += len(want[kind] - got[kind])
            self.errors += [(name, kind, "false", x) for x in sorted(got[kind] - want[kind], key=repr)]
            self.errors += [(name, kind, "missed", x) for x in sorted(want[kind] - got[kind], key=repr)]

    def precision(self, kind: str | None = None) -> float | None:
        kinds = [kind] if kind else FIELD_KINDS
        right = sum(self.right[k] for k in kinds)
        stated = right + sum(self.false[k] for k in kinds)
        return right / stated if stated else None

    def recall(self, kind: str | None = None) -> float | None:
        kinds = [kind] if kind else FIELD_KINDS
        right = sum(self.right[k] for k in kinds)
        wanted = right + sum(self.missed[k] for k in kinds)
        return right / wanted if wanted else None

    def table(self) -> str:
        def fmt(x):
            return "   -  " if x is None else f"{x:6.3f}"

        rows = [f"{'field kind':<11} {'precision':>9} {'recall':>7} {'right':>6} {'false':>6} {'missed':>7}"]
        for kind in (*FIELD_KINDS, None):
            rows.append(f"{kind or 'overall':<11} {fmt(self.precision(kind)):>9} {fmt(self.recall(kind)):>7} "
                        f"{sum(self.right[k] for k in ([kind] if kind else FIELD_KINDS)):>6} "
                        f"{sum(self.false[k] for k in ([kind] if kind else FIELD_KINDS)):>6} "
                        f"{sum(self.missed[k] for k in ([kind] if kind else FIELD_KINDS)):>7}")
        return "\n".join(rows)
