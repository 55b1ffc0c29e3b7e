"""Web frameworks: request data, trusted principals, request handlers, responses."""
from __future__ import annotations

import ast
import re
from typing import Callable, Optional, Sequence, Tuple

from ..config import Config
from ..syntax import decorator_names, dotted, last_name
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
# Authentication only: never authorization, but they say the view serves signed-in users.
AUTHN_DECORATORS = frozenset({"login_required", "require_context", "jwt_required", "auth_required",
                              "fresh_login_required", "token_required", "login_required_json",
                              "authenticated", "api_login_required", "require_login"})
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
    return expr.attr == "initial_data" and isinstance(expr.value, ast.Name) and expr.value.id == "self"


def _is_request_object(expr: ast.expr) -> bool:
    if isinstance(expr, ast.Name):
        return expr.id in REQUEST_NAMES
    return isinstance(expr, ast.Attribute) and expr.attr in REQUEST_NAMES and \
        isinstance(expr.value, ast.Name) and expr.value.id == "self"


def is_exception_handler(name: str, decorators: Sequence[str]) -> bool:
    """A framework-wide error handler: DRF's EXCEPTION_HANDLER, Flask's @app.errorhandler."""
    lowered = name.lower()
    return ("exception_handler" in lowered or "error_handler" in lowered
            or any(d in ("errorhandler", "exception_handler", "app_errorhandler") for d in decorators))


def is_request_attribute(expr: ast.expr, names: Callable[[str], bool]) -> bool:
    """``request.event`` where ``event`` is one of ``names``: set on the request by middleware."""
    return isinstance(expr, ast.Attribute) and names(expr.attr) and _is_request_object(expr.value)


def is_trusted(expr: ast.expr, config: Config) -> bool:
    """``request.user``, ``context.project_id``, ``current_user``, ``g.user`` (and their attributes)."""
    if not isinstance(expr, ast.Attribute):
        return isinstance(expr, ast.Name) and expr.id == "current_user"
    node: ast.expr = expr
    while isinstance(node, ast.Attribute):
        inner = node.value
        if isinstance(inner, ast.Name) and f"{inner.id}.{node.attr}" in TRUSTED_GLOBALS:
            return True
        if node.attr in TRUSTED_ATTRS:
            if isinstance(inner, ast.Name) and config.context_names(inner.id):
                return True
            if isinstance(inner, ast.Attribute) and isinstance(inner.value, ast.Name) \
                    and inner.value.id == "self" and config.context_names(inner.attr):
                return True
        node = inner
    return isinstance(node, ast.Name) and node.id == "current_user"


WSGI_ACTION = "a WSGI controller action"


def handler_by_decorators(decorators: Sequence[ast.expr], config: Config) -> Optional[str]:
    """Why the decorators make a function a request handler, or None."""
    for decorator in decorators:
        if openstack.is_handler_decorator(decorator):
            return WSGI_ACTION
        node = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = last_name(node)
        if name is None or not config.entry_decorators(name):
            continue
        if name in ("expose", "api_view", "action"):
            return f"an @{name} handler"
        if isinstance(decorator, ast.Call) and isinstance(node, ast.Attribute):
            return f"a @{dotted(node) or name} route"
    return None


SERIALIZER_METHODS = frozenset({"validate", "create", "update", "save", "to_internal_value"})


def serializer_method(name: str, class_name: str, bases: Sequence[str]) -> bool:
    """A method DRF calls on a serializer (or a serializer mixin) while it handles a request."""
    serializer = any(b.endswith("Serializer") for b in (class_name, *bases)) or class_name.endswith(
        "SerializerMixin")
    return serializer and (name in SERIALIZER_METHODS or name.startswith("validate_"))


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


def class_authenticates(bases: Sequence[str], assigned: Sequence[Tuple[str, ast.expr]]) -> bool:
    """The view class requires a signed-in user (or is an OpenStack controller, behind keystone)."""
    if any(b in django.AUTHN_ONLY_BASES or b in django.PERMISSION_BASES or b.endswith("Controller")
           for b in bases):
        return True
    for name, value in assigned:
        if name == "permission_classes" and _only_allow_any(value):
            continue  # AllowAny: a public endpoint
        if name in ("permission_classes", "authentication_classes", "permission_required"):
            return True
        if name in ("decorators", "method_decorators") and isinstance(value, (ast.List, ast.Tuple)):
            # Flask MethodView / flask-restful Resource: decorators = [login_required]
            if any(n in AUTHN_DECORATORS for item in value.elts for n in decorator_names(item)):
                return True
    return False


def authenticating_dependency(default: ast.expr) -> bool:
    """FastAPI ``user = Depends(get_current_user)`` / ``Security(...)``: the route needs a signed-in user."""
    if not isinstance(default, ast.Call) or last_name(default.func) not in ("Depends", "Security"):
        return False
    target = default.args[0] if default.args else None
    name = (last_name(target) or "") if target is not None else ""
    return bool(re.search(r"(?i)user|auth|token|login|principal|account", name))


def _only_allow_any(value: ast.expr) -> bool:
    items = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
    return bool(items) and all(last_name(i) == "AllowAny" for i in items)


def mentions_principal(node: ast.AST) -> bool:
    """``request.user``, ``self.request.user``, ``g.user``, ``current_user``."""
    if isinstance(node, ast.Name):
        return node.id == "current_user"
    if isinstance(node, ast.Attribute) and node.attr in ("user", "auth"):
        owner = node.value
        return _is_request_object(owner) or (isinstance(owner, ast.Name) and owner.id == "g")
    return False


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
