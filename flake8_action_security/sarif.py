"""SARIF 2.1.0 output for flake8: ``flake8 --format=asa-sarif``.

A flake8 formatter plugin (entry point group ``flake8.report``). It collects
every violation flake8 reports, ours and other plugins', and writes one SARIF
log when the run stops, to ``--output-file`` or standard output.

Each result carries a ``partialFingerprints`` entry that ignores where the
line is: a hash of the rule, the file, the line's text with whitespace
collapsed, and how many earlier results of the same rule have the same text in
that file. Inserting or deleting unrelated lines leaves it unchanged, so code
scanning services keep tracking the same alert.
"""
from __future__ import annotations

import hashlib
import json
import linecache
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import quote

from flake8.formatting.base import BaseFormatter  # flake8 ships no type hints
from flake8.statistics import Statistics
from flake8.violation import Violation

from . import __version__
from .baseline import normalised_text
from .messages import RULES, Rule
from .rule_docs import read_rule_page

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/flake8-action-security/flake8-action-security"
RULE_DOCS_BASE_URI = (
    "https://github.com/flake8-action-security/flake8-action-security/blob/main/docs/rules/"
)
FINGERPRINT_KEY = "asaLineHash/v1"

CWE_NAMES: Dict[int, str] = {
    20: "Improper Input Validation",
    209: "Generation of Error Message Containing Sensitive Information",
    367: "Time-of-check Time-of-use (TOCTOU) Race Condition",
    639: "Authorization Bypass Through User-Controlled Key",
    755: "Improper Handling of Exceptional Conditions",
}

Json = Dict[str, Any]


def _cwe_taxonomy() -> Json:
    cwes = sorted({rule.cwe for rule in RULES})
    return {
        "name": "CWE",
        "organization": "MITRE",
        "informationUri": "https://cwe.mitre.org/",
        "shortDescription": {"text": "The MITRE Common Weakness Enumeration"},
        "taxa": [
            {
                "id": str(cwe),
                "name": CWE_NAMES.get(cwe, f"CWE-{cwe}"),
                "helpUri": f"https://cwe.mitre.org/data/definitions/{cwe}.html",
            }
            for cwe in cwes
        ],
    }


def _rule_descriptor(rule: Rule, taxon_index: int) -> Json:
    title = rule.title[:1].upper() + rule.title[1:]
    descriptor: Json = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": title},
        "fullDescription": {"text": f"{title}: {rule.fix} ({rule.cwe_id})."},
        "helpUri": f"{RULE_DOCS_BASE_URI}{rule.code}.md",
        "defaultConfiguration": {"level": "warning"},
        "properties": {
            "tags": ["security", f"external/cwe/cwe-{rule.cwe}"],
        },
        "relationships": [
            {
                "target": {
                    "id": str(rule.cwe),
                    "index": taxon_index,
                    "toolComponent": {"name": "CWE", "index": 0},
                },
                "kinds": ["relevant"],
            }
        ],
    }
    page = read_rule_page(rule.code)
    if page:
        descriptor["help"] = {"text": page, "markdown": page}
    return descriptor


def _level(code: str) -> str:
    # E9xx are flake8's own "could not check this file" errors.
    return "error" if code.startswith("E9") else "warning"


def artifact_path(filename: str) -> str:
    """A file's path relative to the working directory, with forward slashes,
    or its absolute path when the file lies outside that directory."""
    path = os.path.abspath(filename)
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return path
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return path  # '../../x.py' would resolve against %SRCROOT% to a file outside it
    return relative.replace(os.sep, "/")


def _artifact_location(path: str) -> Json:
    """Relative to %SRCROOT% (the working directory) when under it, else an absolute file URI."""
    if os.path.isabs(path):
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(path, safe="/"), "uriBaseId": "%SRCROOT%"}


def fingerprint(code: str, path: str, text: str, occurrence: int) -> str:
    """The location-free fingerprint of one result (see the module docstring)."""
    key = "\0".join((code, path, normalised_text(text), str(occurrence)))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _line_text(error: Violation) -> str:
    if error.physical_line is not None:
        return str(error.physical_line)
    return linecache.getline(error.filename, error.line_number)


def build_log(violations: List[Violation]) -> Json:
    """The SARIF log for ``violations`` (in flake8's reporting order)."""
    taxonomy = _cwe_taxonomy()
    taxon_index = {taxon["id"]: index for index, taxon in enumerate(taxonomy["taxa"])}
    rules: List[Json] = [_rule_descriptor(rule, taxon_index[str(rule.cwe)]) for rule in RULES]
    rule_index = {rule["id"]: index for index, rule in enumerate(rules)}
    for code in sorted({v.code for v in violations} - set(rule_index)):
        rule_index[code] = len(rules)
        rules.append({"id": code})

    occurrences: Counter[Tuple[str, str, str]] = Counter()
    results: List[Json] = []
    ordered = sorted(
        violations, key=lambda v: (artifact_path(v.filename), v.line_number, v.column_number, v.code)
    )
    for violation in ordered:
        path = artifact_path(violation.filename)
        text = normalised_text(_line_text(violation))
        occurrence = occurrences[(violation.code, path, text)]
        occurrences[(violation.code, path, text)] += 1
        results.append({
            "ruleId": violation.code,
            "ruleIndex": rule_index[violation.code],
            "level": _level(violation.code),
            "message": {"text": violation.text},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": _artifact_location(path),
                    "region": {
                        "startLine": max(violation.line_number, 1),
                        "startColumn": max(violation.column_number, 1),
                    },
                },
            }],
            "partialFingerprints": {
                FINGERPRINT_KEY: fingerprint(violation.code, path, text, occurrence),
            },
        })

    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "flake8-action-security",
                    "version": __version__,
                    "informationUri": INFORMATION_URI,
                    "rules": rules,
                    "supportedTaxonomies": [{"name": "CWE", "index": 0}],
                },
            },
            "taxonomies": [taxonomy],
            "results": results,
        }],
    }


class SarifFormatter(BaseFormatter):  # type: ignore[misc]  # untyped base class
    """flake8 formatter ``asa-sarif``: one SARIF 2.1.0 log per run."""

    def after_init(self) -> None:
        self.violations: List[Violation] = []

    def start(self) -> None:
        # The base class appends to --output-file; a second JSON document
        # appended to an old one would not parse, so the file is replaced.
        if self.filename:
            directory = os.path.dirname(os.path.abspath(self.filename))
            os.makedirs(directory, exist_ok=True)
            self.output_fd = open(self.filename, "w", encoding="utf-8")

    def handle(self, error: Violation) -> None:
        self.violations.append(error)

    def format(self, error: Violation) -> Optional[str]:
        return None

    def show_source(self, error: Violation) -> Optional[str]:
        return None

    def show_statistics(self, statistics: Statistics) -> None:
        """Statistics are not part of a SARIF log; ``--statistics`` adds nothing."""

    def show_benchmarks(self, benchmarks: List[Tuple[str, float]]) -> None:
        """Benchmarks are not part of a SARIF log; ``--benchmark`` adds nothing."""

    def stop(self) -> None:
        text = json.dumps(build_log(self.violations), indent=2, ensure_ascii=False)
        if self.output_fd is not None:
            self.output_fd.write(text + self.newline)
        if self.output_fd is None or self.options.tee:
            sys.stdout.buffer.write((text + self.newline).encode("utf-8"))
            sys.stdout.flush()
        super().stop()
