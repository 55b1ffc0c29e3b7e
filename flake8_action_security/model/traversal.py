"""The walk: one iterative traversal of a module computes every fact (SPEC section 1, 5).

Statements are scheduled on an explicit task stack (an ``elif`` chain as long
as the parser allows is a loop, not a recursion); expressions are walked with
an explicit stack too. Knowledge of frameworks is asked of ``frameworks``;
what values carry is asked of ``values``; which records reach which write is
settled at the end by ``flows``.
"""
from __future__ import annotations

import ast
import functools
from typing import Any, Callable, Dict, FrozenSet, List, Optional, Set, Tuple, Union

from ..config import Config
from ..frameworks import FileEnv, db_imports, web
from ..frameworks.dbapi import handle_kind
from ..syntax import child_fields, decorator_names, dotted, last_name
from . import checks, flows
from .calls import CallMixin
from .facts import (
    PARAM, REQUEST, Check, ClassInfo, DbCall, Function, FunctionNode, Module, Record, ResponseCall, Store,
)
from .prescan import bind_import, prescan
from .values import CLEAN, ValueReader, ValueScope

Task = Union[ast.AST, Callable[[], None]]
_MATCH_CASE: Tuple[type, ...] = (ast.match_case,) if hasattr(ast, "match_case") else ()
_TRY_TYPES: Tuple[type, ...] = (ast.Try, ast.TryStar) if hasattr(ast, "TryStar") else (ast.Try,)
LOG_ROOTS = frozenset({"LOG", "log", "logger", "logging", "LOGGER", "_LOG", "_logger", "print", "warnings",
                       "_log", "self.logger", "self.log", "current_app.logger", "app.logger"})
SUPPRESS_NAMES = frozenset({"suppress"})
LOCK_WORDS = ("lock", "mutex", "semaphore", "synchronized")
BROAD = frozenset({"*", "Exception", "BaseException"})


class Scope(ValueScope):
    """Build-time state of one function; dropped when the model is done."""

    def __init__(self, function: Function) -> None:
        super().__init__(function)
        self.caught: FrozenSet[str] = frozenset()
        self.swallowed: Optional[str] = None
        self.lock_depth = 0
        self.atomic_depth = 0
        self.class_stack: List[ClassInfo] = []
        self.read_names: Dict[str, DbCall] = {}
        self.record_names: Set[str] = set()
        self.constructed: Set[str] = set()
        self.constructed_models: Dict[str, str] = {}
        self.db_bound: Set[str] = set()
        self.not_db_bound: Set[str] = set()
        self.statements: Dict[str, Any] = {}
        self.bound_records: Dict[str, List[Tuple[Tuple[int, int], Record]]] = {}
        self.last_write_use: Dict[str, Tuple[Tuple[int, int], DbCall]] = {}
        self.returned_names: Set[str] = set()
        self.returned_records: List[Record] = []
        self.returned_calls: Set[str] = set()
        self.attr_stores: Dict[str, List[Store]] = {}
        self.block_checks: List[List[Check]] = []
        self.env: Optional[FileEnv] = None


