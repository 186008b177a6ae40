"""What training and inference share: the article format (``articles``), the label schema, alignment of characters,
subwords and windows, the model (``modeling``, ``backbone``), tag decoding, claim linking and claim frames, and the
description of a model folder. Imports nothing from ``runtime`` or ``interface``."""
