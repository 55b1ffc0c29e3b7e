"""Expressions: call chains, DB accesses, their ids and scoping, records, responses, evidence."""
from __future__ import annotations

import ast
import functools
import re
from typing import TYPE_CHECKING, Any, Callable, Dict, FrozenSet, Iterator, List, Optional, Set, Tuple

from ..frameworks import Chain, classify, may_reach_db, web
from ..syntax import FIELDS_CACHE, child_fields, dotted, last_name, render, root_name, value_key
from . import flows
from .facts import PARAM, REQUEST, TRUSTED, DbCall, Evidence, Function, IdUse, Record, ResponseCall, Store

if TYPE_CHECKING:
    from ..config import Config
    from .traversal import Scope
    from .values import ValueReader

WRITE_VERBS = frozenset(
    "create insert add save update upsert merge delete destroy remove set put "
    "start finish commit bulk purge archive".split()
)
READ_VERBS = frozenset(
    "get fetch find query select filter first one all scalar scalars count exists "
    "lookup load list search retrieve show read paginate".split()
)
# "start": nova's DB API creates action and event records with *_start
INSERT_VERBS = frozenset({"create", "insert", "add", "start"})
LOCKING_READS = frozenset({"select_for_update", "with_for_update"})
UPSERT_PATTERN = re.compile(
    r"(^|_)(a?get_or_create|a?update_or_create|upsert|on_conflict_do_nothing|on_conflict_do_update)(_|$)"
)
EXECUTE_METHODS = frozenset({"execute", "executemany", "exec_driver_sql"})
FILTER_METHODS = frozenset({"filter", "filter_by", "where", "exclude"})
PRINCIPAL_PARAMS = frozenset({"user", "owner"})
OBJECT_PERMISSION_CALLS = re.compile(r"^(has_object_permission|check_object_permissions|.*_for_instance.*)$")
_Work = Tuple[ast.AST, Optional[DbCall]]


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


