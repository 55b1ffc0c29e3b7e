"""OpenStack: DB API modules, query helpers, versioned objects, WSGI controllers."""
from __future__ import annotations

import ast
from typing import Optional

from ..syntax import dotted
from . import sqlalchemy
from .base import Access, Chain, FileEnv


DB_IMPORTS = ("oslo_db",)
# Methods of a persistent (versioned) object that run SQL.
OBJECT_WRITES = frozenset({"save", "create", "destroy", "delete", "update", "refresh"})
# WSGI controller decorators that make a method a request handler (SPEC section 3).
HANDLER_DECORATORS = frozenset({"action", "response", "expected_errors", "schema"})
HANDLER_DECORATOR_OWNERS = frozenset({"wsgi", "validation", "extensions"})


def access(chain: Chain, env: FileEnv) -> Optional[Access]:

    cfg = env.config
    methods = chain.methods
    receiver = chain.receiver
    if receiver is None:
        name = chain.root_name or ""
        path = env.imports.get(name)
        if path is not None and "." in path and cfg.db_modules(path.rsplit(".", 1)[0]):
            return Access("openstack", "module", methods, executes=True)  # from x.db.api import f
        if cfg.query_helpers(name):
            return sqlalchemy.query_helper_access(chain)
        return None
    if isinstance(receiver, ast.Name):
        path = env.imports.get(receiver.id)
        if path is not None and cfg.db_modules(path):
            if len(methods) == 1 and methods[0][:1].isupper():
                return Access("openstack", "module", (), executes=False)  # db.Model(...): a type
            return Access("openstack", "module", methods, executes=True)
        if receiver.id in env.records and methods[-1] in OBJECT_WRITES and len(methods) == 1:
            return Access("openstack", "record", methods, executes=True)
        return None
    text = dotted(receiver)
    if text is None:
        return None
    head, _, rest = text.partition(".")
    path = env.imports.get(head)
    if path is None:
        return None
    if cfg.db_modules(f"{path}.{rest}"):
        return Access("openstack", "module", methods, executes=True)
    # objects.Instance.get_by_uuid(...): a persistent object class of an `*.objects` package
    if (path == "objects" or path.endswith(".objects")) and "." not in rest and rest[:1].isupper():
        return Access("openstack", "object", methods, executes=True, model=rest)
    return None


def is_handler_decorator(decorator: ast.expr) -> bool:
    """``@wsgi.action('x')``, ``@wsgi.expected_errors(404)``, ``@validation.schema(...)``."""
    node = decorator.func if isinstance(decorator, ast.Call) else decorator
    if not isinstance(node, ast.Attribute) or node.attr not in HANDLER_DECORATORS:
        return False
    owner = node.value
    return isinstance(owner, ast.Name) and owner.id in HANDLER_DECORATOR_OWNERS
