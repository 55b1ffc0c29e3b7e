"""Baselines: adopt the plugin on a legacy tree without fixing everything first.

``--asa-write-baseline FILE`` records every ASA finding of the run in FILE;
``--asa-baseline FILE`` suppresses the findings recorded there and reports the
rest. A finding is recorded by where it is in the code, not by line number:

    (file, rule code, enclosing function, line text with whitespace collapsed)

with a count, so inserting or deleting lines elsewhere in the file changes
nothing, while a second copy of a recorded defect is still reported. File
paths are relative to the baseline file's directory, with forward slashes.

flake8 may check files in parallel worker processes, and a plugin sees one
file at a time. The write side therefore works in two steps: each process
appends one JSON line per checked file to a journal beside FILE, under an
exclusive lock, and the main process, at exit, merges the journal into FILE,
sorted, and removes the journal. The read side loads FILE once per process,
when flake8 parses the options.
"""
from __future__ import annotations

import ast
import atexit
import errno
import json
import multiprocessing
import os
import sys
from collections import Counter
from dataclasses import dataclass
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from .config import CONFIG_ERROR_STATUS, ConfigError
from .rules import Finding

FORMAT_VERSION = 1

Fingerprint = Tuple[str, str, str]  # rule code, enclosing function, normalised line text
FileEntries = Mapping[Fingerprint, int]


def add_baseline_options(option_manager: Any) -> None:
    """Register ``--asa-baseline`` and ``--asa-write-baseline`` with flake8."""
    option_manager.add_option(
        "--asa-baseline",
        default=None,
        parse_from_config=True,
        normalize_paths=True,
        metavar="FILE",
        help="suppress the ASA findings recorded in FILE (see --asa-write-baseline)",
    )
    option_manager.add_option(
        "--asa-write-baseline",
        default=None,
        parse_from_config=True,
        normalize_paths=True,
        metavar="FILE",
        help="record every ASA finding of this run in FILE instead of reporting it",
    )


# --- fingerprints ---


def normalised_text(text: str) -> str:
    """A line's text with runs of whitespace collapsed to one space (shared with SARIF)."""
    return " ".join(text.split())


def normalised_line(lines: Sequence[str], line: int) -> str:
    """Line ``line`` (1-based), normalised."""
    if 1 <= line <= len(lines):
        return normalised_text(lines[line - 1])
    return ""


def _scopes(tree: ast.AST) -> List[Tuple[int, int, str]]:
    """(first line, last line, qualified name) of every def and class, outer first."""
    scopes: List[Tuple[int, int, str]] = []
    stack: List[Tuple[ast.AST, str]] = [(tree, "")]
    while stack:  # explicit stack: expressions may nest deeper than recursion allows
        node, prefix = stack.pop()
        for child in reversed(list(ast.iter_child_nodes(node))):
            child_prefix = prefix
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                child_prefix = f"{prefix}.{child.name}" if prefix else child.name
                first = min([child.lineno] + [d.lineno for d in child.decorator_list])
                last = child.end_lineno or child.lineno
                scopes.append((first, last, child_prefix))
            stack.append((child, child_prefix))
    scopes.sort(key=lambda scope: (scope[0], -scope[1]))
    return scopes


def _enclosing_names(scopes: List[Tuple[int, int, str]], lines: Sequence[int]) -> List[str]:
    """The innermost scope around each of ``lines``, in one sweep over both sorted lists.

    Scopes nest or are disjoint, so the scopes open at a line form a stack,
    innermost on top.
    """
    names = [""] * len(lines)
    open_scopes: List[Tuple[int, int, str]] = []
    next_scope = 0
    for index in sorted(range(len(lines)), key=lines.__getitem__):
        line = lines[index]
        while next_scope < len(scopes) and scopes[next_scope][0] <= line:
            scope = scopes[next_scope]
            while open_scopes and open_scopes[-1][1] < scope[0]:
                open_scopes.pop()
            open_scopes.append(scope)
            next_scope += 1
        while open_scopes and open_scopes[-1][1] < line:
            open_scopes.pop()
        if open_scopes:
            names[index] = open_scopes[-1][2]
    return names


def fingerprints(
    tree: ast.AST, lines: Sequence[str], findings: Sequence[Finding]
) -> List[Fingerprint]:
    """The fingerprint of each finding, in order."""
    if not findings:
        return []
    functions = _enclosing_names(_scopes(tree), [f.line for f in findings])
    return [
        (f.code, function, normalised_line(lines, f.line)) for f, function in zip(findings, functions)
    ]


