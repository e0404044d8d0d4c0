"""Free-text detectors (pure: no ORM, no I/O): red flags in a patient's own words.

Every inbound text, answers included, is read for the phrase families of `phrases.toml` (R21
cauda equina, progressive weakness, chest pain and breathlessness; R22 thoughts of suicide or
self-harm; R5 fever, R6 a fall, R16 an overdose or a serious medicine reaction), in English and
Spanish. The reading follows NegEx and medspaCy's ConText (Chapman et al. 2001; Harkema et al.
2009), cut down to what SMS needs:

1. **Normal form.** Folded (lower case, no accents, straight apostrophes), apostrophes dropped
   ("can't" → "cant"), text-speak and common misspellings spelled out ("u" → "you"), emoji and
   other symbols removed, letters repeated three times or more cut to two ("peeeee" → "pee"),
   and the side left out ("my left leg" → "my leg").
2. **Clauses.** Split at sentence ends and at ConText's termination terms ("but", "pero",
   "although", "and now" …): a negation never reaches past them.
3. **Answer words.** A leading yes/no set off by a comma ("no, but…", "no, no puedo…") is
   the answer, not a negation of what follows ("no numbness" is a negation).
4. **Targets.** A family's phrase found in a clause is a mention.
5. **Negation.** A mention is negated when a negation trigger ("no", "not", "never",
   "without", "sin", "nunca" …) stands at most `NEGATION_WINDOW` words before it in its clause,
   or a resolution term ("is fine", "went away", "esta bien" …) follows it there. Phrases that
   themselves start with a negation ("cant pee", "no puedo orinar", "no siento las piernas")
   are never negated by a word before them: in Spanish "no siento dolor" denies pain but "no
   siento las piernas" is the symptom.
6. **Someone else's.** "My son has a fever", "mi hijo tiene fiebre" (ConText's experiencer)
   are not the patient's symptoms, for the non-emergency families (R5, R6) only: a carer may be
   texting about the patient, so emergencies are never set aside this way.
7. **Questions.** In a text with a question, a mention after a hypothetical trigger ("what if
   I can't pee?", "¿es normal si…?") is not a finding; "I can't pee, is that normal?" is.

A text fires a rule when at least one mention is not negated. Negated mentions are returned
too, so the caller can still bring them to the care team (R24).
"""

import re
import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from messaging.keywords import fold

PHRASES_FILE = Path(__file__).with_name("phrases.toml")
NEGATION_WINDOW = 4  # words between a trigger and the mention it negates (NegEx uses 5)
# Per-rule windows, where a family needs a narrower one.
NARROW_WINDOW: dict[str, int] = {}
# Someone else's symptom is set aside only for these: a carer texting "my mum is very confused
# since her new tablets" about the patient must still reach the emergency rules.
EXPERIENCER_RULES = frozenset({"R5", "R6"})

