"""The predictor's second stage: an article's per-word state into linked events, claims and entity mentions.

Plain Python over what the window runner filled (``inference/runtime/window_runner.py``); no model runs here. The
result is final: claims in text order, their content cleaned (``inference/core/claim_spans.py``), each with at most
one source (the fragment nearest its cue) and the speaker that source stands for (``inference/core/speakers.py``);
events in text order (or the caller's triggers in the caller's order), each pointing to the claim whose content holds
its trigger (``Event.claim``).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from ..core.alignment import decode_word_tags
from ..core.articles import Argument, Article, Claim, Entity, Event, Span
from ..core.claim_frames import ArticleWords, decode_frames, frame_choice, frame_of
from ..core.claim_linking import (
    char_gap,
    claim_of_events,
    frame_claims,
    link_claims,
)
from ..core.claim_spans import clean_content, with_a_reporting_cue
from ..core.decoding import allowed_transitions, best_bio_tags, entity_arguments, role_columns
from ..core.modeling import EventClaimConfig
from ..core.score_maps import ScoreMaps
from ..core.sentences import same_sentence, sentence_starts
from ..core.speakers import SpeakerResolver, named_mentions
from .window_runner import ArticleState, Tagged, Thresholds


def _tagged(table: dict[int, tuple[str, float]], state: ArticleState, words: list[int]) -> list[Tagged]:
    """The spans of one layer's per-word ``(tag, probability)`` table."""
    return decode_word_tags([table[p][0] for p in words], [table[p][1] for p in words], state.tokens, words)


