"""Words made plain, safely: registry markup removed, signs written as words, jargon explained.

Every transformation here keeps the meaning of the words it touches:

- `tidy(text)`: markdown escapes ("\\>"), bold markers, HTML tags and entities removed; white
  space collapsed; comparison signs written out ("≥ 18" -> "at least 18", "\\> 50" -> "more than
  50", "≥ grade 2" -> "grade 2 or higher", "3 x ULN" -> "3 times ULN"); "e.g." -> "for example";
  trailing list punctuation dropped.
- `explain(sentence)`: the first use of each term of the glossary (``data/plain_glossary.tsv``)
  gets its plain explanation in brackets: "ULN" -> "ULN (upper limit of normal)". A term the
  registry already explains ("ULN (upper limit of normal)") is left alone; an expansion
  followed by its acronym gets one bracket: "central nervous system (CNS: the brain and spinal
  cord)".
- `finish(sentence)`: a capital first letter and one full stop.
"""

from __future__ import annotations

import functools
import re
from importlib import resources

GLOSSARY_FILE = "plain_glossary.tsv"

_HTML_TAG = re.compile(r"</?(?:br|b|i|u|p|em|strong|sup|sub|ul|ol|li|span|div)\b[^<>]{0,40}>", re.IGNORECASE)
_ENTITIES = {
    "&gt;": ">",
    "&lt;": "<",
    "&ge;": "≥",
    "&le;": "≤",
    "&amp;": "&",
    "&nbsp;": " ",
    "&quot;": '"',
    "&#39;": "'",
}
_ENTITY = re.compile("|".join(re.escape(e) for e in _ENTITIES), re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>^~|=])")
_BOLD = re.compile(r"\*\*|__")
_SPACES = re.compile(r"\s+")
_LEAD = re.compile(r"^(?:[-*•·▪◦●○‣⁃]\s+)+")
_TRAIL = re.compile(r"[\s.;,:]+$")
_ENUMERATOR = re.compile(r"^(?:\(?\d{1,2}[.)]|\(?[a-h][.)])\s+(?=[A-Za-z])")
_TYPOGRAPHY = str.maketrans(
    {
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
        "\u2019": "'",
        "\u2018": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2a7e": "≥",
        "\u2a7d": "≤",
    }
)

_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")

