"""Option values: every regular expression either works as written or is one clean error."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import Dict, Optional

import pytest

from flake8_action_security.backtracking import NESTED_QUANTIFIER, OVERLAPPING_BRANCHES
from flake8_action_security.config import ConfigError, build_config


def id_params(replace: Optional[str] = None, extend: Optional[str] = None) -> Dict[str, bool]:
    config = build_config({"id-params": replace}, {"id-params": extend})
    return {name: config.id_params(name) for name in ("widget_id", "WIDGET_ID", "Widget_Uuid", "identity")}


def error(replace: Optional[str] = None, extend: Optional[str] = None) -> str:
    with pytest.raises(ConfigError) as caught:
        build_config({"id-params": replace}, {"id-params": extend})
    return str(caught.value)


def test_inline_flags_apply_to_their_own_pattern() -> None:
    assert id_params("(?i)_id$") == {"widget_id": True, "WIDGET_ID": True, "Widget_Uuid": False, "identity": False}
    # an extension's flag does not leak into the default expression, nor the other way round
    assert id_params(extend="(?i)_uuid$") == {
        "widget_id": True, "WIDGET_ID": False, "Widget_Uuid": True, "identity": False,
    }
    assert id_params("(?i)_uuid$", "(?x) _ id $") == {
        "widget_id": True, "WIDGET_ID": False, "Widget_Uuid": True, "identity": False,
    }


@pytest.mark.parametrize("pattern, reason", [
    ("(unclosed", "missing ), unterminated subpattern at position 0"),
    ("a{1,99999999999}", "the repetition number is too large"),  # OverflowError
    ("a{2,1}", "min repeat greater than max repeat at position 2"),
    ("(" * 5000 + ")" * 5000, "it nests too deeply"),  # RecursionError
    ("[[a]", "Possible nested set at position 1"),  # a FutureWarning, not a second line
])
def test_a_pattern_that_does_not_compile_is_one_line(pattern: str, reason: str) -> None:
    shown = repr(pattern if len(pattern) <= 80 else pattern[:77] + "...")
    assert error(pattern) == f"--asa-id-params: invalid regular expression {shown}: {reason}"
    assert error(extend=pattern) == f"--asa-extend-id-params: invalid regular expression {shown}: {reason}"


def test_a_global_flag_after_the_start_is_one_line() -> None:
    message = error("id(?i)")
    # the wording is Python's and changed in 3.11 (from a DeprecationWarning to an error)
    assert message.startswith("--asa-id-params: invalid regular expression 'id(?i)': ")
    assert "\n" not in message


def test_the_same_group_name_in_an_option_and_its_extension() -> None:
    assert error("(?P<part>id)$", "(?P<part>uuid)$") == (
        "--asa-extend-id-params: group name 'part' is already used by --asa-id-params"
    )
    assert id_params("(?P<part>id)$", "(?P<other>uuid)$")["widget_id"] is True


@pytest.mark.parametrize("pattern, reason", [
    ("(a+)+$", NESTED_QUANTIFIER),
    ("(a*)*", NESTED_QUANTIFIER),
    ("(a{1,5})+$", NESTED_QUANTIFIER),
    (r"^(\w+\s?)*$", NESTED_QUANTIFIER),
    (r"(\w+_)+$", NESTED_QUANTIFIER),
    ("(x+x+)+y", NESTED_QUANTIFIER),
    ("(.*a){12}", NESTED_QUANTIFIER),
    ("(?i)(A+a)+$", NESTED_QUANTIFIER),
    ("(a|aa)+", NESTED_QUANTIFIER),  # the parser factors it into a(|a)
    ("(a|a)+$", OVERLAPPING_BRANCHES),
    (r"(\d+|\w+)+$", OVERLAPPING_BRANCHES),
    ("(a|b|ab)*c", OVERLAPPING_BRANCHES),
    ("(?=(a+)+$)x", NESTED_QUANTIFIER),
])
def test_catastrophic_patterns_are_refused(pattern: str, reason: str) -> None:
    assert error(pattern) == (
        f"--asa-id-params: regular expression {pattern!r} can take exponential time on a long name: "
        f"{reason}; rewrite it so that each name matches in only one way"
    )


SAFE = [
    r"(^|_)(id|ids|uuid|uuids|pk)$",
    r"(_(id|ids))+$",
    r"(a+b)+$",
    r"(\d+\.)+\d+$",
    r"[a-z_]+_id$",
    r"(\w|\d)+$",  # one character set: nothing to choose between
    r"(ab){1,3}",
    r"(?P<x>a)(?P=x)+",
] + ([r"(?>a+)+$", r"(a++)+$"] if sys.version_info >= (3, 11) else [])


@pytest.mark.parametrize("pattern", SAFE)
def test_unambiguous_patterns_are_accepted(pattern: str) -> None:
    build_config({"id-params": pattern})


LINEAR_CHECK = textwrap.dedent(
    """\
    from flake8_action_security.config import DEFAULT_CONFIG, build_config

    name = "x" * 2_000_000 + "_id"
    config = build_config({"id-params": "(?i)ID$"}, {"id-params": "_uuid$"})
    print(DEFAULT_CONFIG.id_params(name), config.id_params(name), config.id_params(name + "s"),
          DEFAULT_CONFIG.authz_calls(name + "_check_in_project"), DEFAULT_CONFIG.validators(name))
    """
)


def test_matching_stays_linear_on_a_long_identifier() -> None:
    # two million characters: linear matching takes milliseconds, quadratic would take hours
    proc = subprocess.run(
        [sys.executable, "-c", LINEAR_CHECK], capture_output=True, text=True, timeout=60,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "True True False True False\n", "")


def test_default_patterns_are_unchanged() -> None:
    config = build_config()
    assert config.id_params.patterns == (r"(^|_)(id|ids|uuid|uuids|pk)$",)
    assert [config.id_params(n) for n in ("id", "user_id", "pk", "userid", "key_name")] == [
        True, True, True, False, False,
    ]
