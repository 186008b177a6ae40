"""spaCy's way in to the ``newsextract`` component: the factory, found through the ``spacy_factories`` entry point.

spaCy imports every entry-point factory each time it makes a pipeline (``spacy.blank``, ``spacy.load``), whether the
pipeline uses it or not. So this entry point is a module of its own, outside the ``inference`` package, and loads the
extractor only when a component is made: ``import inference`` loads torch and transformers, seconds that every spaCy
user with this package installed would otherwise wait for at each pipeline. The component is
``inference/ecosystem/spacy_component.py``; docs/spacy.md is its reference.

Example::

    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("newsextract", config={"model": "runs/release/model", "batch_size": 8})
"""

# No ``from __future__ import annotations``: spaCy validates the config against the factory's annotations, which it
# reads as types, not strings.
from typing import TYPE_CHECKING

from spacy.language import Language

if TYPE_CHECKING:
    from inference.ecosystem.spacy_component import NewsExtractComponent

# None: the extractor's own default (batch_size: extract's windows per forward pass; model: the shipped model)
DEFAULT_CONFIG = {"model": None, "threshold": None, "batch_size": None, "device": None, "backend": None,
                  "ents": "keep"}


@Language.factory("newsextract", default_config=DEFAULT_CONFIG,
                  assigns=["doc.spans", "doc._.nx_result", "doc._.nx_alignment"])
def make_newsextract(nlp: Language, name: str, model: str | None, threshold: float | None, batch_size: int | None,
                     device: str | None, backend: str | None, ents: str) -> "NewsExtractComponent":
    """The ``newsextract`` factory: spaCy calls it for ``nlp.add_pipe("newsextract", config={...})`` with the config
    keys as arguments (``model``: a folder or hub id, None for the shipped model; the others as in ``extract``;
    ``ents``: what to do with ``doc.ents``, one of ``keep``, ``replace``, ``merge``)."""
    from inference.ecosystem.spacy_component import NewsExtractComponent  # the extractor loads here, not at spaCy's

    return NewsExtractComponent(name, model=model, threshold=threshold, batch_size=batch_size, device=device,
                                backend=backend, ents=ents)
