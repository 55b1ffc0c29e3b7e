"""What each framework means, as data plus small predicates (SPEC section 1).

The traversal hands every call chain to :func:`classify`, which asks each
framework module in turn whether the chain reaches a database, and how:
whether it *executes* SQL on its line or only *builds* a query, whether it is
a *raising* lookup (missing row = exception) or a *handled* one
(``get_object_or_404``). Knowledge of a framework lives in its one module;
teaching the plugin a new one does not touch the traversal.
"""
from __future__ import annotations

import ast
from typing import Dict, Optional, Set

from ..config import Config
from . import dbapi, django, openstack, sqlalchemy
from .base import Access, Chain, FileEnv, trim


def classify(chain: Chain, env: FileEnv) -> Optional[Access]:
    """How the chain reaches the database, or None if it does not."""
    if not chain.methods or not may_reach_db(chain.receiver, chain.root_name, chain.methods[0], env):
        return None
    for framework in (django, sqlalchemy, openstack, dbapi):
        verdict = framework.access(chain, env)
        if verdict is not None:
            return verdict if verdict.methods else None
    return None


# Receiver attributes that some framework module looks at.
_ATTRIBUTES = django.MANAGER_ATTRS | django.SHORTCUTS | {"query", "queryset"}


def db_imports(imports: Dict[str, str], config: Config) -> Set[str]:
    """The imported names that can start a DB call: DB API modules and their functions, `objects`."""
    found = set()
    for name, path in imports.items():
        parent = path.rsplit(".", 1)[0] if "." in path else ""
        if (config.db_modules(path) or (parent and config.db_modules(parent)) or path == "objects"
                or path.endswith(".objects") or name == "db"):
            found.add(name)
    return found


def may_reach_db(receiver: Optional[ast.expr], root_name: Optional[str], first: Optional[str],
                 env: FileEnv) -> bool:
    """A cheap necessary condition for any framework module to accept a chain (most calls fail it),
    asked before the chain is even built."""
    config = env.config
    if receiver is None:
        return root_name is not None and (root_name in django.SHORTCUTS or root_name in env.db_imports
                                          or config.query_helpers(root_name))
    if first is None:
        return False
    if env.django and first in django.QUERYSET_START:
        return True
    if isinstance(receiver, ast.Name):
        name = receiver.id
        if name == "self":
            return first == "get_queryset" or name in env.records
        return (name in env.db_imports or name in env.records or name in env.db_bound or name == "db"
                or name in env.model_names or (env.db_evidence and config.db_receivers(name)))
    if isinstance(receiver, ast.Attribute):
        attr = receiver.attr
        if attr in _ATTRIBUTES or attr.endswith("_set") or (env.db_evidence and config.db_receivers(attr)):
            return True
        node: ast.expr = receiver
        while isinstance(node, ast.Attribute):
            node = node.value
        return isinstance(node, ast.Name) and node.id in env.imports
    return False


__all__ = ["Access", "Chain", "FileEnv", "classify", "db_imports", "may_reach_db", "trim"]
