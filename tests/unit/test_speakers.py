"""Speaker resolution on hand-made articles: who a "he", "they", "the group" or "I" stands for, or no one."""

from __future__ import annotations

from inference.core.articles import Claim, Entity, Span
from inference.core.sentences import sentence_starts
from inference.core.speakers import Name, SpeakerResolver, named_mentions


def span_of(text: str, words: str, occurrence: int = 0) -> Span:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(words, start + 1)
    return Span(start, start + len(words))


def speaker(text: str, source: str, entities: list[tuple[str, str]], claims: list[Claim] = (), occurrence: int = 0):
    found = named_mentions(text, [Entity(kind, span_of(text, words)) for kind, words in entities])
    got = SpeakerResolver(text, found, list(claims), sentence_starts(text)).speaker(span_of(text, source, occurrence))
    return got.text_in(text) if got else None


def test_a_pronoun_after_two_names_of_different_number_takes_the_one_that_fits():
    text = "Ismail Haniyeh met the Hamas delegation in Cairo. They said talks would go on. He said he was hopeful."
    entities = [("PER", "Ismail Haniyeh"), ("ORG", "Hamas"), ("GPE", "Cairo")]
    assert speaker(text, "He", entities) == "Ismail Haniyeh"
    assert speaker(text, "They", entities) in ("Hamas", "Cairo")  # an organisation or place, never the person


def test_he_prefers_a_person_who_speaks_to_one_only_quoted():
    text = ('Minister Ali Khan said "Nelson Mandela would have agreed." He added that the plan was fair.')
    entities = [("PER", "Ali Khan"), ("PER", "Nelson Mandela")]
    quote = Claim([span_of(text, "Minister Ali Khan")], [span_of(text, "said")],
                  [span_of(text, "Nelson Mandela would have agreed.")])
    assert speaker(text, "He", entities, [quote]) == "Ali Khan"


def test_gendered_titles_decide_between_two_people():
    text = "Ms. Rawlings met Mr. Roberts on Monday. She said the meeting went well."
    assert speaker(text, "She", [("PER", "Rawlings"), ("PER", "Roberts")]) == "Rawlings"


def test_the_group_after_an_organisation_is_that_organisation_not_a_place():
    text = "Hezbollah fighters clashed with troops near Tyre. The group said two fighters died."
    assert speaker(text, "The group", [("ORG", "Hezbollah"), ("GPE", "Tyre")]) == "Hezbollah"


def test_a_description_takes_the_person_with_that_title():
    text = "President Barack Obama met Adam Schiff. The president said he was pleased."
    assert speaker(text, "The president", [("PER", "Barack Obama"), ("PER", "Adam Schiff")]) == "Barack Obama"


def test_a_source_that_names_someone_is_its_own_speaker():
    text = "The health ministry in Gaza said 40 people died."
    assert speaker(text, "The health ministry in Gaza", [("GPE", "Gaza")]) == "The health ministry in Gaza"


def test_i_in_a_quotation_is_the_quoted_speaker():
    text = 'Smith told reporters: "I saw the blast and I ran." Police arrived later.'
    quote = Claim([span_of(text, "Smith")], [span_of(text, "told")], [span_of(text, '"I saw the blast and I ran."')])
    inner = Claim([span_of(text, "I")], [span_of(text, "saw")], [span_of(text, "the blast")])
    assert speaker(text, "I", [("PER", "Smith")], [quote, inner]) == "Smith"


def test_no_antecedent_or_an_indefinite_source_is_no_one():
    text = "He said the vote was rigged. A senior official said otherwise. Critics disagreed."
    assert speaker(text, "He", []) is None
    assert speaker(text, "A senior official", [("PER", "official")]) is None
    assert speaker(text, "Critics", []) is None


def test_a_name_also_written_in_lower_case_is_no_name():
    text = "Police said the police chief left. He said nothing."
    assert named_mentions(text, [Entity("ORG", span_of(text, "Police"))]) == []
    assert speaker(text, "He", [("ORG", "Police")]) is None


def test_resolving_every_claim_of_a_long_article_stays_linear():
    """Names are looked for a few sentences back, and quotations found by binary search: a 2,000-claim article
    resolves in well under a second (seconds per claim would mean a scan of the whole article per claim)."""
    import time

    unit = 'Ms. Rawlings met Mr. Roberts. She said "I agree." The group said it would wait. '
    text = unit * 2000
    names = [Name(span_of(text, "Rawlings", k), "PER") for k in range(2000)]
    claims = [Claim([span_of(text, "She", k)], [span_of(text, "said", 2 * k)], [span_of(text, '"I agree."', k)])
              for k in range(2000)]
    resolver = SpeakerResolver(text, names, claims, sentence_starts(text))
    start = time.perf_counter()
    speakers = [resolver.speaker(claim.source[0]) for claim in claims]
    assert time.perf_counter() - start < 2.0
    assert speakers[-1] == names[-1].span


