"""The span detectors' prefilter (guards/prefilter.py): a pattern is skipped only where it
cannot match, so findings are exactly those of running every pattern."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aigc_gateway.guards import names, normalize, pii, prefilter, secrets
from aigc_gateway.guards.prefilter import Needs, Probes, gated, possible

ROOT = Path(__file__).resolve().parents[1]

PATTERNS = {
    **{f"pii {rule.detector} {i}": rule.pattern for i, rule in enumerate(pii.RULES)},
    **{f"pii context {i}": r.context for i, r in enumerate(pii.RULES) if r.context},
    **{f"pii trigger {i}": r.trigger for i, r in enumerate(pii.RULES) if r.trigger},
    "phone": pii.PHONE_CANDIDATE,
    **{f"secret {rule[1]} {i}": rule[2] for i, rule in enumerate(secrets.SECRET_RULES)},
    **{
        name: getattr(normalize, name)
        for name in ("NUMBER_TRIGGER", "WRITTEN_AT", "ROT13_TRIGGER", "LEET_TRIGGER", "HEX")
    },
    "escaped": normalize.ESCAPED,
}
"""Every pattern the detectors and views ask the prefilter about."""
MADE_BY_HAND = {"secret aws_secret_key 5": "aws key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
"""A match for the patterns whose lookaheads hypothesis cannot satisfy, placed in random text."""


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_a_pattern_is_never_skipped_where_it_matches(name: str) -> None:
    """Texts made to contain a match of the pattern (with text around it): the prefilter
    must let each of them through."""
    pattern = PATTERNS[name]
    texts = st.from_regex(pattern, fullmatch=False)
    if name in MADE_BY_HAND:
        texts = st.tuples(st.text(), st.text()).map(lambda t: t[0] + MADE_BY_HAND[name] + t[1])

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(texts)
    def check(text: str) -> None:
        if pattern.search(text):
            assert Probes(text).allows(pattern), text

    check()


TRICKY = [
    (r"(?i)ssn", "ſSN"),  # IGNORECASE folds the long s (U+017F) to s
    (r"(?i)kelvin", "\u212aelvin"),  # and the Kelvin sign to k
    (r"(?i:aws).{0,4}secret", "AwS = secret"),
    (r"\d{3}-\d{2}", "٣٣٣-٤٤"),  # Unicode digits are \d
    (r"(?a)\w+@", "x@"),
    (r"(?:ab|)c", "c"),  # an empty alternative needs nothing
    (r"(?:ab|cd)e", "cde"),
    (r"x?y{0}z", "z"),
    (r"(?<=q)r", "qr"),  # a lookbehind consumes nothing
    (r"(a)\1b", "aab"),
    (r"[^a]b", "cb"),
    (r"\s\d", "\x1c7"),  # \s holds control characters that are white space
    (r"[\W]{2}x", "!!x"),
    (r"(?i)[a-c]{2}\d", "Bb5"),
    (r"sk-[A-Za-z0-9]{20,}", "key sk-" + "a" * 20),
    (r"(?i)(?:password|pwd)\s*[:=]", "PWD:"),
    (r"(?:zero|one|two)\b", "some one"),
    (r"[零一二]{6}", "零一二零一二"),
    (r"e\u0301x", "e\u0301x"),
    (r"(?x) a b \d", "ab1"),
]


@pytest.mark.parametrize(("source", "text"), TRICKY)
def test_tricky_syntax_and_unicode(source: str, text: str) -> None:
    pattern = re.compile(source)
    assert pattern.search(text), "the case must be a match"
    assert possible(pattern, text)
    assert Probes(text + " 你好").allows(pattern)  # the non-ASCII path too


def test_conditions_reject_what_cannot_match() -> None:
    """It does prune (else it would be a no-op): an e-mail needs an @, a key its prefix."""
    plain = "The quick brown fox jumps over the lazy dog"
    email = pii.RULES[0].pattern
    assert not possible(email, plain)
    assert possible(email, plain + " a@b.io")
    anthropic = secrets.SECRET_RULES[1][2]
    assert not possible(anthropic, plain)
    assert not any(Probes(plain).allows(rule.pattern) for rule in pii.RULES)


def _corpus() -> list[str]:
    texts = []
    eval_dir = resources.files("aigc_gateway").joinpath("data", "eval")
    for name in ("should_not_refuse.jsonl", "should_refuse.jsonl", "injection.jsonl"):
        lines = eval_dir.joinpath(name).read_text(encoding="utf-8").splitlines()
        cases = [json.loads(line) for line in lines[:150]]
        texts += [m["content"] for case in cases for m in case.get("messages", ())]
    lines = (ROOT / "bench" / "data" / "benign_prompts.jsonl").read_text().splitlines()
    texts += [json.loads(line)["text"] for line in lines]
    texts += [
        "Email anna.lee@example.com or call +1 415-555-2671; card 4111 1111 1111 1111.",
        "身份证号 11010519491231002X，手机 13800138000，住在北京市朝阳区建国路88号3号楼2单元301室",
        "my ssn is 123-45-6789, passport K1234567, IBAN GB82 WEST 1234 5698 7654 32, ip 10.0.0.1",
        "key sk-ant-" + "a1" * 12 + " and AKIAIOSFODNN7EXAMPLE, ghp_" + "x" * 36,
        "password: hunter22, 密码是 abc12345, eyJhbGciOi.eyJzdWIiOiIx.SflKxwRJSMeKK",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----",
        "born on 12 March 1990, 出生日期：1990年3月12日, 京A12345, fe80::1",
        "https://user:pw@example.com/x?token=abc",
        "aws_secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'",
    ]
    return [text for text in texts if text]


def _everything(pattern: re.Pattern[str]) -> Needs:
    return Needs.of([])


def test_same_findings_as_running_every_pattern(monkeypatch: pytest.MonkeyPatch) -> None:
    """Detectors and views with the prefilter against the same with no conditions at all."""
    texts = _corpus()
    assert len(texts) > 300
    detectors = (pii.StructuredPII(), secrets.Secrets())

    def run() -> list[object]:
        out: list[object] = []
        for text in texts:
            out += [detector.check(text) for detector in detectors]
            out.append([(r.text, r.how, r.regions) for r in normalize.readings(text, True)])
        return out

    filtered = run()
    monkeypatch.setattr(prefilter, "needs", _everything)
    prefilter._last = None
    assert run() == filtered
    assert any(filtered)


def test_a_skipped_matching_rule_would_be_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison above can fail: a prefilter that wrongly skips the e-mail rule loses
    the finding."""
    text = "write to anna.lee@example.com"
    email = pii.RULES[0].pattern
    assert any(f.type == "EMAIL" for f in pii.StructuredPII().check(text))
    never = Needs.of([frozenset({prefilter.atom("NEVER", 0, 0.0, "NEVER", False)})])
    real = prefilter.needs
    monkeypatch.setattr(prefilter, "needs", lambda p: never if p is email else real(p))
    assert not any(f.type == "EMAIL" for f in pii.StructuredPII().check(text))


