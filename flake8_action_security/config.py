"""Every vocabulary the rules use, with its default, in one frozen Config.

Each vocabulary is a flake8 option (``--asa-<name>``) with an
``--asa-extend-<name>`` twin; :func:`build_config` turns the raw option
strings into compiled matchers and rejects malformed values with a
:class:`ConfigError` that names the option.
"""
from __future__ import annotations

import fnmatch
import re
import warnings
from dataclasses import dataclass, field
from typing import Callable, Dict, Mapping, Optional, Pattern, Tuple

from .backtracking import catastrophic_backtracking


class ConfigError(ValueError):
    """A malformed option value; the message is one line naming the option."""


CONFIG_ERROR_STATUS = 2
"""The exit status of a run stopped by a ConfigError: flake8's own usage
errors and Ruff use 2, and 1 means "findings", so CI can tell them apart."""


@dataclass(frozen=True)
class Vocabulary:
    """One configurable vocabulary: its option name, default, and value shape."""

    name: str  # option suffix: --asa-<name>, --asa-extend-<name>
    default: Tuple[str, ...]
    shape: str  # "names", "modules" (dotted globs) or "regex"
    help: str


VOCABULARIES: Tuple[Vocabulary, ...] = (
    Vocabulary(
        "db-modules",
        ("*.db", "*.db.api", "*.db.*.api", "*.db_api", "*.dbapi"),
        "modules",
        "glob patterns of dotted module paths whose attributes are DB API calls",
    ),
    Vocabulary(
        "db-receivers",
        ("session", "db_session", "_session", "Session", "conn", "connection",
         "cursor", "cur", "engine", "db", "db_api", "dbapi"),
        "names",
        "last identifiers of receivers whose methods are DB calls (in a module that talks to a database)",
    ),
    Vocabulary(
        "context-names",
        ("context", "ctx", "_context", "request", "req"),
        "names",
        "names of the request or request-context object (never raw input themselves)",
    ),
    Vocabulary(
        "id-params",
        (r"(^|_)(id|ids|uuid|uuids|pk)$",),
        "regex",
        "regular expression for names that carry a caller-supplied id",
    ),
    Vocabulary(
        "authz-decorators",
        ("permission_required", "require_admin_context", "admin_required", "authorize", "authorized",
         "roles_required", "require_any_permission", "require_admin_access",
         "has_access", "protect", "user_passes_test"),
        "names",
        "decorators that make a permission check (authentication-only decorators do not count)",
    ),
    Vocabulary(
        "authz-calls",
        ("can", "authorize", "authorize_*", "enforce", "check_policy", "check_access",
         "has_perm", "has_perms", "has_permission", "has_*_permission",
         "user_has_permission*", "permissions_for_user", "can_*", "is_allowed*",
         "check_object_permissions", "assert_authorized", "*check*_in_project",
         # beyond the spec's list: the v1 names real code still uses
         "check_permission", "check_permissions"),
        "names",
        "calls that make a permission check",
    ),
    Vocabulary(
        "owner-keywords",
        ("project_id", "user_id", "owner", "owner_id", "tenant_id", "user",
         "created_by", "event", "organization", "account"),
        "names",
        "lookup keywords that scope a read to the caller when given a trusted value",
    ),
    Vocabulary(
        "query-helpers",
        ("model_query", "*_get_query", "_*_query"),
        "names",
        "functions whose result starts a DB query chain",
    ),
    Vocabulary(
        "validators",
        ("validate*", "_validate*", "*_validator", "check_*", "sanitize*", "clean*",
         "is_uuid_like", "assert_valid*", "full_clean"),
        "names",
        "calls that validate the values passed to them",
    ),
    Vocabulary(
        "validation-decorators",
        ("schema", "use_kwargs", "use_args"),
        "names",
        "handler decorators that validate the request body",
    ),
    Vocabulary(
        "db-exceptions",
        ("*DBError", "*DatabaseError", "*OperationalError", "*IntegrityError",
         "SQLAlchemyError", "DBDuplicateEntry", "*NotFound", "*DoesNotExist",
         "NoResultFound", "MultipleObjectsReturned"),
        "names",
        "exception names whose handlers count as DB error handling",
    ),
    Vocabulary(
        "notfound-exceptions",
        ("*NotFound", "*DoesNotExist", "NoResultFound", "Http404", "ObjectDoesNotExist"),
        "names",
        "exceptions that mean a missing row",
    ),
    Vocabulary(
        "error-decorators",
        ("wrap_db_retry", "retry_on_deadlock", "translate_db_errors",
         "wrap_exception", "handle_db_errors"),
        "names",
        "decorators that handle DB errors for the whole function",
    ),
    Vocabulary(
        "traceback-names",
        ("tb", "exc_tb", "exc_traceback", "traceback", "tb_str", "stacktrace"),
        "names",
        "variable names that hold traceback text",
    ),
    Vocabulary(
        "lock-decorators",
        ("synchronized", "*locked*", "serialized", "with_lock", "*_lock"),
        "names",
        "decorators that serialize a function",
    ),
    Vocabulary(
        "entry-decorators",
        ("route", "get", "post", "put", "patch", "delete", "api_route", "websocket",
         "expose", "action", "api_view", "response", "expected_errors"),
        "names",
        "decorators that make a function a request handler",
    ),
    Vocabulary(
        "entry-bases",
        ("*View", "*ViewSet", "*APIView", "*Mixin", "MethodView", "Resource", "*Controller",
         "*Handler"),
        "names",
        "base classes whose methods are request handlers",
    ),
)