class CallMixin:
    """The expression half of the traversal (mixed into :class:`Builder`)."""

    if TYPE_CHECKING:  # what the Builder provides
        config: Config
        scope: Scope
        values: ValueReader
        db_calls: List[DbCall]
        records: List[Record]
        stores: List[Store]
        responses: List[ResponseCall]
        call_sites: List[flows.CallSite]
        record_of: Dict[int, Record]
        db_call_of: Dict[int, DbCall]
        pending_lambdas: List[Tuple[ast.Lambda, Scope]]
        response_names: List[Tuple[Scope, str, Tuple[int, int], ast.Call, str]]

        def _new_function(self, node: Any, name: str, decorator_list: List[ast.expr],
                          args: ast.arguments) -> Function: ...

        def _open_scope(self, function: Function) -> Scope: ...

        def _is_model_constructor(self, call: ast.Call) -> bool: ...

    def expr(self, root: ast.AST) -> None:
        self._walk(root, None)
        while self.pending_lambdas:  # a loop, not a recursion: lambda defaults nest lambdas
            node, parent = self.pending_lambdas.pop()
            outer = self.scope
            self.scope = parent
            for default in node.args.defaults + [d for d in node.args.kw_defaults if d is not None]:
                self._walk(default, None)
            function = self._new_function(node, "<lambda>", [], node.args)
            self.scope = self._open_scope(function)
            self.scope.param_origin.update(parent.param_origin)
            self.scope.origins.update(parent.origins)
            self._walk(node.body, None)
            self.scope = outer

    def _walk(self, root: ast.AST, write: Optional[DbCall]) -> None:
        stack: List[_Work] = [(root, write)]
        pop, push = stack.pop, stack.append
        scope = self.scope
        fields_of = FIELDS_CACHE
        while stack:
            node, write = pop()
            cls = type(node)
            if cls is ast.Name:
                if node.id == "current_user":  # type: ignore[attr-defined]
                    scope.function.mentions_principal = True
                if write is not None:
                    name_node: Any = node
                    scope.last_write_use[name_node.id] = ((name_node.lineno, name_node.col_offset), write)
                continue
            if cls is ast.Constant:
                continue
            if cls is ast.Call:
                self._call(node, write, push)  # type: ignore[arg-type]
                continue
            if cls is ast.Attribute:
                if node.attr in _PRINCIPAL_ATTRS and web.mentions_principal(node):  # type: ignore[attr-defined]
                    scope.function.mentions_principal = True
            elif cls is ast.Dict:
                self._dict_record(node, write)  # type: ignore[arg-type]
            elif cls is ast.Lambda:
                self.pending_lambdas.append((node, scope))  # type: ignore[arg-type]
                continue
            fields = fields_of.get(cls)
            if fields is None:
                fields = child_fields(cls)
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
        links: List[ast.Call] = []  # outermost first: a.b(x).c(y) -> [c(y), b(x)]
        node: ast.expr = call
        receiver: Optional[ast.expr] = None
        walk_receiver: Optional[ast.expr] = None
        while True:
            links.append(node)  # type: ignore[arg-type]
            func = node.func  # type: ignore[attr-defined]
            if isinstance(func, ast.Attribute):
                if isinstance(func.value, ast.Call):
                    node = func.value
                    continue
                receiver = walk_receiver = func.value
            else:
                walk_receiver = func
            break
        scope = self.scope
        root_name = walk_receiver.id if receiver is None and isinstance(walk_receiver, ast.Name) else None
        first = last_name(node.func)  # type: ignore[attr-defined]
        db_call = None
        if may_reach_db(receiver, root_name, first, scope.env):  # type: ignore[arg-type]
            inner_first = tuple(reversed(links))
            names = [last_name(link.func) for link in inner_first]
            chain = Chain(inner_first, tuple(n for n in names if n is not None), receiver, root_name)
            db_call = self._db_call(call, chain, names)
        if first is not None and isinstance(receiver, ast.Name) and receiver.id in ("self", "cls"):
            scope.function.self_calls.add(first)
            inner_call = links[-1]
            if inner_call.args:
                scope.function.self_call_args.append(
                    (first, tuple(a.id if isinstance(a, ast.Name) else None for a in inner_call.args)))
        cfg = self.config
        inner_write = db_call if db_call is not None and db_call.kind == "write" else write
        for link in links:
            name = last_name(link.func)
            if name is not None:
                if cfg.authz_calls(name):
                    self._evidence(link, name)
                if cfg.validators(name):
                    for arg in list(link.args) + [k.value for k in link.keywords]:
                        key = value_key(arg)
                        if key is not None:
                            scope.validated.add(key)
                    if name == "full_clean" and isinstance(link.func, ast.Attribute):
                        key = value_key(link.func.value)
                        if key is not None:
                            scope.validated.add(key)
                if name == "dict" and isinstance(link.func, ast.Name):
                    self._dict_call_record(link, inner_write)
                elif _is_response(name):
                    self._response(link, name)
                elif name == "setattr" and isinstance(link.func, ast.Name) and len(link.args) == 3:
                    self._setattr_store(link)
                elif name[:1].isupper() and any(k.arg is None for k in link.keywords):
                    self._unpacked_record(link, inner_write)
                if inner_write is not None and db_call is None:
                    callee = flows.helper_name(link)
                    if callee is not None:
                        self.call_sites.append(
                            flows.CallSite(callee, scope, None, (link.lineno, link.col_offset), inner_write))
            for keyword in reversed(link.keywords):
                push((keyword.value, inner_write))
            for arg in reversed(link.args):
                push((arg, inner_write))
        if walk_receiver is not None and not isinstance(walk_receiver, ast.Name):
            push((walk_receiver, write))
        elif isinstance(walk_receiver, ast.Name) and (write is not None or inner_write is not None):
            use_write = inner_write if db_call is not None and db_call.kind == "write" else write
            if use_write is not None:
                scope.last_write_use[walk_receiver.id] = ((walk_receiver.lineno, walk_receiver.col_offset),
                                                          use_write)

    # ---- DB accesses ----

    def _db_call(self, call: ast.Call, chain: Chain, names: List[Optional[str]]) -> Optional[DbCall]:
        scope = self.scope
        access = classify(chain, scope.env)  # type: ignore[arg-type]
        if access is None:
            return None
        methods = access.methods
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
        if access.style == "shortcut" and chain.links[0].args:
            # get_object_or_404(Order.objects.select_for_update(), pk=pk): a locking read
            node: ast.expr = chain.links[0].args[0]
            for _ in range(50):
                if not isinstance(node, ast.Call):
                    break
                name = last_name(node.func)
                if name is not None:
                    names_seen.append(name)
                node = node.func.value if isinstance(node.func, ast.Attribute) else node.func
        for link, name in zip(chain.links, names):
            if name in EXECUTE_METHODS and link.args:
                statement = flows.statement(link.args[0], scope)
                if statement is None:
                    continue
                names_seen.extend(statement.methods)
                if statement.kind == "write":
                    kind = "write"
                    verbs = verbs | {statement.verb}
                elif statement.kind == "read" and kind == "unknown":
                    kind = "read"
        if access.handled or access.raising:
            kind = "read"
        receiver_name = chain.receiver.id if isinstance(chain.receiver, ast.Name) else None
        insert = bool(verbs & INSERT_VERBS) or (
            access.style == "record" and receiver_name in scope.constructed and "save" in methods)
        model = access.model
        if insert and methods == ("add",) and chain.links[0].args:
            added = chain.links[0].args[0]  # session.add(row): an insert only for a new row
            insert = not (isinstance(added, ast.Name) and added.id in scope.read_names)
            if isinstance(added, ast.Call):
                model = last_name(added.func)
            elif isinstance(added, ast.Name):
                model = scope.constructed_models.get(added.id, model)
        links = list(reversed(chain.links))
        function = scope.function
        db_call = DbCall(
            node=call, name=_chain_text(chain, methods), methods=methods, framework=access.framework,
            style=access.style, kind=kind, executes=access.executes, raising=access.raising,
            handled_lookup=access.handled, locking=any(n in LOCKING_READS for n in names_seen),
            upsert=any(UPSERT_PATTERN.search(n) for n in names_seen), insert=insert, function=function,
            caught=scope.caught, swallowed=scope.swallowed, in_class_body=bool(scope.class_stack),
            write_verbs=verbs, model=model,
        )
        if kind == "read":
            ids, key_origin = self._ids(chain)
            db_call.ids = tuple(ids)
            db_call.owner_scoped = self._owner_scoped(chain)
            if access.raising:
                db_call.key_origin = key_origin
            if call is not None:
                scope.db_values.add(id(call))
        if kind == "write":
            db_call.arguments = tuple(self._write_arguments(links, names))
            db_call.fields, db_call.filter_fields = _fields(chain)
            if access.framework in ("django", "sqlalchemy") or access.style in ("record", "object"):
                self._keyword_record(db_call, chain)
            if receiver_name is not None:
                self._flush_attribute_stores(receiver_name, db_call)
            function.writes.append(db_call)
        self.db_calls.append(db_call)
        self.db_call_of[id(call)] = db_call
        return db_call

    def _ids(self, chain: Chain) -> Tuple[List[IdUse], Optional[str]]:
        """Caller-supplied identifiers among the chain's arguments (also inside a statement),
        and the strongest origin of any lookup value (the key of a raising lookup)."""
        scope = self.scope
        seen = set()
        found_ids: List[IdUse] = []
        key_origin: Optional[str] = None
        pending: List[Tuple[Optional[str], ast.expr]] = []
        for link in chain.links:
            pending.extend((None, a) for a in link.args)
            pending.extend((k.arg, k.value) for k in link.keywords)
        budget = 100
        while pending and budget:
            budget -= 1
            column, value = pending.pop()
            if isinstance(value, ast.Starred):
                continue
            if isinstance(value, ast.Compare) and len(value.ops) == 1 and isinstance(value.ops[0], ast.Eq):
                left, right = value.left, value.comparators[0]
                pending.append((_column(left), right))
                pending.append((_column(right), left))
                continue
            if isinstance(value, ast.BoolOp):
                pending.extend((None, v) for v in value.values)
                continue
            if isinstance(value, ast.Call) and id(value) not in scope.db_values and \
                    last_name(value.func) not in ("int", "str", "UUID", "get"):
                pending.extend((None, a) for a in value.args)  # select(M).where(M.id == x)
                pending.extend((k.arg, k.value) for k in value.keywords)
                if isinstance(value.func, ast.Attribute) and isinstance(value.func.value, ast.Call):
                    pending.append((None, value.func.value))
                continue
            origin = self.values.origin(scope, value, for_id=True)
            if origin is not None and origin[0] in (REQUEST, PARAM) and key_origin != REQUEST:
                key_origin = origin[0]
            found = self._id_value(value, column)
            if found is not None and found.text not in seen:
                seen.add(found.text)
                found_ids.append(found)
                if found.origin == REQUEST or key_origin is None:
                    key_origin = found.origin
        return found_ids, key_origin

    def _id_value(self, value: ast.expr, column: Optional[str]) -> Optional[IdUse]:
        cfg = self.config
        scope = self.scope
        origin = self.values.origin(scope, value, for_id=True)
        if origin is None or origin[0] == TRUSTED:
            keyed = self.values.id_origin_of_key(scope, value)
            if keyed is not None:
                return IdUse(keyed[1], keyed[0])
            return None
        name = _value_name(value)
        column_name = column.rsplit("__", 1)[0] if column else None
        if name is not None and cfg.id_params(name):
            return IdUse(render(value) if len(render(value)) < 60 else name, origin[0])
        if column_name is not None and (cfg.id_params(column_name) or column_name == "pk") and origin[0] == REQUEST:
            return IdUse(render(value)[:57], REQUEST)
        keyed = self.values.id_origin_of_key(scope, value)
        if keyed is not None:
            return IdUse(keyed[1], keyed[0])
        return None

    def _owner_scoped(self, chain: Chain) -> bool:
        """The read is restricted to the caller: ``user=request.user``, ``project_only=True``."""
        scope = self.scope
        cfg = self.config
        if chain.receiver is not None and web.is_trusted(chain.receiver, cfg):
            return True  # request.user.orders.get(pk=...)
        if chain.methods and chain.methods[0] == "get_queryset" and scope.function.cls is not None:
            override = scope.function.cls.methods.get("get_queryset")
            if override is not None and override.makes_owner_filter:
                return True
        for link in chain.links:
            for keyword in link.keywords:
                if keyword.arg is None:
                    continue
                value = keyword.value
                if keyword.arg == "project_only":
                    if isinstance(value, ast.Constant) and value.value is True:
                        return True
                elif _is_principal(value) or cfg.owner_keywords(keyword.arg.rsplit("__", 1)[-1]):
                    # customer=request.user scopes whatever the column is called
                    if _is_principal(value) or web.is_trusted(value, cfg) or \
                            web.is_request_attribute(value, cfg.owner_keywords) or (
                            isinstance(value, ast.Name) and value.id in PRINCIPAL_PARAMS
                            and value.id in scope.function.params):
                        if scope.function.name == "get_queryset":
                            scope.function.makes_owner_filter = True
                        return True
        return False

    def _evidence(self, call: ast.Call, name: str) -> None:
        """A permission check: an object check when it names a record read or an id."""
        scope = self.scope
        parts: List[ast.expr] = list(call.args) + [k.value for k in call.keywords]
        if isinstance(call.func, ast.Attribute):
            parts.append(call.func.value)
        objects: List[str] = []
        params: List[str] = []
        model: Optional[str] = None
        budget = 50
        while parts and budget:
            budget -= 1
            part = parts.pop()
            if isinstance(part, ast.Dict):
                parts.extend(v for v in part.values if v is not None)
                continue
            root = root_name(part)
            if root is None:
                continue
            read = scope.read_names.get(root)
            if read is not None:
                objects.append(root)
                model = model or read.model
            elif self.config.id_params(root):
                objects.append(root)
            elif root in scope.function.params and root not in ("self", "cls") \
                    and not self.config.context_names(root):
                params.append(root)  # instance.has_permission(user): a check of what the caller passed in
        object_check = bool(objects) or bool(params) or bool(OBJECT_PERMISSION_CALLS.match(name))
        scope.function.authz.append(Evidence(render(call.func), call, model, object_check, tuple(objects),
                                             tuple(params)))

    # ---- records and values ----

    def _write_arguments(self, links: List[ast.Call], names: List[Optional[str]]) -> Iterator[Any]:
        for link in links:
            name = last_name(link.func)
            if name is None or not (classify_name(name) == "write" or name in EXECUTE_METHODS):
                continue
            for value in list(link.args) + [k.value for k in link.keywords]:
                items = value.elts if isinstance(value, (ast.Tuple, ast.List)) else [value]
                for item in items:
                    if not isinstance(item, ast.Starred):
                        yield self.values.value(self.scope, item)

    def _keyword_record(self, db_call: DbCall, chain: Chain) -> None:
        for link in chain.links:
            name = last_name(link.func)
            if name is None or name in LOCKING_READS or classify_name(name) != "write":
                continue
            values = tuple(self.values.value(self.scope, k.value) for k in link.keywords)
            if values:
                self._add_record(Record(link, "keywords", self.scope.function, values, db_call))

    def _unpacked_record(self, call: ast.Call, write: Optional[DbCall]) -> None:
        """``Model(**data)``: mass assignment when it reaches a write."""
        if not self._is_model_constructor(call):
            return
        values = tuple(self.values.value(self.scope, k.value) for k in call.keywords)
        self._add_record(Record(call, "unpacked", self.scope.function, values, write))

    def _setattr_store(self, call: ast.Call) -> None:
        target = call.args[0]
        if isinstance(target, ast.Name):
            scope = self.scope
            store = Store(call, target.id, self.values.value(scope, call.args[2]), scope.function)
            scope.attr_stores.setdefault(target.id, []).append(store)

    def _flush_attribute_stores(self, name: str, write: DbCall) -> None:
        stores = self.scope.attr_stores.pop(name, None)
        if not stores:
            return
        for store in stores:
            store.reaches = write
            self.stores.append(store)
        write.fields = write.fields | frozenset(
            s.node.attr for s in stores if isinstance(s.node, ast.Attribute))

    def _add_record(self, record: Record) -> None:
        self.records.append(record)
        self.record_of[id(record.node)] = record

    def _dict_record(self, node: ast.Dict, write: Optional[DbCall]) -> None:
        values = tuple(self.values.value(self.scope, v) for k, v in zip(node.keys, node.values) if k is not None)
        self._add_record(Record(node, "dict", self.scope.function, values, write))

    def _dict_call_record(self, node: ast.Call, write: Optional[DbCall]) -> None:
        values = tuple(self.values.value(self.scope, k.value) for k in node.keywords if k.arg is not None)
        self._add_record(Record(node, "dict-call", self.scope.function, values, write))

    def _response(self, call: ast.Call, name: str) -> None:
        values = []
        pending: List[ast.expr] = list(call.args) + [k.value for k in call.keywords]
        while pending:
            item = pending.pop()
            if isinstance(item, ast.Dict):
                pending.extend(v for v in item.values if v is not None)
            elif isinstance(item, (ast.List, ast.Tuple, ast.Set)):
                pending.extend(item.elts)
            elif isinstance(item, ast.Starred):
                continue
            else:
                if isinstance(item, ast.Name):  # response_data['detail'] = str(exc); Response(data=response_data)
                    self.response_names.append((self.scope, item.id, (call.lineno, call.col_offset), call, name))
                value = self.values.value(self.scope, item)
                if value.taint is not None:
                    values.append(value)
        if values:
            self.responses.append(ResponseCall(call, name, tuple(values), self.scope.function))