TEXT_SPEAK = {
    "u": "you",
    "ur": "your",
    "r": "are",
    "im": "i am",
    "ive": "i have",
    "cnt": "cant",
    "cannot": "cant",
    "cudnt": "couldnt",
    "dnt": "dont",
    "wont": "will not",
    "n": "and",
    "pls": "please",
    "plz": "please",
    "rn": "right now",
    "bc": "because",
    "cuz": "because",
    "coz": "because",
    "2day": "today",
    "nite": "night",
    "ppl": "people",
    "wiv": "with",
    "w": "with",
    "q": "que",
    "k": "que",
    "xq": "porque",
    "pq": "porque",
    "tb": "tambien",
    "tmb": "tambien",
    "evry1": "everyone",
    "every1": "everyone",
    "some1": "someone",
    "wud": "would",
    "cud": "could",
    "shud": "should",
    "rly": "really",
    "tho": "though",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "wanna": "want to",
    "gonna": "going to",
    "ova": "over",
    "bout": "about",
    "nd": "nada",
    "kiero": "quiero",
    "kai": "cai",
    "pexo": "pecho",
    "incho": "hincho",
    "inchada": "hinchada",
    "inchado": "hinchado",
    "acsidente": "accidente",
    "toy": "estoy",
    # Misspellings of the words the phrases turn on, as patients type them.
    "numbnes": "numbness",
    "numbess": "numbness",
    "numness": "numbness",
    "numbnss": "numbness",
    "numbe": "numb",
    "myslef": "myself",
    "mysefl": "myself",
    "myelf": "myself",
    "blader": "bladder",
    "bladdr": "bladder",
    "breth": "breathe",
    "brething": "breathing",
    "tingly": "tingling",
    "proply": "properly",
    "yday": "yesterday",
    "b4": "before",
    "pa": "para",
    "entumidas": "entumecidas",
    "entumida": "entumecida",
    "entumido": "entumecido",
    "entumidos": "entumecidos",
}
# Dropped g's of the verbs the phrases use ("trippin", "givin", "leakin").
TEXT_SPEAK.update(
    {
        verb[:-1]: verb
        for verb in [
            "tripping",
            "giving",
            "dragging",
            "leaking",
            "getting",
            "slapping",
            "struggling",
            "going",
            "ending",
            "thinking",
            "shivering",
            "peeing",
            "weeing",
            "wetting",
            "feeling",
            "killing",
            "hurting",
            "cutting",
            "falling",
            "slipping",
            "having",
            "doing",
            "taking",
            "passing",
            "throwing",
            "vomiting",
            "breathing",
            "sweating",
            "losing",
            "burning",
            "tingling",
            "coming",
            "working",
            "walking",
            "sitting",
            "bleeding",
            "dying",
            "living",
            "pooing",
            "flopping",
            "catching",
            "buckling",
            "dropping",
            "swelling",
            "nothing",
            "something",
        ]
    }
)
# Which side does not change what a symptom is ("la pierna derecha me falla" is "la pierna me
# falla"); both sides ("both legs", "las dos piernas") are phrases of their own.
LATERALITY = frozenset({"left", "right", "izquierda", "izquierdo", "derecha", "derecho"})
# Digits for words, only before the words they stand for in text-speak ("want 2 die").
DIGIT_WORDS = [
    (re.compile(r"\b(2|to) (?=(many|much)\b)"), "too "),
    (
        re.compile(
            r"\b2 (?=(go|die|breathe|breath|wee|pee|be|wake|live|do|many|much|get|stay|keep|"
            r"move|walk|lift|feel|hold|take|end|kill|hurt|me|my|the|sleep)\b)"
        ),
        "to ",
    ),
    (re.compile(r"\b4 (?=(good|ever|me|the)\b)"), "for "),
]
ANSWER_WORDS = frozenset(
    {"yes", "yeah", "yep", "y", "no", "nope", "nah", "n", "si", "ok", "okay", "1", "2"}
)


@dataclass(frozen=True)
class Mention:
    rule: str
    family: str
    phrase: str
    negated: bool


@dataclass(frozen=True)
class Family:
    rule: str
    name: str
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class Lexicon:
    families: tuple[Family, ...]
    termination: re.Pattern[str]
    pre_negation: re.Pattern[str]
    pseudo_negation: re.Pattern[str]
    post_negation: re.Pattern[str]
    hypothetical: re.Pattern[str]
    other_experiencer: re.Pattern[str]


def _expand(pattern: str) -> str:
    """A phrase in phrases.toml's small syntax as a regular expression: words separated by
    spaces match with any run of spaces; `~` stands for up to three other words, kept in groups
    named gap0, gap1 … so that a negation inside them is seen ("foot isn't dropping")."""
    parts = pattern.split(" ~ ")
    expanded = parts[0].replace(" ", r"\s+")
    for number, part in enumerate(parts[1:]):
        expanded += rf"(?P<gap{number}>(?:\s+\w+){{0,3}})\s+" + part.replace(" ", r"\s+")
    return r"\b" + expanded + r"\b"


def _alternatives(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in (_plain(q) for q in patterns)))


def _plain(pattern: str) -> str:
    return r"\b" + pattern.replace(" ", r"\s+") + r"\b"


@cache
def lexicon() -> Lexicon:
    data = tomllib.loads(PHRASES_FILE.read_text(encoding="utf-8"))
    families = tuple(
        Family(
            rule=family["rule"],
            name=family["name"],
            patterns=tuple(re.compile(_expand(p)) for p in family["en"] + family["es"]),
        )
        for family in data["family"]
    )
    context = data["context"]
    return Lexicon(
        families=families,
        termination=_alternatives(context["termination"]),
        pre_negation=_alternatives(context["pre_negation"]),
        pseudo_negation=_alternatives(context["pseudo_negation"]),
        post_negation=_alternatives(context["post_negation"]),
        hypothetical=_alternatives(context["hypothetical"]),
        other_experiencer=_alternatives(context["other_experiencer"]),
    )


