"""What the speaker rules (``speakers.py``) read in an article besides the model's output: which mentions are names,
which words head a description of a person, an organisation or a document, the titles and genders the article gives
its people, and the lines that sign a letter.

Word lists, kept small and general: they describe English news style, not any one article.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from .articles import Claim, Entity, Span
from .sentences import ABBREVIATIONS

FIRST_PERSON = frozenset({"i", "me", "my", "we", "us", "our"})
PERSON_PRONOUNS = frozenset({"he", "him", "his", "she", "her", "hers"})
FEMALE_PRONOUNS = frozenset({"she", "her", "hers"})
GROUP_PRONOUNS = frozenset({"they", "them", "their", "it", "its"})
POSSESSIVES = frozenset({"his", "her", "their", "its"})
RELATIVES = frozenset({"who", "whom", "whose", "which", "that"})
# A reporting verb annotated as the source ("... ," said Robert McAtee): the speaker is the name after it.
CUE_WORDS = frozenset({"said", "says", "told", "added"})
# Head nouns of descriptions of a person, and of an organisation or what it issues.
PERSON_NOUNS = frozenset("""
    spokesman spokeswoman spokesperson president mayor minister governor senator candidate nominee official leader
    chairman chairwoman chief secretary director lawyer attorney judge prosecutor commander general sheriff ambassador
    adviser advisor aide manager founder author reporter anchor host businessman congressman congresswoman
    representative premier chancellor king queen prince pope man woman father mother son daughter wife husband
    doctor physician head boss justice counsel
""".split())
GROUP_NOUNS = frozenset("""
    group organization organisation campaign ministry statement report government party agency department company
    administration office committee council court commission movement network newspaper paper magazine website
    study survey poll union association army police service firm bank team channel broadcaster station board
    military regime authority authorities embassy spokesmen panel alliance bloc coalition federation institute
    foundation university journal
""".split())
# Of those, the ones that may stand for a country or city ("the government" of North Korea, "the bloc" for the E.U.)
# as well as an organisation.
STATE_NOUNS = frozenset("""
    government administration regime authority authorities ministry military army embassy bloc alliance union
""".split())
# Places that speak through their government: "the state" for the last state named.
PLACE_NOUNS = frozenset({"state", "country", "nation", "city", "province"})
# Documents, and who writes them: a person or an organisation ("the book", "the slide", "the poll").
_DOCUMENTS = ("book memoir", "slide presentation", "ad advertisement spot clip video", "letter",
              "study research report survey poll analysis paper finding", "statement release",
              "column editorial article", "email tweet post", "lawsuit complaint filing brief")
DOCUMENT_NOUNS = {word: tuple(group.split()) for group in _DOCUMENTS for word in group.split()}
INDEFINITE = frozenset({"a", "an", "some", "many", "several", "other", "others", "one", "two", "three", "most",
                        "few", "critics", "experts", "officials", "analysts", "observers", "sources", "people"})
LOOK_BACK = 12  # sentences: how far back an earlier name is looked for (beyond it, a reader would name them again)
PERSON_TYPES = ("PER",)
GROUP_TYPES = ("ORG", "GPE")
NAME_TYPES = ("PER", "ORG", "GPE", "LOC", "FAC")
# Titles that name the same office: "Justice Frank Nervo" is "the judge", "Sen. X" "the senator".
TITLE_ALIASES = {"sen": "senator", "gov": "governor", "rep": "representative", "congressman": "representative",
                 "congresswoman": "representative", "gen": "general", "dr": "doctor", "physician": "doctor",
                 "justice": "judge", "attorney": "lawyer", "counsel": "lawyer", "spokeswoman": "spokesman",
                 "spokesperson": "spokesman", "pres": "president"}
# Common English first names, and those of people in the news, that say a person's gender ("Donna Sampson
# Rawlings" -> she) where the article gives no "Mr." or "Ms."
FEMALE_NAMES = frozenset("""
    mary patricia jennifer linda elizabeth barbara susan jessica sarah karen nancy lisa betty margaret sandra ashley
    kimberly emily donna michelle dorothy carol amanda melissa deborah stephanie rebecca sharon laura cynthia kathleen
    amy shirley angela helen anna brenda pamela nicole emma samantha katherine kathryn christine debra rachel carolyn
    janet catherine maria heather diane ruth julie olivia joyce virginia victoria kelly lauren christina joan evelyn
    judith megan andrea cheryl hannah jacqueline martha gloria teresa ann sara madison frances kathy janice jean abigail
    alice judy sophia grace denise amber doris marilyn danielle beverly isabella theresa diana natalie brittany
    charlotte marie kayla alexis lori hillary melania ivanka nikki kellyanne huma condoleezza madeleine sheryl oprah
    kamala dianne elena sonia tammy kirsten debbie jill sally valerie
