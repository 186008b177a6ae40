"""One encoder, token-classification heads for claim parts, event triggers, entities and trigger-conditioned arguments.

- ``claim_head`` tags source/cue/content (IOB2) on every word;
- ``trigger_head`` tags event triggers with their type (IOB2), in the conventions of the first of
  ``config.event_conventions`` (M2E2's ACE guidelines); ``extra_trigger_heads`` hold one more output layer for each
  other corpus trained beside it (WikiEvents' KAIROS guidelines mark other words as triggers), so those corpora teach
  the shared encoder without teaching the shipped head their conventions;
- ``entity_head`` (when ``config.entity_labels`` is set) tags entity mentions with their ACE type (IOB2): arguments
  are chosen among them at decoding;
- ``argument_head`` tags, for one trigger at a time, the arguments of *that* trigger with their role (IOB2). It reads
  each token's vector together with the trigger's vector, so all triggers of a window share one encoder pass and
  every argument comes linked to its trigger;
- ``frame_head`` (when ``config.frame_labels`` is set) does the same for claims: for one cue at a time, it tags the
  source and the content of *that* cue (IOB2), so each claim comes out as one frame around its cue.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from transformers import AutoConfig, AutoModel, PretrainedConfig, PreTrainedModel
from transformers.utils import ModelOutput

from .alignment import IGNORE_INDEX
from .schema import LabelSchema


class EventClaimConfig(PretrainedConfig):
    """Configuration: the encoder's own config (as a dict), the label lists of the heads, the decodings, the window.
    Defaults are the release recipe's (a test holds them equal to ``training.config``'s), but for the heads below."""

    model_type = "event-claim-extractor"

    def __init__(
        self,
        encoder: dict | None = None,
        claim_labels: list[str] | None = None,
        trigger_labels: list[str] | None = None,
        argument_labels: list[str] | None = None,
        entity_labels: list[str] | None = None,
        frame_labels: list[str] | None = None,
        event_conventions: list[str] | None = None,
        argument_decoding: str | None = None,
        claim_decoding: str | None = None,
        classifier_dropout: float = 0.1,
        window: int = 128,
        stride: int = 24,
        trigger_threshold: float | None = None,
        argument_threshold: float | None = None,
        event_tag_weight: float = 5.0,
        **kwargs,
    ) -> None:
        schema = LabelSchema.default()
        self.encoder, self.claim_labels = encoder or {}, claim_labels or schema.claim_labels
        self.trigger_labels = trigger_labels or schema.trigger_labels
        self.argument_labels = argument_labels or schema.argument_labels
        # Empty: no entity head, no frame head (models saved before them had none, and must load as they were trained).
        self.entity_labels, self.frame_labels = list(entity_labels or []), list(frame_labels or [])
        # The corpora whose trigger conventions get a trigger head each; the first is the one inference answers in.
        self.event_conventions = list(event_conventions or ["m2e2"])
        # None: the release recipe's decoding where the model has the head it reads, else the one every model can run.
        # "tags": arguments are runs of the argument head's IOB2 tags; "entities": each entity mention takes the role
        # (or none) the argument head gives its words.
        self.argument_decoding = argument_decoding or ("entities" if self.entity_labels else "tags")
        # "linker": the claim head's source and content spans join their nearest cue (inference/core/claim_linking.py);
        # "frames": each cue of the claim head gets the source and content the frame head tags for it;
        # "frame_linker": the claim head's spans join the cue whose frame tags them (else the nearest cue).
        self.claim_decoding = claim_decoding or ("frame_linker" if self.frame_labels else "linker")
        check_decodings(vars(self))
        self.classifier_dropout, self.window, self.stride = classifier_dropout, window, stride  # windows: as trained
        # P(not O) that makes a trigger / an argument; None: argmax (see training/calibration.py)
        self.trigger_threshold, self.argument_threshold = trigger_threshold, argument_threshold
        for key, value in (("trigger_threshold", trigger_threshold), ("argument_threshold", argument_threshold)):
            if value is not None and not (type(value) in (int, float) and 0 <= value <= 1):  # NaN and bools fail too
                raise ValueError(f"config.json: {key}={value!r}; accepted: a probability between 0 and 1, or null")
        # Training only: the loss weight of a trigger or argument tag other than O (O weighs 1).
        self.event_tag_weight = event_tag_weight
        # id2label names the claim head's outputs (the head every article trains); the trigger and argument heads'
        # labels are the lists above. A saved config keeps the id2label it was saved with.
        kwargs.setdefault("id2label", dict(enumerate(self.claim_labels)))
        kwargs.setdefault("label2id", {label: int(i) for i, label in kwargs["id2label"].items()})
        super().__init__(**kwargs)

    def encoder_config(self) -> PretrainedConfig:
        # The encoder is built in the dtype the whole model loads in, not the one its backbone was saved with: a
        # dtype of its own gave float32 encoder weights beside float16 heads, whose forward pass then failed.
        values = {key: value for key, value in self.encoder.items() if key not in ("dtype", "torch_dtype")}
        return AutoConfig.for_model(values.pop("model_type"), **values)


@dataclass
class EventClaimOutput(ModelOutput):
    loss: torch.Tensor | None = None
    claim_logits: torch.Tensor | None = None  # (B, T, n_claim_labels)
    trigger_logits: torch.Tensor | None = None  # (B, T, n_trigger_labels)
    entity_logits: torch.Tensor | None = None  # (B, T, n_entity_labels); None without an entity head
    argument_logits: torch.Tensor | None = None  # (B, K, T, n_argument_labels)
    frame_logits: torch.Tensor | None = None  # (B, Q, T, n_frame_labels); None without cues or a frame head
    hidden_states: torch.Tensor | None = None  # (B, T, H), kept for a later argument pass


ARGUMENT_DECODINGS = ("tags", "entities")
CLAIM_DECODINGS = ("linker", "frames", "frame_linker")
# The decodings that read a head not every model has: (setting, value) -> the setting that holds that head's labels.
DECODING_HEADS = {("argument_decoding", "entities"): "entity_labels", ("claim_decoding", "frames"): "frame_labels",
                  ("claim_decoding", "frame_linker"): "frame_labels"}
HEADS = {"entity_labels": "an entity head: give entity_labels", "frame_labels": "a frame head: give frame_labels"}


def check_decodings(settings: dict, names: dict[str, str] | None = None) -> None:
    """The one place of the decoding rules: a ``ValueError`` unless ``settings`` name accepted decodings whose heads
    are there (a head's labels empty or false: none); ``names`` says how the message calls each setting.

    Example:
        >>> check_decodings({"argument_decoding": "entities", "entity_labels": [], "claim_decoding": "linker"})
        Traceback (most recent call last):
        ValueError: argument_decoding='entities' needs an entity head: give entity_labels
    """
    names = {**HEADS, **(names or {})}
    for key, accepted in (("argument_decoding", ARGUMENT_DECODINGS), ("claim_decoding", CLAIM_DECODINGS)):
        if settings[key] not in accepted:
            raise ValueError(f"{names.get(key, key)}={settings[key]!r}; accepted: {', '.join(accepted)}")
    for (key, value), head in DECODING_HEADS.items():
        if settings[key] == value and not settings[head]:
            raise ValueError(f"{names.get(key, key)}={value!r} needs {names[head]}")

# What encoder configs call the dropout on attention probabilities (BERT-likes, then DistilBERT and most newer ones).
ATTENTION_DROPOUT_NAMES = ("attention_probs_dropout_prob", "attention_dropout")


class AnchoredTagHead(nn.Module):
    """Scores every token's tag relative to one anchor token (a trigger, a cue):
    ``W2 · gelu(norm(W_tok h_t + W_anchor h_anchor))``."""

    def __init__(self, hidden_size: int, num_labels: int) -> None:
        super().__init__()
        self.token_proj = nn.Linear(hidden_size, hidden_size)
        self.trigger_proj = nn.Linear(hidden_size, hidden_size, bias=False)
        self.norm = nn.LayerNorm(hidden_size)
        self.out = nn.Linear(hidden_size, num_labels)

    def forward(self, hidden: torch.Tensor, anchor_positions: torch.Tensor) -> torch.Tensor:
        # hidden: (B, T, H), already dropped out by the model; anchor_positions: (B, K), -1 marks padding.
        # No dropout of its own: a mask over the (B, K, T, H) pairs was a measurable share of a CPU training step.
        # (The anchor projection keeps its historical name, trigger_proj: saved models load by parameter names.)
        index = anchor_positions.clamp(min=0)
        triggers = torch.gather(hidden, 1, index.unsqueeze(-1).expand(-1, -1, hidden.size(-1)))  # (B, K, H)
        pair = self.token_proj(hidden).unsqueeze(1) + self.trigger_proj(triggers).unsqueeze(2)  # (B, K, T, H)
        return self.out(nn.functional.gelu(self.norm(pair)))  # (B, K, T, A)


class EventClaimModel(PreTrainedModel):
    """Shared encoder with claim, trigger and argument heads.

    Example::

        model = EventClaimModel.from_encoder("all-MiniLM-L6-v2")
        model.save_pretrained("runs/demo")  # safetensors
    """

    config_class = EventClaimConfig
    base_model_prefix = "encoder"
    supports_gradient_checkpointing = True

    def __init__(self, config: EventClaimConfig) -> None:
        super().__init__(config)
        self.encoder = AutoModel.from_config(config.encoder_config())
        if getattr(self.encoder, "pooler", None) is not None:
            # Token classification never reads the pooled vector; an unused pooler would also stall DDP.
            self.encoder.pooler = None
        hidden = self.encoder.config.hidden_size
        self.dropout = nn.Dropout(config.classifier_dropout)
        self.claim_head = nn.Linear(hidden, len(config.claim_labels))
        self.trigger_head = nn.Linear(hidden, len(config.trigger_labels))
        self.extra_trigger_heads = nn.ModuleList(
            nn.Linear(hidden, len(config.trigger_labels)) for _ in config.event_conventions[1:]
        )
        self.entity_head = nn.Linear(hidden, len(config.entity_labels)) if config.entity_labels else None
        self.argument_head = AnchoredTagHead(hidden, len(config.argument_labels))
        self.frame_head = AnchoredTagHead(hidden, len(config.frame_labels)) if config.frame_labels else None
        self.post_init()

    @classmethod
    def from_encoder(cls, name_or_path: str, schema: LabelSchema | None = None, attention_dropout: float | None = None,
                     **config_kwargs) -> EventClaimModel:
        """A new model around a pretrained encoder (its weights loaded), with freshly initialised heads;
        ``attention_dropout`` replaces the encoder's dropout on attention probabilities (None keeps it)."""
        from .backbone import resolve_backbone

        schema = schema or LabelSchema.default()
        encoder = AutoModel.from_pretrained(resolve_backbone(name_or_path))
        if attention_dropout is not None:
            names = [name for name in ATTENTION_DROPOUT_NAMES if hasattr(encoder.config, name)]
            if not names:
                raise ValueError(f"{name_or_path}: its config names no attention dropout (looked for "
                                 f"{', '.join(ATTENTION_DROPOUT_NAMES)}); set model.attention_dropout to null")
            for name in names:
                setattr(encoder.config, name, attention_dropout)
        config = EventClaimConfig(
            encoder=encoder.config.to_dict(),
            claim_labels=schema.claim_labels,
            trigger_labels=schema.trigger_labels,
            argument_labels=schema.argument_labels,
            entity_labels=schema.entity_labels,
            **{"frame_labels": schema.frame_labels, **config_kwargs},
        )
        model = cls(config)
        # strict=False: the sentence-transformers checkpoint has a pooler that token classification does not use.
        missing, _ = model.encoder.load_state_dict(encoder.state_dict(), strict=False)
        if missing:
            raise ValueError(f"encoder weights missing from {name_or_path}: {missing[:5]}")
        return model

    def encode(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state  # (B, T, H)

    def argument_logits(self, hidden: torch.Tensor, trigger_positions: torch.Tensor) -> torch.Tensor:
        return self.argument_head(hidden, trigger_positions)  # (B, K, T, A)

    def frame_logits(self, hidden: torch.Tensor, cue_positions: torch.Tensor) -> torch.Tensor:
        return self.frame_head(hidden, cue_positions)  # (B, Q, T, F)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        claim_labels: torch.Tensor | None = None,
        trigger_labels: torch.Tensor | None = None,
        trigger_positions: torch.Tensor | None = None,
        argument_labels: torch.Tensor | None = None,
        entity_labels: torch.Tensor | None = None,
        convention: torch.Tensor | None = None,
        cue_positions: torch.Tensor | None = None,
        frame_labels: torch.Tensor | None = None,
        return_hidden: bool = False,
    ) -> EventClaimOutput:
        # convention: (B,) index into config.event_conventions of the guidelines each window's triggers follow;
        # None: the first (what inference answers in).
        hidden = self.dropout(self.encode(input_ids, attention_mask))  # (B, T, H)
        claim_logits = self.claim_head(hidden)
        trigger_logits = self.trigger_head(hidden)
        if convention is not None and len(self.extra_trigger_heads):
            every = torch.stack([trigger_logits, *(head(hidden) for head in self.extra_trigger_heads)])  # (V, B, T, C)
            trigger_logits = every[convention, torch.arange(hidden.size(0), device=hidden.device)]  # (B, T, C)
        entity_logits = self.entity_head(hidden) if self.entity_head is not None else None
        argument_logits = None
        if trigger_positions is not None and trigger_positions.numel():
            argument_logits = self.argument_logits(hidden, trigger_positions)
        frame_logits = None
        if self.frame_head is not None and cue_positions is not None and cue_positions.numel():
            frame_logits = self.frame_logits(hidden, cue_positions)

        loss = None
        given = (claim_labels, trigger_labels, argument_labels, entity_labels, frame_labels)
        if any(labels is not None for labels in given):
            # Each window's loss is the sum over layers of that layer's mean token loss in the window (0 for layers
            # the article does not annotate), and the batch loss is the mean over windows. Normalising per window
            # keeps data-parallel training exact: the mean of per-process means equals the mean over the global
            # batch when every process holds the same number of windows.
            loss = hidden.new_zeros(hidden.size(0))  # (B,)
            if claim_labels is not None:
                loss = loss + _window_loss(claim_logits, claim_labels)
            if trigger_labels is not None:
                loss = loss + _window_loss(trigger_logits, trigger_labels, self._event_tag_weights(trigger_logits))
            if entity_logits is not None and entity_labels is not None:
                loss = loss + _window_loss(entity_logits, entity_labels)
            if argument_logits is not None and argument_labels is not None:
                loss = loss + _window_loss(argument_logits.flatten(1, 2), argument_labels.flatten(1, 2),
                                           self._event_tag_weights(argument_logits))
            if frame_logits is not None and frame_labels is not None:
                loss = loss + _window_loss(frame_logits.flatten(1, 2), frame_labels.flatten(1, 2))
            loss = loss.mean()
        return EventClaimOutput(loss, claim_logits, trigger_logits, entity_logits, argument_logits, frame_logits,
                                hidden if return_hidden else None)

    def _event_tag_weights(self, logits: torch.Tensor) -> torch.Tensor:
        """Loss weight of each tag of an event head: 1 for O (first in every label list), ``event_tag_weight`` for
        the others. Shape (C,). A trigger is ~1 % of an event window's tags and an argument ~3 % of a trigger's, so
        unweighted, the heads (and the encoder) learn mostly that words are O."""
        weights = torch.full((logits.size(-1),), float(self.config.event_tag_weight), device=logits.device)
        weights[0] = 1.0
        return weights


def _window_loss(logits: torch.Tensor, labels: torch.Tensor, weight: torch.Tensor | None = None) -> torch.Tensor:
    """Mean (``weight``-ed) cross-entropy per window over its labelled positions; 0 for a window with none.
    Returns (B,)."""
    # logits: (B, N, C); labels: (B, N); weight: (C,)
    token_loss = nn.functional.cross_entropy(
        logits.transpose(1, 2).float(), labels, weight=weight, ignore_index=IGNORE_INDEX, reduction="none"
    )  # (B, N)
    counts = (labels != IGNORE_INDEX).sum(dim=1)  # (B,)
    return token_loss.sum(dim=1) / counts.clamp(min=1)


# After ``import inference``, AutoConfig/AutoModel resolve saved extractors like any other model type.
AutoConfig.register(EventClaimConfig.model_type, EventClaimConfig)
AutoModel.register(EventClaimConfig, EventClaimModel)
