"""The user side: ``extract`` (``api``), its typed results, the command line's shared options, the HTML view and the
corpus job's resume records. The commands themselves are ``python -m inference`` and ``python -m inference.corpus``."""