# Comparison signs, most specific first. Each is replaced with words between spaces; spacing is
# repaired afterwards.
_SIGNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r">\s*or\s*=|≥|>\s*/?\s*=|=\s*>|=\s*or\s*>"), " at least "),
    (re.compile(r"<\s*or\s*=|≤|<\s*/?\s*=|=\s*<|=\s*or\s*<"), " at most "),
    (re.compile(r">"), " more than "),
    (re.compile(r"<"), " less than "),
    (re.compile(r"±|\+/-"), " plus or minus "),
    (re.compile(r"≈|~(?=\s*\d)"), " about "),
]
_GRADES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bat least (grade|class|stage) (\w+)", re.IGNORECASE), r"\1 \2 or higher"),
    (re.compile(r"\b(grade|class|stage) at least (\w+)", re.IGNORECASE), r"\1 \2 or higher"),
    (re.compile(r"\bat most (grade|class|stage) (\w+)", re.IGNORECASE), r"\1 \2 or lower"),
    (re.compile(r"\b(grade|class|stage) at most (\w+)", re.IGNORECASE), r"\1 \2 or lower"),
    (re.compile(r"\bmore than (grade|class|stage) (\w+)", re.IGNORECASE), r"higher than \1 \2"),
    (re.compile(r"\b(grade|class|stage) more than (\w+)", re.IGNORECASE), r"\1 higher than \2"),
    (re.compile(r"\bless than (grade|class|stage) (\w+)", re.IGNORECASE), r"lower than \1 \2"),
    (re.compile(r"\b(grade|class|stage) less than (\w+)", re.IGNORECASE), r"\1 lower than \2"),
]
_TIMES_ULN = re.compile(
    r"(\d)\s*[xX×]\s*(?=(?:the\s+)?(?:ULN|institutional|upper|normal|N\b|IULN|LLN|lower))|(\d)[xX×](?=\s)"
)
_POWER = re.compile(r"(\d)\s*[xX×]\s*10\s*\^?\s*(\d{1,2})(?!\d)")
_CARET = re.compile(r"\^\s?(\d{1,2})(?!\d)")
_MM3 = re.compile(r"(?<=/)(mm|cm|µl|ul)(3)\b", re.IGNORECASE)
_ABBREVIATION_WORDS = {
    "e.g.": "for example",
    "i.e.": "that is",
    "w/o": "without",
    "w/": "with ",
    "&": "and",
    "approx.": "about",
    "yrs": "years",
    "wks": "weeks",
    "hrs": "hours",
    "pts": "patients",
    "vs.": "versus",
}
_ABBREVIATION = re.compile(
    r"\b(?P<eg>e\.\s?g)\.?(?:,|(?=\s))|\b(?P<ie>i\.\s?e)\.?(?:,|(?=\s))|\b(?P<wo>w/o)\b|\b(?P<w>w/)(?=\s|\w)"
    r"|(?<=\s)(?P<amp>&)(?=\s)|\b(?P<approx>approx\.)(?=\s)|\b(?P<unit>yrs|wks|hrs|pts)\b\.?|\b(?P<vs>vs\.)(?=\s)",
    re.IGNORECASE,
)
_ABBREVIATION_HINTS = ("e.g", "e. g", "i.e", "i. e", "w/", "&", "approx.", "yrs", "wks", "hrs", "pts", "vs.")
_ABBREVIATION_GROUPS = {
    "eg": "e.g.",
    "ie": "i.e.",
    "wo": "w/o",
    "w": "w/",
    "amp": "&",
    "approx": "approx.",
    "vs": "vs.",
}
_SPACE_FIXES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\s+([,;:.)\]])"), r"\1"),
    (re.compile(r"([(\[])\s+"), r"\1"),
    (re.compile(r"\s{2,}"), " "),
]
_SIGN_CHARS = frozenset("<>≥≤=±≈~+")
_GRADE_WORDS = re.compile(r"grade|class|stage", re.IGNORECASE)


def _abbreviation(match: re.Match[str]) -> str:
    group = match.lastgroup or ""
    if group == "unit":
        return _ABBREVIATION_WORDS[match.group("unit").lower()]
    return _ABBREVIATION_WORDS[_ABBREVIATION_GROUPS[group]]


@functools.lru_cache(maxsize=8192)
def tidy(text: str) -> str:
    """The words of a criterion without markup, on one line, with signs written as words."""
    text = _CONTROL.sub(" ", text)
    if "<" in text:
        text = _HTML_TAG.sub(" ", text)
    if "&" in text:
        text = _ENTITY.sub(lambda m: _ENTITIES[m.group(0).lower()], text)
    if "\\" in text:
        text = _ESCAPE.sub(r"\1", text)
    text = text.translate(_TYPOGRAPHY)
    if "**" in text or "__" in text:
        text = _BOLD.sub("", text)
    text = _SPACES.sub(" ", text).strip()
    text = _LEAD.sub("", text)
    text = _ENUMERATOR.sub("", text)
    if "^" in text or "10" in text:
        text = _POWER.sub(lambda m: f"{m.group(1)} × 10{m.group(2).translate(_SUPERSCRIPT)}", text)
        text = _CARET.sub(lambda m: m.group(1).translate(_SUPERSCRIPT), text)
    if "3" in text:
        text = _MM3.sub(lambda m: m.group(1) + "³", text)
    text = _TIMES_ULN.sub(lambda m: f"{m.group(1) or m.group(2)} times ", text)
    if not _SIGN_CHARS.isdisjoint(text):
        for pattern, words in _SIGNS:
            text = pattern.sub(words, text)
        text = _SPACES.sub(" ", text)
    if _GRADE_WORDS.search(text):
        for pattern, words in _GRADES:
            text = pattern.sub(words, text)
    low = text.lower()
    if any(hint in low for hint in _ABBREVIATION_HINTS):
        text = _ABBREVIATION.sub(_abbreviation, text)
    for pattern, words in _SPACE_FIXES:
        text = pattern.sub(words, text)
    return _TRAIL.sub("", text.strip())


