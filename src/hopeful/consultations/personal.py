"""What looks like personal data in a consultation text, found on the normalised text.

Every free-text cell and every id of the evidence passes through `find` before anything can
reach a report. Each detector reads the text as `textnorm.normalise` makes it, so spacing,
look-alike letters, zero-width characters and accents cannot hide a datum. Deliberately
cautious: a false alarm costs the coder a rewording, a miss could expose someone. The word
lists (titles, street types, digit words, ...) live in data/personal_data.toml.

Decisions (docs/consultations.md lists them with examples):
- an NHS number is 10 digits written 3-3-4 or run together that pass the NHS modulus-11
  check digit: a random 10-digit number passes it 1 time in 11, so most counts, reference
  and order numbers are not refused, while every real NHS number is;
- a phone number is a run of digits (spaces, dots, hyphens, brackets between them) that reads
  as a UK number: a trunk `0`, or `44`/`+44`/`0044` (with or without `(0)`), then 9 or 10
  digits starting 1, 2, 3, 5, 7, 8 or 9 (`0800` numbers included); a 10-digit mobile without
  its `0` (`7700 900123`) too; dates (`01/02/2021`) are set aside first;
- ten or more digits written as words ("oh seven seven double oh ...") are a phone number;
- a street address is a house number, one to three name words and a street type word
  (`14 Station Road`), or a number, a Welsh street type and a name (`3 Heol Las`); house
  numbers have 1 to 3 digits (a year is not one) and are not hyphened to the next word
  (`a 1-based row`); a street
  name without a number is not personal data, nor a count of things on a street
  (`10 high street units`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from hopeful.consultations.textnorm import guard_words, normalise

__all__ = ["Found", "find", "id_problem", "mask", "nhs_check_digit_ok"]


@dataclass(frozen=True)
class Found:
    """One piece of personal data: its kind ("a phone number") and a masked form to quote."""

    kind: str
    masked: str


def mask(datum: str) -> str:
    """`datum` with every letter and digit but the first and last replaced by `*`.

    Enough for the coder to find the cell's offending part, never enough to read it back
    from a log or a CI transcript.
    """
    positions = [i for i, ch in enumerate(datum) if ch.isalnum()]
    keep = {positions[0], positions[-1]} if len(positions) > 3 else set(positions[:1])
    return "".join(
        "*" if ch.isalnum() and i not in keep else ch for i, ch in enumerate(datum)
    ).strip()


def nhs_check_digit_ok(digits: str) -> bool:
    """The NHS number modulus-11 check: weights 10..2 on the first 9 digits, 11 - rest."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def _alternatives(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


# --------------------------------------------------------------------------- patterns

EMAIL = re.compile(r"[a-z0-9._%+-]+ ?@ ?[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}")
HANDLE = re.compile(r"(?<![\w@.])@[a-z0-9_]{2,}")
NHS = re.compile(r"(?<![0-9])([0-9]{3})([ .-]?)([0-9]{3})\2([0-9]{4})(?![0-9])")
NI = re.compile(
    r"(?<![a-z0-9])(?:[a-z]{2} ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[a-d]|[a-z]{2}[0-9]{6})(?![a-z0-9])"
)
POSTCODE = re.compile(
    r"(?<![a-z0-9])(?:gir ?0aa|[a-pr-uwyz][a-hk-y]?[0-9][a-z0-9]?[ -]?[0-9][abd-hjlnp-uw-z]{2})"
    r"(?![a-z0-9])"
)
DATE = re.compile(
    r"(?<![0-9])[0-9]{1,4}[./-][0-9]{1,2}[./-][0-9]{1,4}(?![0-9])|[0-9]{1,2}:[0-9]{2}"
)
DIGIT_RUN = re.compile(r"(?<![a-z0-9])\+?[0-9](?:[ .()-]{0,3}[0-9])*")
ADDRESS = re.compile(
    r"(?<![a-z0-9])[0-9]{1,3}[a-z]?(?:-[0-9]{1,3}[a-z]?)?([ ,]+[a-z][a-z']*(?:[ ,-]+[a-z][a-z']*){1,4})"
)
TOKENS = re.compile(r"[a-z]+|[0-9]+|[^a-z0-9 ,.-]+")


