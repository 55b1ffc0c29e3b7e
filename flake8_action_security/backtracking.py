"""Find regular expressions that can backtrack catastrophically.

Python's ``re`` backtracks. A repeated group whose body can match the same
text in more than one way -- ``(a+)+$``, ``(a|aa)+``, ``(\\w+_?)*$`` -- tries
every way before it fails, which takes exponential time: one identifier of
thirty characters can stop flake8 for minutes. An option value is checked
once, when the options are parsed, from the parsed form of the expression.

The test is conservative and local. Inside the body of a repeat that can
iterate more than once, an element that can match a varying amount of text
(a nested quantifier, or an alternation with an empty branch) is ambiguous
when the first character it can consume could also start what follows it
(the rest of the body, or the next iteration); two branches of one
alternation are ambiguous when they can start with the same character or
both match the empty string. Character sets are compared on a small probe
alphabet (ASCII, the pattern's own literals and a few non-ASCII samples),
which errs on the side of "ambiguous". Atomic groups and possessive
quantifiers never backtrack and are not checked.
"""
from __future__ import annotations

import importlib
import sys
from typing import Any, Dict, FrozenSet, Iterator, List, Optional, Tuple

# The parser is private; it moved from sre_parse (deprecated in 3.11) to re._parser.
_parser: Any = importlib.import_module("re._parser" if sys.version_info >= (3, 11) else "sre_parse")

_REPEATS = {_parser.MAX_REPEAT, _parser.MIN_REPEAT}
_NEVER_BACKTRACK = {getattr(_parser, "POSSESSIVE_REPEAT", None), getattr(_parser, "ATOMIC_GROUP", None)} - {None}
_MAX_EXTRA_PROBES = 256
_SAMPLES = "\u00a0\u00e9\u00df\u03a3\u0663\u4e00"  # non-ASCII space, letters, a digit, a CJK letter

Chars = FrozenSet[str]
_EMPTY: List[Tuple[Any, Any]] = []  # a missing "no" branch (a shared object: first() caches by id)
First = Tuple[Chars, bool]  # the characters a sequence can start with; can it match ""?

NESTED_QUANTIFIER = "a quantified part of a repeated group can also match what follows it"
OVERLAPPING_BRANCHES = "two branches of an alternation in a repeated group can match the same text"