def claim(text: str, source: str, cue: str, content: str) -> Claim:
    return Claim([span_of(text, source)], [span_of(text, cue)], [span_of(text, content)])


def test_he_continues_the_speaker_of_the_claim_before():
    text = ("Sen. Tom Smith met John Roberts. Roberts was silent. The senator said the bill would pass. "
            "He said so twice.")
    entities = [("PER", "Tom Smith"), ("PER", "John Roberts"), ("PER", "Roberts")]
    senator = claim(text, "The senator", "said the", "the bill would pass")
    assert speaker(text, "He", entities, [senator]) == "Tom Smith"  # not Roberts, the man named last
    assert speaker(text, "He", entities) == "Roberts"  # no claim before: the man named last


def test_a_first_name_says_the_gender():
    text = ("Chief Justice John Roberts spoke of the legacy of racism, Justice Roberts said. "
            "Donna Rawlings watched the ceremony on a screen. She said the event moved her.")
    entities = [("PER", "John Roberts"), ("PER", "Justice Roberts"), ("PER", "Donna Rawlings")]
    roberts = claim(text, "Justice Roberts", "said. ", "Chief Justice John Roberts spoke of the legacy of racism")
    assert speaker(text, "She", entities, [roberts]) == "Donna Rawlings"


def test_they_after_an_unnamed_source_is_no_one():
    text = ("Environmentalists worry that Mr. Clarke cannot pay. The cost could fall to West Virginia "
            "taxpayers, they say.")
    entities = [("PER", "Clarke"), ("GPE", "West Virginia")]
    worry = claim(text, "Environmentalists", "worry", "Mr. Clarke cannot pay")
    assert speaker(text, "they", entities, [worry]) is None
    assert speaker(text, "they", entities) == "West Virginia"  # no claim before: the nearest place, as before


def test_a_name_with_a_title_the_model_missed_is_a_name():
    text = "Stevie Wonder sang, and Ms. LaBelle got a roar when she added the words."
    assert speaker(text, "she", [("PER", "Stevie Wonder")]) == "LaBelle"


def test_a_description_in_apposition_to_a_name_is_that_name():
    text = ("The deal was fair, said Kevin Barrett, a lawyer at the firm that represents the state. "
            "Six million jobs depend on exports to Mexico, one slide says.")
    entities = [("PER", "Kevin Barrett"), ("GPE", "Mexico")]
    assert speaker(text, "a lawyer at the firm", entities) == "Kevin Barrett"
    assert speaker(text, "one slide", entities) is None  # a comma before a source is no apposition by itself


def test_a_document_speaks_for_its_author():
    text = ("A slide from a presentation that Mr. Guajardo carries shows what a car would cost. "
            "Another slide shows where avocados come from.")
    assert speaker(text, "Another slide", [("PER", "Guajardo")]) == "Guajardo"
    text = "Mariano wrote a memoir of her time at the White House. Few knew of the clot, the book said."
    assert speaker(text, "the book", [("PER", "Mariano"), ("ORG", "White House")]) == "Mariano"


def test_a_possessive_speaks_for_its_owner_but_a_relation_does_not():
    text = ("The file on Donald Trump's divorce from wife Ivana stays sealed. Mr. Pagliano refused to testify. "
            "His attorney said it was fruitless. Donald Trump argued the file was private. His ex-wife agreed. "
            "Mariano wrote of a clot. According to her account, it was treated.")
    entities = [("PER", "Donald Trump"), ("PER", "Ivana"), ("PER", "Pagliano"), ("PER", "Mariano")]
    assert speaker(text, "His attorney", entities) is None  # not Pagliano; his attorney is never named
    assert speaker(text, "His ex-wife", entities) == "Ivana"  # "wife Ivana"
    assert speaker(text, "her account", entities) == "Mariano"
    text = "The VA runs a hotline. The agency's mammoth bureaucracy has been slow."
    assert speaker(text, "The agency's mammoth bureaucracy", [("ORG", "VA")]) == "VA"


def test_titles_that_name_the_same_office():
    text = "Justice Frank Nervo rejected the request. Ivana Trump agreed. The judge agreed with Ivana Trump."
    entities = [("PER", "Frank Nervo"), ("PER", "Ivana Trump")]
    assert speaker(text, "The judge", entities) == "Frank Nervo"


def test_a_person_described_by_a_relation_to_another_is_not_that_person():
    text = ("Secrecy surrounds Hillary Clinton's health, the candidate's former doctor maintains. "
            "Dr. Connie Mariano said Clinton hid a clot.")
    entities = [("PER", "Hillary Clinton"), ("PER", "Connie Mariano"), ("PER", "Clinton")]
    assert speaker(text, "the candidate's former doctor", entities) == "Connie Mariano"