class ArticleDecoder:
    """Turns :class:`~inference.runtime.window_runner.ArticleState` objects into :class:`Article` predictions."""

    def __init__(self, config: EventClaimConfig, thresholds: Thresholds, score_maps: ScoreMaps) -> None:
        self.thresholds, self.score_maps = thresholds, score_maps
        self.entity_labels, self.frame_labels = config.entity_labels, config.frame_labels
        self.by_entities = config.argument_decoding == "entities"
        self.claim_decoding = config.claim_decoding
        self._entity_transitions = allowed_transitions(self.entity_labels) if self.entity_labels else None
        self._frame_transitions = allowed_transitions(self.frame_labels) if self.frame_labels else None
        self._role_columns = role_columns(config.argument_labels)

    def decode(self, ids: Sequence[str], texts: Sequence[str], states: Sequence[ArticleState], min_score: float
               ) -> list[Article]:
        """One predicted article per state; claims, events, arguments and entities whose score is below ``min_score``
        are left out (claims and events by their calibrated score, so ``min_score=0.9`` keeps the ones right about 9
        times in 10 on the data the score maps were fitted on)."""
        words = [state.words for state in states]
        entity_paths = (best_bio_tags([s.entity for s in states], [w.positions for w in words], self.entity_labels,
                                      self._entity_transitions)
                        if self.entity_labels else [{} for _ in states])
        return [self._article(*item, min_score)
                for item in zip(ids, texts, states, words, entity_paths, strict=True)]

    def _article(self, article_id: str, text: str, state: ArticleState, words: ArticleWords,
                 entity_path: dict[int, tuple[str, float]], min_score: float) -> Article:
        # Arguments sit in their trigger's sentence (the ACE convention M2E2 annotates by), and a claim without a
        # source may share one of its sentence.
        sentences = sentence_starts(text)
        entities = _tagged(entity_path, state, words.positions) if entity_path else []
        events = self._events(state, words, entities, sentences)
        claims = sorted((clean_content(c, text) for c in self._claims(state, words, sentences)), key=_claim_start)
        claims = with_a_reporting_cue(claims, text)
        for claim in claims:
            claim.source = _nearest_source(claim)
        resolver = SpeakerResolver(text, named_mentions(text, [Entity(t, span, s) for span, t, s in entities]), claims,
                                   sentences)
        for claim in claims:
            claim.speaker = resolver.speaker(claim.source[0]) if claim.source else None
            claim.score = self.score_maps.apply("claim", claim.score)
        for event in events:
            event.score = self.score_maps.apply("event", event.score)
            for argument in event.arguments:
                argument.score = self.score_maps.apply("argument", argument.score)
            event.arguments = [argument for argument in event.arguments if argument.score >= min_score]
        # Whole results are left out, after calibration: leaving out low-scoring spans before the claims were linked
        # changed the claims that remained, and their scores would not mean what the score maps say.
        claims = [claim for claim in claims if claim.score >= min_score]
        entities = [(span, label, score) for span, label, score in entities if score >= min_score]
        if state.given is None:  # given triggers are all kept, in the caller's order
            events = sorted((event for event in events if event.score >= min_score), key=lambda e: e.trigger)
        for event, claim in zip(events, claim_of_events([e.trigger for e in events], claims), strict=True):
            event.claim = claim
        return Article(article_id, text, events, claims,
                       entities=sorted((Entity(t, span, s) for span, t, s in entities), key=lambda e: e.span))

    def _events(self, state: ArticleState, words: ArticleWords, entities: list[Tagged], sentences: list[int]
                ) -> list[Event]:
        """The events of the trigger head's path, or of the triggers given (in their order, scored 1), each with its
        arguments: in the trigger's sentence, not on the trigger."""
        if state.given is None:
            first_token = {state.tokens.offsets[p][0]: p for p in words.positions}
            triggers = [(first_token[span.start], span, event_type, score) for span, event_type, score
                        in _tagged(state.trigger, state, words.positions)]
        else:
            triggers = [(key, span, event_type, 1.0) for key, (_, span, event_type) in enumerate(state.given)]
        # Each mention's word positions, once per article, by sentence: an argument sits in its trigger's sentence, and
        # scoring every mention of the article for every trigger made long articles quadratic.
        entity_words: dict[int, list[tuple[Span, list[int]]]] = {}
        for span, _, _ in entities:
            entity_words.setdefault(bisect_right(sentences, span.start), []).append((span, words.within(span)))
        events = []
        for key, span, event_type, score in triggers:
            candidates = (entity_arguments(state.argument_probs.get(key, {}),
                                           entity_words.get(bisect_right(sentences, span.start), []),
                                           self._role_columns, self.thresholds.argument)
                          if self.by_entities else state.arguments.get(key, []))
            arguments = [Argument(role, arg, s) for arg, role, s in candidates
                         if not arg.overlaps(span) and same_sentence(arg, span, sentences)]
            events.append(Event(event_type, span, sorted(arguments, key=lambda a: a.span), score))
        return events

    def _claims(self, state: ArticleState, words: ArticleWords, sentences: list[int]) -> list[Claim]:
        spans = state.claim_spans
        if self.claim_decoding == "frames":
            claims = frame_claims(self._frames(state, words, spans), sentences)
        else:
            parts: dict[str, list[Span]] = {"source": [], "cue": [], "content": []}
            for span, part, _ in spans:
                parts[part].append(span)
            choose = (frame_choice(state.frames, parts["cue"], words, self.frame_labels)
                      if self.claim_decoding == "frame_linker" else None)
            claims = link_claims(parts["source"], parts["cue"], parts["content"],
                                 {span: score for span, _, score in spans}, sentences, choose)
        # A claim is a cue with what it reports: a cue without content, or content without a cue, is no claim.
        return [claim for claim in claims if claim.cue and claim.content]

    def _frames(self, state: ArticleState, words: ArticleWords, spans: list[Tagged]
                ) -> list[tuple[Span, float, list[Tagged]]]:
        """``(cue, cue score, [(span, part, score), ...])`` for every cue of the claim head that has a frame, with the
        source and content its frame decodes to."""
        cues = [(span, score, frame) for span, part, score in spans
                if part == "cue" and (frame := frame_of(state.frames, span, words)) is not None]
        parts = decode_frames([(cue, frame, state.tokens) for cue, _, frame in cues], self.frame_labels,
                              self._frame_transitions)
        return [(cue, score, cue_parts) for (cue, score, _), cue_parts in zip(cues, parts, strict=True)]


def _claim_start(claim: Claim) -> int:
    return min(span.start for _, span in claim.parts())


def _nearest_source(claim: Claim) -> list[Span]:
    """The source fragment nearest the cue: a claim has one source, and the tagger may find two."""
    if not claim.source:
        return []
    anchor = claim.cue[0] if claim.cue else (claim.content[0] if claim.content else claim.source[0])
    return [min(claim.source, key=lambda s: (char_gap(s, anchor), s))]
