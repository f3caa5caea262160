"""Draws book/src/images/timeline.svg from the measurements in timeline.json.

Each bar is one request, from the moment the client sent it to the last byte of the answer,
as measured by measure_timeline.py; the end of each bar is labelled with its measured time.
Run: python3 book/images-src/draw_timeline.py
Add --lang zh-CN for the Chinese edition's copy, book/src/images/zh-CN/timeline.svg.
"""

import json
import math
import re
from pathlib import Path
from xml.sax.saxutils import escape

import picture

HERE = Path(__file__).resolve().parent
NAME = "timeline.svg"

WIDTH, LEFT, RIGHT = 760, 120, 40
ROW, BAR = 26, 16
COLORS = ["#c05621", "#2b6cb0"]  # one colour per run; both readable on white

# The words of the picture, per language. The Chinese edition shows its own copy of each
# picture (images/zh-CN/); this table lets one drawing make both from the same measurements,
# so the two always show the same numbers. English is the default. timeline.json itself is
# in English (measure_timeline.py writes it): "data" rewrites its describing strings, a
# (pattern, replacement) pair each, and a string no pattern matches is shown as it is.
LABELS = {
    "en": {
        "font": "Helvetica, Arial, sans-serif",
        "data": [(r" on target/release/", " on ")],
        "heading": "{flag}: {how} (last at {total:.2f} s)",
        "one worker": "1 worker, so the answers come one after another",
        "workers": "{threads} workers, so all four are answered together",
        "request": "request {n}",
        "note": "Each bar: from sending the request to the last byte of its answer, measured "
                "by the client; rows in the order the answers ended.",
        "measured": "Measured {measured_at} ({machine}).",
    },
    "zh-CN": {
        "font": "'Noto Sans CJK SC', 'Noto Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif",
        "data": [
            (r"^(\d+) concurrent (.+) on target/release/(\S+)$", r"同时发给 \3 的 \1 个 \2 请求"),
            (r"^no --threads \(the default pool\)$", "不带 --threads（默认线程池）"),
            (r"^(.+), (\S+ \S+) client$", r"\1，客户端为 \2"),
        ],
        "heading": "{flag}：{how}（最后一个在 {total:.2f} s 完成）",
        "one worker": "1 个工作线程，所以响应一个接一个地到来",
        "workers": "{threads} 个工作线程，所以 {count} 个请求同时得到响应",
        "request": "请求 {n}",
        "note": "每根横条：从发出请求到收到响应的最后一个字节，由客户端测量；各行按响应结束的先后排列。",
        "measured": "测量于 {measured_at}（{machine}）。",
    },
}


def draw(data, lang="en"):
    words = LABELS[lang]

    def said(string):
        """A describing string of timeline.json, in this language."""
        for pattern, replacement in words["data"]:
            string = re.sub(pattern, replacement, string)
        return string

    runs = data["runs"]
    seconds = math.ceil(max(run["total"] for run in runs) + 0.4)
    scale = (WIDTH - LEFT - RIGHT) / seconds  # pixels per second
    x = lambda t: LEFT + t * scale  # noqa: E731
    parts, y = [], 58

    def text(tx, ty, label, size=13, anchor="start", weight="normal", fill="#222"):
        parts.append(f'<text x="{tx:.1f}" y="{ty:.1f}" font-size="{size}" text-anchor="{anchor}" '
                     f'font-weight="{weight}" fill="{fill}">{escape(label)}</text>')

    text(WIDTH / 2, 28, said(data["what"]), 15, "middle", "bold")
    for run, color in zip(runs, COLORS):
        how = words["one worker"] if run["threads"] == 1 \
            else words["workers"].format(threads=run["threads"], count=len(run["requests"]))
        text(LEFT, y, words["heading"].format(flag=said(run["flag"]), how=how, total=run["total"]),
             13, weight="bold")
        y += 12
        for i, request in enumerate(run["requests"]):
            top = y + i * ROW
            text(LEFT - 10, top + BAR - 3, words["request"].format(n=i + 1), 12, "end")
            width = max(x(request["end"]) - x(request["start"]), 1)
            parts.append(f'<rect x="{x(request["start"]):.1f}" y="{top}" width="{width:.1f}" '
                         f'height="{BAR}" rx="3" fill="{color}"/>')
            text(x(request["end"]) + 6, top + BAR - 3, f"{request['end']:.3f} s", 12)
        y += len(run["requests"]) * ROW + 22
    # The time axis, shared by both runs.
    parts.append(f'<line x1="{LEFT}" y1="{y - 10}" x2="{x(seconds)}" y2="{y - 10}" stroke="#444"/>')
    for second in range(seconds + 1):
        parts.append(f'<line x1="{x(second):.1f}" y1="{y - 14}" x2="{x(second):.1f}" y2="{y - 6}" '
                     f'stroke="#444"/>')
        parts.append(f'<line x1="{x(second):.1f}" y1="48" x2="{x(second):.1f}" y2="{y - 14}" '
                     f'stroke="#ddd" stroke-dasharray="3 3"/>')
        text(x(second), y + 6, f"{second} s", 12, "middle")
    y += 28
    text(LEFT, y, words["note"], 11, fill="#555")
    text(LEFT, y + 16, words["measured"].format(measured_at=data["measured_at"],
                                                machine=said(data["machine"])), 11, fill="#555")
    height = y + 30
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="{words["font"]}">',
        f'<rect width="{WIDTH}" height="{height}" rx="8" fill="#ffffff"/>',
        # Grid lines first, so bars and labels are drawn over them.
        *sorted(parts, key=lambda part: 'stroke-dasharray' not in part),
        "</svg>",
    ]) + "\n"


def main():
    data = json.loads((HERE / "timeline.json").read_text())
    picture.write(NAME, lambda lang: draw(data, lang), LABELS, __doc__.splitlines()[0])


if __name__ == "__main__":
    main()