def test_a_speaker_named_only_after_the_description():
    text = ("A New York judge has rejected a media request. The Times filed a motion. "
            "Manhattan Justice Frank Nervo rejected that argument.")
    entities = [("GPE", "New York"), ("PER", "Frank Nervo")]
    assert speaker(text, "A New York judge", entities) == "Frank Nervo"
    text = "A House panel voted Thursday to hold him in contempt. The House Oversight Committee voted 19-15."
    committee = claim(text, "The House Oversight Committee", "voted 19-15", "19-15")
    entities = [("ORG", "House panel"), ("ORG", "House Oversight Committee")]
    assert speaker(text, "A House panel", entities, [committee]) == "House Oversight Committee"
    text = "A senior official said the talks failed. Hamas said they would go on."
    hamas = claim(text, "Hamas", "said they", "they would go on")
    assert speaker(text, "A senior official", [("ORG", "Hamas")], [hamas]) is None  # no title, no shared word


def test_the_alliance_and_the_bloc_are_the_organisation_or_union_named_before():
    text = "Only five countries in NATO spend 2 percent, the alliance said. E.U. leaders met. The bloc said no."
    entities = [("ORG", "NATO"), ("GPE", "E.U.")]
    assert speaker(text, "the alliance", entities) == "NATO"
    assert speaker(text, "The bloc", entities) == "E.U."


def test_i_outside_any_quotation_is_whoever_signs_the_letter():
    text = "My wife and I arrived as teens. I despise his speech.\n\nMauricio Fraga.\n\nWashington, D.C.\n\n@mdeluz"
    assert speaker(text, "I", [("PER", "Mauricio Fraga"), ("GPE", "Washington")], occurrence=1) == "Mauricio Fraga"
    text = "Nothing about them seems credible to me.\n\n@mdeluzgon.\n\nWe don't care."
    assert speaker(text, "me", []) == "@mdeluzgon"
    assert speaker("I said no.\n\nThe end.", "I", []) is None  # no signature under it


def test_i_in_a_commentary_is_the_author_its_last_paragraph_names():
    text = ("I am glad we are demanding a major change.\n\nThe pundits will keep guessing.\n\n"
            "Rick Scott is the Republican governor of Florida.")
    entities = [("PER", "Rick Scott"), ("GPE", "Florida")]
    assert speaker(text, "I", entities) == "Rick Scott"
    text = "I am glad we are demanding a major change.\n\nThe Times is a newspaper."
    assert speaker(text, "I", [("ORG", "Times")]) is None  # a last paragraph about no person names no author


def test_a_reporting_verb_taken_for_the_source_points_to_the_name_after_it():
    text = '"Tom is a visionary," said Robert McAtee, a coal veteran.'
    assert speaker(text, "said", [("PER", "Tom"), ("PER", "Robert McAtee")]) == "Robert McAtee"


def test_a_long_chain_of_he_said_stays_linear():
    """Each "he said" continues the claim before it, a few claims back at most: 3,000 in a row resolve in well under
    a second, without a recursion as deep as the chain. A document or a signature is looked for a few thousand
    characters away at most, in an article without a sentence break."""
    import time

    text = "Mr. Smith arrived. " + 'He said "I agree." ' * 3000
    names = [Name(span_of(text, "Smith"), "PER")]
    claims = [Claim([span_of(text, "He", k)], [span_of(text, "said", k)], [span_of(text, '"I agree."', k)])
              for k in range(3000)]
    resolver = SpeakerResolver(text, names, claims, sentence_starts(text))
    start = time.perf_counter()
    speakers = [resolver.speaker(claim.source[0]) for claim in claims]
    assert time.perf_counter() - start < 2.0
    assert speakers[:10] == [names[0].span] * 10  # beyond a few sentences, a reader would name Smith again
    text = "I wrote it, the report said " + "and so on " * 100_000
    resolver = SpeakerResolver(text, [], [], sentence_starts(text))
    start = time.perf_counter()
    for _ in range(200):
        resolver.speaker(Span(0, 1)), resolver.speaker(span_of(text, "the report"))
    assert time.perf_counter() - start < 2.0