def relative_path(filename: str, root: str) -> str:
    """``filename`` relative to ``root``, with forward slashes."""
    try:
        path = os.path.relpath(os.path.abspath(filename), root)
    except ValueError:  # another drive on Windows
        path = os.path.abspath(filename)
    return path.replace(os.sep, "/")


# --- the baseline file ---


class _Malformed(ValueError):
    """What is wrong with a baseline document, as a clause."""


def load(path: str) -> Dict[str, FileEntries]:
    """Read a baseline file; a missing or malformed one is a ConfigError."""
    try:
        with open(path, encoding="utf-8") as stream:
            data = json.load(stream)
    except OSError as exc:
        raise ConfigError(f"--asa-baseline: cannot read {path!r}: {exc.strerror or exc}") from None
    except RecursionError:
        raise ConfigError(f"--asa-baseline: {path!r} is not a baseline file: its JSON nests too deeply") from None
    except ValueError as exc:  # bad JSON, bad UTF-8, an integer too long to convert
        raise ConfigError(f"--asa-baseline: {path!r} is not valid JSON: {exc}") from None
    try:
        return _files(data)
    except _Malformed as exc:
        raise ConfigError(f"--asa-baseline: {path!r} is not a baseline file: {exc}") from None


def _is_int(value: object) -> bool:
    return type(value) is int  # not a bool, not a float such as 1e400 (inf)


def _files(data: object) -> Dict[str, FileEntries]:
    """The entries of a parsed baseline document, checked field by field."""
    if not isinstance(data, dict):
        raise _Malformed(f"the document is a JSON {_json_type(data)}, not an object")
    version = data.get("version")
    if not (_is_int(version) and version == FORMAT_VERSION):
        raise _Malformed(f"unsupported version {version!r}")
    documented = data.get("files")
    if not isinstance(documented, dict):
        raise _Malformed(f"'files' is a JSON {_json_type(documented)}, not an object")
    files: Dict[str, FileEntries] = {}
    for file_path, entries in documented.items():
        if not isinstance(entries, list):
            raise _Malformed(f"the entries of {file_path!r} are a JSON {_json_type(entries)}, not an array")
        counts: Counter[Fingerprint] = Counter()
        for number, entry in enumerate(entries, 1):
            where = f"entry {number} of {file_path!r}"
            if not isinstance(entry, dict):
                raise _Malformed(f"{where} is a JSON {_json_type(entry)}, not an object")
            for key in ("code", "function", "line"):
                if not isinstance(entry.get(key), str):
                    raise _Malformed(f"{where} has no string {key!r}")
            count = entry.get("count", 1)
            if not (_is_int(count) and count >= 1):
                raise _Malformed(f"{where} has count {count!r}, not a positive whole number")
            counts[(entry["code"], entry["function"], entry["line"])] += count
        files[file_path] = counts
    return files