class Builder(CallMixin):
    def __init__(self, config: Config, filename: str = "") -> None:
        self.config = config
        self.one_off = is_one_off(filename)
        self.imports: Dict[str, str] = {}
        self.functions: List[Function] = []
        self.classes: List[ClassInfo] = []
        self.db_calls: List[DbCall] = []
        self.checks: List[Check] = []
        self.records: List[Record] = []
        self.stores: List[Store] = []
        self.responses: List[ResponseCall] = []
        self.call_sites: List[flows.CallSite] = []
        self.response_names: List[Tuple[Scope, str, Tuple[int, int], ast.Call, str]] = []
        self.scopes: List[Scope] = []
        self.record_of: Dict[int, Record] = {}
        self.db_call_of: Dict[int, DbCall] = {}
        self.pending_lambdas: List[Tuple[ast.Lambda, Scope]] = []
        self.tasks: List[Task] = []
        self.db_evidence = False
        self.web_framework = False
        self.model_classes: Set[str] = set()
        self.django_views = False
        self.model_names: FrozenSet[str] = frozenset()
        self.django = False
        self.unique_models: Set[str] = set()
        self.db_imports: Set[str] = set()  # shared with every FileEnv of the module
        self.instance_names: Set[str] = set()
        self.values = ValueReader(config, self.imports)
        self.scope: Scope = None  # type: ignore[assignment]  # set by build()

    # ---- entry ----

    def build(self, tree: ast.AST) -> Module:
        module_node = tree if isinstance(tree, ast.Module) else ast.Module(body=[], type_ignores=[])
        facts = prescan(module_node, self.config)
        self.imports.update(facts.imports)
        self.db_evidence, self.web_framework, self.model_classes = facts.db_evidence, facts.web, facts.models
        self.django_views = facts.django_views
        self.model_names = frozenset(facts.model_names)
        self.django = facts.django
        self.unique_models = facts.unique_models
        self.db_imports.update(db_imports(self.imports, self.config))
        self.instance_names = facts.instance_names
        function = Function(module_node, "<module>", "<module>", None, None, (), ())
        self.scope = self._open_scope(function)
        if isinstance(tree, ast.Module):
            self.schedule_block(tree.body)
            self.run()
        elif isinstance(tree, ast.expr):
            self.expr(tree)
        flows.resolve(self)
        return Module(
            imports=dict(self.imports), functions=tuple(self.functions), classes=tuple(self.classes),
            db_calls=tuple(self.db_calls), checks=tuple(self.checks), records=tuple(self.records),
            stores=tuple(self.stores), responses=tuple(self.responses),
            db_evidence=self.db_evidence, web_framework=self.web_framework,
            unique_models=frozenset(self.unique_models), one_off=self.one_off,
        )

    def _open_scope(self, function: Function) -> Scope:
        self.functions.append(function)
        scope = Scope(function)
        scope.env = FileEnv(self.config, self.imports, self.db_evidence, scope.db_bound,
                            scope.not_db_bound, scope.record_names, self.model_names, self.django,
                            self.db_imports)
        self.scopes.append(scope)
        return scope

    def run(self) -> None:
        tasks = self.tasks
        handlers = _STMT_HANDLERS
        while tasks:
            task = tasks.pop()
            if callable(task):
                task()
                continue
            handler = handlers.get(type(task))
            if handler is None:
                self.generic_stmt(task)
            else:
                handler(self, task)

    def schedule_block(self, stmts: List[ast.stmt]) -> None:
        checks_here: List[Check] = []
        scope = self.scope

        def begin() -> None:
            scope.block_checks.append(checks_here)

        def end() -> None:
            scope.block_checks.pop()
            stop = len(scope.function.writes)
            for check in checks_here:
                check.stop_write = stop

        self.tasks.append(end)
        self.tasks.extend(reversed(stmts))
        self.tasks.append(begin)

    # ---- statements ----

    def generic_stmt(self, stmt: ast.AST) -> None:
        blocks: List[_Block] = []
        for name in child_fields(type(stmt)):
            value = getattr(stmt, name, None)
            if isinstance(value, list):
                if value and isinstance(value[0], ast.stmt):
                    blocks.append(_Block(value))
                else:
                    for item in value:
                        if isinstance(item, _MATCH_CASE):
                            case: Any = item
                            blocks.append(_Block(case.body, case))
                        elif isinstance(item, ast.AST):
                            self.expr(item)
            elif isinstance(value, ast.AST):
                self.expr(value)
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            self._bind_loop_target(stmt)
        for block in reversed(blocks):
            self.tasks.append(block.schedule(self))

    def _bind_loop_target(self, stmt: Union[ast.For, ast.AsyncFor]) -> None:
        scope = self.scope
        origin = self.values.origin(scope, stmt.iter)
        for node in _target_names(stmt.target):
            scope.origins[node] = origin
            scope.tainted[node] = CLEAN
            scope.read_names.pop(node, None)

    def visit_function(self, stmt: Union[ast.FunctionDef, ast.AsyncFunctionDef]) -> None:
        self._defaults(stmt.args)
        for decorator in stmt.decorator_list:
            self.expr(decorator)
        outer = self.scope
        function = self._new_function(stmt, stmt.name, stmt.decorator_list, stmt.args)
        self.scope = scope = self._open_scope(function)
        self._bind_params(scope)

        def close() -> None:
            self.scope = outer

        self.tasks.append(close)
        self.schedule_block(stmt.body)

    def _defaults(self, args: ast.arguments) -> None:
        for default in args.defaults:
            self.expr(default)
        for kw_default in args.kw_defaults:
            if kw_default is not None:
                self.expr(kw_default)

    def _new_function(self, node: FunctionNode, name: str, decorator_list: List[ast.expr],
                      args: ast.arguments) -> Function:
        cfg = self.config
        params = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
        if args.vararg is not None:
            params.append(args.vararg.arg)
        if args.kwarg is not None:
            params.append(args.kwarg.arg)
        parent = self.scope.function
        cls = self.scope.class_stack[-1] if self.scope.class_stack else None
        decorators = tuple(n for d in decorator_list for n in decorator_names(d))
        qual_parent = cls.qualname if cls is not None else (
            parent.qualname if not isinstance(parent.node, ast.Module) else "")
        function = Function(
            node=node, name=name, qualname=f"{qual_parent}.{name}" if qual_parent else name,
            parent=parent, cls=cls, params=tuple(params), decorators=decorators,
        )
        function.authz_decorator = next((d for d in decorators if cfg.authz_decorators(d)), None)
        function.error_decorated = any(cfg.error_decorators(d) for d in decorators)
        function.lock_decorated = any(cfg.lock_decorators(d) for d in decorators)
        function.validation_decorated = any(cfg.validation_decorators(d) for d in decorators)
        function.authn_decorated = any(d in web.AUTHN_DECORATORS for d in decorators) or any(
            web.authenticating_dependency(d) for d in args.defaults + [k for k in args.kw_defaults if k is not None])
        if cls is not None and not isinstance(node, ast.Lambda):
            cls.methods.setdefault(name, function)
        if isinstance(node, ast.Lambda):
            return function
        function.handler = web.handler_by_decorators(decorator_list, cfg)
        if function.handler is None and cls is not None and web.handler_method(name, cls.bases, cfg):
            function.handler = f"a method of view {cls.name}"
        function.handler_is_view = function.handler is not None
        if function.handler == web.WSGI_ACTION:
            function.authn_decorated = True  # OpenStack APIs sit behind keystone's auth middleware
        if function.handler is None and cls is not None and web.serializer_method(name, cls.name, cls.bases):
            function.handler = f"a method DRF calls on serializer {cls.name}"
        if (function.handler is None and cls is None and isinstance(parent.node, ast.Module)
                and self.django_views and params and params[0] in web.REQUEST_NAMES):
            function.handler = "a view function"
            function.handler_is_view = True
        return function

    def _bind_params(self, scope: Scope) -> None:
        function = scope.function
        cls = function.cls
        scope.in_view_class = cls is not None and web.is_view_class(cls.bases, self.config)
        instances = self._model_instance_params(function)
        scope.db_bound.update(_session_params(function))
        for param in function.params:
            if param in ("self", "cls") or self.config.context_names(param) or param in instances:
                continue
            if function.handler is not None and param not in web.NOT_CLIENT_PARAMS:
                scope.param_origin[param] = REQUEST
            elif not function.is_private:
                scope.param_origin[param] = PARAM
        if function.validation_decorated:
            scope.validated.update(p for p in function.params if p not in ("self", "cls"))
        scope.validated.update(p for p in function.params if p in ("validated_data", "cleaned_data"))
        if web.is_exception_handler(function.name, function.decorators):
            # a global error handler sees every exception, DB errors included
            caught = {p for p in function.params if p in ("exc", "exception", "e", "error", "ex", "err")}
            scope.exception_names.update(caught)
            scope.db_exception_names.update(caught)

    def _model_instance_params(self, function: Function) -> Set[str]:
        """Parameters annotated with a model class: a record, never raw input."""
        node = function.node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return set()
        args = node.args
        found = {p for p in function.params if p in self.instance_names}
        for arg in args.posonlyargs + args.args + args.kwonlyargs:
            name = last_name(arg.annotation) if arg.annotation is not None else None
            if name is not None and self._is_model_name(name):
                found.add(arg.arg)
        return found

    def _is_model_name(self, name: str) -> bool:
        if name in self.model_classes:
            return True
        path = self.imports.get(name, "")
        return ".models" in path or path.startswith("models.") or ".objects." in path

    def visit_class(self, stmt: ast.ClassDef) -> None:
        for base in stmt.bases:
            self.expr(base)
        for keyword in stmt.keywords:
            self.expr(keyword.value)
        for decorator in stmt.decorator_list:
            self.expr(decorator)
        scope = self.scope
        outer_name = scope.class_stack[-1].qualname if scope.class_stack else (
            scope.function.qualname if not isinstance(scope.function.node, ast.Module) else "")
        bases = tuple(n for n in (last_name(b) for b in stmt.bases) if n is not None)
        info = ClassInfo(stmt.name, f"{outer_name}.{stmt.name}" if outer_name else stmt.name, bases,
                         is_model=stmt.name in self.model_classes)
        self.classes.append(info)
        scope.class_stack.append(info)
        self.tasks.append(lambda: None if scope.class_stack.pop() else None)
        self.schedule_block(stmt.body)

    def visit_import(self, stmt: Union[ast.Import, ast.ImportFrom]) -> None:
        if not isinstance(self.scope.function.node, ast.Module):  # the prescan bound the top level
            bind_import(stmt, self.imports)
            self.db_imports.update(db_imports(self.imports, self.config))

    def visit_try(self, stmt: Any) -> None:
        scope = self.scope
        names: Set[str] = set()
        swallows: Optional[str] = None
        for handler in stmt.handlers:
            caught = set(_exception_names(handler.type))
            names |= caught
            # catching a not-found or a duplicate entry on purpose is a decision, not swallowing a failure
            if any((n in BROAD or self.config.db_exceptions(n)) and not self.config.notfound_exceptions(n)
                   and "Duplicate" not in n and "IntegrityError" not in n for n in caught):
                found = _only_logs(handler.body)
                if found == "silent" or swallows is None:
                    swallows = found
        outer_caught, outer_swallowed = scope.caught, scope.swallowed
        first_call = len(self.db_calls)
        scope.caught = outer_caught | names
        if any(n in BROAD or self.config.db_exceptions(n) for n in names):
            scope.swallowed = swallows
        tasks = self.tasks

        def after_body() -> None:
            scope.caught, scope.swallowed = outer_caught, outer_swallowed
            in_body = [c for c in self.db_calls[first_call:] if c.function is scope.function]
            lookups = [c for c in in_body if c.raising]
            for handler in reversed(stmt.handlers):  # the stack runs them in source order
                tasks.append(functools.partial(self._handler, handler, stmt, lookups, bool(in_body)))

        tasks.append(lambda: self.schedule_block(stmt.finalbody))
        tasks.append(lambda: self.schedule_block(stmt.orelse))
        tasks.append(after_body)
        self.schedule_block(stmt.body)

    def _handler(self, handler: ast.ExceptHandler, stmt: ast.stmt, lookups: List[DbCall],
                 body_calls: bool) -> None:
        scope = self.scope
        if handler.type is not None:
            self.expr(handler.type)
        caught = list(_exception_names(handler.type))
        if handler.name:
            scope.exception_names.add(handler.name)
            scope.tainted.pop(handler.name, None)
            if any(self.config.db_exceptions(n) for n in caught) or (
                    any(n in BROAD for n in caught) and body_calls):
                scope.db_exception_names.add(handler.name)
            else:  # the same name in an earlier handler of a DB error says nothing about this one
                scope.db_exception_names.discard(handler.name)
        if lookups and any(self.config.notfound_exceptions(n) or n in BROAD for n in caught):
            check = checks.eafp_check(stmt, scope, lookups)
            self.checks.append(check)

            def close() -> None:
                check.stop_write = len(scope.function.writes)

            self.tasks.append(close)
        self.schedule_block(handler.body)

    def visit_with(self, stmt: Union[ast.With, ast.AsyncWith]) -> None:
        scope = self.scope
        suppressed: Set[str] = set()
        locking = atomic = False
        for item in stmt.items:
            context = item.context_expr
            self.expr(context)
            if item.optional_vars is not None:
                self.expr(item.optional_vars)
                if isinstance(item.optional_vars, ast.Name):
                    self._bind_handle(item.optional_vars.id, context)
            if isinstance(context, ast.Call) and last_name(context.func) in SUPPRESS_NAMES:
                for arg in context.args:
                    suppressed.update(_exception_names(arg))
            locking = locking or _names_a_lock(context)
            atomic = atomic or last_name(context.func if isinstance(context, ast.Call) else context) == "atomic"
        outer = scope.caught
        scope.caught = outer | suppressed
        scope.lock_depth += locking
        scope.atomic_depth += atomic

        def close() -> None:
            scope.lock_depth -= locking
            scope.atomic_depth -= atomic
            scope.caught = outer

        self.tasks.append(close)
        self.schedule_block(stmt.body)

    def _bind_handle(self, name: str, value: ast.expr) -> None:
        kind = handle_kind(value)
        scope = self.scope
        scope.db_bound.discard(name)
        scope.not_db_bound.discard(name)
        if kind == "db":
            scope.db_bound.add(name)
        elif kind == "not-db":
            scope.not_db_bound.add(name)

    def visit_if(self, stmt: ast.If) -> None:
        scope = self.scope
        first_call = len(self.db_calls)
        self.expr(stmt.test)
        test_calls = [c for c in self.db_calls[first_call:] if c.function is scope.function]
        check = checks.if_check(stmt, scope, test_calls, self.config)
        if check is not None:
            self.checks.append(check)

        def after_body() -> None:
            leaves = _always_leaves(stmt.body)
            if check is not None:
                check.guard = leaves
                if leaves:
                    scope.block_checks[-1].append(check)  # the rest of the block follows it
                else:
                    def close() -> None:  # `if exists: ... else: create()`: the else branch follows it too
                        check.stop_write = len(scope.function.writes)

                    self.tasks.append(close)
            if leaves and _raises(stmt.body):
                scope.validated.update(checks.guarded_keys(stmt.test))
            self.schedule_block(stmt.orelse)

        self.tasks.append(after_body)
        self.schedule_block(stmt.body)

    def visit_assert(self, stmt: ast.Assert) -> None:
        self.expr(stmt.test)
        if stmt.msg is not None:
            self.expr(stmt.msg)
        self.scope.validated.update(checks.guarded_keys(stmt.test, negated=False))

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
            callee = flows.helper_name(value)
            if callee is not None:
                scope.returned_calls.add(callee)

    def visit_assign(self, stmt: Union[ast.Assign, ast.AnnAssign, ast.AugAssign]) -> None:
        value = stmt.value
        if value is not None:
            self.expr(value)
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
        scope = self.scope
        for target in targets:
            if isinstance(target, (ast.Subscript, ast.Attribute)):
                self._store(target, value)
            self.expr(target)
        if value is None:
            return
        if scope.class_stack and not isinstance(stmt, ast.AugAssign):
            for target in targets:
                if isinstance(target, ast.Name):
                    scope.class_stack[-1].assigned.append((target.id, value))
        names = [n for t in targets for n in _target_names(t)]
        if not names:
            return
        self._bind(names, value, (stmt.lineno, stmt.col_offset), isinstance(stmt, ast.AugAssign))

    def _bind(self, names: List[str], value: ast.expr, position: Tuple[int, int], augmented: bool) -> None:
        scope = self.scope
        inner = value.value if isinstance(value, ast.Await) else value
        record = self.record_of.get(id(inner))
        db_call = self.db_call_of.get(id(inner))
        if isinstance(inner, ast.Constant) or db_call is not None:
            taint, db_error, origin = None, False, None  # plain data, or a record read from the DB
        else:
            taint, db_error = self.values.taint(scope, value)
            origin = self.values.origin(scope, value)
        # an id keeps its origin through int()/str() and validation; elsewhere the two agree
        id_origin = self.values.origin(scope, value, for_id=True) if (
            scope.validated or isinstance(inner, ast.Call)) else origin
        statement = inner if isinstance(inner, (ast.Call, ast.Constant, ast.JoinedStr)) else None
        constructed = isinstance(inner, ast.Call) and self._is_model_constructor(inner)
        for name in names:
            if augmented:
                if origin is not None:
                    scope.origins[name] = origin
                continue
            if record is not None:
                scope.bound_records.setdefault(name, []).append((position, record))
            if db_call is not None and db_call.kind == "read":
                scope.read_names[name] = db_call
                scope.record_names.add(name)
                db_call.bound_to = name
            else:
                scope.read_names.pop(name, None)
            if constructed:
                scope.constructed.add(name)
                scope.constructed_models[name] = (last_name(inner.func) if isinstance(inner, ast.Call) else None) or ""
                scope.record_names.add(name)
            if taint is not None or scope.tainted.get(name) in (None, CLEAN):
                # flow-insensitive on purpose: `try: t = format_exc() except: t = 'n/a'` keeps t tainted
                scope.tainted[name] = taint or CLEAN
            if db_error:
                scope.db_error_locals.add(name)
            else:
                scope.db_error_locals.discard(name)
            scope.origins[name] = None if db_call is not None else origin
            scope.id_origins[name] = None if db_call is not None else id_origin
            if statement is not None:
                scope.statements[name] = statement
            self._bind_handle(name, inner)
            if isinstance(inner, ast.Call):
                callee = flows.helper_name(inner)
                if callee is not None:
                    self.call_sites.append(flows.CallSite(callee, scope, name, position, None))

    def _is_model_constructor(self, call: ast.Call) -> bool:
        func = call.func
        name = last_name(func)
        if name is None or not name[:1].isupper():
            return False
        if name in self.model_classes:
            return True
        text = dotted(func) or ""
        head = text.split(".", 1)[0]
        path = self.imports.get(head, "")
        return self.db_evidence and (".models" in path or path.endswith("objects") or "models" == head)

    def _store(self, target: Union[ast.Subscript, ast.Attribute], value: Optional[ast.expr]) -> None:
        if value is None or not isinstance(target.value, ast.Name):
            return
        scope = self.scope
        store = Store(target, target.value.id, self.values.value(scope, value), scope.function)
        if isinstance(target, ast.Subscript):
            self.stores.append(store)
            return
        scope.attr_stores.setdefault(store.name, []).append(store)
        if self.db_evidence or store.name in scope.read_names:
            scope.record_names.add(store.name)

    def visit_expr_stmt(self, stmt: ast.Expr) -> None:
        self.expr(stmt.value)


