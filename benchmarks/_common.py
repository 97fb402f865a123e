"""Helpers shared by the benchmark scripts: synthetic data, child processes, tables, plots."""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# where results, synthetic records and stores go (CSTO_KG_BENCH_OUT: elsewhere, as the tests do)
OUT = Path(os.environ["CSTO_KG_BENCH_OUT"]) if os.environ.get("CSTO_KG_BENCH_OUT") else HERE / "out"
PYTHON = sys.executable
_SCRIPT = Path(sys.executable).with_name("csto-kg")
CLI = [str(_SCRIPT)] if _SCRIPT.exists() else [PYTHON, "-m", "csto_kg.cli"]  # the command users run

sys.path.insert(0, str(HERE))
import synth  # noqa: E402


def data_dir(meetings: int, seed: int = 1) -> Path:
    """A synthetic records folder with ``meetings`` meetings, generated once and cached in out/."""
    folder = OUT / f"data-{meetings}-s{seed}"
    marker = folder / "summary.json"
    if not marker.exists():
        shutil.rmtree(folder, ignore_errors=True)
        summary = synth.generate(meetings, folder, seed)
        marker.write_text(json.dumps(summary.__dict__, indent=2), encoding="utf-8")
    return folder


def data_summary(meetings: int, seed: int = 1) -> dict:
    return json.loads((data_dir(meetings, seed) / "summary.json").read_text(encoding="utf-8"))


def store_dir(meetings: int, seed: int = 1) -> Path:
    return OUT / f"store-{meetings}-s{seed}"


@dataclass
class Child:
    """A finished child process: wall time, peak memory, exit code and output.

    ``max_rss_mb`` is the kernel's peak RSS of the child (``wait4``; with worker processes, the
    largest single process of its tree); ``tree_peak_mb`` is the largest sum of the proportional
    set size (PSS: shared pages split between the sharers) of the child and all its descendants,
    sampled every 200 ms or less often (see run_child) -- the memory the whole build holds, workers included.
    """

    seconds: float
    max_rss_mb: float
    returncode: int
    stdout: str
    stderr: str
    tree_peak_mb: float = 0.0
    cpu_seconds: float = 0.0  # user + system time of the child and the workers it waited for (``wait4``)