def _json_type(value: object) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", int: "number", float: "number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def dump(files: Mapping[str, FileEntries]) -> str:
    """The text of a baseline file: sorted, one entry per fingerprint."""
    document = {
        "version": FORMAT_VERSION,
        "tool": "flake8-action-security",
        "files": {
            file_path: [
                {"code": code, "function": function, "line": line, "count": count}
                for (code, function, line), count in sorted(files[file_path].items())
            ]
            for file_path in sorted(files)
            if files[file_path]
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _lock(fd: int) -> None:
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_LOCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX)


def _append_locked(path: str, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        _lock(fd)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)  # releases the lock


_JOURNAL_VARIABLE = "FLAKE8_ACTION_SECURITY_BASELINE_JOURNAL"


def _journal_name(path: str, main_pid: int) -> str:
    return f"{path}.{main_pid}.journal"


@dataclass(frozen=True)
class BaselineWriter:
    """Records findings into ``path`` through a per-run journal."""

    path: str
    journal: str

    @classmethod
    def for_run(cls, path: str) -> "BaselineWriter":
        """The writer of this run: the main process starts the journal and
        merges it at exit; a worker process appends to the main one's journal.
        """
        path = os.path.abspath(path)
        parent = multiprocessing.parent_process()
        if parent is not None and parent.pid is not None:
            # A worker that re-parsed the options (the "spawn" start method;
            # "fork" workers inherit the main process's writer instead).
            inherited = os.environ.get(_JOURNAL_VARIABLE, "")
            main_pid, _, journal_of = inherited.partition(":")
            if main_pid == str(parent.pid) and journal_of == path:
                return cls(path, _journal_name(path, parent.pid))
        if os.path.isdir(path):
            raise ConfigError(
                f"--asa-write-baseline: cannot write {path!r}: {os.strerror(errno.EISDIR)}"
            )
        writer = cls(path, _journal_name(path, os.getpid()))
        try:
            # the journal lies beside FILE: creating it proves the directory takes new files
            with open(writer.journal, "w", encoding="utf-8"):
                pass
        except OSError as exc:
            raise ConfigError(
                f"--asa-write-baseline: cannot write {path!r}: {exc.strerror or exc}"
            ) from None
        os.environ[_JOURNAL_VARIABLE] = f"{os.getpid()}:{path}"
        atexit.register(_merge_at_exit, writer, os.getpid())
        return writer

    @property
    def root(self) -> str:
        return os.path.dirname(os.path.abspath(self.path))

    def record(self, filename: str, keys: Iterable[Fingerprint]) -> None:
        """Add one checked file's findings to the journal."""
        entries = [list(key) for key in keys]
        if not entries:
            return
        line = json.dumps({"path": relative_path(filename, self.root), "entries": entries})
        _append_locked(self.journal, (line + "\n").encode("utf-8"))

    def merge(self) -> Optional[str]:
        """Turn the journal into the baseline file; on failure, remove both
        working files and say why in one line."""
        temporary = f"{self.path}.{os.getpid()}.tmp"
        files: Dict[str, Counter[Fingerprint]] = {}
        try:
            with open(self.journal, encoding="utf-8") as stream:
                for text in stream:
                    record = json.loads(text)
                    # A file checked twice in one run counts once.
                    files[record["path"]] = Counter(
                        (str(code), str(function), str(line))
                        for code, function, line in record["entries"]
                    )
            with open(temporary, "w", encoding="utf-8") as stream:
                stream.write(dump(files))
            os.replace(temporary, self.path)
            os.remove(self.journal)
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else f"damaged journal {self.journal!r}"
            for leftover in (temporary, self.journal):
                try:
                    os.remove(leftover)
                except OSError:
                    pass
            return f"flake8-action-security: --asa-write-baseline: cannot write {self.path!r}: {reason}"


def _merge_at_exit(writer: BaselineWriter, owner_pid: int) -> None:
    """The main process's last step: write the baseline, or fail the run.

    flake8 has decided its exit status by the time exit handlers run, and an
    exception raised here would be printed and ignored. A CI job must not
    pass with no baseline written, so a failure ends the process with
    status 2 at once (after flushing what the run has printed).
    """
    if os.getpid() != owner_pid:  # a forked worker inherits the handler
        return
    problem = writer.merge()
    if problem is None:
        return
    print(problem, file=sys.stderr)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(CONFIG_ERROR_STATUS)


@dataclass(frozen=True)
class Baseline:
    """What ``--asa-baseline`` and ``--asa-write-baseline`` ask of this run."""

    recorded: Optional[Mapping[str, FileEntries]] = None
    recorded_root: str = ""
    writer: Optional[BaselineWriter] = None

    def apply(
        self, filename: str, lines: Sequence[str], tree: ast.AST, findings: List[Finding]
    ) -> List[Finding]:
        """The findings to report for one file.

        When writing, every finding is recorded and none is reported. When
        reading, each recorded entry absorbs as many findings as its count.
        """
        if not findings:
            return findings
        keys = fingerprints(tree, lines, findings)
        if self.writer is not None:
            self.writer.record(filename, keys)
            return []
        if self.recorded is None:
            return findings
        remaining = Counter(self.recorded.get(relative_path(filename, self.recorded_root), {}))
        reported = []
        for finding, key in zip(findings, keys):
            if remaining[key] > 0:
                remaining[key] -= 1
            else:
                reported.append(finding)
        return reported


def baseline_from_options(options: Any) -> Optional[Baseline]:
    """The Baseline the parsed options ask for, or None (the usual case)."""
    read_path: Optional[str] = getattr(options, "asa_baseline", None)
    write_path: Optional[str] = getattr(options, "asa_write_baseline", None)
    if write_path:
        return Baseline(writer=BaselineWriter.for_run(write_path))
    if not read_path:
        return None
    recorded = load(read_path)
    return Baseline(recorded=recorded, recorded_root=os.path.dirname(os.path.abspath(read_path)))
