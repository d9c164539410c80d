"""Evaluation: benchmark loaders, metrics and reports of quality."""