CONFIDENCE_LEVELS: Tuple[str, ...] = ("low", "medium", "high")
SCOPES: Tuple[str, ...] = ("file", "project")
# Options that are one word, not a vocabulary: (name, default, help).
SETTINGS: Tuple[Tuple[str, str, str], ...] = (
    ("confidence", "medium",
     "lowest confidence reported: low (the review lens), medium or high"),
    ("scope", "project",
     "file: judge each file alone; project: also follow calls across the project"),
)

_NAME_ITEM = re.compile(r"^[A-Za-z_*?\[][A-Za-z0-9_*?\[\]!]*$")
_MODULE_ITEM = re.compile(r"^[A-Za-z_*?\[][A-Za-z0-9_*?\[\]!.]*$")


class Matcher:
    """Matches identifiers against glob patterns or regular expressions, caching the answer."""

    __slots__ = ("patterns", "_finders", "_cache")

    def __init__(self, patterns: Tuple[str, ...], finders: Tuple[Callable[[str], object], ...]) -> None:
        self.patterns = patterns
        self._finders = finders  # a name matches when any finder returns a match
        self._cache: Dict[str, bool] = {}

    def __call__(self, name: str) -> bool:
        hit = self._cache.get(name)
        if hit is None:
            hit = any(find(name) is not None for find in self._finders)
            self._cache[name] = hit
        return hit

    def __repr__(self) -> str:
        return f"Matcher({self.patterns!r})"


def split_items(raw: str) -> Tuple[str, ...]:
    """Split a comma- or newline-separated option value into its items."""
    return tuple(item.strip() for item in re.split(r"[,\n]", raw) if item.strip())


def _glob_matcher(patterns: Tuple[str, ...]) -> Matcher:
    if not patterns:
        return Matcher(patterns, ())
    # fnmatch.translate scopes its flags, so the globs combine into one
    # expression that must match the whole name.
    regex = "|".join(f"(?:{fnmatch.translate(p)})" for p in patterns)
    return Matcher(patterns, (re.compile(regex).fullmatch,))


_REGEX_FAILURES = (re.error, OverflowError, RecursionError, ValueError, MemoryError, Warning)


def _shown(pattern: str, limit: int = 80) -> str:
    """A pattern quoted for a one-line message, shortened if long."""
    return repr(pattern if len(pattern) <= limit else pattern[: limit - 3] + "...")


def _compile_regex(option: str, pattern: str) -> Pattern[str]:
    """Compile one option value, or raise a ConfigError naming the option."""
    try:
        with warnings.catch_warnings():
            # a FutureWarning or DeprecationWarning would print lines of its own
            warnings.simplefilter("error")
            # parse first: re.compile caches, and a cached pattern warns no more
            danger = catastrophic_backtracking(pattern)
            regex = re.compile(pattern)
    except _REGEX_FAILURES as exc:
        reason = "it nests too deeply" if isinstance(exc, RecursionError) else str(exc) or type(exc).__name__
        raise ConfigError(f"--asa-{option}: invalid regular expression {_shown(pattern)}: {reason}") from None
    if danger:
        raise ConfigError(
            f"--asa-{option}: regular expression {_shown(pattern)} can take exponential time on a long name: "
            f"{danger}; rewrite it so that each name matches in only one way"
        )
    return regex


