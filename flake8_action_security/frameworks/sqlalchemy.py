"""SQLAlchemy (1.x and 2.0), Flask-SQLAlchemy and SQLModel."""
from __future__ import annotations

import ast
from typing import Optional, Tuple
from .base import Access, Chain, FileEnv, trim


DB_IMPORTS = ("sqlalchemy", "flask_sqlalchemy", "sqlmodel")
TERMINALS = frozenset(
    "one one_or_none scalar_one scalar_one_or_none first all scalar scalars count get "
    "execute flush commit update delete insert paginate exists merge_result".split()
)
RAISING = frozenset({"one", "scalar_one"})
HANDLED = frozenset({"get_or_404", "first_or_404", "one_or_404"})
# Session methods that only stage work: the SQL runs at the next flush or commit.
SESSION_STAGING = frozenset({"add", "add_all", "delete", "merge", "expire", "expire_all", "expunge",
                             "expunge_all", "query", "enable_relationship_loading", "make_transient"})
# Flask-SQLAlchemy's `db` object: only these attributes touch the database.
FLASK_DB_ACCESS = frozenset({"session", "get_or_404", "first_or_404", "one_or_404", "paginate"})
# Attributes of SQLAlchemy's namespace (and Flask-SQLAlchemy's `db`) that build expressions.
EXPRESSIONS = frozenset(
    "and_ or_ not_ func relationship backref select column_property text case literal literal_column "
    "desc asc null true false cast exists join outerjoin union union_all table column event inspect "
    "synonym deferred composite dynamic_loader create_all drop_all init_app between distinct tuple_ "
    "type_coerce bindparam alias aliased lazyload joinedload subqueryload selectinload contains_eager "
    "foreign remote validates declared_attr metadata insert update delete".split()
)
MODEL_BASES = frozenset({"Base", "DeclarativeBase", "SQLModel", "Model", "AuditMixinNullable"})


def access(chain: Chain, env: FileEnv) -> Optional[Access]:

    methods = chain.methods
    receiver = chain.receiver
    last = methods[-1]
    if isinstance(receiver, ast.Attribute) and receiver.attr == "query":
        base = receiver.value
        if isinstance(base, ast.Name) and base.id[:1].isupper():  # Model.query...
            methods = trim(methods, TERMINALS | HANDLED)
            last = methods[-1]
            return Access("sqlalchemy", "orm", methods, executes=last in TERMINALS or last in HANDLED,
                          raising=last in RAISING, handled=last in HANDLED, model=base.id)
        return None
    if isinstance(receiver, ast.Name) and receiver.id == "db":
        # Flask-SQLAlchemy: db.get_or_404(M, id), db.paginate(...); db.and_, db.Column build expressions.
        first = methods[0]
        if first in HANDLED:
            return Access("sqlalchemy", "orm", methods, executes=True, handled=True, model=_first_arg(chain))
        if first == "paginate":
            return Access("sqlalchemy", "orm", methods, executes=True)
        if first in EXPRESSIONS or first[:1].isupper():
            return Access("sqlalchemy", "expression", (), executes=False)  # stop: not DB access
    return None


def session_access(chain: Chain, methods: Tuple[str, ...]) -> Access:
    """A chain on a session-like receiver (the DB-API module decided it is one)."""

    methods = trim(methods, TERMINALS)
    last = methods[-1]
    if len(methods) == 1 and methods[0] in SESSION_STAGING:
        return Access("sqlalchemy", "session", methods, executes=False)
    executes = last in TERMINALS or (last not in SESSION_STAGING and not _lazy(last))
    model = _first_arg(chain) if methods[0] in ("query", "get") else None
    return Access("sqlalchemy", "session", methods, executes=executes, raising=last in RAISING, model=model)


def query_helper_access(chain: Chain) -> Access:

    last = chain.methods[-1]
    model = None
    first = chain.links[0]
    for arg in first.args:
        if isinstance(arg, ast.Attribute) and arg.attr[:1].isupper():
            model = arg.attr
            break
        if isinstance(arg, ast.Name) and arg.id[:1].isupper():
            model = arg.id
            break
    executes = len(chain.methods) > 1 and last in TERMINALS
    return Access("sqlalchemy", "helper", chain.methods, executes=executes, raising=last in RAISING, model=model)


LAZY = frozenset("filter filter_by join outerjoin options order_by group_by having limit offset "
                 "where select_from with_for_update distinct subquery correlate join_from "
                 "with_entities yield_per execution_options params enable_eagerloads".split())


def _lazy(method: str) -> bool:
    return method in LAZY


def _first_arg(chain: Chain) -> Optional[str]:
    args = chain.links[0].args
    if args and isinstance(args[0], ast.Name) and args[0].id[:1].isupper():
        return args[0].id
    return None
