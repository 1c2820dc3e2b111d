import json, os, sys, collections
from docx import Document
base = os.path.dirname(os.path.abspath(__file__)); cdir = os.path.join(base, "corpus")
texts = {}
for fn in os.listdir(cdir):
    p = os.path.join(cdir, fn)
    if fn.endswith(".docx"):
        d = Document(p)
        units = [x.text for x in d.paragraphs] + [c.text for t in d.tables for r in t.rows for c in r.cells]
        texts[fn] = units
    else:
        texts[fn] = [open(p, encoding="utf-8").read()]
    print(f"{fn}: {sum(len(u) for u in texts[fn])} chars")
errs = []; ids = set(); types = collections.Counter(); langs = collections.Counter(); ans = collections.Counter()
for n, line in enumerate(open(os.path.join(base, "questions.jsonl"), encoding="utf-8"), 1):
    try: q = json.loads(line)
    except Exception as e: errs.append(f"line {n}: parse {e}"); continue
    for k in ["id","question","answers","evidence","answerable","lang","type","doc"]:
        if k not in q: errs.append(f"{n}: missing {k}")
    if q["id"] in ids: errs.append(f"dup id {q['id']}")
    ids.add(q["id"]); types[q["type"]] += 1; langs[q["lang"]] += 1; ans[q["answerable"]] += 1
    if q["doc"] not in texts: errs.append(f"{q['id']}: unknown doc"); continue
    units = texts[q["doc"]]; full = "\n".join(units)
    if not q["answerable"]:
        if q["answers"] or q["evidence"] or q["type"] != "unanswerable": errs.append(f"{q['id']}: unanswerable must have empty lists")
        continue
    if q["type"] == "unanswerable" or not q["answers"] or not q["evidence"]: errs.append(f"{q['id']}: answerable needs answers/evidence")
    for e in q["evidence"]:
        if not any(e in u for u in units): errs.append(f"{q['id']}: evidence not found: {e}")
    for a in q["answers"]:
        if not any(a in e for e in q["evidence"]) : errs.append(f"{q['id']}: answer not in evidence: {a}")
        if a not in full: errs.append(f"{q['id']}: answer not in doc: {a}")
print("total", len(ids)); print("types", dict(types)); print("langs", dict(langs)); print("answerable", dict(ans))
print("ERRORS:" if errs else "OK: all checks passed"); [print(" ", e) for e in errs]
sys.exit(1 if errs else 0)
