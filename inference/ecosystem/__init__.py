"""The extractor inside other libraries: transformers' pipeline, a spaCy component, Ray Data at corpus scale and
Label Studio pre-annotations. Each module imports its library only when used (the ``spacy`` and ``ray`` extras)."""
