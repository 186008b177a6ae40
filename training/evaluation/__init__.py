"""Evaluation: a predictor run over gold articles (:mod:`.scoring`), span-level scores on the same words for every
task (:mod:`.words`, :mod:`.span_metrics`, whole claims in :mod:`.linked_claims`, events in claims in
:mod:`.claim_attribution`), and the reports written from them (:mod:`.report`). The seqeval metric is
``metrics/seqeval.py``, loaded by path."""
