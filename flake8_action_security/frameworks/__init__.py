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
from typing import Optional

from . import dbapi, django, openstack, sqlalchemy
from .base import Access, Chain, FileEnv, trim


def classify(chain: Chain, env: FileEnv) -> Optional[Access]:
    """How the chain reaches the database, or None if it does not."""
    if not chain.methods or not _may_reach_db(chain, env):
        return None
    for framework in (django, sqlalchemy, openstack, dbapi):
        verdict = framework.access(chain, env)
        if verdict is not None:
            return verdict if verdict.methods else None
    return None


# Receiver attributes that some framework module looks at.
_ATTRIBUTES = django.MANAGER_ATTRS | django.SHORTCUTS | {"query", "queryset"}


def _may_reach_db(chain: Chain, env: FileEnv) -> bool:
    """A cheap necessary condition for any framework module to accept the chain (most calls fail it)."""
    receiver = chain.receiver
    config = env.config
    if receiver is None:
        name = chain.root_name
        return name is not None and (name in django.SHORTCUTS or name in env.imports or config.query_helpers(name))
    if env.django and chain.methods[0] in django.QUERYSET_START:
        return True
    if isinstance(receiver, ast.Name):
        name = receiver.id
        if name == "self":
            return chain.methods[0] == "get_queryset" or name in env.records
        return (name in env.imports or name in env.records or name in env.db_bound or name == "db"
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


__all__ = ["Access", "Chain", "FileEnv", "classify", "trim"]
