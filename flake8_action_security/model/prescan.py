"""What a module is, read off its top level before the walk: imports, DB evidence, web framework.

The frameworks need to know whether a module talks to a database before the
first call is classified (receiver names count only in such a module), and
imports normally come first; the prescan reads only top-level statements
(and the bodies of top-level ``if``/``try``), not the whole tree.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Dict, List, Set, Union

from ..config import Config
from ..frameworks import dbapi, django, openstack, sqlalchemy, web
from ..syntax import last_name

DB_IMPORTS = django.DB_IMPORTS + sqlalchemy.DB_IMPORTS + openstack.DB_IMPORTS + dbapi.DRIVERS


@dataclass(frozen=True)
class ModuleFacts:
    imports: Dict[str, str]
    db_evidence: bool
    web: bool
    django_views: bool  # imports Django's request layer: a function taking `request` is a view
    models: Set[str]  # classes of this module with a model base
    instance_names: Set[str]  # parameter names that stand for a model instance (`order` for Order)
    model_names: Set[str]  # model classes defined here or imported from a models module
    django: bool
    unique_models: Set[str]  # models of this module that declare a unique column or constraint


def bind_import(stmt: Union[ast.Import, ast.ImportFrom], imports: Dict[str, str]) -> None:
    if isinstance(stmt, ast.Import):
        for alias in stmt.names:
            if alias.asname:
                imports[alias.asname] = alias.name
            else:
                top = alias.name.split(".", 1)[0]
                imports[top] = top
        return
    base = "." * (stmt.level or 0) + (stmt.module or "")
    for alias in stmt.names:
        if alias.name == "*":
            continue
        path = f"{base}.{alias.name}" if base and not base.endswith(".") else base + alias.name
        imports[alias.asname or alias.name] = path


def prescan(module: ast.Module, config: Config) -> ModuleFacts:
    imports: Dict[str, str] = {}
    paths: List[str] = []
    models: Set[str] = set()
    unique_models: Set[str] = set()
    model_base_seen = False
    pending: List[ast.stmt] = list(reversed(module.body))
    while pending:
        stmt = pending.pop()
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            bind_import(stmt, imports)
            if isinstance(stmt, ast.Import):
                paths.extend(a.name for a in stmt.names)
            else:
                base = "." * (stmt.level or 0) + (stmt.module or "")
                paths.append(base)
                paths.extend(f"{base}.{a.name}" for a in stmt.names)
        elif isinstance(stmt, ast.ClassDef):
            bases = [last_name(b) for b in stmt.bases]
            if any(b is not None and (django.is_model_base(b) or b in sqlalchemy.MODEL_BASES or b in models)
                   for b in bases):
                models.add(stmt.name)
                model_base_seen = True
                if _declares_unique(stmt):
                    unique_models.add(stmt.name)
        elif isinstance(stmt, (ast.If, ast.Try)):
            nested = list(stmt.body) + list(stmt.orelse)
            if isinstance(stmt, ast.Try):
                for handler in stmt.handlers:
                    nested.extend(handler.body)
            pending.extend(reversed(nested))
    db_evidence = model_base_seen or any(_talks_to_db(path, config) for path in paths)
    django_views = any(p.startswith(("django.http", "django.views", "django.shortcuts", "django.contrib.auth",
                                     "rest_framework")) for p in paths)
    model_names = set(models) | {
        name for name, path in imports.items()
        if name[:1].isupper() and (".models" in path or path.startswith("models."))
    }
    instance_names = {_snake(name) for name in model_names}
    imports_django = any(p == "django" or p.startswith("django.") for p in paths)
    return ModuleFacts(imports, db_evidence, web.imports_web_framework(paths), django_views, models,
                       instance_names, model_names, imports_django, unique_models)


UNIQUE_MARKERS = frozenset({"UniqueConstraint", "unique_together", "PrimaryKeyConstraint"})


def _declares_unique(cls: ast.ClassDef) -> bool:
    """``unique=True`` on a column, ``UniqueConstraint(...)`` or ``unique_together`` in the class
    (its Meta and __table_args__ included): the database refuses a duplicate row itself."""
    for node in ast.walk(cls):  # a class body is small and walked once, in the prescan only
        if isinstance(node, ast.keyword) and node.arg == "unique" and isinstance(node.value, ast.Constant) \
                and node.value.value is True:
            return True
        if isinstance(node, ast.Name) and node.id in UNIQUE_MARKERS:
            return True
        if isinstance(node, ast.Attribute) and node.attr in UNIQUE_MARKERS:
            return True
    return False


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() and i else c.lower() for i, c in enumerate(name))


def _talks_to_db(path: str, config: Config) -> bool:
    stripped = path.lstrip(".")
    if any(stripped == p or stripped.startswith(p + ".") for p in DB_IMPORTS):
        return True
    if stripped.endswith(".models") or ".models." in stripped or stripped == "models":
        return True
    return bool(stripped) and config.db_modules(stripped)
