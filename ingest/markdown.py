"""Markdown emphasis that would hide a document's structure.

Markdown notices often bold their article labels ("**第三十六条** 申报材料。…以下材料：") or write a
sub-heading as a bold line ("**申报条件**"). Left in, the label is no heading (text.structure reads
"第三十六条" at a line's start), so a lead-in loses its items, and answers quote the asterisks. Only
these two shapes are unbolded: a pair of ``**`` inside a line may be a masked figure
("实际使用外资**亿美元，同比增长**%"), which must stay as it is written.
"""

from __future__ import annotations

import re

# A bold label at a line's start: 第X条/章/节, 一、, （一）, 1. (what text.structure reads as headings).
_BOLD_LABEL = re.compile(
    r"^([ \t]*)\*\*((?:第[一二三四五六七八九十百零〇\d]+[章节条]|[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]"
    r"|\d+[.．、])[^*\n]{0,40}?)\*\*", re.M)
# A line that is bold as a whole: a sub-heading, which has no clause break, percent sign or unit at its
# start ("**万人次，同比增长**" is two masked figures).
_BOLD_LINE = re.compile(r"^([ \t]*)\*\*([^*\n，,。；;%％万亿元个家人次件项倍][^*\n，,。；;%％]{0,59})\*\*[ \t]*$", re.M)


def unbold_labels(text: str) -> str:
    """``text`` with bold article labels and wholly bold lines written plain."""
    return _BOLD_LINE.sub(r"\1\2", _BOLD_LABEL.sub(r"\1\2", text))