class _Block:
    """A nested block of a generic compound statement (for, while, match case)."""

    def __init__(self, body: List[ast.stmt], case: Any = None) -> None:
        self.body = body
        self.case = case

    def schedule(self, builder: Builder) -> Callable[[], None]:
        def run() -> None:
            if self.case is not None:
                builder.expr(self.case.pattern)
                if self.case.guard is not None:
                    builder.expr(self.case.guard)
            builder.schedule_block(self.body)
        return run


# Directories and files of code that runs once from a command line, not concurrently per request.
ONE_OFF_PARTS = frozenset({"examples", "example", "cmd", "cli", "scripts", "migrations",
                           "alembic", "fixtures", "management"})
ONE_OFF_FILES = frozenset({"manage.py", "cli.py", "setup.py", "conftest.py"})


def is_one_off(filename: str) -> bool:
    parts = filename.replace("\\", "/").split("/")
    return parts[-1] in ONE_OFF_FILES or any(p in ONE_OFF_PARTS for p in parts[:-1])


SESSION_TYPES = frozenset({"Session", "AsyncSession", "Connection", "AsyncConnection", "scoped_session"})


def _session_params(function: Function) -> Set[str]:
    """Parameters annotated with a session or connection type."""
    node = function.node
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return set()
    args = node.args
    return {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs
            if a.annotation is not None and last_name(a.annotation) in SESSION_TYPES}


