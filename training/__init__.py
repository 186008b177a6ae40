"""Training, evaluation and data import for the news event and claim extractor."""
