"""The facts of one module, computed in one traversal (SPEC section 1).

:func:`build_model` walks the tree flake8 hands over exactly once and returns
a :class:`Module` holding every fact a rule may ask about: import bindings,
DB-layer calls and their classification, functions with their authorization,
error-handling and lock evidence, existence checks, records and where they
flow. Rules read these facts; none of them walks the tree again.

Statements are visited recursively (Python caps block nesting at 100 levels);
expressions are visited with an explicit stack, because an expression can be
nested thousands of levels deep and still parse.
"""
from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass, field
from typing import (
    Any,
    Callable,
    Dict,
    FrozenSet,
    Iterator,
    List,
    Optional,
    Set,
    Tuple,
    Union,
)

from .config import Config

Position = Tuple[int, int]
FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.Module]

# --- vocabularies fixed by the spec (the configurable ones live in config.py) ---

WRITE_VERBS = frozenset(
    "create insert add save update upsert merge delete destroy remove set put "
    "start finish commit bulk purge archive".split()
)
READ_VERBS = frozenset(
    "get fetch find query select filter first one all scalar scalars count exists "
    "lookup load list search retrieve show read".split()
)
LOCKING_READS = frozenset({"select_for_update", "with_for_update"})
# Atomic upserts, matched on whole `_` tokens anywhere in a method name, so that
# nova's `block_device_mapping_update_or_create` counts like Django's `update_or_create`.
UPSERT_PATTERN = re.compile(
    r"(^|_)(a?get_or_create|a?update_or_create|upsert|on_conflict_do_nothing|on_conflict_do_update)(_|$)"
)
# Writes that only remove data: check-then-delete is not the create/update race of ASA005.
REMOVAL_VERBS = frozenset({"delete", "destroy", "remove", "purge", "archive"})
EXECUTE_METHODS = frozenset({"execute", "executemany", "exec_driver_sql"})
SQL_WRITE_KEYWORDS = frozenset(
    "insert update delete replace merge upsert create drop alter truncate".split()
)
SQL_READ_KEYWORDS = frozenset({"select", "show", "explain", "describe", "values"})
DJANGO_SHORTCUTS = frozenset({"get_object_or_404", "get_list_or_404"})
CHECK_CALLS = frozenset({"exists", "count", "first", "one_or_none", "get", "obj_attr_is_set"})
PRINCIPAL_PARAMS = frozenset({"user", "owner"})
OWNER_KEYWORDS = frozenset({"project_id", "user_id", "owner", "owner_id", "tenant_id", "user"})
LOCK_WORDS = ("lock", "mutex", "semaphore", "synchronized")
SUPPRESS_NAMES = frozenset({"suppress"})
TRACEBACK_CALLS = frozenset({"format_exc", "format_exception", "format_tb", "extract_tb"})
EXCEPTION_PARAMS = frozenset({"exc", "exc_val", "exc_value", "exception", "error", "err"})
EXCEPTION_DETAIL_CALL = re.compile(r"^(exception_to_dict|format_exception.*)$")
STRINGIFY_CALLS = frozenset({"str", "repr", "text_type"})
RESPONSE_CALL = re.compile(r"^(\w*Response|jsonify|make_response)$")
RECEIVER_SELF = frozenset({"self", "cls"})

TRACEBACK = "traceback"
EXCEPTION = "exception"
CLEAN = ""  # a local name last bound to a value that is neither


@functools.lru_cache(maxsize=8192)
def classify_name(name: str) -> str:
    """'write', 'read' or 'unknown' for one method name, by its `_` tokens."""
    if name in LOCKING_READS:
        return "read"
    kind = "unknown"
    for token in name.lower().split("_"):
        verb = token
        if verb not in WRITE_VERBS and verb not in READ_VERBS and verb[:1] == "a":
            verb = verb[1:]  # Django's async twins: aget, acreate, aexists ...
        if verb in WRITE_VERBS:
            return "write"
        if verb in READ_VERBS:
            kind = "read"
    return kind


@functools.lru_cache(maxsize=8192)
def write_verbs(name: str) -> FrozenSet[str]:
    """The write verbs among a method name's tokens (async twins included)."""
    if name in LOCKING_READS:
        return frozenset()
    verbs = set()
    for token in name.lower().split("_"):
        if token not in WRITE_VERBS and token[:1] == "a" and token[1:] in WRITE_VERBS:
            token = token[1:]
        if token in WRITE_VERBS:
            verbs.add(token)
    return frozenset(verbs)


def _sql_kind(text: str) -> str:
    match = re.match(r"[\s(]*([A-Za-z]+)", text)
    if not match:
        return "unknown"
    keyword = match.group(1).lower()
    if keyword in SQL_WRITE_KEYWORDS:
        return "write"
    if keyword in SQL_READ_KEYWORDS:
        return "read"
    return "unknown"


def _last_name(func: ast.expr) -> Optional[str]:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def decorator_name(decorator: ast.expr) -> Optional[str]:
    """Last name of a decorator, also when it is called: ``@a.b('x')`` -> ``b``."""
    if isinstance(decorator, ast.Call):
        decorator = decorator.func
    return _last_name(decorator)


