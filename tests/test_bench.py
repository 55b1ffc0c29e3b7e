"""bench/bench.py's growth shapes run and measure what they say (tiny sizes: not a timing test)."""
from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from flake8_action_security.config import build_config
from flake8_action_security.plugin import ActionSecurityChecker

ROOT = Path(__file__).resolve().parents[1]


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench", ROOT / "bench" / "bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_growth_shapes_at_n_and_8n() -> None:
    bench = load_bench()
    plugins, options = bench.load_checkers([])
    rows = bench.run_growth(plugins["ASA"], options, 1, {"helper": 2, "baseline": 3})
    assert [(r.shape, r.units, r.lines, r.failed) for r in rows] == [
        ("same-named helper", 2, 30, 0),
        ("same-named helper", 16, 184, 0),
        ("no baseline", 3, 18, 0),
        ("no baseline", 24, 102, 0),
        ("baseline write", 3, 18, 0),
        ("baseline write", 24, 102, 0),
        ("baseline apply", 3, 18, 0),
        ("baseline apply", 24, 102, 0),
    ]
    assert all(r.plugin_seconds > 0 and r.parse_seconds > 0 for r in rows)
    assert plugins["ASA"].obj.baseline is None  # the timed baselines are taken down again


def test_helper_shape_writes_the_helpers_result() -> None:
    bench = load_bench()
    tree = ast.parse(bench.helper_classes_module(3))
    classes = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    assert [c.name for c in classes] == ["Widget0", "Widget1", "Widget2"]
    for cls in classes:
        assert [f.name for f in cls.body if isinstance(f, ast.FunctionDef)] == ["values", "save", "create"]
    assert ast.unparse(classes[0].body[2]).splitlines()[-1] == "    return db.widget_create(ctx, self.values(x))"


def test_baseline_shape_has_findings_to_fingerprint() -> None:
    bench = load_bench()
    tree = ast.parse(bench.many_functions_module(3))
    saved = ActionSecurityChecker.config
    ActionSecurityChecker.config = build_config(confidence="low")  # object-layer findings: the review lens
    try:
        codes = [message.split(" ", 1)[0] for _, _, message, _ in ActionSecurityChecker(tree).run()]
    finally:
        ActionSecurityChecker.config = saved
    assert codes == ["ASA001", "ASA003"] * 3