""".split())
MALE_NAMES = frozenset("""
    james robert john michael david william richard joseph thomas charles christopher daniel matthew anthony mark
    donald steven paul andrew joshua kenneth kevin brian george timothy ronald edward jason jeffrey ryan jacob gary
    nicholas eric jonathan stephen larry justin scott brandon benjamin samuel gregory alexander frank patrick raymond
    jack dennis jerry tyler aaron jose adam nathan henry douglas zachary peter kyle ethan walter noah jeremy
    christian keith roger terry gerald harold sean austin carl arthur lawrence dylan jesse jordan bryan billy joe
    bruce gabriel logan albert willie alan juan wayne elijah randy roy vincent ralph eugene russell bobby mason
    philip louis barack bill mike tom bernie ted marco chris jeb rand newt mitch harry rudy rudolph vladimir
    xi francois emmanuel boris nicolas recep bashar hassan jim tim al dick rick nick steve chuck will
""".split())
WORD = re.compile(r"[^\W\d_][\w'’.-]*")
_TOKEN = re.compile(r"[\w'’.-]+|[^\w\s]")
# Titles written before a name ("Mr. Obama", "Sen. Leahy", "Justice Nervo").
HONORIFICS = ("Mr", "Mrs", "Ms", "Miss", "Dr", "Gov", "Sen", "Rep", "Gen", "Prof", "Rev", "Judge", "Justice")
_HONORIFIC = re.compile(r"\b(" + "|".join(HONORIFICS) + r")\.?[ \xa0]+((?:[A-Z][\w'’-]+(?:[ \xa0](?=[A-Z]))?)+)")
_GENDERED_TITLE = re.compile(r"\b(Mr|Mrs|Ms|Miss)\.?\s+([A-Z][\w'’-]+)")
# A line that is only a name or an @handle: the signature under a reader's letter or a post.
SIGNATURE = re.compile(r"(?m)^[ \t]*(@\w+|[A-Z][\w'’.-]*(?:[ \t]+[A-Z][\w'’.-]*){1,3}?)\.?[ \t]*$")
# The last paragraph of a commentary, naming its author: "Rep. Raul Grijalva, D-Ariz., was an early backer of ...".
BIO = re.compile(r"[ \t]*([A-Z][\w'’.-]*(?:[ \t]+[A-Z][\w'’.-]*){0,3})(?:,[^,\n]{1,30},)?[ \t]+"
                 r"(?:is|was|has been|writes)\b")
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii"})
_PRONOUNS = FIRST_PERSON | PERSON_PRONOUNS | GROUP_PRONOUNS | {"you", "it"}


@dataclass(frozen=True)
class Name:
    """An entity mention that is a name: some word of it is capitalised and never written lower-case in the article."""

    span: Span
    type: str


class Mentions:
    """An article's names and claim sources, indexed by position, and the sentences around a position: what every
    speaker rule looks things up in, in logarithmic time.

    Example:
        >>> text = "Smith arrived. Police came. He left."
        >>> mentions = Mentions(text, [Name(Span(0, 5), "PER"), Name(Span(15, 21), "ORG")], [], [15, 28])
        >>> mentions.nearest(Span(28, 30), ("PER",), back=2), mentions.nearest(Span(28, 30), ("PER",), back=1)
        (Span(start=0, end=5), None)
    """

    def __init__(self, text: str, names: Sequence[Name], claims: Sequence[Claim], sentences: Sequence[int]) -> None:
        self.text, self.claims, self.sentences = text, claims, sentences
        self.names = sorted(names, key=lambda n: n.span)
        self.starts = [name.span.start for name in self.names]
        self.sources = sorted(claim.source[0] for claim in claims if claim.source)

    def before(self, source: Span, back: int) -> range:
        """The indices of the names that start at most ``back`` sentences before ``source`` and end before it."""
        here = bisect_right(self.sentences, source.start)
        first = self.sentences[here - back - 1] if here - back - 1 >= 0 else 0
        last = bisect_left(self.starts, source.start)
        while last > 0 and self.names[last - 1].span.end > source.start:
            last -= 1
        return range(bisect_left(self.starts, first), last)

    def sentence_end(self, position: int, ahead: int) -> int:
        """Where the sentence ``ahead`` sentences after the one at ``position`` ends."""
        here = bisect_right(self.sentences, position)
        return self.sentences[here + ahead] if here + ahead < len(self.sentences) else len(self.text)

    def nearest(self, source: Span, types: Sequence[str], back: int = LOOK_BACK) -> Span | None:
        """The last name of one of ``types`` before ``source``, at most ``back`` sentences back."""
        names = (self.names[i] for i in reversed(self.before(source, back)))
        return next((name.span for name in names if name.type in types), None)

    def named_in(self, span: Span, types: Sequence[str]) -> Span | None:
        """The longest name of one of ``types`` inside ``span`` (the first of the longest)."""
        at, best = bisect_left(self.starts, span.start), None
        while at < len(self.names) and self.names[at].span.start < span.end:
            name = self.names[at].span
            if name.end <= span.end and self.names[at].type in types and (
                    best is None or name.end - name.start > best.end - best.start):
                best = name
            at += 1
        return best

    def earlier_source(self, source: Span, back: int) -> Span | None:
        """The source of the last claim before ``source``, if it is at most ``back`` sentences back."""
        at = bisect_left(self.sources, source) - 1
        while at >= 0 and self.sources[at].end > source.start:
            at -= 1
        if at < 0 or bisect_right(self.sentences, source.start) - bisect_right(self.sentences,
                                                                                self.sources[at].start) > back:
            return None
        return self.sources[at]

    def titles(self, name: Span) -> set[str]:
        """The titles the text gives a name: right before it ("President Barack Obama", "Justice Frank Nervo") or in
        an apposition after it ("Adam Schiff, the California congressman"), as offices (:func:`title`)."""
        before = []  # up to three words right before the name, in its sentence: "Ivana. Mr. Pagliano" is no Ivana's
        for token in reversed(_TOKEN.findall(self.text[max(0, name.start - 40) : name.start])):
            if not token[0].isalpha() or token.endswith(".") and token[:-1].lower() not in ABBREVIATIONS:
                break
            before.append(token)
        before = before[:3]
        after = self.text[name.end : name.end + 60]
        return {title(word) for word in before + (WORD.findall(after.split(",")[1]) if after.startswith(",") else [])}

    def titled(self, source: Span, head: str) -> Span | None:
        """The last person named with the title ``head`` (or one naming the same office) before ``source``."""
        office = title(head)
        names = (self.names[i] for i in reversed(self.before(source, LOOK_BACK)))
        return next((n.span for n in names if n.type in PERSON_TYPES and office in self.titles(n.span)), None)


def named_mentions(text: str, entities: Sequence[Entity]) -> list[Name]:
    """The entity mentions of ``text`` that are names, in text order, and the people named with a title ("Ms.
    LaBelle", "Dr. Smith") that no entity mention covers.

    Example:
        >>> text = "Police said Smith left. The police chief spoke. Ms. LaBelle sang."
        >>> [text[n.span.start : n.span.end] for n in named_mentions(text, [Entity("ORG", Span(0, 6)),
        ...                                                                  Entity("PER", Span(12, 17))])]
        ['Smith', 'LaBelle']
    """
    lower = {word for word in WORD.findall(text) if word.islower()}
    names = []
    spans = sorted(entity.span for entity in entities)
    for entity in sorted(entities, key=lambda e: e.span):
        words = WORD.findall(entity.span.text_in(text))
        if len(words) == 1 and words[0].lower() in _PRONOUNS:
            continue  # "I", "She": a pronoun the model took for a name
        if any(word[0].isupper() and word.lower() not in lower for word in words):
            names.append(Name(entity.span, entity.type))
    for match in _HONORIFIC.finditer(text):
        span = Span(match.start(2), match.end(2))
        at = bisect_left(spans, span)
        if not any(other.overlaps(span) for other in spans[max(0, at - 1) : at + 1]):
            names.append(Name(span, "PER"))
    return sorted(names, key=lambda n: n.span)


def genders(text: str, names: Sequence[Name]) -> dict[str, str]:
    """The gender the article gives each person, by full and by last name: from a gendered title ("Mr. Obama"),
    else from a first name ("Donna Sampson Rawlings"): name -> "male" / "female". A last name given both
    ("Hillary Clinton" and "Bill Clinton") says nothing alone; the full names then keep theirs.

    Example:
        >>> text = "Mr. Roberts met Hillary Clinton and Bill Clinton."
        >>> genders(text, [Name(Span(16, 31), "PER"), Name(Span(36, 48), "PER")])
        {'hillary clinton': 'female', 'bill clinton': 'male', 'roberts': 'male'}
    """
    found: dict[str, set[str]] = {}
    for name in names:
        words = WORD.findall(name.span.text_in(text))
        first = words[0].lower() if len(words) > 1 and name.type in PERSON_TYPES else ""
        if first in FEMALE_NAMES or first in MALE_NAMES:
            gender = "female" if first in FEMALE_NAMES else "male"
            found.setdefault(key(name.span.text_in(text)), set()).add(gender)
            found.setdefault(full_name(name.span.text_in(text)), set()).add(gender)
    for match in _GENDERED_TITLE.finditer(text):
        found.setdefault(match.group(2).lower(), set()).add("male" if match.group(1) == "Mr" else "female")
    return {name: next(iter(gender)) for name, gender in found.items() if len(gender) == 1}


def gender_of(gender: dict[str, str], name: str) -> str | None:
    """The gender :func:`genders` gives the person written ``name``: by the full name, else the last name.

    Example:
        >>> known = {"hillary clinton": "female"}
        >>> gender_of(known, "Hillary Clinton's"), gender_of(known, "Clinton")
        ('female', None)
    """
    return gender.get(full_name(name)) or gender.get(key(name))


def full_name(name: str) -> str:
    """A person's name as written, lower-case, without abbreviations (titles, initials) or a possessive.

    Example:
        >>> full_name("Mr. Barack H. Obama's")
        'barack obama'
    """
    words = [word.lower() for word in WORD.findall(name) if not word.endswith(".")]
    return re.sub(r"['’]s?$", "", " ".join(words))


def key(name: str) -> str:
    """A person's name as the article's titles refer to it: the last word, without "Jr." or a possessive.

    Example:
        >>> key("John G. Roberts Jr."), key("Mr. Trump's")
        ('roberts', 'trump')
    """
    words = [word for word in WORD.findall(name) if word.lower().strip(".") not in _SUFFIXES]
    return re.sub(r"['’]s?$", "", words[-1].lower()) if words else ""


def title(word: str) -> str:
    """A title word as one office: "Sen." -> "senator", "ex-wife" -> "wife", "Justice" -> "judge".

    Example:
        >>> title("Sen."), title("ex-wife"), title("Justice")
        ('senator', 'wife', 'judge')
    """
    word = word.lower().strip(".").split("-")[-1]
    return TITLE_ALIASES.get(word, word)

