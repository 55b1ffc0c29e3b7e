"""Web frameworks: request data, trusted principals, request handlers, responses."""
from __future__ import annotations

import ast
import re
from typing import Callable, Optional, Sequence, Tuple

from ..config import Config
from ..syntax import dotted, last_name
from . import django, openstack

# A module importing one of these serves requests (Django's ORM alone does not count).
WEB_IMPORTS = ("flask", "fastapi", "starlette", "rest_framework", "django.http", "django.views",
               "django.shortcuts", "django.contrib.auth.decorators", "django.contrib.auth.mixins",
               "pyramid", "falcon", "tornado.web", "aiohttp.web", "webob", "pecan", "bottle", "sanic",
               "quart", "flask_appbuilder", "flask_restful", "flask_restx", "litestar")
REQUEST_NAMES = frozenset({"request", "req"})
# Attributes of a request object that hold what the client sent.
REQUEST_DATA = frozenset({"GET", "POST", "data", "query_params", "body", "json", "args", "form", "values",
                          "files", "FILES", "headers", "cookies", "COOKIES", "view_args", "params",
                          "path_params", "match_info", "content", "stream", "query", "matchdict",
                          "json_body", "POST_data"})
REQUEST_DATA_CALLS = frozenset({"get_json", "get_data", "json"})
# Set by authentication middleware, not by the client.
TRUSTED_ATTRS = frozenset({"user", "auth", "user_id", "project_id", "roles", "is_admin", "tenant",
                           "tenant_id", "project", "domain_id", "user_domain_id", "organization",
                           "event", "team", "account"})
TRUSTED_GLOBALS = frozenset({"current_user", "g.user", "flask.g.user", "g.current_user"})
# Attributes of a class-based view that hold URL captures.
VIEW_REQUEST_ATTRS = frozenset({"kwargs", "args", "pk", "object_id", "slug"})
# Handler parameters that are not client data.
NOT_CLIENT_PARAMS = frozenset({"self", "cls", "request", "req", "context", "ctx", "_context",
                               "format", "args", "kwargs", "response", "resp"})
HANDLER_METHODS = frozenset(
    "dispatch setup get post put patch delete head options get_object get_queryset get_context_data "
    "form_valid form_invalid list retrieve create update partial_update destroy perform_create "
    "perform_update perform_destroy post_save pre_save index show action".split()
)
# Classes named like a response (Django's HttpResponseServerError too), response helpers, aborts.
RESPONSE_CALL = re.compile(
    r"^([A-Z]\w*Response\w*|\w*[rR]esponse|jsonify|make_response|abort|\w*HTTPException|HTTPError)$"
)
ROUTE_OWNERS_HINT = ("app", "bp", "blueprint", "router", "api", "route", "ns", "views")


def imports_web_framework(imports_paths: Sequence[str]) -> bool:
    return any(path == w or path.startswith(w + ".") for path in imports_paths for w in WEB_IMPORTS)


def is_request_data(expr: ast.expr, in_view_class: bool) -> bool:
    """``request.POST``, ``self.request.GET``, ``request.get_json()``, ``self.kwargs``."""
    if isinstance(expr, ast.Call):
        func = expr.func
        return (isinstance(func, ast.Attribute) and func.attr in REQUEST_DATA_CALLS
                and _is_request_object(func.value))
    if not isinstance(expr, ast.Attribute):
        return False
    if expr.attr in REQUEST_DATA and _is_request_object(expr.value):
        return True
    if in_view_class and expr.attr in VIEW_REQUEST_ATTRS and isinstance(expr.value, ast.Name) \
            and expr.value.id == "self":
        return True
    return False


def _is_request_object(expr: ast.expr) -> bool:
    if isinstance(expr, ast.Name):
        return expr.id in REQUEST_NAMES
    return isinstance(expr, ast.Attribute) and expr.attr in REQUEST_NAMES and \
        isinstance(expr.value, ast.Name) and expr.value.id == "self"


def is_request_attribute(expr: ast.expr, names: Callable[[str], bool]) -> bool:
    """``request.event`` where ``event`` is one of ``names``: set on the request by middleware."""
    return isinstance(expr, ast.Attribute) and names(expr.attr) and _is_request_object(expr.value)


def is_trusted(expr: ast.expr, config: Config) -> bool:
    """``request.user``, ``context.project_id``, ``current_user``, ``g.user`` (and their attributes)."""
    node = expr
    while isinstance(node, ast.Attribute):
        inner = node.value
        text = dotted(node)
        if text in TRUSTED_GLOBALS:
            return True
        if node.attr in TRUSTED_ATTRS:
            if isinstance(inner, ast.Name) and config.context_names(inner.id):
                return True
            if isinstance(inner, ast.Attribute) and isinstance(inner.value, ast.Name) \
                    and inner.value.id == "self" and config.context_names(inner.attr):
                return True
        node = inner
    return isinstance(node, ast.Name) and node.id == "current_user"


def handler_by_decorators(decorators: Sequence[ast.expr], config: Config) -> Optional[str]:
    """Why the decorators make a function a request handler, or None."""
    for decorator in decorators:
        if openstack.is_handler_decorator(decorator):
            return "a WSGI controller action"
        node = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = last_name(node)
        if name is None or not config.entry_decorators(name):
            continue
        if name in ("expose", "api_view", "action"):
            return f"an @{name} handler"
        if isinstance(decorator, ast.Call) and isinstance(node, ast.Attribute):
            return f"a @{dotted(node) or name} route"
    return None


def is_view_class(bases: Sequence[str], config: Config) -> bool:
    return any(config.entry_bases(base) for base in bases)


def is_controller_class(bases: Sequence[str]) -> bool:
    return any(base.endswith("Controller") for base in bases)


def handler_method(name: str, bases: Sequence[str], config: Config) -> bool:
    """A method the framework calls on a request, in a class with these bases."""
    if not is_view_class(bases, config):
        return False
    if is_controller_class(bases):
        return not name.startswith("_")
    return name in HANDLER_METHODS


def class_permission(bases: Sequence[str], assigned: Sequence[Tuple[str, ast.expr]]) -> Optional[str]:
    """Class-level permission evidence of a view: a mixin or a class attribute."""
    for base in bases:
        if base in django.PERMISSION_BASES or (base.endswith("PermissionMixin") and base not in
                                               django.AUTHN_ONLY_BASES):
            return base
    for name, value in assigned:
        if name == "permission_required":
            return "permission_required"
        if name == "permission_classes" and _grants_more_than_authentication(value):
            return "permission_classes"
    return None


def _grants_more_than_authentication(value: ast.expr) -> bool:
    items = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
    for item in items:
        name = last_name(item.func if isinstance(item, ast.Call) else item)
        if name is None:
            return True  # something computed: give it the benefit of the doubt
        for part in re.split(r"[|&]", name):
            if part.strip() not in django.AUTHN_ONLY_PERMISSION_CLASSES:
                return True
    return False
