#!/usr/bin/env python3
"""Validate questions.jsonl against corpus/ (evidence verbatim, unique ids, schema)."""
import json, os, sys
from html.parser import HTMLParser

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
TYPES = {"figure", "condition", "procedure", "list", "definition", "table", "cross-period",
         "colloquial", "english", "zh-Hant", "unanswerable"}
LANGS = {"zh", "en", "zh-Hant"}


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("style", "script") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def doc_text(path):
    ext = os.path.splitext(path)[1].lower()
    if ext == ".docx":
        import docx
        d = docx.Document(path)
        parts = [p.text for p in d.paragraphs]
        for t in d.tables:
            for row in t.rows:
                for c in row.cells:
                    parts.append(c.text)
        return "\n".join(parts)
    with open(path, encoding="utf-8") as f:
        raw = f.read()
    if ext in (".html", ".htm"):
        p = _Text()
        p.feed(raw)
        p.close()
        return "".join(p.parts)
    return raw


def main():
    errors, warnings = [], []
    cache = {}
    ids = set()
    n = 0
    with open(os.path.join(HERE, "questions.jsonl"), encoding="utf-8") as f:
        for ln, line in enumerate(f, 1):
            if not line.strip():
                continue
            n += 1
            try:
                q = json.loads(line)
            except Exception as e:
                errors.append(f"line {ln}: bad JSON {e}")
                continue
            qid = q.get("id")
            for k in ("id", "question", "answers", "evidence", "answerable", "lang", "type", "doc"):
                if k not in q:
                    errors.append(f"{qid}: missing key {k}")
            if qid in ids:
                errors.append(f"{qid}: duplicate id")
            ids.add(qid)
            if q.get("type") not in TYPES:
                errors.append(f"{qid}: unknown type {q.get('type')}")
            if q.get("lang") not in LANGS:
                errors.append(f"{qid}: unknown lang {q.get('lang')}")
            doc = q.get("doc", "")
            path = os.path.join(CORPUS, doc)
            if not os.path.isfile(path):
                errors.append(f"{qid}: doc not found {doc}")
                continue
            if doc not in cache:
                cache[doc] = doc_text(path)
            text = cache[doc]
            if q["answerable"]:
                if not q["answers"] or not q["evidence"]:
                    errors.append(f"{qid}: answerable but empty answers/evidence")
                for a in q["answers"]:
                    if a not in text:
                        warnings.append(f"{qid}: answer {a!r} not verbatim in doc")
            else:
                if q["answers"] or q["evidence"]:
                    errors.append(f"{qid}: unanswerable must have empty answers/evidence")
                if q["type"] != "unanswerable":
                    errors.append(f"{qid}: answerable=false but type {q['type']}")
            for ev in q["evidence"]:
                if ev not in text:
                    errors.append(f"{qid}: evidence not found in {doc}: {ev!r}")
                if "**" in ev:
                    errors.append(f"{qid}: evidence touches a masked figure")
    for w in warnings:
        print("WARN", w)
    for e in errors:
        print("ERROR", e)
    print(f"{n} questions, {len(ids)} unique ids, {len(errors)} errors, {len(warnings)} warnings")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
