"""The WikiEvents and RAMS importers and their event mapping, on small documents built here; one slow test reads the
real dev files in ../shared/data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inference.core.articles import Article, DataError
from training.data.importers import detect_format, load_articles, read_rams, read_wikievents
from training.data.importers.event_mapping import DEFAULT_EVENT_MAPPING, EventMapping, load_event_mapping
from training.data.importers.rams import head_word

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


def events_of(article: Article) -> list[tuple[str, str, list[tuple[str, str]]]]:
    text = article.text
    return [(e.type, e.trigger.text_in(text), [(a.role, a.span.text_in(text)) for a in e.arguments])
            for e in article.events]


# ---------------------------------------------------------------- WikiEvents

SENTENCES = ["Rebels attacked and damaged the base in Homs .",
             "Two soldiers died and police officers arrested three men ."]


def wiki_doc(doc_id: str = "doc1", **changes) -> dict:
    """A 2-sentence WikiEvents document; ``changes`` replace a trigger's text or an argument's entity by event id."""
    words, position = [], 0
    for sentence in SENTENCES:
        row = []
        for word in sentence.split():
            row.append([word, position, position + len(word)])
            position += len(word) + 1
        words.append([row, sentence])
    tokens = [w[0] for row, _ in words for w in row]

    def entity(name: str, start: int, end: int, entity_type: str = "PER") -> dict:
        return {"id": f"{doc_id}-{name}", "start": start, "end": end, "text": " ".join(tokens[start:end]),
                "entity_type": entity_type}

    def event(eid: str, event_type: str, start: int, args: list[tuple[str, str]]) -> dict:
        return {"id": eid, "event_type": event_type,
                "trigger": {"start": start, "end": start + 1, "text": changes.get(eid, tokens[start])},
                "arguments": [{"entity_id": f"{doc_id}-{name}", "role": role} for role, name in args]}

    return {"doc_id": doc_id, "tokens": tokens, "text": "".join(SENTENCES), "sentences": words,
            "entity_mentions": [entity("rebels", 0, 1), entity("base", 5, 6, "FAC"), entity("homs", 7, 8, "GPE"),
                                entity("soldiers", 10, 11), entity("police", 13, 15), entity("men", 17, 18)],
            "event_mentions": [
                event("E1", "Conflict.Attack.Unspecified", 1, [("Attacker", "rebels"), ("Target", "base"),
                                                                ("Place", "homs")]),
                event("E2", "ArtifactExistence.DamageDestroyDisableDismantle.Damage", 3, [("Damager", "rebels")]),
                event("E3", "Life.Die.Unspecified", 11, [("Victim", changes.get("victim", "soldiers")),
                                                         ("Place", "homs")]),
                event("E4", "Justice.ArrestJailDetain.Unspecified", 15, [("Jailer", "police"), ("Detainee", "men"),
                                                                         ("Crime", "base")])]}


def write_lines(path: Path, docs: list[dict]) -> Path:
    path.write_text("".join(json.dumps(doc) + "\n" for doc in docs), encoding="utf-8")
    return path


def test_wikievents_maps_types_roles_and_offsets(tmp_path):
    articles, report = read_wikievents(write_lines(tmp_path / "dev.jsonl", [wiki_doc()]))
    (article,) = articles
    assert article.text == " ".join(SENTENCES)  # the space between sentences is back, unlike the doc's 'text'
    assert article.layers == ("events", "entities") and article.meta == {"corpus": "wikievents", "file": "dev.jsonl"}
    assert [(e.type, e.span.text_in(article.text)) for e in article.entities][:3] == [
        ("PER", "Rebels"), ("FAC", "base"), ("GPE", "Homs")]
    assert events_of(article) == [
        ("Conflict:Attack", "attacked", [("Attacker", "Rebels"), ("Target", "base"), ("Place", "Homs")]),
        ("Life:Die", "died", [("Victim", "soldiers"), ("Place", "Homs")]),
        ("Justice:Arrest-Jail", "arrested", [("Agent", "police officers"), ("Person", "men")]),
    ]
    assert report.to_dict() == {"wikievents: unmapped argument role dropped": 1,  # Crime
                                "wikievents: unmapped event type skipped": 1}  # Damage


def test_wikievents_bad_annotation_raises_with_file_and_line_or_is_counted(tmp_path):
    path = write_lines(tmp_path / "dev.jsonl", [wiki_doc(), wiki_doc("doc2", E3="dies", victim="ghost")])
    with pytest.raises(DataError, match=r"dev\.jsonl:2: document doc2: event E3 \(Life\.Die\.Unspecified\) trigger: "
                                        r"tokens 11-12 read 'died' but are labelled 'dies'; fix the data"):
        read_wikievents(path)
    articles, report = read_wikievents(write_lines(path, [wiki_doc("doc2", victim="ghost")]), errors="skip")
    assert [role for _, _, args in events_of(articles[0]) for role, _ in args] == [
        "Attacker", "Target", "Place", "Place", "Agent", "Person"]  # the Victim of an unknown entity is gone
    assert report.to_dict()["wikievents: argument with a bad span skipped"] == 1
    with pytest.raises(DataError, match="refers to entity 'doc2-ghost', not in 'entity_mentions'"):
        read_wikievents(path)
    _, report = read_wikievents(write_lines(path, [wiki_doc("doc2", E3="dies")]), errors="skip")
    assert report.to_dict()["wikievents: event with a bad trigger skipped"] == 1


def test_wikievents_word_that_does_not_fit_its_offsets(tmp_path):
    doc = wiki_doc()
    doc["sentences"][1][0][0] = ["Two", 47, 51]
    path = write_lines(tmp_path / "dev.jsonl", [doc])
    with pytest.raises(DataError, match=r"dev\.jsonl:1: document doc1: word 'Two' does not fit its offsets 47-51"):
        read_wikievents(path)
    assert read_wikievents(path, errors="skip")[1].to_dict() == {"wikievents: document with misplaced words skipped": 1}


# ---------------------------------------------------------------- RAMS

RAMS_SENTENCES = [["The", "police", "officers", "in", "Kabul", "arrested", "Bashar", "al", "-", "Assad", "."],
                  ["He", "was", "held", "for", "fraud", "."]]


def rams_doc(key: str, event_type: str, links: list[list]) -> dict:
    return {"doc_key": key, "sentences": RAMS_SENTENCES, "evt_triggers": [[5, 5, [[event_type, 1.0]]]],
            "gold_evt_links": links, "split": "dev"}


ARREST = rams_doc("r1", "justice.arrestjaildetain.arrestjaildetain",
                  [[[5, 5], [0, 4], "evt079arg01jailer"], [[5, 5], [6, 9], "evt079arg02detainee"],
                   [[5, 5], [15, 15], "evt079arg03crime"], [[5, 5], [4, 4], "evt079arg04place"]])


def test_rams_maps_and_reduces_arguments_to_head_words(tmp_path):
    injure = rams_doc("r2", "life.injure.n/a", [[[5, 5], [0, 2], "evt092arg01victim"]])
    articles, report = read_rams(write_lines(tmp_path / "dev.jsonlines", [ARREST, injure]))
    (article,) = articles  # r2 has no mapped event: nothing to learn from it
    assert article.text == "The police officers in Kabul arrested Bashar al - Assad . He was held for fraud ."
    assert article.layers == ("partial_events",) and article.id == "r1"
    assert events_of(article) == [("Justice:Arrest-Jail", "arrested",
                                   [("Agent", "officers"), ("Person", "Bashar al - Assad"), ("Place", "Kabul")])]
    assert report.to_dict() == {"rams: argument reduced to its head word": 1,  # the police officers in Kabul
                                "rams: document without a mapped event skipped": 1,
                                "rams: unmapped argument role dropped": 1,  # crime
                                "rams: unmapped event type skipped": 1}


@pytest.mark.parametrize(("phrase", "head"), [
    ("the police officers in Kabul", "officers"),
    ("Saidov 's attacker", "attacker"),
    ("the agency ’s humanitarian wing", "wing"),
    ("Nimr al - Nimr , a revered Shi’ite cleric", "Nimr al - Nimr"),
    ("World Health Organisation ( WHO )", "World Health Organisation"),
    ("the United States", "United States"),
    ("thousands of criminal aliens", "thousands"),
    ("people who fled", "people"),
    ("in Syria", "Syria"),
    ("“ refugees ”", "refugees"),
    ("Lynx or bisons", "Lynx"),
])
def test_head_word(phrase, head):
    tokens = phrase.split()
    start, end = head_word(tokens)
    assert " ".join(tokens[start:end]) == head


@pytest.mark.parametrize(("link", "message", "reason"), [
    ([[6, 6], [0, 1], "evt079arg01jailer"], r"argument evt079arg01jailer links to trigger \[6, 6\], not in "
     "'evt_triggers'", "rams: argument with a bad link skipped"),
    ([[5, 5], [3, 30], "evt079arg01jailer"], r"argument tokens \[3, 30\] are not a range \(inclusive\) in its 17 "
     "tokens", "rams: argument with a bad link skipped"),
    ([[5, 5], [0, 1], "jailer"], "role 'jailer' is not of the form 'evt<NNN>arg<NN><role>'",
     "rams: argument with a bad link skipped"),
])
def test_rams_bad_link_raises_with_file_and_line_or_is_counted(tmp_path, link, message, reason):
    bad = rams_doc("r3", "justice.arrestjaildetain.arrestjaildetain", [link])
    path = write_lines(tmp_path / "dev.jsonlines", [ARREST, bad])
    with pytest.raises(DataError, match=rf"dev\.jsonlines:2: document r3: {message}; fix the data"):
        read_rams(path)
    articles, report = read_rams(path, errors="skip")
    assert [a.id for a in articles] == ["r1", "r3"] and articles[1].events[0].arguments == []
    assert report.to_dict()[reason] == 1


# ---------------------------------------------------------------- mapping, formats

def test_mapping_longest_prefix_of_whole_components():
    mapping = EventMapping({"Life.Die": "Life:Die", "Life.Die.Natural": None, "Conflict": "Conflict:Attack",
                            "Conflict.Demonstrate": "Conflict:Demonstrate"}, {})
    assert [mapping.map_type(t) for t in ["Life.Die.Unspecified", "Life.Die", "Life.Dies", "Life.Die.Natural.Old",
                                          "Conflict.Demonstrate.X", "Conflict.Attack", "life.die.x"]] == [
        "Life:Die", "Life:Die", None, None, "Conflict:Demonstrate", "Conflict:Attack", None]
    rams = load_event_mapping(DEFAULT_EVENT_MAPPING, "rams")
    assert rams.map_type("movement.transportperson.evacuationrescue") == "Movement:Transport"
    assert rams.map_type("movement.transportperson.preventexit") is None  # not moving
    assert rams.map_type("contact.threatencoerce.meet") is None and rams.map_type("contact.discussion.meet")
    assert rams.map_role("Movement:Transport", "passenger") == "Artifact" and rams.map_role("Life:Die", "x") is None


def write_mapping(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mapping.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("text", "message"), [
    ("ace: {types: {}}\n", r"top level: unknown key\(s\) \['ace'\]; accepted: wikievents, rams"),
    ("rams: {type: {}}\n", r"rams: unknown key\(s\) \['type'\]; accepted: types, unknown, roles"),
    ("rams: {types: {life.die: Life:Dies}}\n", r"rams\.types\.life\.die: 'Life:Dies' is not an event type of the "
     r"schema; accepted: Conflict:Attack, Conflict:Demonstrate, .*Transaction:Transfer-Money, or null"),
    ("rams: {types: {}, roles: {Life:Die: {killer: Killer}}}\n", r"rams\.roles\.Life:Die\.killer: 'Killer' is not a "
     "role of Life:Die; accepted: Agent, Victim, Instrument, Place"),
    ("rams: {roles: {Life-Die: {}}}\n", r"rams\.roles: unknown key\(s\) \['Life-Die'\]; accepted: Conflict:Attack"),
    ("wikievents: {types: {}}\n", "no section 'rams'; the file has wikievents"),
])
def test_mapping_loader_is_strict(tmp_path, text, message):
    path = write_mapping(tmp_path, text)
    with pytest.raises(ValueError, match=rf"mapping\.yaml: {message}"):
        load_event_mapping(path, "rams")


def test_detect_format_and_load_articles(tmp_path):
    wiki = write_lines(tmp_path / "wiki.jsonl", [wiki_doc()])
    rams = write_lines(tmp_path / "x.jsonlines", [ARREST])
    bio = write_lines(tmp_path / "bio.jsonl", [{"tokens": ["a"], "labels": ["O"]}])
    assert [detect_format(p) for p in (wiki, rams, bio)] == ["wikievents", "rams", "bio-jsonl"]
    articles, report = load_articles(wiki)
    assert [e.type for e in articles[0].events] == ["Conflict:Attack", "Life:Die", "Justice:Arrest-Jail"]
    (article,), _ = load_articles(rams)
    assert events_of(article)[0][:2] == ("Justice:Arrest-Jail", "arrested")


# ---------------------------------------------------------------- the real files

@pytest.mark.slow
@pytest.mark.parametrize(("name", "corpus"), [("wikievents/dev.jsonl", "wikievents"), ("rams/dev.jsonlines", "rams")])
def test_real_files(name, corpus):
    path = SHARED / name
    if not path.exists():
        pytest.skip(f"{path} is not here")
    articles, report = load_articles(path)
    events = [e for a in articles for e in a.events]
    assert len(events) > 100 and sum(len(e.arguments) for e in events) > 200
    assert len({e.type for e in events}) >= 6 and report.to_dict()[f"{corpus}: unmapped event type skipped"] > 100
    for article in articles:
        article.validate()
        assert all(span.text_in(article.text).strip() == span.text_in(article.text) for span in article.spans())
    # every type listed in the mapping exists in the corpus's ontology (meta.json: [type, roles] pairs)
    types = [t for t, _ in json.loads((path.parent / "meta.json").read_text(encoding="utf-8"))]
    mapping = load_event_mapping(DEFAULT_EVENT_MAPPING, corpus)
    assert [p for p in mapping.types if not any(t == p or t.startswith(p + ".") for t in types)] == []
