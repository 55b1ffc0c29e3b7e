"""PEP 249 drivers and generic DB receivers (session, connection, cursor, engine)."""
from __future__ import annotations

import ast
from typing import Optional

from ..syntax import dotted
from . import sqlalchemy
from .base import Access, Chain, FileEnv


DRIVERS = ("sqlite3", "psycopg", "psycopg2", "pymysql", "MySQLdb", "mysql.connector", "oracledb",
           "cx_Oracle", "asyncpg", "aiosqlite", "aiomysql")
# Calls whose result is a DB handle when bound to a name in a function.
HANDLE_FACTORIES = frozenset({"connect", "cursor", "Session", "get_session", "begin", "sessionmaker",
                              "scoped_session", "create_session", "get_connection", "raw_connection"})
# Calls whose result is a handle of something else named like a DB handle.
NOT_DB_FACTORIES = frozenset({"requests.Session", "Session.client", "boto3.Session", "boto3.session.Session",
                              "aiohttp.ClientSession", "httpx.Client", "httpx.AsyncClient"})
NOT_DB_LAST_NAMES = frozenset(n.rsplit(".", 1)[-1] for n in NOT_DB_FACTORIES) | {"client", "resource"}
# Transaction and connection management: no query.
NOT_DB_METHODS = frozenset({"rollback", "close", "cursor", "begin", "begin_nested", "connect", "dispose",
                            "remove", "in_transaction", "is_active", "get_bind", "no_autoflush",
                            "autocommit", "set_isolation_level", "close_all", "invalidate", "detach",
                            "info", "bind", "using_bind", "reader", "writer", "transaction"})
CURSOR_METHODS = frozenset({"execute", "executemany", "executescript", "fetchone", "fetchall", "fetchmany",
                            "callproc", "mogrify", "copy_expert", "copy_from", "copy_to", "fetch", "fetchrow",
                            "fetchval"})
NEVER_RECEIVERS = frozenset({"request.session", "self.request.session", "req.session", "CONF", "cfg.CONF"})


def access(chain: Chain, env: FileEnv) -> Optional[Access]:

    receiver = chain.receiver
    if receiver is None:
        return None
    methods = chain.methods
    text = dotted(receiver)
    if text is not None:
        if text in NEVER_RECEIVERS or text.startswith("CONF.") or ".CONF." in text:
            return None
        if text.endswith((".request.session", "request.session")):
            return None
    if isinstance(receiver, ast.Name):
        name = receiver.id
        if name in env.not_db_bound:
            return None
        if name == "session" and env.imports.get("session", "").startswith(("flask", "quart")):
            return None  # Flask's signed-cookie session
        bound = name in env.db_bound
        last_id = name
    elif isinstance(receiver, ast.Attribute):
        bound = False
        last_id = receiver.attr
    else:
        return None
    if not (bound or (env.db_evidence and env.config.db_receivers(last_id))):
        return None
    first = methods[0]
    if first in NOT_DB_METHODS:
        return None
    if first[:1].isupper():
        return None  # session.Query(...), db.Column(...): a type, not a call into the DB
    if _looks_like_session(last_id) or (bound and methods[-1] not in CURSOR_METHODS):
        return sqlalchemy.session_access(chain, methods)
    if methods[-1] in CURSOR_METHODS:
        return Access("dbapi", "receiver", methods, executes=True)
    return Access("dbapi", "receiver", methods, executes=methods[-1] not in sqlalchemy.LAZY)


def _looks_like_session(name: str) -> bool:
    lowered = name.lower()
    return "session" in lowered or lowered in ("sess", "s")


def handle_kind(value: ast.expr) -> Optional[str]:
    """'db' when ``value`` makes a DB handle (``connect()``, ``Session()``, ``engine.begin()``),
    'not-db' for ``requests.Session()`` and the like, else None."""
    if isinstance(value, ast.Await):
        value = value.value
    if not isinstance(value, ast.Call):
        return None
    func = value.func
    if isinstance(func, ast.Attribute) or isinstance(func, ast.Name):
        last = func.attr if isinstance(func, ast.Attribute) else func.id
        if last not in HANDLE_FACTORIES and last not in NOT_DB_LAST_NAMES:
            return None
    text = dotted(func)
    if text is not None and (text in NOT_DB_FACTORIES or text.startswith(("boto3.", "botocore.", "requests."))):
        return "not-db"
    if isinstance(func, ast.Call):  # sessionmaker(...)()
        inner = func.func
        name = inner.attr if isinstance(inner, ast.Attribute) else getattr(inner, "id", None)
        return "db" if name in ("sessionmaker", "scoped_session") else None
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if name in HANDLE_FACTORIES:
        if name == "begin" and not isinstance(func, ast.Attribute):
            return None
        return "db"
    return None