def dotted(node: ast.expr) -> Optional[str]:
    """``a.b.c`` for a Name/Attribute chain, None for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def render(node: ast.expr) -> str:
    """Short source text for a message."""
    text = dotted(node)
    if text is not None:
        return text
    try:
        return ast.unparse(node)
    except Exception:  # pragma: no cover - unparse handles every parsed node
        return type(node).__name__


# --- the facts ---


@dataclass(eq=False)
class Function:
    """A function (or lambda, or the module itself) and its evidence."""

    node: FunctionNode
    name: str
    parent: Optional["Function"]
    params: FrozenSet[str]
    id_params: FrozenSet[str]
    decorators: Tuple[str, ...]
    authz_decorated: bool
    error_decorated: bool
    lock_decorated: bool
    authz_calls: List[ast.Call] = field(default_factory=list)
    writes: List["DbCall"] = field(default_factory=list)  # in source order

    @property
    def is_private(self) -> bool:
        """One leading underscore: an internal helper (dunders are not)."""
        return self.name.startswith("_") and not self.name.startswith("__")

    @property
    def authz_evidence(self) -> bool:
        return self.authz_decorated or bool(self.authz_calls)


@dataclass(frozen=True)
class Value:
    """One value of a record or one argument of a sink, with what it carries."""

    expr: ast.expr
    taint: Optional[str]  # TRACEBACK, EXCEPTION or None
    source: Optional[str]  # text of an unvalidated external input, or None

    @property
    def position(self) -> Position:
        return (self.expr.lineno, self.expr.col_offset)


@dataclass(eq=False)
class DbCall:
    """A DB-layer call; a chain of calls is one DbCall at its outermost call."""

    node: ast.Call
    name: str
    methods: Tuple[str, ...]
    kind: str  # "read", "write" or "unknown"
    locking: bool
    upsert: bool
    function: Function
    caught: FrozenSet[str]  # names caught by try statements around it ("*" = all)
    in_class_body: bool
    style: str  # "module", "receiver", "orm" (Django manager, Flask-SQLAlchemy query) or "shortcut"
    write_verbs: FrozenSet[str]  # e.g. {"create"}; {"delete"} for a write that only removes
    id_args: Tuple[str, ...]  # caller-supplied identifier parameters among its arguments
    owner_scoped: bool
    arguments: Tuple[Value, ...] = ()  # arguments of a write, for ASA004

    @property
    def position(self) -> Position:
        return (self.node.lineno, self.node.col_offset)


@dataclass(eq=False)
class Check:
    """An ``if`` whose test is an existence or state check (ASA005)."""

    node: ast.If
    kind: str
    function: Function
    locked: bool  # inside a with-lock block
    for_update: bool  # a locking read feeds the test
    first_write: int  # index into function.writes
    stop_write: int = -1  # end (exclusive) of the writes that follow the check


@dataclass(eq=False)
class Record:
    """A dict display, a dict(...) call, or the keyword arguments of a DB write."""

    node: ast.expr
    form: str  # "dict", "dict-call" or "keywords"
    function: Function
    values: Tuple[Value, ...]
    reaches: Optional[DbCall] = None


@dataclass(eq=False)
class SubscriptStore:
    """``name[key] = value`` into a local name."""

    node: ast.Subscript
    name: str
    value: Value
    function: Function
    reaches: Optional[DbCall] = None


@dataclass(frozen=True)
class ResponseCall:
    """An HTTP response constructor and the values it sends."""

    node: ast.Call
    name: str
    values: Tuple[Value, ...]


@dataclass(frozen=True)
class Module:
    imports: Dict[str, str]
    functions: Tuple[Function, ...]
    db_calls: Tuple[DbCall, ...]
    checks: Tuple[Check, ...]
    records: Tuple[Record, ...]
    subscript_stores: Tuple[SubscriptStore, ...]
    responses: Tuple[ResponseCall, ...]


# --- the traversal ---


@dataclass(eq=False)
class _CallSite:
    """A call of a same-module function whose result may reach a write."""

    callee: str
    scope: "_Scope"
    bound_to: Optional[str]
    position: Position
    direct_write: Optional[DbCall]


class _Scope:
    """Build-time state of one function; dropped when the model is done."""

    def __init__(self, function: Function) -> None:
        self.function = function
        self.caught: FrozenSet[str] = frozenset()
        self.lock_depth = 0
        self.class_depth = 0
        self.exception_names: Set[str] = set(function.params & EXCEPTION_PARAMS)
        self.tainted: Dict[str, str] = {}
        self.validated: Set[str] = set()
        self.read_names: Dict[str, DbCall] = {}
        self.statements: Dict[str, "_Statement"] = {}
        self.bound_records: Dict[str, List[Tuple[Position, Record]]] = {}
        self.last_write_use: Dict[str, Tuple[Position, DbCall]] = {}
        self.returned_names: Set[str] = set()
        self.returned_records: List[Record] = []
        self.returned_calls: Set[str] = set()


_MATCH_CASE: Tuple[type, ...] = (ast.match_case,) if hasattr(ast, "match_case") else ()  # Python 3.10+
_Work = Tuple[ast.AST, Optional[DbCall]]  # a node to visit, and the write whose arguments hold it
# Fields that never hold a node worth visiting: contexts, operators, annotations,
# and the plain strings and numbers of names, attributes and flags.
_SKIP_FIELDS = frozenset({
    "ctx", "op", "ops", "type_comment", "annotation", "returns", "kind", "attr", "id", "arg",
    "conversion", "is_async", "level", "module", "names", "kwd_attrs", "name", "asname",
})
_child_fields_cache: Dict[type, Tuple[str, ...]] = {}


def _child_fields(cls: type) -> Tuple[str, ...]:
    fields = _child_fields_cache.get(cls)
    if fields is None:
        # Anything without _fields (a str or bool left in an unexpected field) has no children.
        fields = tuple(f for f in getattr(cls, "_fields", ()) if f not in _SKIP_FIELDS)
        _child_fields_cache[cls] = fields
    return fields


class _Builder:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.imports: Dict[str, str] = {}
        self.functions: List[Function] = []
        self.db_calls: List[DbCall] = []
        self.checks: List[Check] = []
        self.records: List[Record] = []
        self.stores: List[SubscriptStore] = []
        self.responses: List[ResponseCall] = []
        self.call_sites: List[_CallSite] = []
        self.scopes: List[_Scope] = []
        self.record_of: Dict[int, Record] = {}
        self.pending_lambdas: List[Tuple[ast.Lambda, _Scope]] = []
        self.scope: _Scope = None  # type: ignore[assignment]  # set by build()
        self.block_checks: List[List[Check]] = []
        self._db_call_of: Dict[int, DbCall] = {}

    # ---- entry ----

    def build(self, tree: ast.AST) -> Module:
        module_node = tree if isinstance(tree, ast.Module) else ast.Module(body=[], type_ignores=[])
        self.scope = self._new_scope(module_node, "<module>", None, (), frozenset())
        if isinstance(tree, ast.Module):
            self.block(tree.body)
        elif isinstance(tree, ast.expr):
            self.expr(tree)
        self._resolve_flows()
        return Module(
            imports=dict(self.imports),
            functions=tuple(self.functions),
            db_calls=tuple(self.db_calls),
            checks=tuple(self.checks),
            records=tuple(self.records),
            subscript_stores=tuple(self.stores),
            responses=tuple(self.responses),
        )

    def _new_scope(
        self,
        node: FunctionNode,
        name: str,
        parent: Optional[Function],
        decorators: Tuple[str, ...],
        params: FrozenSet[str],
    ) -> _Scope:
        cfg = self.config
        function = Function(
            node=node,
            name=name,
            parent=parent,
            params=params,
            id_params=frozenset(p for p in params if p not in RECEIVER_SELF and cfg.id_params(p)),
            decorators=decorators,
            authz_decorated=any(cfg.authz_decorators(d) for d in decorators),
            error_decorated=any(cfg.error_decorators(d) for d in decorators),
            lock_decorated=any(cfg.lock_decorators(d) for d in decorators),
        )
        self.functions.append(function)
        scope = _Scope(function)
        self.scopes.append(scope)
        return scope

    # ---- statements ----

    def block(self, stmts: List[ast.stmt]) -> None:
        checks: List[Check] = []
        self.block_checks.append(checks)
        for stmt in stmts:
            handler = self._stmt_handlers.get(type(stmt))
            if handler is None:
                self.generic_stmt(stmt)
            else:
                handler(self, stmt)
        self.block_checks.pop()
        stop = len(self.scope.function.writes)
        for check in checks:
            check.stop_write = stop

    def generic_stmt(self, stmt: ast.AST) -> None:
        for name in _child_fields(type(stmt)):
            value = getattr(stmt, name, None)
            if isinstance(value, list):
                if value and isinstance(value[0], ast.stmt):
                    self.block(value)
                else:
                    for item in value:
                        if isinstance(item, _MATCH_CASE):
                            case: Any = item
                            self.expr(case.pattern)
                            if case.guard is not None:
                                self.expr(case.guard)
                            self.block(case.body)
                        elif isinstance(item, ast.AST):
                            self.expr(item)
            elif isinstance(value, ast.AST):
                self.expr(value)

    def visit_function(self, stmt: Union[ast.FunctionDef, ast.AsyncFunctionDef]) -> None:
        self._defaults(stmt.args)
        decorators = tuple(
            name for name in map(decorator_name, stmt.decorator_list) if name is not None
        )
        saved = self._push_function(stmt, stmt.name, decorators, stmt.args)
        self.block(stmt.body)
        self._pop_function(saved)

    def _defaults(self, args: ast.arguments) -> None:
        for default in args.defaults:
            self.expr(default)
        for kw_default in args.kw_defaults:
            if kw_default is not None:
                self.expr(kw_default)

    def _push_function(self, node: FunctionNode, name: str, decorators: Tuple[str, ...],
                       args: ast.arguments) -> Tuple[_Scope, List[List[Check]]]:
        params = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
        if args.vararg is not None:
            params.append(args.vararg.arg)
        if args.kwarg is not None:
            params.append(args.kwarg.arg)
        saved = (self.scope, self.block_checks)
        self.scope = self._new_scope(node, name, self.scope.function, decorators, frozenset(params))
        self.block_checks = []
        return saved

    def _pop_function(self, saved: Tuple[_Scope, List[List[Check]]]) -> None:
        self.scope, self.block_checks = saved

    def visit_class(self, stmt: ast.ClassDef) -> None:
        for base in stmt.bases:
            self.expr(base)
        for keyword in stmt.keywords:
            self.expr(keyword.value)
        self.scope.class_depth += 1
        self.block(stmt.body)
        self.scope.class_depth -= 1

    def visit_import(self, stmt: ast.Import) -> None:
        for alias in stmt.names:
            if alias.asname:
                self.imports[alias.asname] = alias.name
            else:
                top = alias.name.split(".", 1)[0]
                self.imports[top] = top

    def visit_import_from(self, stmt: ast.ImportFrom) -> None:
        base = "." * (stmt.level or 0) + (stmt.module or "")
        for alias in stmt.names:
            if alias.name == "*":
                continue
            path = f"{base}.{alias.name}" if base and not base.endswith(".") else base + alias.name
            self.imports[alias.asname or alias.name] = path

    def visit_try(self, stmt: ast.Try) -> None:
        names: Set[str] = set()
        for handler in stmt.handlers:
            names.update(self._exception_names(handler.type))
        scope = self.scope
        outer = scope.caught
        scope.caught = outer | names
        self.block(stmt.body)
        scope.caught = outer
        for handler in stmt.handlers:
            if handler.type is not None:
                self.expr(handler.type)
            if handler.name:
                scope.exception_names.add(handler.name)
            self.block(handler.body)
        self.block(stmt.orelse)
        self.block(stmt.finalbody)

    @staticmethod
    def _exception_names(node: Optional[ast.expr]) -> Iterator[str]:
        if node is None:
            yield "*"
            return
        items = node.elts if isinstance(node, ast.Tuple) else [node]
        for item in items:
            name = _last_name(item)
            if name is not None:
                yield name

    def visit_with(self, stmt: Union[ast.With, ast.AsyncWith]) -> None:
        scope = self.scope
        suppressed: Set[str] = set()
        locking = False
        for item in stmt.items:
            context = item.context_expr
            self.expr(context)
            if item.optional_vars is not None:
                self.expr(item.optional_vars)
            if isinstance(context, ast.Call) and _last_name(context.func) in SUPPRESS_NAMES:
                for arg in context.args:
                    suppressed.update(self._exception_names(arg))
            if not locking:
                locking = _names_a_lock(context)
        outer = scope.caught
        scope.caught = outer | suppressed
        scope.lock_depth += locking
        self.block(stmt.body)
        scope.lock_depth -= locking
        scope.caught = outer

    def visit_if(self, stmt: ast.If) -> None:
        scope = self.scope
        first_call = len(self.db_calls)
        self.expr(stmt.test)
        test_calls = [c for c in self.db_calls[first_call:] if c.function is scope.function]
        kind, for_update = self._check_kind(stmt.test, test_calls)
        check = None
        if kind is not None:
            check = Check(
                node=stmt,
                kind=kind,
                function=scope.function,
                locked=scope.lock_depth > 0,
                for_update=for_update,
                first_write=len(scope.function.writes),
            )
            self.checks.append(check)
        self.block(stmt.body)
        leaves = _always_leaves(stmt.body)
        if check is not None:
            if leaves:
                self.block_checks[-1].append(check)  # the rest of the block follows it
            else:
                check.stop_write = len(scope.function.writes)
        if leaves:
            guarded = _isinstance_guarded(stmt.test)
            if guarded is not None and isinstance(stmt.body[-1], ast.Raise):
                scope.validated.add(guarded)
        self.block(stmt.orelse)

    def visit_assert(self, stmt: ast.Assert) -> None:
        self.expr(stmt.test)
        if stmt.msg is not None:
            self.expr(stmt.msg)
        test = stmt.test
        if isinstance(test, ast.Call) and _last_name(test.func) == "isinstance" and test.args:
            key = _value_key(test.args[0])
            if key is not None:
                self.scope.validated.add(key)

    def visit_assign(self, stmt: Union[ast.Assign, ast.AnnAssign]) -> None:
        value = stmt.value
        if value is not None:
            self.expr(value)
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        for target in targets:
            if isinstance(target, ast.Subscript):
                self._subscript_store(target, value)
            self.expr(target)
        if value is None:
            return
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        if not names:
            return
        scope = self.scope
        position = (stmt.lineno, stmt.col_offset)
        inner = value.value if isinstance(value, ast.Await) else value
        record = self.record_of.get(id(inner))
        db_call = self._db_call_of.get(id(inner))
        taint = self._taint(value)
        statement = _statement(inner, scope) if isinstance(inner, (ast.Call, ast.Constant)) else None
        for name in names:
            if record is not None:
                scope.bound_records.setdefault(name, []).append((position, record))
            if db_call is not None and db_call.kind == "read":
                scope.read_names[name] = db_call
            else:
                scope.read_names.pop(name, None)
            scope.tainted[name] = taint or CLEAN
            if statement is not None:
                scope.statements[name] = statement
            if isinstance(inner, ast.Call):
                callee = self._helper_name(inner)
                if callee is not None:
                    self.call_sites.append(_CallSite(callee, scope, name, position, None))

    def _subscript_store(self, target: ast.Subscript, value: Optional[ast.expr]) -> None:
        if value is None or not isinstance(target.value, ast.Name):
            return
        scope = self.scope
        self.stores.append(
            SubscriptStore(
                node=target,
                name=target.value.id,
                value=self._value(value),
                function=scope.function,
            )
        )

    def visit_return(self, stmt: ast.Return) -> None:
        value = stmt.value
        if value is None:
            return
        self.expr(value)
        scope = self.scope
        record = self.record_of.get(id(value))
        if record is not None:
            scope.returned_records.append(record)
        elif isinstance(value, ast.Name):
            scope.returned_names.add(value.id)
        elif isinstance(value, ast.Call):
            callee = self._helper_name(value)
            if callee is not None:
                scope.returned_calls.add(callee)

    _stmt_handlers: Dict[type, Callable[["_Builder", Any], None]] = {}

    # ---- checks (ASA005) ----

    def _check_kind(self, test: ast.expr, test_calls: List[DbCall]) -> Tuple[Optional[str], bool]:
        scope = self.scope
        by_node = {id(c.node): c for c in test_calls}
        for_update = any(c.locking for c in test_calls)
        kind: Optional[str] = None
        atoms = [test]
        while atoms:
            atom = atoms.pop()
            if isinstance(atom, ast.UnaryOp) and isinstance(atom.op, ast.Not):
                atoms.append(atom.operand)
            elif isinstance(atom, ast.BoolOp):
                atoms.extend(atom.values)
            elif isinstance(atom, ast.Await):
                atoms.append(atom.value)
            elif isinstance(atom, ast.Compare):
                operands = [atom.left, *atom.comparators]
                for index, op in enumerate(atom.ops):
                    left, right = operands[index], operands[index + 1]
                    if isinstance(op, (ast.In, ast.NotIn)):
                        if _is_record_container(right, scope, by_node):
                            kind = kind or "membership"
                    elif isinstance(op, (ast.Is, ast.IsNot, ast.Eq, ast.NotEq)):
                        for side, other in ((left, right), (right, left)):
                            if _is_none(other) and _is_record_state(side, scope, by_node):
                                kind = kind or "none"
                    for side in (left, right):
                        if isinstance(side, ast.Name) and side.id in scope.read_names:
                            for_update = for_update or scope.read_names[side.id].locking
                atoms.extend(o for o in operands if isinstance(o, (ast.Call, ast.Await)))
            elif isinstance(atom, ast.Name):
                read = scope.read_names.get(atom.id)
                if read is not None:
                    kind = kind or "truthiness"
                    for_update = for_update or read.locking
            elif isinstance(atom, ast.Call):
                name = _last_name(atom.func)
                if name in CHECK_CALLS:
                    db_call = by_node.get(id(atom))
                    if name == "obj_attr_is_set" or (db_call is not None and db_call.kind == "read"):
                        kind = kind or "call"
        return kind, for_update

    # ---- expressions ----

    def expr(self, root: ast.AST) -> None:
        self._walk(root, None)
        while self.pending_lambdas:
            node, parent = self.pending_lambdas.pop()
            outer = self.scope
            self.scope = parent
            self._defaults(node.args)
            saved = self._push_function(node, "<lambda>", (), node.args)
            self._walk(node.body, None)
            self._pop_function(saved)
            self.scope = outer

    def _walk(self, root: ast.AST, write: Optional[DbCall]) -> None:
        stack: List[_Work] = [(root, write)]
        pop, push = stack.pop, stack.append
        scope = self.scope
        fields_of = _child_fields_cache
        while stack:
            node, write = pop()
            cls = type(node)
            if cls is ast.Name:
                if write is not None:
                    name_node: ast.Name = node  # type: ignore[assignment]
                    scope.last_write_use[name_node.id] = ((name_node.lineno, name_node.col_offset), write)
                continue
            if cls is ast.Constant:
                continue
            if cls is ast.Call:
                self._call(node, write, push)  # type: ignore[arg-type]
                continue
            if cls is ast.Dict:
                self._dict_record(node, write)  # type: ignore[arg-type]
            elif cls is ast.Lambda:
                self.pending_lambdas.append((node, scope))  # type: ignore[arg-type]
                continue
            fields = fields_of.get(cls)
            if fields is None:
                fields = _child_fields(cls)
            for name in fields:
                value = getattr(node, name)
                if value is None:
                    continue
                if value.__class__ is list:
                    for item in reversed(value):
                        if item is not None:
                            push((item, write))
                else:
                    push((value, write))

    def _call(self, call: ast.Call, write: Optional[DbCall], push: Callable[[_Work], None]) -> None:
        # Collect the chain outermost-first: a.b(x).c(y) -> [c(y), b(x)].
        links: List[ast.Call] = []
        node: ast.expr = call
        receiver: Optional[ast.expr] = None
        while True:
            links.append(node)  # type: ignore[arg-type]
            func = node.func  # type: ignore[attr-defined]
            if isinstance(func, ast.Attribute):
                if isinstance(func.value, ast.Call):
                    node = func.value
                    continue
                receiver = func.value
            else:
                receiver = func  # a bare function: the root of the chain
            break
        db_call = self._db_call(call, links, receiver)
        scope = self.scope
        cfg = self.config
        inner_write = write
        if db_call is not None and db_call.kind == "write":
            inner_write = db_call
        for link in links:
            name = _last_name(link.func)
            if name is not None:
                if cfg.authz_calls(name):
                    scope.function.authz_calls.append(link)
                if cfg.validators(name):
                    for arg in link.args:
                        key = _value_key(arg)
                        if key is not None:
                            scope.validated.add(key)
                    for keyword in link.keywords:
                        key = _value_key(keyword.value)
                        if key is not None:
                            scope.validated.add(key)
                if name == "dict" and isinstance(link.func, ast.Name):
                    self._dict_call_record(link, inner_write)
                elif RESPONSE_CALL.match(name):
                    self._response(link, name)
                if inner_write is not None and db_call is None:
                    callee = self._helper_name(link)
                    if callee is not None:
                        self.call_sites.append(
                            _CallSite(callee, scope, None, (link.lineno, link.col_offset), inner_write)
                        )
            for keyword in reversed(link.keywords):
                push((keyword.value, inner_write))
            for arg in reversed(link.args):
                push((arg, inner_write))
        if receiver is not None and not isinstance(receiver, ast.Name):
            push((receiver, write))
        elif isinstance(receiver, ast.Name) and write is not None:
            scope.last_write_use[receiver.id] = ((receiver.lineno, receiver.col_offset), write)

    # ---- DB-layer calls ----

    def _db_call(self, call: ast.Call, links: List[ast.Call], receiver: Optional[ast.expr]) -> Optional[DbCall]:
        root_link = links[-1]
        root_func = root_link.func
        names = [_last_name(link.func) for link in reversed(links)]
        style = self._db_style(root_func, receiver)
        if style is None:
            return None
        scope = self.scope
        methods = tuple(n for n in names if n is not None)
        if len(methods) == 1 and methods[0][:1].isupper():
            return None  # db.Column(...), session.Query: constructing a type, not calling the DB
        kind = "unknown"
        for method in methods:
            method_kind = classify_name(method)
            if method_kind == "write":
                kind = "write"
                break
            if method_kind == "read":
                kind = "read"
        verbs: FrozenSet[str] = frozenset().union(*map(write_verbs, methods))
        names_seen = list(methods)
        for link, name in zip(reversed(links), names):
            if name in EXECUTE_METHODS and link.args:
                statement = _statement(link.args[0], scope)
                if statement is None:
                    continue
                names_seen.extend(statement.methods)
                if statement.kind == "write":
                    kind = "write"
                    verbs = verbs | {statement.verb}
                elif statement.kind == "read" and kind == "unknown":
                    kind = "read"
        locking = any(n in LOCKING_READS for n in names_seen)
        upsert = any(UPSERT_PATTERN.search(n) for n in names_seen)
        function = scope.function
        db_call = DbCall(
            node=call,
            name=_chain_text(receiver, root_func, methods),
            methods=methods,
            kind=kind,
            locking=locking,
            upsert=upsert,
            function=function,
            caught=scope.caught,
            in_class_body=scope.class_depth > 0,
            style=style,
            write_verbs=verbs,
            # ids and owner scoping matter for reads only (ASA001); writes skip the link scan
            id_args=self._id_args(links, function) if kind == "read" else (),
            owner_scoped=kind == "read" and self._owner_scoped(links),
        )
        if kind == "write":
            db_call.arguments = tuple(self._write_arguments(links, names))
            if style == "orm":
                self._keyword_record(db_call, links, names)
            function.writes.append(db_call)
        self.db_calls.append(db_call)
        self._db_call_of[id(call)] = db_call
        return db_call

    def _db_style(self, root_func: ast.expr, receiver: Optional[ast.expr]) -> Optional[str]:
        """How the chain reaches the DB (SPEC section 1), or None if it does not."""
        cfg = self.config
        if receiver is root_func:  # chain rooted at a bare call f(...)
            if isinstance(root_func, ast.Name):
                if root_func.id in DJANGO_SHORTCUTS:
                    return "shortcut"
                path = self.imports.get(root_func.id)
                if path is not None and "." in path and cfg.db_modules(path.rsplit(".", 1)[0]):
                    return "module"  # from x.db.api import instance_get
            return None
        if isinstance(root_func, ast.Attribute) and root_func.attr in DJANGO_SHORTCUTS:
            return "shortcut"
        if isinstance(receiver, ast.Name):
            path = self.imports.get(receiver.id)
            if path is not None and cfg.db_modules(path):
                return "module"
            return "receiver" if cfg.db_receivers(receiver.id) else None
        if isinstance(receiver, ast.Attribute):
            base = receiver.value
            if isinstance(base, ast.Name):
                if receiver.attr == "objects":
                    return "orm"
                if receiver.attr == "query" and base.id[:1].isupper():
                    return "orm"
            text = dotted(receiver)
            if text is not None:
                head, _, rest = text.partition(".")
                path = self.imports.get(head)
                if path is not None and cfg.db_modules(f"{path}.{rest}"):
                    return "module"
            if cfg.db_receivers(receiver.attr):
                return "receiver"
        return None

    def _id_args(self, links: List[ast.Call], function: Function) -> Tuple[str, ...]:
        id_params = function.id_params
        if not id_params:
            return ()
        found: List[str] = []
        for link in reversed(links):
            values = list(link.args) + [k.value for k in link.keywords]
            for value in values:
                if isinstance(value, ast.Compare) and len(value.ops) == 1 and isinstance(value.ops[0], ast.Eq):
                    candidates = [value.left, value.comparators[0]]
                else:
                    candidates = [value]
                for candidate in candidates:
                    if isinstance(candidate, ast.Name) and candidate.id in id_params and candidate.id not in found:
                        found.append(candidate.id)
        return tuple(found)

    def _owner_scoped(self, links: List[ast.Call]) -> bool:
        """The read is scoped to the caller: ``project_id=context.project_id``, ``project_only=True``.

        Django lookups through relations count by their last part
        (``wishlist__owner=request.user``), and a parameter named ``user`` or
        ``owner`` is the acting principal handed down by the view, not an id.
        """
        for link in links:
            for keyword in link.keywords:
                if keyword.arg is None:
                    continue
                value = keyword.value
                if keyword.arg == "project_only":
                    if isinstance(value, ast.Constant) and value.value is True:
                        return True
                elif keyword.arg.rsplit("__", 1)[-1] in OWNER_KEYWORDS:
                    if self._context_value(value):
                        return True
                    if (isinstance(value, ast.Name) and value.id in PRINCIPAL_PARAMS
                            and value.id in self.scope.function.params):
                        return True
        return False

    def _write_arguments(self, links: List[ast.Call], names: List[Optional[str]]) -> Iterator[Value]:
        for link, name in zip(reversed(links), names):
            if name is None or not (classify_name(name) == "write" or name in EXECUTE_METHODS):
                continue
            values: List[ast.expr] = list(link.args) + [k.value for k in link.keywords]
            for value in values:
                items = value.elts if isinstance(value, (ast.Tuple, ast.List)) else [value]
                for item in items:
                    if not isinstance(item, ast.Starred):
                        yield self._value(item)

    def _keyword_record(self, db_call: DbCall, links: List[ast.Call], names: List[Optional[str]]) -> None:
        for link, name in zip(reversed(links), names):
            if name is None or name in LOCKING_READS or classify_name(name) != "write":
                continue
            values = tuple(self._value(k.value) for k in link.keywords if k.arg is not None)
            if values:
                self._add_record(Record(link, "keywords", self.scope.function, values, db_call))

    # ---- records and values ----

    def _dict_record(self, node: ast.Dict, write: Optional[DbCall]) -> None:
        values = tuple(self._value(v) for k, v in zip(node.keys, node.values) if k is not None)
        self._add_record(Record(node, "dict", self.scope.function, values, write))

    def _dict_call_record(self, node: ast.Call, write: Optional[DbCall]) -> None:
        values = tuple(self._value(k.value) for k in node.keywords if k.arg is not None)
        self._add_record(Record(node, "dict-call", self.scope.function, values, write))

    def _add_record(self, record: Record) -> None:
        self.records.append(record)
        self.record_of[id(record.node)] = record

    def _value(self, expr: ast.expr) -> Value:
        taint = self._taint(expr)
        return Value(expr, taint, None if taint else self._source(expr))

    def _source(self, expr: ast.expr) -> Optional[str]:
        """Text of the value if it is, as it stands, unvalidated external input."""
        scope = self.scope
        if isinstance(expr, ast.Name):
            name = expr.id
            if (name in scope.function.params and name not in RECEIVER_SELF
                    and not self.config.context_names(name) and name not in scope.validated):
                return name
            return None
        base = expr
        if isinstance(base, ast.Call) and isinstance(base.func, ast.Attribute) and base.func.attr == "get":
            base = base.func.value  # request.POST.get('x')
        elif isinstance(base, ast.Subscript):
            base = base.value  # request.POST['x']
        if self._context_value(base):
            key = _value_key(base)
            if key is not None and key in scope.validated:
                return None
            if expr is not base and _value_key(expr) in scope.validated:
                return None
            return render(expr)
        return None

    def _context_value(self, expr: ast.expr) -> bool:
        """An attribute of a request-context name, also through ``self.``."""
        if not isinstance(expr, ast.Attribute):
            return False
        node: ast.expr = expr
        while isinstance(node, ast.Attribute):
            inner = node.value
            if isinstance(inner, ast.Name):
                if self.config.context_names(inner.id):
                    return True
                return inner.id == "self" and node is not expr and self.config.context_names(node.attr)
            node = inner
        return False

    def _taint(self, expr: ast.expr) -> Optional[str]:
        """TRACEBACK or EXCEPTION if the value is built from such a source."""
        scope = self.scope
        found: Optional[str] = None
        stack = [expr]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Name):
                kind = scope.tainted.get(node.id)
                if kind is None and self.config.traceback_names(node.id) and node.id not in self.imports:
                    kind = TRACEBACK  # a parameter or global named like traceback text
                elif kind == CLEAN:
                    kind = None
                if kind == TRACEBACK:
                    return TRACEBACK
                found = found or kind
            elif isinstance(node, ast.Attribute):
                if node.attr == "__traceback__":
                    return TRACEBACK
                if node.attr == "args" and self._is_exception(node.value):
                    found = found or EXCEPTION
                else:
                    stack.append(node.value)
            elif isinstance(node, ast.Subscript):
                stack.append(node.value)
            elif isinstance(node, ast.Call):
                name = _last_name(node.func)
                if name in TRACEBACK_CALLS:
                    return TRACEBACK
                if name == "exc_info" and isinstance(node.func, ast.Attribute) and dotted(node.func.value) == "sys":
                    return TRACEBACK
                if name is None:
                    continue
                arguments = list(node.args) + [k.value for k in node.keywords]
                if EXCEPTION_DETAIL_CALL.match(name) or name in STRINGIFY_CALLS or name == "format":
                    if any(self._is_exception(a) for a in arguments):
                        found = found or EXCEPTION
                    stack.extend(arguments)
                    if name == "format" and isinstance(node.func, ast.Attribute):
                        stack.append(node.func.value)
                elif name == "join":
                    stack.extend(arguments)
            elif isinstance(node, ast.JoinedStr):
                for part in node.values:
                    if isinstance(part, ast.FormattedValue):
                        if self._is_exception(part.value):
                            found = found or EXCEPTION
                        else:
                            stack.append(part.value)
            elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
                for side in (node.left, node.right):
                    items = side.elts if isinstance(side, ast.Tuple) else [side]
                    for item in items:
                        if self._is_exception(item):
                            found = found or EXCEPTION
                        else:
                            stack.append(item)
            elif isinstance(node, ast.IfExp):
                stack.append(node.body)
                stack.append(node.orelse)
        return found

    def _is_exception(self, expr: ast.expr) -> bool:
        return isinstance(expr, ast.Name) and expr.id in self.scope.exception_names

    def _response(self, call: ast.Call, name: str) -> None:
        values: List[Value] = []
        pending: List[ast.expr] = list(call.args) + [k.value for k in call.keywords]
        while pending:
            item = pending.pop()
            if isinstance(item, ast.Dict):
                pending.extend(v for v in item.values)
            elif isinstance(item, (ast.List, ast.Tuple, ast.Set)):
                pending.extend(item.elts)
            elif isinstance(item, ast.Starred):
                continue
            else:
                taint = self._taint(item)
                if taint is not None:
                    values.append(Value(item, taint, None))
        if values:
            self.responses.append(ResponseCall(call, name, tuple(values)))

    def _helper_name(self, call: ast.Call) -> Optional[str]:
        """The callee's name when the call may be to a function of this module."""
        func = call.func
        if isinstance(func, ast.Name):
            return func.id
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            base = func.value.id
            if base in RECEIVER_SELF or base[:1].isupper():
                return func.attr
        return None

    # ---- flows: which records reach a write ----

    def _resolve_flows(self) -> None:
        by_name: Dict[str, List[Function]] = {}
        for function in self.functions:
            by_name.setdefault(function.name, []).append(function)
        scope_of = {id(s.function): s for s in self.scopes}

        def reach_of(scope: _Scope, name: str, after: Position) -> Optional[DbCall]:
            use = scope.last_write_use.get(name)
            if use is not None and use[0] > after:
                return use[1]
            return None

        # Functions whose result reaches a write, found from their call sites.
        result_reaches: Dict[int, DbCall] = {}
        worklist: List[Tuple[Function, DbCall]] = []
        for site in self.call_sites:
            write = site.direct_write
            if write is None and site.bound_to is not None:
                write = reach_of(site.scope, site.bound_to, site.position)
            if write is None:
                continue
            for callee in by_name.get(site.callee, ()):
                if callee is not site.scope.function:
                    worklist.append((callee, write))
        while worklist:
            callee, write = worklist.pop()
            if id(callee) in result_reaches:
                continue
            result_reaches[id(callee)] = write
            callee_scope = scope_of[id(callee)]
            for name in callee_scope.returned_calls:
                for inner in by_name.get(name, ()):
                    worklist.append((inner, write))

        for scope in self.scopes:
            returned_write = result_reaches.get(id(scope.function))
            for name, bindings in scope.bound_records.items():
                for position, record in bindings:
                    if record.reaches is None:
                        record.reaches = reach_of(scope, name, position)
                    if record.reaches is None and returned_write is not None and name in scope.returned_names:
                        record.reaches = returned_write
            if returned_write is not None:
                for record in scope.returned_records:
                    if record.reaches is None:
                        record.reaches = returned_write
        for store in self.stores:
            scope = scope_of[id(store.function)]
            store.reaches = reach_of(scope, store.name, (store.node.lineno, store.node.col_offset))
            if store.reaches is None and store.name in scope.returned_names:
                store.reaches = result_reaches.get(id(store.function))