class _Term:
    __slots__ = ("cased", "explanation", "term")

    def __init__(self, term: str, explanation: str) -> None:
        self.term = term
        self.explanation = explanation
        self.cased = any(ch.isupper() for ch in term[1:]) or (term.isupper() and len(term) > 1)


_WORD = re.compile(r"[\w'’]+(?:-[\w'’]+)*")
_ACRONYM_AFTER = re.compile(r"\s?\(([A-Z][A-Za-z0-9-]{1,9})\)")


class Glossary:
    """Terms and their plain explanations, looked up word by word (up to four words a term)."""

    def __init__(self, entries: list[tuple[str, str]]) -> None:
        self._terms: dict[str, _Term] = {}
        for term, explanation in entries:
            self._terms.setdefault(_key(term), _Term(term, explanation))
        self._longest = max((len(k.split(" ")) for k in self._terms), default=1)
        self._firsts = frozenset(k.split(" ", 1)[0] for k in self._terms)
        self._explanations = frozenset(t.explanation for t in self._terms.values())

    def __len__(self) -> int:
        return len(self._terms)

    def explanation(self, term: str) -> str | None:
        found = self._terms.get(_key(term))
        return found.explanation if found else None

    def terms(self) -> list[tuple[str, str]]:
        return [(t.term, t.explanation) for t in self._terms.values()]

    def explanations(self) -> frozenset[str]:
        return self._explanations

    def explain(self, sentence: str, used: set[str] | None = None) -> str:
        """The sentence with the first use of each term explained in brackets; ``used`` holds
        the explanations already shown (updated). Words between protection marks are left alone."""
        seen: set[str] = set() if used is None else used
        words = [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(sentence)]
        firsts = self._firsts
        if not any(w.lower().split("-", 1)[0] in firsts for _, _, w in words):
            return sentence
        protected = (
            [(m.start(), m.end()) for m in _PROTECTED.finditer(sentence)] if PROTECT_OPEN in sentence else []
        )
        out: list[str] = []
        cursor = 0
        index = 0
        while index < len(words):
            start, _, word = words[index]
            if word.lower().split("-", 1)[0] not in firsts or any(a <= start < b for a, b in protected):
                index += 1
                continue
            found = None
            for size in range(min(self._longest, len(words) - index), 0, -1):
                last = words[index + size - 1]
                phrase = sentence[start : last[1]]
                if size > 1 and not re.fullmatch(r"[\w'’/-]+(?:[\s-]+[\w'’/-]+)*", phrase):
                    continue
                entry = self._terms.get(_key(phrase))
                if entry is not None and not (entry.cased and phrase != entry.term):
                    found = (entry, last[1], size)
                    break
            if found is None:
                index += 1
                continue
            entry, end, size = found
            index += size
            if entry.explanation in seen:
                continue
            after = sentence[end:]
            before = sentence[:start].rstrip()
            if after.startswith("/"):
                continue  # "IRB/IEC": the explanation goes after the last of the pair
            acronym = _ACRONYM_AFTER.match(after)
            seen.add(entry.explanation)
            if acronym is not None and " " in entry.term:
                inner = self._terms.get(_key(acronym.group(1)))
                if inner is not None:
                    seen.add(inner.explanation)
                out.append(sentence[cursor:end])
                out.append(f" ({acronym.group(1)}: {entry.explanation})")
                cursor = end + acronym.end()
                while index < len(words) and words[index][0] < cursor:
                    index += 1
                continue
            if before.endswith("(") and after.lstrip().startswith(")"):
                continue  # an acronym the registry defines: "upper limit of normal (ULN)"
            if after.lstrip().startswith("(") and not _EXAMPLE_BRACKET.match(after.lstrip()):
                continue  # the registry explains it already: "ULN (upper limit of normal)"
            compound = _compound(after)
            if compound:
                follower = _FOLLOWER.match(after)
                head = follower.group("word").lower() if follower is not None else ""
                movable = entry.term.lower() in _MODIFIERS or head in _GENERIC_HEADS
                if (
                    not movable
                    or compound_words(after) >= _COMPOUND_WORDS
                    or after[compound:].startswith(("(", " (", "/", "-"))
                ):
                    seen.discard(entry.explanation)
                    continue  # inside a longer term ("in situ hybridization"): not this term
                # a modifier ("autoimmune disease", "concurrent serious illness"): explained after the term
                close = end + compound
                out.append(sentence[cursor:close])
                out.append(f" ({sentence[start:end]}: {entry.explanation})")
                cursor = close
                while index < len(words) and words[index][0] < cursor:
                    index += 1
                continue
            out.append(sentence[cursor:end])
            out.append(f" ({entry.explanation})")
            cursor = end
        out.append(sentence[cursor:])
        return "".join(out)


