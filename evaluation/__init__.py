"""Evaluation harness: python -m evaluation QUESTIONS.jsonl (see README)."""