def _descendants(pid: int) -> list[int]:
    """``pid`` and its descendants, from /proc/PID/task/TID/children (Linux; just ``pid`` elsewhere)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            tasks = os.listdir(f"/proc/{current}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{current}/task/{tid}/children", "rb") as handle:
                    todo.extend(int(c) for c in handle.read().split())
            except OSError:
                continue
    return found


def _tree_pss_mb(root: int) -> float:
    """The summed PSS of ``root`` and its descendants, from /proc (Linux; 0 elsewhere)."""
    total = 0
    for pid in _descendants(root):
        try:
            with open(f"/proc/{pid}/smaps_rollup", "rb") as handle:
                for line in handle:
                    if line.startswith(b"Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total / 1024


def tree_cpu_seconds(root: int) -> float:
    """User + system CPU time so far of ``root`` and its live descendants (every thread), with the
    time of the children each has waited for, from /proc (Linux; 0 elsewhere): of a server and its
    workers, the difference over a stretch of time is the CPU it spent, whatever else ran."""
    ticks = 0
    for pid in _descendants(root):
        try:
            with open(f"/proc/{pid}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        ticks += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime (fields 14-17)
    return ticks / os.sysconf("SC_CLK_TCK") if ticks else 0.0


def run_child(cmd: list[str], timeout: float | None = None, cwd: Path | None = None, env: dict | None = None,
              memory_gb: float | None = None, sample_memory: bool = False) -> Child:
    """Run ``cmd``; measure its wall time and peak memory (``wait4`` rusage of that child only).

    ``sample_memory`` also samples the PSS of the child's whole process tree (workers included)
    every 200 ms, or less often when one sample takes long (the kernel walks every mapped page
    to count PSS): the sampler stays under about 2% of one core. ``memory_gb`` caps the child's address space (it then fails with MemoryError
    instead of starving the machine).
    """
    def limit() -> None:
        import resource

        cap = int(memory_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    out_path, err_path = OUT / ".child.out", OUT / ".child.err"
    OUT.mkdir(parents=True, exist_ok=True)
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=cwd, env=env,
                                preexec_fn=limit if memory_gb else None)
        deadline = None if timeout is None else started + timeout
        tree_peak, next_sample = 0.0, started
        if deadline is None and not sample_memory:
            _pid, status, usage = os.wait4(proc.pid, 0)
        else:
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                now = time.perf_counter()
                if deadline is not None and now > deadline:
                    proc.kill()
                    _pid, status, usage = os.wait4(proc.pid, 0)
                    break
                if sample_memory and now >= next_sample:
                    tree_peak = max(tree_peak, _tree_pss_mb(proc.pid))
                    cost = time.perf_counter() - now
                    next_sample = now + max(0.2, 50 * cost)
                time.sleep(0.01)
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    timed_out = deadline is not None and seconds > timeout
    return Child(seconds, usage.ru_maxrss / 1024, -9 if timed_out else proc.returncode,
                 out_path.read_text(encoding="utf-8", errors="replace"),
                 err_path.read_text(encoding="utf-8", errors="replace"),
                 max(tree_peak, usage.ru_maxrss / 1024) if sample_memory else usage.ru_maxrss / 1024,
                 usage.ru_utime + usage.ru_stime)


def child_json(cmd: list[str], timeout: float | None = None, memory_gb: float | None = None) -> tuple[dict | None, Child]:
    """Run a child that prints one JSON object as its last stdout line."""
    child = run_child(cmd, timeout, memory_gb=memory_gb)
    if child.returncode != 0:
        return None, child
    lines = [line for line in child.stdout.splitlines() if line.strip()]
    return json.loads(lines[-1]), child


def build_store(meetings: int, seed: int = 1, force: bool = False) -> tuple[Path, Child | None]:
    """A built store of the synthetic records (``csto-kg build``), reused while it is up to date."""
    from csto_kg.check.build import is_stale
    from csto_kg.store.embedded import EmbeddedStore

    data, store = data_dir(meetings, seed), store_dir(meetings, seed)
    if not force and not is_stale(data, EmbeddedStore(store)):
        return store, None
    child = run_child([*CLI, "build", "--data", str(data), "--store", str(store)])
    if child.returncode != 0:
        raise SystemExit(f"csto-kg build failed on {data}:\n{child.stderr[-3000:]}")
    return store, child


def median_time(fn, repeat: int, warmup: int = 1) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def fmt_seconds(s: float | None) -> str:
    if s is None:
        return "n/a"
    if s < 1:
        return f"{s * 1000:.1f} ms"
    return f"{s:.2f} s"


def fmt_ratio(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}×"


def table(headers: list[str], rows: list[list[object]]) -> str:
    """A Markdown table (pasted as is into benchmarks/README.md)."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    return "\n".join([line(cells[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, cells[1:])])


_NO_PLOTS: list[str] = []  # plots not drawn for want of matplotlib


def plot(name: str, title: str, xs: list[int], series: dict[str, list[float | None]], ylabel: str,
         publish: bool = False, xlabel: str = "meetings", logy: bool = True,
         lower_bounds: dict[str, list[float | None]] | None = None) -> Path | None:
    """Growth curves as a PNG in out/ (and, with ``publish``, a copy in benchmarks/ for the README).

    ``lower_bounds`` are drawn as open triangles: runs stopped before they finished. Without
    matplotlib (``pip install -e '.[bench]'``) nothing is drawn and None is returned: the tables
    are the results, the plots only show them.
    """
    try:
        import matplotlib
    except ImportError:
        if not _NO_PLOTS:
            print("matplotlib is not installed: no plots (the tables are complete)", file=sys.stderr)
        _NO_PLOTS.append(name)
        return None

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9.5, 4.6), dpi=100)
    drawn = 0
    for label, ys in series.items():
        points = [(x, y) for x, y in zip(xs, ys) if y is not None]
        if points:
            ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=label)
            drawn += 1
    for label, ys in (lower_bounds or {}).items():
        points = [(x, y) for x, y in zip(xs, ys) if y is not None]
        if points:
            ax.plot([p[0] for p in points], [p[1] for p in points], linestyle="none", marker="^",
                    markerfacecolor="none", markersize=10, label=label)
            drawn += 1
    ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    if drawn:
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    fig.tight_layout()
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.png"
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)
    if publish:
        shutil.copyfile(path, HERE / f"{name}.png")
    return path


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def load_results(name: str) -> dict:
    return json.loads((OUT / f"{name}.json").read_text(encoding="utf-8"))


def save_results(name: str, results: dict) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.json"
    path.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return path


def machine() -> str:
    import platform

    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