#: The word after a term, when it goes on the same term ("in situ hybridization"); ``more`` is a
#: further word of it ("autoimmune disease activity").
def _word_set(*lines: str) -> frozenset[str]:
    return frozenset(" ".join(lines).split())


_FOLLOWER = re.compile(r"^[ ]+(?P<word>[A-Za-z][\w'’]*(?:-[\w'’]+)*)")
_COMPOUND_WORDS = 3


def compound_words(after: str) -> int:
    """How many content words follow a term on the same noun (at most three)."""
    count, offset = 0, 0
    for _ in range(_COMPOUND_WORDS):
        follower = _FOLLOWER.match(after[offset:])
        if follower is None or follower.group("word").lower() in _FUNCTION_WORDS:
            break
        offset += follower.end()
        count += 1
    return count


def _compound(after: str) -> int:
    """How far the words right after a term go on the same noun ("in situ| hybridization",
    "autoimmune| disease"): the end offset in ``after`` of up to three content words, 0 if none."""
    offset = 0
    for _ in range(_COMPOUND_WORDS):
        follower = _FOLLOWER.match(after[offset:])
        if follower is None or follower.group("word").lower() in _FUNCTION_WORDS:
            break
        offset += follower.end()
    return offset


_FUNCTION_WORDS = _word_set(
    "of or and and/or with in to for on at by from as than that which who whose within during after",
    "before since is are was were be been has have had not no nor the a an including such e.g i.e",
    "requiring due per unless except but if when while where over under between greater less more at",
    "least most above below prior following defined confirmed documented being must should will may",
    "can could would etc",
)
_GENERIC_HEADS = _word_set(
    "disease diseases disorder disorders function failure insufficiency impairment dysfunction",
    "infection infections condition conditions involvement damage toxicity",
)


#: Terms that modify the noun after them: explained after that noun ("concurrent illness
#: (concurrent: at the same time)"); other terms followed by a noun are part of a longer term
#: ("in situ hybridization") and are not explained.
_MODIFIERS = _word_set(
    "concurrent concomitant systemic asymptomatic symptomatic metastatic investigational autoimmune",
    "renal hepatic cardiac pulmonary adjuvant neoadjuvant refractory recurrent relapsed prophylactic",
    "cytotoxic malignant benign palliative intravenous immunosuppressive unresectable resectable",
    "myelosuppressive nephrotoxic hepatotoxic cardiotoxic neurotoxic ototoxic hematologic",
    "haematologic hematological thromboembolic anticoagulant antiplatelet antiretroviral",
    "antineoplastic cerebrovascular cardiovascular gastrointestinal neurological psychiatric",
    "endocrine hormonal biologic targeted curative",
)


_EXAMPLE_BRACKET = re.compile(
    r"\((?:for\s+example|e\.g|such\s+as|including|except|unless|other\s+than|see|per|at\s+least|at\s+most|more|less"
    r"|grade|\d)",
    re.IGNORECASE,
)


#: Words written by trialscout itself ("(ECOG 0-1)") are wrapped in these and not explained again.
PROTECT_OPEN = "\x01"
PROTECT_CLOSE = "\x02"
_PROTECTED = re.compile("\x01[^\x01\x02]*\x02")


def protect(words: str) -> str:
    """Words the glossary leaves alone (they are plain already)."""
    return f"{PROTECT_OPEN}{words}{PROTECT_CLOSE}"


def unprotect(words: str) -> str:
    return words.replace(PROTECT_OPEN, "").replace(PROTECT_CLOSE, "")


def _key(term: str) -> str:
    return " ".join(term.replace("-", " ").lower().split())