_Builder._stmt_handlers = {
    ast.FunctionDef: _Builder.visit_function,
    ast.AsyncFunctionDef: _Builder.visit_function,
    ast.ClassDef: _Builder.visit_class,
    ast.Import: _Builder.visit_import,
    ast.ImportFrom: _Builder.visit_import_from,
    ast.Try: _Builder.visit_try,
    ast.With: _Builder.visit_with,
    ast.AsyncWith: _Builder.visit_with,
    ast.If: _Builder.visit_if,
    ast.Assert: _Builder.visit_assert,
    ast.Assign: _Builder.visit_assign,
    ast.AnnAssign: _Builder.visit_assign,
    ast.Return: _Builder.visit_return,
}
if hasattr(ast, "TryStar"):  # Python 3.11+
    _Builder._stmt_handlers[ast.TryStar] = _Builder.visit_try


# --- small pure helpers ---


def _chain_text(receiver: Optional[ast.expr], root_func: ast.expr, methods: Tuple[str, ...]) -> str:
    if receiver is root_func:
        return "().".join(methods)
    base = dotted(receiver) if receiver is not None else None
    if base is None:
        base = "..."
    return base + "." + "().".join(methods)


def _names_a_lock(expr: ast.expr) -> bool:
    stack = [expr]
    while stack:
        node = stack.pop()
        name: Optional[str] = None
        if isinstance(node, ast.Name):
            name = node.id
        elif isinstance(node, ast.Attribute):
            name = node.attr
            stack.append(node.value)
        elif isinstance(node, ast.Call):
            stack.append(node.func)
        if name is not None:
            lowered = name.lower()
            if any(word in lowered for word in LOCK_WORDS):
                return True
    return False