def _target_names(target: ast.expr) -> List[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    names: List[str] = []
    stack = [target]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name):
            names.append(node.id)
        elif isinstance(node, (ast.Tuple, ast.List)):
            stack.extend(node.elts)
        elif isinstance(node, ast.Starred):
            stack.append(node.value)
    return names


def _exception_names(node: Optional[ast.expr]) -> List[str]:
    if node is None:
        return ["*"]
    items = node.elts if isinstance(node, ast.Tuple) else [node]
    return [n for n in (last_name(i) for i in items) if n is not None]


def _only_logs(body: List[ast.stmt]) -> Optional[str]:
    """A handler that neither raises, returns nor rolls back: "silent" when it only passes or
    continues, "logged" when it also logs; None when it does anything else."""
    logged = False
    for stmt in body:
        if isinstance(stmt, (ast.Pass, ast.Continue, ast.Break)):
            continue
        if isinstance(stmt, ast.Expr):
            value = stmt.value
            if isinstance(value, ast.Constant):
                continue
            if isinstance(value, ast.Call):
                func = value.func
                root = dotted(func.value) if isinstance(func, ast.Attribute) else dotted(func)
                if root in LOG_ROOTS or (root or "").lower().endswith(("log", "logger")):
                    logged = True
                    continue
        return None
    return "logged" if logged else "silent"


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
        if name is not None and any(word in name.lower() for word in LOCK_WORDS):
            return True
    return False