def _regex_matcher(sources: Tuple[Tuple[str, str], ...]) -> Matcher:
    """One compiled expression per (option, pattern): each keeps its own inline
    flags, which a combined alternation would move or reject."""
    compiled = tuple(_compile_regex(option, pattern) for option, pattern in sources)
    groups: Dict[str, str] = {}
    for (option, _), regex in zip(sources, compiled):
        for group in regex.groupindex:
            if group in groups:
                raise ConfigError(
                    f"--asa-{option}: group name {group!r} is already used by --asa-{groups[group]}"
                )
            groups[group] = option
    return Matcher(tuple(pattern for _, pattern in sources), tuple(regex.search for regex in compiled))


def _check_items(option: str, shape: str, items: Tuple[str, ...]) -> None:
    item_shape = _MODULE_ITEM if shape == "modules" else _NAME_ITEM
    what = "a dotted module pattern" if shape == "modules" else "a name or glob pattern"
    for item in items:
        if not item_shape.match(item):
            raise ConfigError(f"--asa-{option}: {item!r} is not {what}")


@dataclass(frozen=True)
class Config:
    """The compiled vocabularies; attribute names follow the option names."""

    db_modules: Matcher
    db_receivers: Matcher
    context_names: Matcher
    id_params: Matcher
    authz_decorators: Matcher
    authz_calls: Matcher
    validators: Matcher
    db_exceptions: Matcher
    error_decorators: Matcher
    traceback_names: Matcher
    lock_decorators: Matcher
    owner_keywords: Matcher
    query_helpers: Matcher
    validation_decorators: Matcher
    notfound_exceptions: Matcher
    entry_decorators: Matcher
    entry_bases: Matcher
    confidence: str = "medium"  # the lowest level reported
    scope: str = "project"
    raw: Mapping[str, Tuple[str, ...]] = field(default_factory=dict, compare=False)


def build_config(
    replace: Optional[Mapping[str, Optional[str]]] = None,
    extend: Optional[Mapping[str, Optional[str]]] = None,
    confidence: Optional[str] = None,
    scope: Optional[str] = None,
) -> Config:
    """Build a Config from raw option strings keyed by vocabulary name.

    ``replace[name]`` replaces the default when it is not None; ``extend[name]``
    adds to whatever is in force. A regex vocabulary takes its value whole
    (commas may belong to the expression); the others are comma-separated.
    """
    replace = replace or {}
    extend = extend or {}
    matchers: Dict[str, Matcher] = {}
    raw: Dict[str, Tuple[str, ...]] = {}
    for vocab in VOCABULARIES:
        # each item with the option it came from, so that an error names that option
        items = tuple((vocab.name, item) for item in vocab.default)
        for source, additive in ((replace.get(vocab.name), False), (extend.get(vocab.name), True)):
            if source is None:
                continue
            option = vocab.name if not additive else f"extend-{vocab.name}"
            new: Tuple[str, ...]
            if vocab.shape == "regex":
                new = (source.strip(),) if source.strip() else ()
            else:
                new = split_items(source)
                _check_items(option, vocab.shape, new)
            given = tuple((option, item) for item in new)
            items = items + given if additive else given
        attr = vocab.name.replace("-", "_")
        raw[attr] = tuple(item for _, item in items)
        if vocab.shape == "regex":
            matchers[attr] = _regex_matcher(items)
        else:
            matchers[attr] = _glob_matcher(raw[attr])
    confidence = (confidence or "medium").strip().lower()
    if confidence not in CONFIDENCE_LEVELS:
        raise ConfigError(
            f"--asa-confidence: {confidence!r} is not one of {', '.join(CONFIDENCE_LEVELS)}"
        )
    scope = (scope or "project").strip().lower()
    if scope not in SCOPES:
        raise ConfigError(f"--asa-scope: {scope!r} is not one of {', '.join(SCOPES)}")
    return Config(raw=raw, confidence=confidence, scope=scope, **matchers)


DEFAULT_CONFIG = build_config()