_PRINCIPAL_ATTRS = frozenset({"user", "auth"})


@functools.lru_cache(maxsize=4096)
def _is_response(name: str) -> bool:
    return web.RESPONSE_CALL.match(name) is not None


def _chain_text(chain: Chain, methods: Tuple[str, ...]) -> str:
    """``Book.objects.filter().get``: the receiver and the chain's DB methods."""
    shown = chain.methods
    if methods and methods != shown[: len(methods)]:
        shown = methods if shown[-len(methods):] != methods else shown
    elif methods:
        shown = methods
    if chain.receiver is None:
        return "().".join(shown)
    base = dotted(chain.receiver) or "..."
    return base + "." + "().".join(shown)


def _is_principal(value: ast.expr) -> bool:
    """``request.user``, ``current_user``, ``g.user`` or their ``.id`` / ``.pk``."""
    if isinstance(value, ast.Attribute) and value.attr in ("id", "pk"):
        value = value.value
    return web.mentions_principal(value)


def _column(expr: ast.expr) -> Optional[str]:
    """``Book.id`` -> ``id`` on one side of a comparison."""
    if isinstance(expr, ast.Attribute):
        return expr.attr
    return None


def _value_name(value: ast.expr) -> Optional[str]:
    """The name an identifier goes by: ``share_id``, ``self.pk`` -> ``pk``, ``int(x)`` -> ``x``."""
    node = value
    while isinstance(node, ast.Call) and node.args and last_name(node.func) in ("int", "str", "UUID"):
        node = node.args[0]
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
        return node.slice.value
    return None


def _fields(chain: Chain) -> Tuple[FrozenSet[str], FrozenSet[str]]:
    """(columns a write sets, columns the chain filters on before it)."""
    written: Set[str] = set()
    filtered: Set[str] = set()
    for link in chain.links:
        name = last_name(link.func)
        if name in FILTER_METHODS:
            filtered.update(k.arg.split("__", 1)[0] for k in link.keywords if k.arg)
            for arg in link.args:
                if isinstance(arg, ast.Compare):
                    column = _column(arg.left)
                    if column:
                        filtered.add(column)
            continue
        written.update(k.arg for k in link.keywords if k.arg)
        for arg in link.args:
            if isinstance(arg, ast.Dict):
                written.update(k.value for k in arg.keys if isinstance(k, ast.Constant) and isinstance(k.value, str))
    return frozenset(written), frozenset(filtered)
