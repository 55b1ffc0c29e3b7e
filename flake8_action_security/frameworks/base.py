"""The shapes every framework module shares: a call chain, an access verdict, the file's environment."""
from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import AbstractSet, Dict, FrozenSet, NamedTuple, Optional, Tuple

from ..config import Config


class Chain(NamedTuple):
    """One call chain ``recv.a(x).b(y)``: its links innermost first."""

    links: Tuple[ast.Call, ...]  # innermost first
    methods: Tuple[str, ...]  # the names of the links that have one, innermost first
    receiver: Optional[ast.expr]  # what the innermost link is called on; None for a bare call f(...)
    root_name: Optional[str]  # the bare function name when receiver is None

    @property
    def last(self) -> str:
        return self.methods[-1] if self.methods else ""


class Access(NamedTuple):
    """How a chain reaches the database."""

    framework: str  # "django", "sqlalchemy", "openstack" or "dbapi"
    style: str  # "orm", "shortcut", "session", "module", "receiver", "helper", "object", "record"
    methods: Tuple[str, ...]  # the DB methods of the chain (leading non-DB links dropped)
    executes: bool  # runs SQL on its line (else it only builds a query)
    raising: bool = False  # a lookup that raises when the row is missing
    handled: bool = False  # a lookup that maps the missing row itself (get_object_or_404)
    model: Optional[str] = None  # the model class, when the chain names it


@dataclass
class FileEnv:
    """What the frameworks may ask about the file and the function being walked."""

    config: Config
    imports: Dict[str, str]
    db_evidence: bool
    db_bound: AbstractSet[str] = frozenset()  # names bound in the function from connect(), Session() ...
    not_db_bound: AbstractSet[str] = frozenset()  # names bound from requests.Session(), boto3 ...
    records: AbstractSet[str] = frozenset()  # names bound to a persistent record
    model_names: FrozenSet[str] = frozenset()  # model classes defined or imported from a models module
    django: bool = False  # the module imports Django
    db_imports: AbstractSet[str] = frozenset()  # imported names bound to a DB API module, a function of
    # one, or an `objects` package (the only imports a framework module asks about)


def trim(methods: Tuple[str, ...], terminals: FrozenSet[str]) -> Tuple[str, ...]:
    """The chain up to its last executing method: ``get_or_404().to_dict()`` -> ``get_or_404``,
    ``execute(...).scalar_one()`` unchanged; a chain with no executing method is left whole."""
    for index in range(len(methods) - 1, -1, -1):
        if methods[index] in terminals:
            return methods[: index + 1]
    return methods