@cache
def _word_patterns() -> dict[str, re.Pattern[str]]:
    words = guard_words()["words"]
    tld = _alternatives(words["email_domains"])
    at = r"(?: ?[\[({<] ?(?:at|@) ?[\])}>] ?| at | ?@ ?)"
    dot = r"(?: ?[\[({<] ?(?:dot|\.) ?[\])}>] ?| dot |\.)"
    part = r"[a-z0-9][a-z0-9_%+-]*"
    return {
        "email": re.compile(
            rf"(?<![a-z0-9.]){part}(?:{dot}{part})*{at}{part}(?:{dot}{part})*{dot}(?:{tld})"
            r"(?![a-z0-9])"
        ),
        "title": re.compile(
            rf"(?<![a-z])(?:{_alternatives(words['titles'])})\.? (?P<initial>[a-z]\b\.? ?)?"
            r"(?P<name>[a-z][a-z'-]*)?"
        ),
        "capitalised_title": re.compile(
            rf"(?<![A-Za-z])(?:{_alternatives(words['capitalised_titles'])})\.? "
            r"(?:[A-Z]\b\.? ?)?(?P<name>[A-Z][A-Za-z'-]+)"
        ),
    }


def _title(text: str, cased: str) -> str | None:
    words = guard_words()["words"]
    stop = set(words["not_names"]) | set(words["street_types"])
    for match in _word_patterns()["title"].finditer(text):
        if (match["name"] and match["name"] not in stop) or match["initial"]:
            return match.group(0).strip()
    for match in _word_patterns()["capitalised_title"].finditer(cased):
        if match["name"].casefold() not in stop:
            return match.group(0)
    return None


def _phone_digits(digits: str) -> bool:
    """True when a digit string reads as a UK phone number (module docstring)."""
    if digits.startswith("0044"):
        rest = digits[4:]
    elif digits.startswith("44") and len(digits) >= 11:
        rest = digits[2:]
    elif digits.startswith("0"):
        rest = digits[1:]
    elif len(digits) == 10 and digits.startswith("7"):
        rest = digits
    else:
        return False
    if rest.startswith("0") and len(rest) in (10, 11):  # +44 (0) 7700 ...
        rest = rest[1:]
    return len(rest) in (9, 10) and rest[0] in "1235789"


def _phone(text: str) -> str | None:
    for run in DIGIT_RUN.finditer(DATE.sub(" ; ", text)):
        groups = re.findall(r"[0-9]+", run.group(0))
        for i in range(len(groups)):
            for j in range(i + 1, len(groups) + 1):
                if _phone_digits("".join(groups[i:j])):
                    return " ".join(groups[i:j])
    return None


def _nhs(text: str) -> str | None:
    for match in NHS.finditer(text):
        if nhs_check_digit_ok(match[1] + match[3] + match[4]):
            return match.group(0)
    return None


def _digits_in_words(text: str) -> str | None:
    """Ten or more digits in a run of digit words (three at least) and digit groups."""
    digit_words = guard_words()["digit_words"]
    repeats = guard_words()["repeat_words"]
    count, words, repeat, start = 0, 0, 1, None
    for token in TOKENS.finditer(text):
        word = token.group(0)
        if word in repeats:
            repeat = repeats[word]
            continue
        if word in digit_words or word.isdigit():
            start = token.start() if start is None else start
            words += word in digit_words
            count += repeat if word in digit_words else len(word) * repeat
            repeat = 1
            if count >= 10 and words >= 3:
                return text[start : token.end()]
        else:
            count, words, repeat, start = 0, 0, 1, None
    return None


def _address(text: str) -> str | None:
    words = guard_words()["words"]
    types, stop = set(words["street_types"]), set(words["not_street_names"])
    counts = set(words["count_nouns"])
    first = set(words["street_types_first"])
    for match in ADDRESS.finditer(text):
        after = re.findall(r"[a-z][a-z']*", match[1])
        if after[0] in first and after[1] not in stop:
            return text[match.start() : match.start(1)] + " " + " ".join(after[:2])
        for k in range(1, min(3, len(after) - 1) + 1):
            name, kind = after[:k], after[k]
            following = after[k + 1] if len(after) > k + 1 else ""
            if kind in types and not stop & set(name) and following not in counts:
                return text[match.start() : match.start(1)] + " " + " ".join([*name, kind])
    return None


