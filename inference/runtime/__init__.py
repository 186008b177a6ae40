"""Running a trained model over whole articles: the ``Predictor`` (a window runner, then an article decoder), the
backends (torch, ONNX Runtime fp32 and int8) and where a model folder comes from (a path or a hub id). Imports
``core``, never ``interface``."""