GATED = {
    **PATTERNS,
    **{
        f"names {name}": getattr(names, name)
        for name in ("INTRODUCED_EN", "GREETED_EN", "EN_TOKEN", "ZH_DOTTED_NAME", "ZH_START")
    },
}


def _matches(pattern: re.Pattern[str], text: str) -> list[object]:
    return [(m.span(), m.groups()) for m in pattern.finditer(text)]


@pytest.mark.parametrize("name", sorted(GATED))
def test_a_gated_pattern_finds_the_same_matches(name: str) -> None:
    """A pattern behind its first-character look-ahead: the same matches and groups, on texts
    made to contain matches and on any text."""
    pattern = GATED[name]
    fast = gated(pattern)
    texts = st.from_regex(pattern, fullmatch=False) | st.text()
    if name in MADE_BY_HAND:
        texts = st.tuples(st.text(), st.text()).map(lambda t: t[0] + MADE_BY_HAND[name] + t[1])

    @settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(texts, min_size=1, max_size=3).map(" ".join))
    def check(text: str) -> None:
        assert _matches(fast, text) == _matches(pattern, text), text

    check()


GATES = [
    (r"\b(?:Hi|Hello)\s+(\w+)", "H"),
    (r"(?<!\w)ab|(?=c)cd", "ac"),
    (r"(?:ab)+c", "a"),
    (r"\d{2,}x", "\\d"),
    (r"(a)\1b|[x-z]", "ax-z"),
    (r"(?:a|b)?c", None),  # the first character may be either
    (r"[^a]b", None),  # a negated class
    (r"(?i)abc", None),  # case folding
    (r"(?i:a)b", None),  # a flag changed inside
    (r"a|", None),  # an empty choice: nothing consumed
    (r"\b", None),
    (r".a", None),
    (r"(?x) a b", None),  # an inline global flag cannot be wrapped
]