@cache
def _names_patterns(names: tuple[str, ...]) -> tuple[re.Pattern[str] | None, ...]:
    """Each stakeholder name and its variants, for the folded and the case-kept text.

    Parts may be joined by any separator or none ("Mary-Jane", "Mary Jane", "MaryJane",
    "O'Neill", "O Neill"), first and last name alone ("Jane Smith" for "Jane Ann Smith"),
    surname first ("Smith, Jane") and initial plus surname ("J. Smith", "J Smith", "JSmith").
    An initial that is also a word ("A", "I", "O") counts only with its dot ("A. Hill") or
    written as initials are ("A Hill", in the case-kept text), so "up a hill" passes.
    """
    sep = r"[ .'-]*"
    folded: set[str] = set()
    cased: set[str] = set()
    for name in names:
        parts = re.findall(r"[a-z0-9]+", normalise(name))
        if not parts:
            continue
        folded.add(sep.join(map(re.escape, parts)))
        if len(parts) < 2:
            continue
        first, last, initial = re.escape(parts[0]), re.escape(parts[-1]), parts[0][0]
        folded.update({rf"{first}{sep}{last}", rf"{last}[ ,]*{first}"})
        if initial in "aio":
            folded.add(rf"{initial}\. *{last}")
            cased.add(rf"{initial.upper()}\.? *{last[0].upper()}{last[1:]}")
        else:
            folded.add(rf"{initial}{sep}{last}")
    return tuple(
        re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(sorted(forms)) + r")(?![A-Za-z0-9])")
        if forms
        else None
        for forms in (folded, cased)
    )


def _names(text: str, cased: str, names: tuple[str, ...]) -> str | None:
    folded_pattern, cased_pattern = _names_patterns(names)
    return _search(folded_pattern, text) or _search(cased_pattern, cased)


def find(text: str, names: Iterable[str] = ()) -> Found | None:
    """The first piece of personal data in `text`, or None; `names` are stakeholder names."""
    plain, cased, names = normalise(text), normalise(text, fold_case=False), tuple(names)
    checks = (
        ("an email address", lambda: _email(plain)),
        ("a social media handle", lambda: _search(HANDLE, plain)),
        ("an NHS number", lambda: _nhs(plain)),
        ("a National Insurance number", lambda: _search(NI, plain)),
        ("a phone number", lambda: _phone(plain)),
        ("a phone number written in words", lambda: _digits_in_words(plain)),
        ("a postcode", lambda: _search(POSTCODE, plain)),
        ("a street address", lambda: _address(plain)),
        ("a title and name", lambda: _title(plain, cased)),
        ("a name from the stakeholder list", lambda: _names(plain, cased, names)),
    )
    for kind, check in checks:
        datum = check()
        if datum:
            return Found(kind, mask(datum))
    return None


def _search(pattern: re.Pattern[str] | None, text: str) -> str | None:
    match = pattern.search(text) if pattern is not None else None
    return match.group(0) if match else None


def _email(text: str) -> str | None:
    return _search(EMAIL, text) or _search(_word_patterns()["email"], text)


CODE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,30}[A-Za-z0-9])?")


def id_problem(value: str, names: Iterable[str] = ()) -> str | None:
    """Why `value` is not a valid opaque id (source_id, finding_id, participant_id), or None.

    A valid id is a short code: 1 to 32 letters, digits, `.`, `_` or `-` (starting and ending
    with a letter or digit), holding at least one digit, with no run of four or more lower
    case letters (`INT-07`, `FG3.2`, `P-014`, `FICTIONAL-INT-01`), and no personal data or
    stakeholder name in it. So `Jane.Smith`, `jsmith`, an email or a phone number are not ids.
    """
    if not CODE.fullmatch(value):
        return "must be a code (1-32 letters, digits, . _ -), not a name or text"
    if not any(ch.isdigit() for ch in value):
        return "must be a code holding a digit (such as INT-07), not a name"
    if re.search(r"[a-z]{4,}", value) or re.search(r"[A-Z][a-z]{2,}", value):
        return "must be a code such as INT-07; this looks like a word or a name"
    spaced = re.sub(r"[._-]+", " ", value)
    found = find(value, names) or find(spaced, names)
    if found:
        return f"looks like it contains personal data ({found.kind}, {found.masked})"
    return None
