"""``transformers.pipeline("event-claim-extraction", model=...)``: the extractor as a transformers pipeline task.

``import inference`` registers the task with transformers' ``PIPELINE_REGISTRY`` (no ``trust_remote_code``: the code
is this installed package). Each text gives the dict of ``inference.extract(text).to_dict()``; a list of texts gives a
list, run ``batch_size`` texts at a time; ``device=`` and ``dtype=`` work as in any pipeline (a model stored in
float16, like the shipped one, loads as float32 unless ``dtype=`` asks otherwise).

Example::

    import inference
    from transformers import pipeline

    extractor = pipeline("event-claim-extraction", model="runs/release/model")
    extractor("Police said two people were killed.")["claims"][0]["cue"]["text"]  # 'said'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from transformers import AutoModel, Pipeline
from transformers.pipelines import PIPELINE_REGISTRY

from ..core.model_folder import DEFAULT_MODEL, SCHEMA_FILE
from ..core.schema import LabelSchema
from ..core.score_maps import ScoreMaps
from ..interface.api import extract
from ..runtime.hub import resolve_model_dir
from ..runtime.predictor import Predictor

TASK = "event-claim-extraction"


class EventClaimExtractionPipeline(Pipeline):
    """Events and claims of whole articles, as :func:`inference.extract` finds them, behind ``pipeline(TASK)``.

    The model's folder (``model.name_or_path``: a local folder or a hub id) also gives the label schema and the score
    maps that calibrate claim and event scores, as :class:`~inference.runtime.predictor.Predictor` reads them; a model
    built in memory has neither, and uses the default schema and raw scores.
    """

    _load_tokenizer = True
    _load_processor = _load_image_processor = _load_video_processor = _load_feature_extractor = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        folder = resolve_model_dir(self.model.name_or_path) if self.model.name_or_path else None
        schema = LabelSchema.load(folder) if folder and (folder / SCHEMA_FILE).is_file() else None
        self.predictor = Predictor(self.model, self.tokenizer, schema, device=self.device,
                                   score_maps=ScoreMaps.load(folder) if folder else None)

    def _sanitize_parameters(self, threshold: float | None = None, **unknown: Any) -> tuple[dict, dict, dict]:
        if unknown:
            raise TypeError(f"{TASK}: unknown option(s) {', '.join(sorted(unknown))}; accepted: threshold, "
                            "batch_size, num_workers, device, dtype")
        return {}, ({} if threshold is None else {"threshold": threshold}), {}

    def preprocess(self, text: object) -> dict[str, str]:
        if not isinstance(text, str):
            raise TypeError(f"{TASK}: got {type(text).__name__} {text!r:.60}; accepted: a str, or a list, generator "
                            "or dataset of str")
        return {"text": text}

    def _forward(self, model_inputs: dict[str, Any], threshold: float | None = None) -> dict[str, Any]:
        # One text arrives as a str; batch_size > 1 texts arrive as a list (transformers' collate lists what is not a
        # tensor), and a list of results is split back into one per text by the pipeline's iterator.
        texts = model_inputs["text"]
        batch = [texts] if isinstance(texts, str) else list(texts)
        results = [result.to_dict() for result in extract(batch, self.predictor, threshold=threshold)]
        return {"extraction": results[0] if isinstance(texts, str) else results}

    def postprocess(self, model_outputs: dict[str, Any]) -> dict[str, Any]:
        return model_outputs["extraction"]


def _register() -> None:
    # str: pipeline() passes the default on to from_pretrained and resolve_revision, which take a path as a str
    PIPELINE_REGISTRY.register_pipeline(TASK, pipeline_class=EventClaimExtractionPipeline, pt_model=AutoModel,
                                        default={"model": (str(Path(DEFAULT_MODEL)), None)}, type="text")


_register()
