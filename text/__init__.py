"""Everything ingestion and retrieval both need to know about Chinese text.

normalisation and tokenisation (``normalize``), sentence splitting (``sentences``),
years (``years``), figure statements (``figures``) and the lexicon files; and how untrusted
text stays literal on output (``escaping``: Markdown, spreadsheet cells) for web/ and evaluation/ alike. This
layer imports nothing of the project but ``settings``.
"""