def _always_leaves(body: List[ast.stmt]) -> bool:
    if not body:
        return False
    last = body[-1]
    if isinstance(last, (ast.Raise, ast.Return, ast.Continue, ast.Break)):
        return True
    if isinstance(last, ast.If):
        return bool(last.orelse) and _always_leaves(last.body) and _always_leaves(last.orelse)
    if isinstance(last, (ast.With, ast.AsyncWith)):
        return _always_leaves(last.body)
    return False


def _isinstance_guarded(test: ast.expr) -> Optional[str]:
    """The value a ``not isinstance(x, T)`` test guards, if it is one."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        call = test.operand
        if isinstance(call, ast.Call) and _last_name(call.func) == "isinstance" and call.args:
            return _value_key(call.args[0])
    return None


def _value_key(expr: ast.expr) -> Optional[str]:
    """The key under which a value counts as validated: its dotted text."""
    if isinstance(expr, ast.Subscript):
        base = _value_key(expr.value)
        if base is not None and isinstance(expr.slice, ast.Constant):
            return f"{base}[{expr.slice.value!r}]"
        return None
    return dotted(expr)


def _is_none(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is None


def _is_record_container(expr: ast.expr, scope: _Scope, by_node: Dict[int, DbCall]) -> bool:
    """A membership test's container that holds records (not a literal list of choices)."""
    if isinstance(expr, ast.Name):
        return expr.id == "self" or expr.id in scope.read_names
    return isinstance(expr, ast.Call) and id(expr) in by_node