def _always_leaves(body: List[ast.stmt]) -> bool:
    """Every path through ``body`` leaves the block (iterative over elif chains)."""
    pending = [body]
    while pending:
        block = pending.pop()
        if not block:
            return False
        last = block[-1]
        if isinstance(last, (ast.Raise, ast.Return, ast.Continue, ast.Break)):
            continue
        if isinstance(last, ast.If):
            if not last.orelse:
                return False
            pending.append(last.body)
            pending.append(last.orelse)
        elif isinstance(last, (ast.With, ast.AsyncWith)):
            pending.append(last.body)
        else:
            return False
    return True


def _raises(body: List[ast.stmt]) -> bool:
    return bool(body) and isinstance(body[-1], ast.Raise) or (
        bool(body) and isinstance(body[-1], ast.Expr) and isinstance(body[-1].value, ast.Call)
        and last_name(body[-1].value.func) == "abort")


_STMT_HANDLERS: Dict[type, Callable[[Builder, Any], None]] = {
    ast.FunctionDef: Builder.visit_function,
    ast.AsyncFunctionDef: Builder.visit_function,
    ast.ClassDef: Builder.visit_class,
    ast.Import: Builder.visit_import,
    ast.ImportFrom: Builder.visit_import,
    ast.Try: Builder.visit_try,
    ast.With: Builder.visit_with,
    ast.AsyncWith: Builder.visit_with,
    ast.If: Builder.visit_if,
    ast.Assert: Builder.visit_assert,
    ast.Assign: Builder.visit_assign,
    ast.AnnAssign: Builder.visit_assign,
    ast.AugAssign: Builder.visit_assign,
    ast.Return: Builder.visit_return,
    ast.Expr: Builder.visit_expr_stmt,
}
if hasattr(ast, "TryStar"):  # Python 3.11+
    _STMT_HANDLERS[ast.TryStar] = Builder.visit_try