def strip_explanations(sentence: str) -> str:
    """The sentence without the glossary's brackets: what the registry's words were, reframed."""
    explanations = glossary().explanations()

    def drop(match: re.Match[str]) -> str:
        inner = match.group(1)
        acronym, _, rest = inner.partition(": ")
        if inner in explanations:
            return ""
        if rest in explanations:
            # "autoimmune disease (autoimmune: ...)": a term explained after the longer term it is in
            said_before = re.search(
                rf"\b{re.escape(acronym)}\b", match.string[: match.start()], re.IGNORECASE
            )
            return "" if said_before else f" ({acronym})"
        return match.group(0)

    for pattern in (_EXPLANATION_NESTED, _EXPLANATION, _EXPLANATION_NESTED):
        sentence = pattern.sub(drop, sentence)
    return sentence


_EXPLANATION = re.compile(r" \(([^()]+)\)")
_EXPLANATION_NESTED = re.compile(r" \(((?:[^()]|\([^()]*\))+)\)")


@functools.cache
def glossary() -> Glossary:
    """The packaged glossary (read once)."""
    text = resources.files("trialscout.eligibility").joinpath("data", GLOSSARY_FILE).read_text("utf-8")
    entries = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        term, _, explanation = line.partition("\t")
        if term.strip() and explanation.strip():
            entries.append((term.strip(), explanation.strip()))
    return Glossary(entries)


def explain(sentence: str) -> str:
    """The sentence with the first use of each glossary term explained in brackets."""
    return glossary().explain(sentence)


_PROPER = frozenset(
    {
        "Karnofsky",
        "Lansky",
        "Zubrod",
        "Hodgkin",
        "Hodgkin's",
        "Gilbert's",
        "Crohn's",
        "Parkinson's",
        "Alzheimer's",
        "Down",
        "Cushing's",
        "English",
        "Spanish",
        "French",
        "German",
        "Chinese",
        "Japanese",
        "African",
        "Asian",
        "Hispanic",
        "Latino",
        "Caucasian",
        "American",
        "Medicare",
        "Medicaid",
        "Whipple",
        "Kaposi's",
        "Burkitt's",
        "Waldenström's",
        "Sjögren's",
        "Graves",
        "Hashimoto's",
        "I",
    }
)
#: Names whose first word is an ordinary word elsewhere ("New York Heart Association").
_PROPER_PHRASES = (
    "New York",
    "New Zealand",
    "Hodgkin",
    "Non-Hodgkin",
    "Down syndrome",
    "Crohn",
    "Parkinson",
    "Alzheimer",
)
_FIRST_WORD = re.compile(r"^[^\w(]*([\w'’-]+)")


def lower_first(text: str) -> str:
    """The text with its first word in lower case, when it is an ordinary capitalised word."""
    match = _FIRST_WORD.match(text)
    if match is None:
        return text
    word = match.group(1)
    if text[match.start(1) :].startswith(_PROPER_PHRASES):
        return text
    if word in _PROPER or not word[:1].isupper() or not (word[1:].islower() or len(word) == 1):
        return text
    return text[: match.start(1)] + word[0].lower() + text[match.start(1) + 1 :]


def capitalise(text: str) -> str:
    """The text with a capital first letter (an acronym such as "eGFR" is left as written)."""
    match = _FIRST_WORD.match(text)
    if match is None:
        return text
    word = match.group(1)
    if any(ch.isupper() for ch in word) or not word[:1].isalpha():
        return text
    return text[: match.start(1)] + word[0].upper() + text[match.start(1) + 1 :]


def finish(sentence: str) -> str:
    """One sentence: capital first letter, single spaces, one final full stop."""
    for pattern, words in _SPACE_FIXES:
        sentence = pattern.sub(words, sentence)
    sentence = sentence.strip().rstrip(" ,;:")
    if not sentence:
        return sentence
    if sentence[-1] not in ".!?":
        sentence += "."
    return capitalise(sentence)


def join_sentences(parts: list[str]) -> str:
    """Sentences joined with single spaces, each finished."""
    return " ".join(finish(p) for p in parts if p and p.strip(" .,;:"))