def _is_record_state(expr: ast.expr, scope: _Scope, by_node: Dict[int, DbCall]) -> bool:
    """A None-tested value that stands for a record or its state."""
    if isinstance(expr, ast.Await):
        expr = expr.value
    if isinstance(expr, ast.Name):
        return expr.id in scope.read_names
    if isinstance(expr, ast.Attribute):
        return dotted(expr.value) == "self" or _is_record_state(expr.value, scope, by_node)
    return isinstance(expr, ast.Call) and id(expr) in by_node


@dataclass(frozen=True)
class _Statement:
    """What an ``execute`` argument does: its kind, verb, and the methods of its construct."""

    kind: str  # "read", "write" or "unknown"
    verb: str  # SQL keyword or construct name: "insert", "delete", "select" ...
    methods: Tuple[str, ...] = ()  # e.g. ("insert", "values", "on_conflict_do_nothing")


def _sql_statement(text: str) -> _Statement:
    match = re.match(r"[\s(]*([A-Za-z]+)", text)
    verb = match.group(1).lower() if match else ""
    return _Statement(_sql_kind(text), verb)


def _statement(expr: ast.expr, scope: _Scope) -> Optional[_Statement]:
    """SQL text or a SQLAlchemy statement construct, as passed to ``execute``."""
    if isinstance(expr, ast.Constant):
        return _sql_statement(expr.value) if isinstance(expr.value, str) else None
    if isinstance(expr, ast.JoinedStr):
        head = expr.values[0] if expr.values else None
        if isinstance(head, ast.Constant) and isinstance(head.value, str):
            return _sql_statement(head.value)
        return None
    if isinstance(expr, ast.Name):
        return scope.statements.get(expr.id)
    methods: List[str] = []
    node: ast.expr = expr
    while isinstance(node, ast.Call):
        name = _last_name(node.func)
        if name == "text" and node.args:
            return _statement(node.args[0], scope)
        if name is not None:
            methods.append(name)
        func = node.func
        node = func.value if isinstance(func, ast.Attribute) else func
    if isinstance(node, ast.Attribute):
        methods.append(node.attr)  # table.insert without a call, rare but seen
    for name in reversed(methods):  # the construct is the innermost call: insert(t).values(...)
        if name in ("insert", "update", "delete"):
            return _Statement("write", name, tuple(reversed(methods)))
        if name == "select":
            return _Statement("read", name, tuple(reversed(methods)))
    return None


def build_model(tree: ast.AST, config: Config) -> Module:
    """Compute the facts of one module in one traversal."""
    return _Builder(config).build(tree)


__all__ = [
    "Check",
    "DbCall",
    "Function",
    "Module",
    "Record",
    "ResponseCall",
    "SubscriptStore",
    "Value",
    "build_model",
    "classify_name",
]
