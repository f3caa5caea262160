"""Draws book/src/images/timeline.svg from the measurements in timeline.json.

Each bar is one request, from the moment the client sent it to the last byte of the answer,
as measured by measure_timeline.py; the end of each bar is labelled with its measured time.
Run: python3 book/images-src/draw_timeline.py
"""

import json
import math
from pathlib import Path
from xml.sax.saxutils import escape

HERE = Path(__file__).resolve().parent
OUTPUT = HERE.parent / "src" / "images" / "timeline.svg"

WIDTH, LEFT, RIGHT = 760, 120, 40
ROW, BAR = 26, 16
COLORS = ["#c05621", "#2b6cb0"]  # one colour per run; both readable on white


def draw(data):
    runs = data["runs"]
    seconds = math.ceil(max(run["total"] for run in runs) + 0.4)
    scale = (WIDTH - LEFT - RIGHT) / seconds  # pixels per second
    x = lambda t: LEFT + t * scale  # noqa: E731
    parts, y = [], 58

    def text(tx, ty, words, size=13, anchor="start", weight="normal", fill="#222"):
        parts.append(f'<text x="{tx:.1f}" y="{ty:.1f}" font-size="{size}" text-anchor="{anchor}" '
                     f'font-weight="{weight}" fill="{fill}">{escape(words)}</text>')

    text(WIDTH / 2, 28, data["what"].replace(" on target/release/", " on "), 15, "middle", "bold")
    for run, color in zip(runs, COLORS):
        how = "1 worker, so the answers come one after another" if run["threads"] == 1 \
            else f"{run['threads']} workers, so all four are answered together"
        text(LEFT, y, f"{run['flag']}: {how} (last at {run['total']:.2f} s)", 13, weight="bold")
        y += 12
        for i, request in enumerate(run["requests"]):
            top = y + i * ROW
            text(LEFT - 10, top + BAR - 3, f"request {i + 1}", 12, "end")
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
    text(LEFT, y, "Each bar: from sending the request to the last byte of its answer, measured "
         "by the client; rows in the order the answers ended.", 11, fill="#555")
    text(LEFT, y + 16, f"Measured {data['measured_at']} ({data['machine']}).", 11, fill="#555")
    height = y + 30
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="Helvetica, Arial, sans-serif">',
        f'<rect width="{WIDTH}" height="{height}" rx="8" fill="#ffffff"/>',
        # Grid lines first, so bars and labels are drawn over them.
        *sorted(parts, key=lambda part: 'stroke-dasharray' not in part),
        "</svg>",
    ]) + "\n"


def main():
    data = json.loads((HERE / "timeline.json").read_text())
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(draw(data))
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