def normal_form(text: str) -> str:
    """The text as the detectors read it (see the module docstring, step 1)."""
    folded = fold(text).replace("'", "").replace("w/o", "without").replace("b/c", "because")
    folded = re.sub(r"(\w)\1{2,}", r"\1\1", folded)
    folded = re.sub(r"[.!?;:\n]+", " . ", folded)  # sentence ends stay visible
    folded = re.sub(r"[,\-–—]+", " , ", folded)  # so do commas: "no, but…" is an answer
    folded = re.sub(r"[^\w\s.,]", " ", folded)
    words = " ".join(
        TEXT_SPEAK.get(word, word) for word in folded.split() if word not in LATERALITY
    )
    for pattern, replacement in DIGIT_WORDS:
        words = pattern.sub(replacement, words)
    return words


def _clauses(normal: str) -> list[str]:
    clauses: list[str] = []
    for sentence in normal.split(" . "):
        clauses.extend(part.strip() for part in lexicon().termination.split(sentence))
    return [clause for clause in clauses if clause]


def _strip_answer(clause: str) -> str:
    """The clause without a leading answer ("no, …", "yes …" alone) and without commas."""
    words = clause.split()
    while words and words[0] in ANSWER_WORDS and (len(words) == 1 or words[1] == ","):
        del words[:2]
    return " ".join(word for word in words if word != ",")


def _starts_negated(phrase: str) -> bool:
    return lexicon().pre_negation.match(phrase) is not None


def _negated(clause: str, start: int, end: int, phrase: str, rule: str) -> bool:
    rules = lexicon()
    window = NARROW_WINDOW.get(rule, NEGATION_WINDOW)
    before = rules.pseudo_negation.sub(" ", clause[:start]).split()[-(window + 1) :]
    if not _starts_negated(phrase) and rules.pre_negation.search(" ".join(before)):
        return True
    if rule in EXPERIENCER_RULES and rules.other_experiencer.search(clause[:start]):
        return True  # "my son has a fever": someone else's (ConText's experiencer)
    after = " ".join(clause[end:].split()[: NEGATION_WINDOW + 1])
    return rules.post_negation.match(after) is not None


@lru_cache(maxsize=256)
def read(text: str) -> tuple[Mention, ...]:
    """Every mention of a phrase family in `text`, each marked negated or not. Cached: the
    rules that read one text (R21, R22, R5, R6, R16) share one reading of it."""
    return tuple(scan(text))


def scan(text: str) -> list[Mention]:
    """`read` without the cache: what reading one text costs (benchmarks/detectors.py)."""
    rules = lexicon()
    questions = "?" in text
    mentions: list[Mention] = []
    for clause in _clauses(normal_form(text)):
        clause = _strip_answer(clause)
        for family in rules.families:
            for pattern in family.patterns:
                if (match := pattern.search(clause)) is not None:
                    mentions.append(_mention(family, clause, match, questions=questions))
                    break  # one mention per family and clause is enough
    return mentions


def _mention(family: Family, clause: str, match: re.Match[str], *, questions: bool) -> Mention:
    rules = lexicon()
    phrase = match.group(0)
    gaps = " ".join(g for name, g in match.groupdict().items() if name.startswith("gap") and g)
    hypothetical = questions and rules.hypothetical.search(clause[: match.start()]) is not None
    negated = (
        hypothetical
        or (bool(gaps) and rules.pre_negation.search(gaps) is not None)
        or _negated(clause, match.start(), match.end(), phrase, family.rule)
    )
    return Mention(family.rule, family.name, phrase, negated)


def fired(text: str) -> set[str]:
    """The rules whose phrases `text` mentions without negating them."""
    return {mention.rule for mention in read(text) if not mention.negated}


def mentioned(text: str) -> set[str]:
    """The families `text` mentions at all, negated or not (family names)."""
    return {mention.family for mention in read(text)}