def test_the_speaker_judgements_command_scores_saved_predictions(tmp_path):
    import json

    import pytest

    from inference.core.articles import Article, write_jsonl
    from training.cli import CommandError
    from training.speakers import main

    text = "Smith arrived. He said it was over. A senior official said so."
    predicted = Article("nyt_2016-10-02_a-curious-plan-to-fight-climate-", text,
                        entities=[Entity("PER", Span(0, 5))])  # an id of the tuning half
    write_jsonl([predicted], tmp_path / "predicted.jsonl")
    judged = [{"doc": predicted.id, "source": [[15, 17]], "cue": [[18, 22]], "speaker_name": "Smith",
               "speaker_mentions": [[0, 5]], "note": ""},
              {"doc": predicted.id, "source": [[36, 53]], "cue": [[54, 58]], "speaker_name": None,
               "speaker_mentions": [], "note": ""},
              {"doc": predicted.id, "source": [[15, 17]], "cue": [[18, 22]], "speaker_name": "Jones",
               "speaker_mentions": [[60, 62]], "note": ""}]
    (tmp_path / "judged.jsonl").write_text("".join(json.dumps(row) + "\n" for row in judged))
    files = ["--judgements", str(tmp_path / "judged.jsonl"), "--predictions", str(tmp_path / "predicted.jsonl")]
    scores = main(files)
    assert list(scores) == ["all"] and scores["all"]["pronoun"] == {"right": 1, "claims": 2, "share": 0.5}
    scores = main([*files, "--halves"])
    assert scores["tuning"]["pronoun"] == {"right": 1, "claims": 2, "share": 0.5}
    assert scores["tuning"]["description"]["right"] == 1 and scores["held-out"]["all"]["claims"] == 0
    with pytest.raises(CommandError, match="either --model and --data"):
        main(["--judgements", str(tmp_path / "judged.jsonl")])


def test_pronouns_and_relatives_point_back_by_gender_role_and_the_phrase_before():
    names = [("PER", "Ola Lee"), ("PER", "I"), ("PER", "Clinton"), ("PER", "Bill Clinton"), ("PER", "Hillary Clinton")]
    text = "Ola Lee raised us. When I asked, she said no. Clinton, Hillary Clinton and Bill Clinton left. She did."
    assert speaker(text, "she", names) == "Ola Lee" and speaker(text, "She", names) == "Hillary Clinton"
    text = 'Henry Cruz spoke last. He is worried. Few agree. Fewer care. "Obama had will.i.am," he said.'
    assert speaker(text, "he", [("PER", "Henry Cruz"), ("PER", "Obama")], [claim(text, "he", "said", '"Obama had')]) \
        == "Henry Cruz"  # not a name in its own quotation
    text = "Mr. Obama spoke of the site of a speech by Andrew Jackson. It was, the president said, a tragedy."
    assert speaker(text, "the president", [("PER", "Obama"), ("PER", "Andrew Jackson")]) == "Obama"
    text = ("Kaine is a former lawyer who opposes it. Writing for a Los Angeles Times panel that agreed, Barabak "
            "noted it. Both Democrats and Republicans, who doubt it, met. The literature, which is vast, grew.")
    names = [("PER", "Kaine"), ("ORG", "Los Angeles Times"), ("ORG", "Democrats"), ("ORG", "Republicans")]
    assert speaker(text, "who", names) == "Kaine" and speaker(text, "that", names) == "Los Angeles Times"
    assert speaker(text, "who", names, occurrence=1) is None and speaker(text, "which", names) is None


def test_a_document_is_by_whom_an_earlier_mention_says():
    text = ("A web video by the RNC attacks Kaine. The ad also mentions Percy Walton. "
            "The clip says Kaine is wrong. Republicans gain, according to a Reuters survey. The study found a gap. "
            "The authors of the report, which include U.S. PIRG, were cautious. Nike holds cash, the report says.")
    names = [("ORG", "RNC"), ("PER", "Percy Walton"), ("ORG", "Republicans"), ("GPE", "U.S."), ("ORG", "Nike")]
    assert speaker(text, "The clip", names) == "RNC"  # not the name after "The ad"
    assert speaker(text, "The study", names) == "Reuters"  # a name the model missed
    assert speaker(text, "the report", names, occurrence=1) == "U.S."
    text = ("A report by the PIRG came out. " + "It rained. " * 11 + "Taxes are low, the report says. "
            + "It rained. " * 11 + "The SEC requires little, the report says. This finding is telling.")
    reports = [Claim([span_of(text, "the report", k)], [span_of(text, "says", k)], []) for k in (0, 1)]
    names = [("ORG", "PIRG"), ("ORG", "SEC")]  # the last report is by whom the one before is
    assert speaker(text, "the report", names, reports, 1) == speaker(text, "This finding", names, reports) == "PIRG"


def test_names_the_model_missed_places_and_no_later_name_in_the_same_sentence():
    text = ("A judge was overturned by an appeals court, and the Supreme Court declined. "
            '"Nobody wants that," said Hester. They cite the 2000 election in Florida, when the state purged voters.')
    court, names = claim(text, "the Supreme Court", "declined", "declined"), [("ORG", "Supreme"), ("GPE", "Florida")]
    assert speaker(text, "said", names) == "Hester" and speaker(text, "the state", names) == "Florida"
    assert speaker(text, "an appeals court", names, [court]) is None  # not the court named later in its sentence
