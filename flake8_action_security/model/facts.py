"""The facts of one module: small dataclasses the rules read (SPEC section 1)."""
from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Dict, FrozenSet, List, Optional, Set, Tuple, Union

Position = Tuple[int, int]
FunctionNode = Union[ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.Module]

# Where a value comes from (SPEC section 1, "Values carry their origin").
REQUEST = "request"  # what the client sent: request data, handler URL captures
PARAM = "param"  # a parameter of a public function: caller-supplied
TRUSTED = "trusted"  # set by authentication middleware: request.user, context.project_id
ORIGIN_RANK = {REQUEST: 3, PARAM: 2, TRUSTED: 1}

TRACEBACK = "traceback"
EXCEPTION = "exception"


@dataclass(eq=False)
class ClassInfo:
    """A class: its bases' last names and what its body assigns and defines."""

    name: str
    qualname: str
    bases: Tuple[str, ...]
    assigned: List[Tuple[str, ast.expr]] = field(default_factory=list)  # class attributes
    methods: Dict[str, "Function"] = field(default_factory=dict)
    is_model: bool = False
    reached_from: Optional[Dict[str, "Function"]] = None  # method -> handler reaching it via self.m(), lazily


@dataclass(eq=False)
class Evidence:
    """A permission check: what makes it, and whether it checks a specific record."""

    text: str
    node: ast.AST
    object_model: Optional[str] = None  # the model class of the record checked, when known
    object_check: bool = False
    objects: Tuple[str, ...] = ()  # names of the records or ids it checks
    params: Tuple[str, ...] = ()  # parameters of its function it checks (a helper that checks what it is given)


@dataclass(eq=False)
class Function:
    """A function (or lambda, or the module itself) and its evidence."""

    node: FunctionNode
    name: str
    qualname: str
    parent: Optional["Function"]
    cls: Optional[ClassInfo]  # the class it is a method of
    params: Tuple[str, ...]
    decorators: Tuple[str, ...]
    handler: Optional[str] = None  # why it is a request handler, or None
    authz_decorator: Optional[str] = None
    error_decorated: bool = False
    lock_decorated: bool = False
    validation_decorated: bool = False
    authz: List[Evidence] = field(default_factory=list)  # permission checks in the body
    writes: List["DbCall"] = field(default_factory=list)  # in source order
    makes_owner_filter: bool = False  # a query in it filters on the principal (get_queryset)
    authn_decorated: bool = False  # an authentication-only decorator (login_required ...)
    handler_is_view: bool = False  # a view or route (where authentication would be visible), not a serializer
    self_calls: Set[str] = field(default_factory=set)  # methods it calls as self.m() / cls.m()
    self_call_args: List[Tuple[str, Tuple[Optional[str], ...]]] = field(default_factory=list)
    mentions_principal: bool = False  # reads request.user / current_user / g.user

    @property
    def is_private(self) -> bool:
        """One leading underscore: an internal helper (dunders are not)."""
        return self.name.startswith("_") and not self.name.startswith("__")

    @property
    def is_lambda_or_module(self) -> bool:
        return isinstance(self.node, (ast.Lambda, ast.Module))


@dataclass(frozen=True)
class Value:
    """One value of a record or one argument of a sink, with what it carries."""

    expr: ast.expr
    taint: Optional[str]  # TRACEBACK, EXCEPTION or None
    origin: Optional[str]  # REQUEST, PARAM, TRUSTED or None (validated, constant, from the DB ...)
    source: Optional[str]  # text naming the external input, when origin is set
    db_error: bool = False  # exception text of a caught DB error

    @property
    def position(self) -> Position:
        return (self.expr.lineno, self.expr.col_offset)


@dataclass(frozen=True)
class IdUse:
    """A caller-supplied identifier among a read's arguments."""

    text: str
    origin: str  # REQUEST or PARAM


@dataclass(eq=False)
class DbCall:
    """A DB access; a chain of calls is one DbCall at its outermost call."""

    node: ast.Call
    name: str
    methods: Tuple[str, ...]
    framework: str
    style: str
    kind: str  # "read", "write" or "unknown"
    executes: bool  # runs SQL on its line (else it builds a query)
    raising: bool  # raises when the row is missing (Django get, SQLAlchemy one)
    handled_lookup: bool  # maps the missing row itself (get_object_or_404)
    locking: bool
    upsert: bool
    insert: bool  # creates a row
    function: Function
    caught: FrozenSet[str]  # names caught by try statements around it ("*" = all)
    swallowed: Optional[str]  # the innermost handler of DB errors around it: "silent" (passes) or "logged"
    in_class_body: bool
    write_verbs: FrozenSet[str]
    ids: Tuple[IdUse, ...] = ()
    key_origin: Optional[str] = None  # origin of the lookup key of a raising lookup
    owner_scoped: bool = False
    model: Optional[str] = None
    fields: FrozenSet[str] = frozenset()  # columns a write sets (keywords, dict keys, attribute stores)
    filter_fields: FrozenSet[str] = frozenset()  # columns a chain filters on before its write
    arguments: Tuple[Value, ...] = ()  # arguments of a write, for ASA004
    bound_to: Optional[str] = None  # the local name the read's result is bound to

    @property
    def position(self) -> Position:
        return (self.node.lineno, self.node.col_offset)


@dataclass(eq=False)
class Check:
    """An ``if`` (or an EAFP ``try``) that tests a record before a write (ASA005)."""

    node: ast.stmt
    kind: str  # "absence", "state" or "memory"
    function: Function
    locked: bool  # inside a with-lock block
    for_update: bool  # a locking read feeds the test
    state_field: Optional[str]  # the attribute a state check tests
    first_write: int  # index into function.writes
    stop_write: int = -1  # end (exclusive) of the writes that follow the check
    guard: bool = False  # its body always leaves: the rest of the block runs only if it passed
    models: FrozenSet[str] = frozenset()  # model classes of the records the check reads


@dataclass(eq=False)
class Record:
    """A dict display, a dict(...) call, keyword arguments or ``**data`` of a DB write."""

    node: ast.expr
    form: str  # "dict", "dict-call", "keywords", "unpacked", "attributes"
    function: Function
    values: Tuple[Value, ...]
    reaches: Optional[DbCall] = None


@dataclass(eq=False)
class Store:
    """``name[key] = value`` or ``name.attr = value`` into a local name."""

    node: ast.expr
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
    function: Function


@dataclass(frozen=True)
class Module:
    imports: Dict[str, str]
    functions: Tuple[Function, ...]
    classes: Tuple[ClassInfo, ...]
    db_calls: Tuple[DbCall, ...]
    checks: Tuple[Check, ...]
    records: Tuple[Record, ...]
    stores: Tuple[Store, ...]
    responses: Tuple[ResponseCall, ...]
    db_evidence: bool
    web_framework: bool
    unique_models: FrozenSet[str] = frozenset()  # models of this file with a unique column or constraint
    one_off: bool = False  # a command, script, example loader or migration: runs once, not per request

    @property
    def has_handlers(self) -> bool:
        return any(f.handler for f in self.functions)
