"""Django and Django REST framework: managers, querysets, shortcuts, views, permissions."""
from __future__ import annotations

import ast
from typing import Optional

from ..syntax import dotted
from .base import Access, Chain, FileEnv, trim


DB_IMPORTS = ("django.db", "django.shortcuts")
MANAGER_ATTRS = frozenset({"objects", "_default_manager", "_base_manager"})
# Methods that run SQL on their line; everything else on a queryset builds one.
TERMINALS = frozenset(
    "get first last earliest latest count exists aggregate in_bulk create get_or_create "
    "update_or_create bulk_create bulk_update update delete iterator contains".split()
)
ASYNC_TERMINALS = frozenset("a" + name for name in TERMINALS)
RAISING = frozenset({"get", "aget", "earliest", "aearliest", "latest", "alatest"})
SHORTCUTS = frozenset({"get_object_or_404", "get_list_or_404"})
# Cached lookups: the manager answers from memory, not from the DB.
CACHED = frozenset({("ContentType", "get_for_model"), ("ContentType", "get_for_models"),
                    ("ContentType", "get_for_id"), ("Site", "get_current"),
                    ("ContentType", "clear_cache"), ("Site", "clear_cache")})
# Manager methods that are not queries at all.
NOT_QUERIES = frozenset({"model", "db", "none", "using", "db_manager", "get_queryset", "all"})
# First links that make a chain a queryset whatever it is called on.
QUERYSET_START = frozenset({"filter", "exclude", "select_related", "prefetch_related", "annotate", "order_by",
                            "values", "values_list", "only", "defer", "distinct", "select_for_update"})
# Class attributes and helpers of a model class that are not queries.
NOT_MODEL_CALLS = frozenset({"DoesNotExist", "MultipleObjectsReturned", "check", "from_db", "get_deferred_fields",
                             "add_to_class", "_meta", "_check_fields"})
MODEL_BASES = frozenset({"Model", "AbstractUser", "AbstractBaseUser", "PolymorphicModel", "MP_Node", "MPTTModel"})

# Authorization idioms (SPEC section 1).
AUTHN_ONLY_BASES = frozenset({"LoginRequiredMixin", "AccessMixin"})
PERMISSION_BASES = frozenset({"PermissionRequiredMixin", "UserPassesTestMixin"})
AUTHN_ONLY_PERMISSION_CLASSES = frozenset(
    {"IsAuthenticated", "IsAuthenticatedOrReadOnly", "AllowAny", "TokenHasScope", "IsAdminUserOrReadOnly"}
)
CLASS_PERMISSION_ATTRS = frozenset({"permission_required", "permission_classes"})
# Overrides a view makes where a permission check protects every handler method.
GUARD_METHODS = frozenset({"dispatch", "get_object", "test_func", "has_permission", "has_object_permission"})


def access(chain: Chain, env: FileEnv) -> Optional[Access]:

    methods = chain.methods
    receiver = chain.receiver
    if receiver is None:
        if chain.root_name in SHORTCUTS:
            return Access("django", "shortcut", methods, executes=True, handled=True,
                          model=_shortcut_model(chain.links[0]))
        return None
    if isinstance(receiver, ast.Attribute) and receiver.attr in SHORTCUTS:
        return Access("django", "shortcut", methods, executes=True, handled=True)
    model = None
    if isinstance(receiver, ast.Attribute) and (
        receiver.attr in MANAGER_ATTRS or (receiver.attr.endswith("_set") and receiver.attr != "_set")
    ):
        if receiver.attr in MANAGER_ATTRS:
            base = receiver.value
            model = base.id if isinstance(base, ast.Name) else None
            if model is not None and (model, methods[0]) in CACHED:
                return Access("django", "cached", (), executes=False)
    elif methods[0] == "get_queryset" and isinstance(receiver, ast.Name) and receiver.id == "self":
        methods = methods[1:]  # self.get_queryset().filter(...).get()
        if not methods:
            return None
    elif isinstance(receiver, ast.Attribute) and receiver.attr == "queryset" and dotted(receiver) == "self.queryset":
        pass
    elif env.django and methods[0] in QUERYSET_START and len(methods) > 1 and (
            methods[-1] in TERMINALS or methods[-1] in ASYNC_TERMINALS):
        pass  # self.users.filter(pk=x).exists(): a related manager or a queryset held in a name
    elif isinstance(receiver, ast.Name) and receiver.id in env.model_names and not methods[0][:1].isupper() \
            and methods[0] not in NOT_MODEL_CALLS:
        # Organization.create_organization(...): a model's own query or factory method
        return Access("django", "object", methods, executes=True, model=receiver.id)
    else:
        return None
    methods = trim(methods, TERMINALS | ASYNC_TERMINALS)
    last = methods[-1]
    executes = last in TERMINALS or last in ASYNC_TERMINALS
    if not executes and all(m in NOT_QUERIES for m in methods):
        return None  # Model.objects.all() alone, .none(), .using(): no query worth a finding
    return Access("django", "orm", methods, executes=executes, raising=last in RAISING, model=model)


def _shortcut_model(call: ast.Call) -> Optional[str]:
    if call.args and isinstance(call.args[0], ast.Name):
        return call.args[0].id
    return None


def is_model_base(name: str) -> bool:
    return name in MODEL_BASES
