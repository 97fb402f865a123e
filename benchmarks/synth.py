#!/usr/bin/env python3
"""Synthetic records for benchmarks: a records folder in exactly the curated format.

    python benchmarks/synth.py --meetings 10000 --out /tmp/synth-10k [--seed 1]

writes ``DIR/entities/*.yaml`` and ``DIR/meetings/*.yaml`` that ``csto-kg build --data DIR``
accepts. Everything is obviously synthetic: slugs start with ``synth-`` (meeting slugs, which
must start with their date, contain ``-synth-``), labels with "Synthetic", URLs point at
``example.org``; there are no Wikidata QIDs. The output never goes into the project's ``data/``.

Shape of the data (scaled with ``--meetings``):

* 4 intergovernmental organizations with 5 bodies (councils) each, 12 states, a few member
  states per organization; ministries (government agencies) of every state with their posts;
  cities and regions; two ladders of ranks;
* people who belong to one state's ministry (or an organization's secretariat) and recur
  across meetings over the years, climbing the posts and ranks of their career;
* per meeting: 10-40 participations (heads and members of delegations, the chair, the
  secretary, secretariat staff named only by post, observers), delegations, 2-6 agenda items,
  appointments of the body's secretary with ``effective_from``, sources, next meeting;
* entity files are split so that none comes near the reader's file-size limit.

The same ``--seed`` gives byte-identical files; every meeting draws from its own
``random.Random`` seeded by (seed, meeting index), so the output does not depend on hashing,
dictionary order or the platform.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import random
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

BASE_DATE = dt.date(1995, 1, 9)
PEOPLE_PER_FILE = 2000
WINDOW = 6  # people of one ministry active at the same time

ORGANIZATIONS = [  # slug, label, ru label, member state numbers
    ("synth-sto", "Synthetic Security Treaty Organization", "Синтетическая организация договора о безопасности",
     (1, 2, 3, 4, 5, 6)),
    ("synth-cos", "Synthetic Commonwealth of States", "Синтетическое содружество государств",
     (1, 2, 3, 4, 5, 6, 7, 8, 9)),
    ("synth-sco", "Synthetic Cooperation Organization", "Синтетическая организация сотрудничества",
     (1, 3, 4, 6, 10, 11, 12)),
    ("synth-seu", "Synthetic Economic Union", "Синтетический экономический союз",
     (1, 2, 3, 4, 5)),
]
# The councils every organization has, and which ministry sends its delegations.
BODY_KINDS = [
    ("Council of Foreign Ministers", "mfa"),
    ("Council of Defence Ministers", "mod"),
    ("Coordinating Council on Combating Illegal Migration", "mia"),
    ("Committee of Secretaries of Security Councils", "sec"),
    ("Council on Emergency Situations", "mia"),
]
AGENCIES = {  # kind -> label pattern, rank ladder
    "mfa": ("Ministry of Foreign Affairs of {state}", "civil"),
    "mod": ("Ministry of Defence of {state}", "military"),
    "mia": ("Ministry of Internal Affairs of {state}", "military"),
    "sec": ("Security Council of {state}", "civil"),
}
# Posts in a ministry, junior to senior.
AGENCY_POSTS = [
    ("department-chief-3", "Chief of Department 3"),
    ("department-chief-2", "Chief of Department 2"),
    ("department-chief-1", "Chief of Department 1"),
    ("deputy-minister", "Deputy Head"),
    ("first-deputy-minister", "First Deputy Head"),
    ("minister", "Head"),
]
RANKS = {
    "military": ["Colonel", "Major-General", "Lieutenant-General", "Colonel-General", "General of the Army"],
    "civil": ["State Counsellor of the 3rd Class", "State Counsellor of the 2nd Class",
              "State Counsellor of the 1st Class", "Ambassador Extraordinary and Plenipotentiary"],
}
SECRETARIAT_POSTS = [
    ("secretary-general", "Secretary General"),
    ("deputy-secretary-general", "Deputy Secretary General"),
    ("secretariat-department-head", "Head of a Department of the Secretariat"),
]
TOPICS = [
    "the plan of joint measures for the coming year",
    "the results of a regional operation",
    "the draft agreement on exchanging information",
    "the budget of the joint programme",
    "training of specialists of the member states",
    "the format of the next joint exercise",
    "harmonising national legislation",
    "the report of the working group",
    "cooperation with other international organizations",
    "the order of chairmanship",
]
PUBLISHERS = ["Synthetic News Agency 1", "Synthetic News Agency 2", "Synthetic Press Service 3"]
STATES = 12
CITIES_PER_STATE = 3
SECRETARIAT_PEOPLE = 8  # per organization, at least
SECRETARY_TERM = 4  # sessions of a body between appointments of its secretary


# --------------------------------------------------------------------------- helpers


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def state_slug(s: int) -> str:
    return f"synth-state-{s}"


def state_label(s: int) -> str:
    return f"Synthetic State {s}"


def agency_slug(s: int, kind: str) -> str:
    return f"synth-state-{s}-{kind}"


@dataclass
class Body:
    slug: str
    label: str
    org: int  # index into ORGANIZATIONS
    number: int
    agency: str


@dataclass
class World:
    """The entities every meeting refers to; sizes depend on the number of meetings."""

    meetings: int
    span_days: int
    pool: int  # people per (state, ministry)
    bodies: list[Body] = field(default_factory=list)
    secretariat: int = SECRETARIAT_PEOPLE  # people per organization secretariat

    def person(self, s: int, kind: str, j: int) -> str:
        k = list(AGENCIES).index(kind)
        return f"synth-person-{((s - 1) * len(AGENCIES) + k) * self.pool + j + 1}"

    def staff(self, org: int, j: int) -> str:
        return f"synth-person-{STATES * len(AGENCIES) * self.pool + org * self.secretariat + j + 1}"

    def secretary(self, body: Body, term: int) -> int:
        """The staff index of a body's secretary in a term (the other half are secretaries general)."""
        half = self.secretariat // 2
        return half + (body.number * 3 + term) % (self.secretariat - half)

    def people_count(self) -> int:
        return STATES * len(AGENCIES) * self.pool + len(ORGANIZATIONS) * self.secretariat

    def position(self, i: int) -> float:
        """How far along the pool's window has slid at meeting ``i`` (0 .. pool - WINDOW)."""
        return (i / max(1, self.meetings - 1)) * (self.pool - WINDOW)

    def date(self, i: int) -> dt.date:
        return BASE_DATE + dt.timedelta(days=(i * self.span_days) // max(1, self.meetings))

    def level(self, i: int, j: int, steps: int) -> int:
        """The career level (0 .. steps-1) of person ``j`` of a pool at meeting ``i``: it only grows."""
        seniority = self.position(i) - (j - WINDOW)  # 0 when j enters the window, WINDOW+ when leaving
        return max(0, min(steps - 1, int(seniority * steps / (WINDOW + 1))))


def make_world(meetings: int) -> World:
    span_days = min(30 * 365, max(365, meetings * 3))
    pool = max(WINDOW, math.ceil(meetings / 40))
    world = World(meetings, span_days, pool, secretariat=max(SECRETARIAT_PEOPLE, math.ceil(meetings / 400)))
    for o, (org_slug, org_label, _ru, _members) in enumerate(ORGANIZATIONS):
        for b, (kind_label, agency) in enumerate(BODY_KINDS, start=1):
            world.bodies.append(Body(f"{org_slug}-council-{b}",
                                     f"Synthetic Council {b} of the {org_label} ({kind_label})", o, b, agency))
    return world


class Out:
    """Lines of one YAML file."""

    def __init__(self, header: str):
        self.lines = [f"# {header}"]

    def __call__(self, line: str) -> None:
        self.lines.append(line)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


# --------------------------------------------------------------------------- entities


def entity_files(world: World) -> dict[str, str]:
    files: dict[str, str] = {}

    out = Out("Synthetic states and places, for benchmarks only.")
    out("states:")
    for s in range(1, STATES + 1):
        out(f"  - slug: {state_slug(s)}")
        out(f"    label: {{en: {state_label(s)}, ru: Синтетическое государство {s}}}")
        out(f"    alt_labels: {{en: Republic of {state_label(s)}}}")
    out("places:")
    for s in range(1, STATES + 1):
        out(f"  - slug: synth-state-{s}-region")
        out(f"    label: Synthetic Region of {state_label(s)}")
        out(f"    country: {state_slug(s)}")
        for c in range(1, CITIES_PER_STATE + 1):
            out(f"  - slug: synth-state-{s}-city-{c}")
            out(f"    label: Synthetic City {c} of {state_label(s)}")
            out(f"    country: {state_slug(s)}")
            out(f"    within: synth-state-{s}-region")
    files["entities/synth-states.yaml"] = out.text()

    out = Out("Synthetic organizations, their councils and ministries, and the posts in them.")
    out("organizations:")
    for slug, label, ru, _members in ORGANIZATIONS:
        out(f"  - slug: {slug}")
        out(f"    label: {{en: {label}, ru: {ru}}}")
        out("    type: intergovernmental")
    for s in range(1, STATES + 1):
        for kind, (pattern, _ladder) in AGENCIES.items():
            out(f"  - slug: {agency_slug(s, kind)}")
            out(f"    label: {pattern.format(state=state_label(s))}")
            out("    type: government-agency")
            out(f"    part_of: {state_slug(s)}")
    out("bodies:")
    for body in world.bodies:
        out(f"  - slug: {body.slug}")
        out(f"    label: {body.label}")
        out(f"    unit_of: {ORGANIZATIONS[body.org][0]}")
    out("posts:")
    for slug, label, _ru, _members in ORGANIZATIONS:
        for post, post_label in SECRETARIAT_POSTS:
            out(f"  - slug: {slug}-{post}")
            out(f"    label: {post_label} of the {label}")
            out(f"    post_in: {slug}")
            if post == "secretary-general":
                out("    single_holder: true")
    for body in world.bodies:
        for post, post_label in (("chairman", "Chairman"), ("secretary", "Secretary")):
            out(f"  - slug: {body.slug}-{post}")
            out(f"    label: {post_label} of the {body.label}")
            out(f"    post_in: {body.slug}")
            out("    single_holder: true")
    for s in range(1, STATES + 1):
        for kind, (pattern, _ladder) in AGENCIES.items():
            for post, post_label in AGENCY_POSTS:
                out(f"  - slug: {agency_slug(s, kind)}-{post}")
                out(f"    label: {post_label} of the {pattern.format(state=state_label(s))}")
                out(f"    post_in: {agency_slug(s, kind)}")
    files["entities/synth-organizations.yaml"] = out.text()

    out = Out("Synthetic ranks.")
    out("ranks:")
    for ladder, names in RANKS.items():
        for r, name in enumerate(names, start=1):
            out(f"  - slug: synth-rank-{ladder}-{r}")
            out(f"    label: Synthetic {name}")
    files["entities/synth-ranks.yaml"] = out.text()

    people = [f"synth-person-{n}" for n in range(1, world.people_count() + 1)]
    for chunk in range(0, len(people), PEOPLE_PER_FILE):
        out = Out("Synthetic people.")
        out("people:")
        for slug in people[chunk:chunk + PEOPLE_PER_FILE]:
            n = slug.rsplit("-", 1)[1]
            out(f"  - slug: {slug}")
            out(f"    label: Synthetic Person {n}" if int(n) % 3 else
                f"    label: {{en: Synthetic Person {n}, ru: Синтетическая персона {n}}}")
        files[f"entities/synth-people-{chunk // PEOPLE_PER_FILE + 1:03d}.yaml"] = out.text()
    return files


def source_entry(out: Out, slug: str, publisher: str, published: str, title: str) -> None:
    out(f"  - slug: {slug}")
    out(f"    publisher: {publisher}")
    out(f"    published: {published}")
    out(f"    url: https://example.org/synthetic/{slug}")
    out(f"    title: {title}")
    out("    language: en")


def secretary_general(world: World, org: int, year: int) -> tuple[int, int, int]:
    """(staff index, first year, last year) of the secretary general's term covering ``year``."""
    first = BASE_DATE.year
    term = (year - first) // 3
    return term % (world.secretariat // 2), first + 3 * term, first + 3 * term + 2


# --------------------------------------------------------------------------- meetings


@dataclass
class Meeting:
    name: str  # file name, meetings/....yaml
    text: str
    source: tuple[str, str, str]  # slug, publisher, title
    published: dt.date
    participations: int


def meeting(world: World, seed: int, i: int) -> Meeting:
    rng = random.Random(f"csto-kg-synth:{seed}:{i}")
    body = world.bodies[i % len(world.bodies)]
    session = i // len(world.bodies) + 1
    org_slug, org_label, _ru, members = ORGANIZATIONS[body.org]
    date = world.date(i)
    slug = f"{date.isoformat()}-synth-{org_slug[6:]}-c{body.number}-{session}"
    label = f"{ordinal(session)} meeting of the {body.label}"
    source = f"synth-src-{slug}"
    press = f"{org_slug}-press-{date.year}"
    sources = [source] + ([press] if i % 4 == 0 else [])
    host = rng.choice(members)
    videoconference = rng.random() < 0.15
    ladder = AGENCIES[body.agency][1]
    ranks = RANKS[ladder]

    out = Out(f"Synthetic meeting {i + 1}, for benchmarks only.")
    out(f"label: {label}")
    out(f"body: {body.slug}")
    out(f"session: {session}")
    out(f"date: {date.isoformat()}")
    if not videoconference and rng.random() < 0.2:
        out(f"end_date: {(date + dt.timedelta(days=1)).isoformat()}")
    if not videoconference:
        out(f"place: synth-state-{host}-city-{rng.randint(1, CITIES_PER_STATE)}")
    out(f"host_state: {state_slug(host)}")
    out(f"format: {'videoconference' if videoconference else 'in-person'}")
    out(f"sources: [{', '.join(sources)}]")

    # Who comes: delegations of some member states (the host always), the secretariat, observers.
    total = rng.randint(10, 40)
    others = [s for s in members if s != host]
    states = sorted([host] + rng.sample(others, rng.randint(min(2, len(others)), len(others))))
    staff_count = rng.randint(1, 3)
    observer = rng.random() < 0.2
    budget = total - 1 - staff_count - observer  # 1: the secretary
    states = states[:max(1, min(len(states), budget))]
    if host not in states:
        states[0] = host
        states.sort()
    sizes = [1] * len(states)
    for _ in range(budget - len(states)):
        sizes[rng.randrange(len(states))] += 1

    out("")
    out("delegations:")
    # a meeting citing two sources credits each item to those that state it (here: both)
    every_source = f"    sources: [{', '.join(sources)}]" if len(sources) > 1 else None
    for s in states:
        out(f"  - state: {state_slug(s)}")
        if every_source:
            out(every_source)

    out("")
    out("participations:")
    n = 0

    def participation(roles: list[str], on_behalf_of: str, person: str | None, posts: list[str],
                      rank: str | None, only_main_source: bool = False) -> None:
        nonlocal n
        n += 1
        out(f"  - n: {n}")
        if person:
            out(f"    person: {person}")
        out(f"    roles: [{', '.join(roles)}]")
        out(f"    on_behalf_of: {on_behalf_of}")
        out(f"    post: {posts[0]}" if len(posts) == 1 else f"    post: [{', '.join(posts)}]")
        if rank:
            out(f"    rank: {rank}")
        if only_main_source:
            out(f"    sources: [{source}]")
        elif every_source:
            out(every_source)

    start = world.position(i)
    for s, size in zip(states, sizes):
        window = int(start)
        chosen = [window] + sorted(window + 1 + k for k in rng.sample(range(WINDOW - 1), min(size - 1, WINDOW - 1)))
        extra = size - len(chosen)  # more members than people active: the rest named by post only
        for position, j in enumerate(chosen):
            level = world.level(i, j, len(AGENCY_POSTS))
            posts = [f"{agency_slug(s, body.agency)}-{AGENCY_POSTS[level][0]}"]
            roles = ["head-of-delegation"] if position == 0 else ["delegation-member"]
            if position == 0 and s == host:
                roles.append("chair")
                posts.insert(0, f"{body.slug}-chairman")
            rank = f"synth-rank-{ladder}-{world.level(i, j, len(ranks)) + 1}"
            if position and rng.random() < 0.05:
                participation(roles, state_slug(s), None, posts, None)  # the source names only the post
            else:
                participation(roles, state_slug(s), world.person(s, body.agency, j), posts, rank,
                              only_main_source=rng.random() < 0.1)
        for _ in range(extra):
            participation(["delegation-member"], state_slug(s), None,
                          [f"{agency_slug(s, body.agency)}-{AGENCY_POSTS[rng.randrange(3)][0]}"], None)

    term = (session - 1) // SECRETARY_TERM
    secretary = world.staff(body.org, world.secretary(body, term))
    participation(["secretary"], org_slug, secretary, [f"{body.slug}-secretary"], "synth-rank-civil-2")
    for k in range(staff_count):
        if k == 0:
            holder = secretary_general(world, body.org, date.year)[0]
            participation(["attendee"], org_slug, world.staff(body.org, holder),
                          [f"{org_slug}-secretary-general"], "synth-rank-civil-4")
        else:  # the source names only the post
            participation(["attendee"], org_slug, None, [f"{org_slug}-{SECRETARIAT_POSTS[k][0]}"], None)
    if observer:
        other = (body.org + 1 + rng.randrange(len(ORGANIZATIONS) - 1)) % len(ORGANIZATIONS)
        other_slug = ORGANIZATIONS[other][0]
        participation([rng.choice(["observer", "invited-guest"])], other_slug, None,
                      [f"{other_slug}-deputy-secretary-general"], None)

    out("")
    out("agenda:")
    for a in range(1, rng.randint(2, 6) + 1):
        out(f"  - n: {a}")
        out(f"    subject: Synthetic agenda item {a} on {rng.choice(TOPICS)}")
        if rng.random() < 0.3:
            out(f"    proposed_by: {state_slug(rng.choice(states))}")
        if every_source:
            out(every_source)

    if session % SECRETARY_TERM == 0:  # the last session of a term appoints the next secretary
        successor = world.staff(body.org, world.secretary(body, term + 1))
        out("")
        out("decisions:")
        out("  - n: 1")
        out("    type: appointment")
        out(f"    appointee: {successor}")
        out(f"    post: {body.slug}-secretary")
        if rng.random() < 0.5:
            out(f"    effective_from: {date.year + 1}-01-01")
        out(f"    sources: [{source}]")

    if rng.random() < 0.5:
        out("")
        out("next_meeting:")
        out(f"  date: {date.year + 1}")
        out(f"  host_state: {state_slug(rng.choice(members))}")
        if every_source:
            out(every_source[2:])

    publisher = PUBLISHERS[i % len(PUBLISHERS)]
    return Meeting(f"meetings/{slug}.yaml", out.text(), (source, publisher, f"Report on the {label}"),
                   date + dt.timedelta(days=1), n)


def source_files(world: World, meetings: list[Meeting]) -> dict[str, str]:
    by_year: dict[int, list[Meeting]] = {}
    for m in meetings:
        by_year.setdefault(m.published.year, []).append(m)
    years = range(BASE_DATE.year, world.date(world.meetings - 1).year + 1)
    files = {}
    for year in sorted(set(years) | set(by_year)):
        out = Out(f"Synthetic sources published in {year}.")
        out("sources:")
        for slug, label, _ru, _members in ORGANIZATIONS:
            source_entry(out, f"{slug}-press-{year}", f"Press Service of the {label}", str(year),
                         f"Synthetic press releases of the {label} in {year}")
        for m in by_year.get(year, []):
            slug, publisher, title = m.source
            source_entry(out, slug, publisher, m.published.isoformat(), title)
        files[f"entities/synth-sources-{year}.yaml"] = out.text()
    return files


def holdings_file(world: World) -> str:
    out = Out("Synthetic post-holdings: the secretaries general of the synthetic organizations.")
    out("post_holdings:")
    last_year = world.date(world.meetings - 1).year
    for o, (slug, _label, _ru, _members) in enumerate(ORGANIZATIONS):
        year = BASE_DATE.year
        while year <= last_year:
            holder, first, last = secretary_general(world, o, year)
            out(f"  - slug: {slug}-secretary-general-{first}")
            out(f"    person: {world.staff(o, holder)}")
            out(f"    post: {slug}-secretary-general")
            out(f"    start: {first}")
            out(f"    end: {last}")
            out(f"    sources: [{slug}-press-{first}]")
            year = last + 1
    return out.text()


# --------------------------------------------------------------------------- the folder


@dataclass
class Summary:
    meetings: int
    participations: int
    people: int
    files: int
    bytes: int
    seconds: float
    first_meeting: str  # slug
    first_person: str  # slug of a person who attends the first meeting


def generate(meetings: int, out: Path, seed: int = 1) -> Summary:
    """Write a synthetic records folder with ``meetings`` meetings into ``out``."""
    if meetings < 1:
        raise ValueError("--meetings must be at least 1")
    started = time.perf_counter()
    world = make_world(meetings)
    made = [meeting(world, seed, i) for i in range(meetings)]
    files = entity_files(world)
    files.update(source_files(world, made))
    files["entities/synth-holdings.yaml"] = holdings_file(world)
    files.update((m.name, m.text) for m in made)
    for sub in ("entities", "meetings"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    size = 0
    for name, text in files.items():
        data = text.encode("utf-8")
        (out / name).write_bytes(data)
        size += len(data)
    first_person = next(line.split(": ", 1)[1] for line in made[0].text.splitlines()
                        if line.startswith("    person: "))
    return Summary(meetings, sum(m.participations for m in made), world.people_count(), len(files), size,
                   time.perf_counter() - started, made[0].name[len("meetings/"):-len(".yaml")], first_person)


def _check_target(out: Path, force: bool) -> None:
    repo_data = (Path(__file__).resolve().parents[1] / "data").resolve()
    target = out.resolve()
    if target == repo_data or repo_data in target.parents:
        raise SystemExit(f"error: refusing to write synthetic records into {repo_data} (real data only)")
    existing = [p for sub in ("entities", "meetings") if (out / sub).is_dir() for p in (out / sub).iterdir()]
    if existing:
        if not force:
            raise SystemExit(f"error: {out} already holds records; pass --force to replace them")
        for sub in ("entities", "meetings"):
            shutil.rmtree(out / sub, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a synthetic csto-kg records folder for benchmarks.")
    parser.add_argument("--meetings", type=int, required=True, help="number of meeting records")
    parser.add_argument("--out", type=Path, required=True, help="records folder to create (entities/, meetings/)")
    parser.add_argument("--seed", type=int, default=1, help="random seed; the same seed gives the same bytes")
    parser.add_argument("--force", action="store_true", help="replace the records already in --out")
    args = parser.parse_args(argv)
    if args.meetings < 1:
        parser.error("--meetings must be at least 1")
    _check_target(args.out, args.force)
    summary = generate(args.meetings, args.out, args.seed)
    print(f"wrote {summary.meetings:,} meetings, {summary.participations:,} participations, "
          f"{summary.people:,} people in {summary.files:,} files ({summary.bytes / 1e6:.1f} MB) "
          f"to {args.out} in {summary.seconds:.2f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