@pytest.mark.parametrize(("source", "gate"), GATES)
def test_what_the_first_character_gate_reads(source: str, gate: str | None) -> None:
    pattern = re.compile(source)
    fast = gated(pattern)
    if gate is None:
        assert fast is pattern
        return
    assert fast.pattern == f"(?=[{gate}])(?:{source})"
    for text in ("", "Hi there, Hello you", "xab cd 12x 123x aab z", "zz c  abc"):
        assert _matches(fast, text) == _matches(pattern, text)


def _atoms() -> list[prefilter.Atom]:
    found = {
        atom
        for pattern in GATED.values()
        for condition in (*prefilter.needs(pattern).conditions, *prefilter.needs(pattern).plans[0])
        for atom in condition
    }
    return sorted(found, key=lambda atom: atom.source)


def test_every_atom_is_answered_as_a_search_of_the_text_would() -> None:
    """An atom is decided from what it needs first (its plain stretch, its characters via the
    text's distinct characters), then by a search: the answer is the search's."""
    atoms = _atoms()
    assert any(atom.weaker for atom in atoms)
    found = 0
    for text in [*_corpus(), "0x1F 2a:3b", "ｊｏｈｎ＠ｅｘａｍｐｌｅ", "Thank\tyou", "ſk-ant"]:
        probes = Probes(text)
        for atom in atoms:
            answer = atom.pattern.search(text) is not None
            assert probes.search(atom) == answer, (atom, text)
            found += answer and bool(atom.weaker)
    assert found > 500  # stretches that are there, not only ones ruled out


CODED = [atom for atom in _atoms() if atom.coded is not None]


@pytest.mark.parametrize("atom", CODED, ids=[atom.source[:40] for atom in CODED])
def test_a_coded_stretch_in_ascii_text_is_found_as_a_search_finds_it(atom: prefilter.Atom) -> None:
    ascii_text = st.text(st.characters(max_codepoint=127))
    made = (  # a stretch written with non-ASCII characters has no match in ASCII text
        st.from_regex(atom.pattern, fullmatch=False, alphabet=st.characters(max_codepoint=127))
        if atom.source.isascii()
        else st.nothing()
    )

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(made | ascii_text, min_size=1, max_size=3).map("".join))
    def check(text: str) -> None:
        assert Probes(text).search(atom) == (atom.pattern.search(text) is not None), text

    check()


def test_a_stretch_is_coded_only_when_its_characters_share_no_ascii_one() -> None:
    assert CODED, "the digit and hex stretches of the rules are coded"
    assert prefilter._coded(["[\\d]", "x", "[\\d]"], 0) is not None
    assert prefilter._coded(["[a-z]", "[a-c]"], 0) is None
    assert prefilter._coded(["k", "[K]"], re.IGNORECASE) is None
    assert prefilter._coded(["k", "[K]"], 0) is not None