class _Checker:
    def __init__(self, parsed: Any) -> None:
        self.ignore_case = bool(parsed.state.flags & _parser.SRE_FLAG_IGNORECASE)
        literals = {chr(av) for op, av in _walk(parsed) if op in (_parser.LITERAL, _parser.NOT_LITERAL)}
        literals = set(sorted(literals)[:_MAX_EXTRA_PROBES])  # a bound for hostile patterns
        for op, av in _walk(parsed):
            if op is _parser.SUBPATTERN and av[1] & _parser.SRE_FLAG_IGNORECASE:
                self.ignore_case = True
        self.alphabet: Chars = frozenset(map(chr, range(128))) | frozenset(_SAMPLES) | literals
        self._first: Dict[int, First] = {}

    # --- what a sequence can start with ---

    def first(self, items: Any) -> First:
        key = id(items)
        known = self._first.get(key)
        if known is None:
            known = self._first[key] = self._sequence_first(list(items))
        return known

    def _sequence_first(self, items: List[Tuple[Any, Any]]) -> First:
        chars: Chars = frozenset()
        for op, av in items:
            element, nullable = self._element_first(op, av)
            chars |= element
            if not nullable:
                return chars, False
        return chars, True

    def _element_first(self, op: Any, av: Any) -> First:
        if op is _parser.LITERAL:
            return self._cased(frozenset({chr(av)})), False
        if op is _parser.NOT_LITERAL:
            return self.alphabet - {chr(av)}, False
        if op is _parser.ANY:
            return self.alphabet, False
        if op is _parser.IN:
            return frozenset(ch for ch in self.alphabet if self._in_set(av, ch)), False
        if op is _parser.SUBPATTERN:
            return self.first(av[-1])
        if op in _REPEATS or op in _NEVER_BACKTRACK:
            if op is getattr(_parser, "ATOMIC_GROUP", None):
                return self.first(av)
            lo, _, body = av
            chars, nullable = self.first(body)
            return chars, nullable or lo == 0
        if op is _parser.BRANCH:
            firsts = [self.first(branch) for branch in av[1]]
            return frozenset().union(*(c for c, _ in firsts)), any(n for _, n in firsts)
        if op is _parser.GROUPREF_EXISTS:
            yes, no = self.first(av[1]), self.first(av[2] or _EMPTY)
            return yes[0] | no[0], yes[1] or no[1]
        if op in (_parser.AT, _parser.ASSERT, _parser.ASSERT_NOT):
            return frozenset(), True  # zero-width
        return self.alphabet, True  # a back reference or anything unforeseen: could be anything

    def _cased(self, chars: Chars) -> Chars:
        if not self.ignore_case:
            return chars
        return chars | {c.lower() for c in chars} | {c.upper() for c in chars if len(c.upper()) == 1}

    def _in_set(self, members: List[Tuple[Any, Any]], ch: str) -> bool:
        candidates = {ch, ch.lower(), ch.upper()} if self.ignore_case else {ch}
        negate = bool(members) and members[0][0] is _parser.NEGATE
        hit = any(self._member(op, av, c) for op, av in members for c in candidates)
        return hit != negate

    @staticmethod
    def _member(op: Any, av: Any, ch: str) -> bool:
        if op is _parser.LITERAL:
            return ch == chr(av)
        if op is _parser.RANGE:
            return bool(av[0] <= ord(ch) <= av[1])
        if op is _parser.CATEGORY:
            return _category(getattr(av, "name", ""), ch)
        return False  # NEGATE, handled by the caller

    # --- ambiguity inside repeated bodies ---

    def ambiguity(self, items: Any, follow: Chars) -> Optional[str]:
        """Why the sequence ``items``, followed by text starting with ``follow``, is ambiguous."""
        sequence = list(items)
        # what can start the rest of the sequence after each element, computed back to front
        after: List[Chars] = [follow] * len(sequence)
        rest = follow
        for index in range(len(sequence) - 1, -1, -1):
            after[index] = rest
            chars, nullable = self._element_first(*sequence[index])
            rest = chars | rest if nullable else chars
        for (op, av), next_chars in zip(sequence, after):
            reason = self._element_ambiguity(op, av, next_chars)
            if reason:
                return reason
        return None

    def _element_ambiguity(self, op: Any, av: Any, follow: Chars) -> Optional[str]:
        if op in _REPEATS:
            lo, hi, body = av
            chars, _ = self.first(body)
            if lo != hi and chars & follow:
                return NESTED_QUANTIFIER
            return self.ambiguity(body, follow | chars if hi > 1 else follow)
        if op is _parser.SUBPATTERN:
            return self.ambiguity(av[-1], follow)
        if op is _parser.BRANCH or op is _parser.GROUPREF_EXISTS:
            branches = list(av[1]) if op is _parser.BRANCH else [av[1], av[2] or _EMPTY]
            seen: Chars = frozenset()  # what the earlier branches can start with
            empty = False  # whether an earlier branch can match ""
            for chars, nullable in (self.first(branch) for branch in branches):
                if chars & seen or (nullable and empty):
                    return OVERLAPPING_BRANCHES
                seen |= chars
                empty = empty or nullable
            # with an empty branch, another branch that starts like what follows can be taken or skipped
            if empty and any(
                not nullable and chars & follow for chars, nullable in map(self.first, branches)
            ):
                return NESTED_QUANTIFIER
            for branch in branches:
                reason = self.ambiguity(branch, follow)
                if reason:
                    return reason
        return None  # literals, sets, anchors; lookarounds and atomic parts are checked on their own


def _category(name: str, ch: str) -> bool:
    word = ch.isalnum() or ch == "_"
    tests = {
        "CATEGORY_DIGIT": ch.isdecimal(),
        "CATEGORY_NOT_DIGIT": not ch.isdecimal(),
        "CATEGORY_SPACE": ch.isspace(),
        "CATEGORY_NOT_SPACE": not ch.isspace(),
        "CATEGORY_WORD": word,
        "CATEGORY_NOT_WORD": not word,
        "CATEGORY_LINEBREAK": ch == "\n",
        "CATEGORY_NOT_LINEBREAK": ch != "\n",
    }
    return tests.get(name, True)


def _walk(parsed: Any) -> Iterator[Tuple[Any, Any]]:
    """Every (op, argument) of a parsed pattern, nested ones included (no recursion)."""
    stack: List[Any] = [parsed]
    while stack:
        for op, av in stack.pop():
            yield op, av
            if op is _parser.SUBPATTERN:
                stack.append(av[-1])
            elif op in _REPEATS or op is getattr(_parser, "POSSESSIVE_REPEAT", None):
                stack.append(av[2])
            elif op is getattr(_parser, "ATOMIC_GROUP", None):
                stack.append(av)
            elif op is _parser.BRANCH:
                stack.extend(av[1])
            elif op is _parser.GROUPREF_EXISTS:
                stack.extend(branch for branch in av[1:] if branch is not None)
            elif op in (_parser.ASSERT, _parser.ASSERT_NOT):
                stack.append(av[1])


def catastrophic_backtracking(pattern: str) -> Optional[str]:
    """Why ``pattern`` can take exponential time to fail, or None.

    Parsing raises what ``re.compile`` raises on a malformed pattern (and
    issues its warnings every time: nothing is cached), or RecursionError on
    a pattern that nests too deeply to inspect.
    """
    parsed = _parser.parse(pattern)
    checker = _Checker(parsed)
    for op, av in _walk(parsed):
        if op in _REPEATS:
            _, hi, body = av
            if hi > 1:
                chars, _ = checker.first(body)
                reason = checker.ambiguity(body, chars)  # what follows an iteration is the next one
                if reason:
                    return reason
    return None
