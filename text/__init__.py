"""Everything ingestion and retrieval both need to know about Chinese text.

normalisation and tokenisation (``normalize``), sentence splitting (``sentences``),
years (``years``), figure statements (``figures``) and the lexicon files. This
layer imports nothing of the project but ``settings``.
"""
