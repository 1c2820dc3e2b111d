"""Validate questions.jsonl against the corpus."""
import json, os, sys, collections
from html.parser import HTMLParser
import docx

BASE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(BASE, 'corpus')

class ElemText(HTMLParser):
    def __init__(self):
        super().__init__(); self.stack = [[]]; self.units = []
    def handle_starttag(self, tag, attrs):
        if tag in ('meta', 'br', 'hr', 'img', 'link', 'input'):
            return
        self.stack.append([])
    def handle_endtag(self, tag):
        if len(self.stack) > 1:
            t = ''.join(self.stack.pop())
            if t.strip(): self.units.append(t)
    def handle_data(self, d):
        self.stack[-1].append(d)

def units_of(name):
    p = os.path.join(CORPUS, name)
    if name.endswith('.docx'):
        d = docx.Document(p)
        u = [x.text for x in d.paragraphs]
        for tb in d.tables:
            for r in tb.rows:
                for c in r.cells: u.append(c.text)
        return u
    if name.endswith('.html'):
        e = ElemText(); e.feed(open(p, encoding='utf-8').read()); return e.units
    return [open(p, encoding='utf-8').read()]

docs = {n: units_of(n) for n in sorted(os.listdir(CORPUS))}
errors = []; ids = set(); types = collections.Counter(); langs = collections.Counter(); perdoc = collections.Counter()
n = 0
for ln, line in enumerate(open(os.path.join(BASE, 'questions.jsonl'), encoding='utf-8'), 1):
    try:
        q = json.loads(line)
    except Exception as ex:
        errors.append(f'line {ln}: bad json {ex}'); continue
    n += 1
    for k in ('id', 'question', 'answers', 'evidence', 'answerable', 'lang', 'type', 'doc'):
        if k not in q: errors.append(f'{ln}: missing {k}')
    if q['id'] in ids: errors.append(f'dup id {q["id"]}')
    ids.add(q['id']); types[q['type']] += 1; langs[q['lang']] += 1; perdoc[q['doc']] += 1
    if q['doc'] not in docs: errors.append(f'{q["id"]}: unknown doc {q["doc"]}'); continue
    if q['lang'] not in ('zh', 'en', 'zh-Hant'): errors.append(f'{q["id"]}: bad lang')
    if not q['answerable']:
        if q['answers'] or q['evidence'] or q['type'] != 'unanswerable':
            errors.append(f'{q["id"]}: unanswerable must have empty answers/evidence and type unanswerable')
        continue
    if not q['answers'] or not q['evidence']:
        errors.append(f'{q["id"]}: answerable with empty answers/evidence')
    units = docs[q['doc']]; full = '\n'.join(units)
    for e in q['evidence']:
        if not any(e in u for u in units):
            errors.append(f'{q["id"]}: evidence not found in one unit: {e!r}')
    for a in q['answers']:
        if not any(a in e for e in q['evidence']):
            if a in full: print(f'note {q["id"]}: answer {a!r} in document but not in evidence')
            else: errors.append(f'{q["id"]}: answer not in evidence or document: {a!r}')
print('questions:', n, 'unique ids:', len(ids))
print('types:', dict(types)); print('langs:', dict(langs)); print('per doc:', dict(perdoc))
print('answerable:', n - types['unanswerable'], 'unanswerable:', types['unanswerable'])
print('ERRORS:', len(errors))
for e in errors: print('  ', e)
sys.exit(1 if errors else 0)
