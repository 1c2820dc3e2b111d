#!/usr/bin/env python3
"""Validate questions.jsonl against corpus/: every evidence and answer string must occur verbatim in its doc."""
import json, os, sys
from html.parser import HTMLParser

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, 'corpus')

class _Strip(HTMLParser):
    def __init__(self):
        super().__init__(); self.parts = []; self.skip = 0
    def handle_starttag(self, tag, attrs):
        if tag in ('style', 'script'): self.skip += 1
    def handle_endtag(self, tag):
        if tag in ('style', 'script'): self.skip -= 1
        self.parts.append('\n')
    def handle_data(self, d):
        if not self.skip: self.parts.append(d)

def load_text(name):
    path = os.path.join(CORPUS, name)
    if name.endswith('.docx'):
        from docx import Document
        d = Document(path)
        parts = [p.text for p in d.paragraphs]
        for t in d.tables:
            for r in t.rows:
                for c in r.cells:
                    parts.append(c.text)
        return '\n'.join(parts)
    if name.endswith('.html'):
        s = _Strip(); s.feed(open(path, encoding='utf-8').read()); return ''.join(s.parts)
    return open(path, encoding='utf-8').read()

def main():
    texts = {}
    errors = []
    ids = set()
    n = 0
    with open(os.path.join(HERE, 'questions.jsonl'), encoding='utf-8') as f:
        for ln, line in enumerate(f, 1):
            if not line.strip():
                continue
            n += 1
            q = json.loads(line)
            for k in ('id', 'question', 'answers', 'evidence', 'answerable', 'lang', 'type', 'doc'):
                if k not in q: errors.append(f'line {ln}: missing {k}')
            if q['id'] in ids: errors.append(f'duplicate id {q["id"]}')
            ids.add(q['id'])
            doc = q['doc']
            if doc not in texts:
                if not os.path.exists(os.path.join(CORPUS, doc)):
                    errors.append(f'{q["id"]}: doc not found {doc}'); continue
                texts[doc] = load_text(doc)
            t = texts[doc]
            if q['answerable']:
                if not q['answers'] or not q['evidence']:
                    errors.append(f'{q["id"]}: answerable but empty answers/evidence')
            else:
                if q['answers'] or q['evidence']:
                    errors.append(f'{q["id"]}: unanswerable must have empty answers/evidence')
            for e in q['evidence']:
                if e not in t: errors.append(f'{q["id"]}: evidence not found: {e}')
            for a in q['answers']:
                if a not in t: errors.append(f'{q["id"]}: answer not found: {a}')
    for e in errors: print('ERROR', e)
    print(f'{n} questions, {len(errors)} errors')
    sys.exit(1 if errors else 0)

if __name__ == '__main__':
    main()
