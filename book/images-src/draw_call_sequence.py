"""Draws book/src/images/call-sequence.svg: one request through the server and the application.

The order follows src/wsgi/gateway.rs (Gateway::exchange and send_body), with PEP 3333's
names beside the Rust ones. Run: python3 book/images-src/draw_call_sequence.py
"""

from pathlib import Path
from xml.sax.saxutils import escape

OUTPUT = Path(__file__).resolve().parent.parent / "src" / "images" / "call-sequence.svg"
WIDTH = 800
LANES = {"client": 80, "server": 280, "app": 500, "body": 700}
TITLES = {"client": "Client", "server": "Server (Gateway)", "app": "Application", "body": "Body"}
BLUE, ORANGE, GREEN, GREY = "#2b6cb0", "#c05621", "#2f855a", "#666"

parts = []


def text(x, y, words, size=12, anchor="middle", fill="#222", weight="normal", mono=False):
    family = ' font-family="Menlo, Consolas, monospace"' if mono else ""
    parts.append(f'<text x="{x}" y="{y}" font-size="{size}" text-anchor="{anchor}" fill="{fill}" '
                 f'font-weight="{weight}"{family}>{escape(words)}</text>')


def arrow(y, source, target, label, note=None, dashed=False, color="#333", mono=True):
    """A message from one lifeline to another, its label above, an optional note below."""
    x1, x2 = LANES[source], LANES[target]
    dash = ' stroke-dasharray="5 4"' if dashed else ""
    end = x2 - 6 if x2 > x1 else x2 + 6
    parts.append(f'<line x1="{x1}" y1="{y}" x2="{end}" y2="{y}" stroke="{color}" '
                 f'stroke-width="1.5"{dash} marker-end="url(#head)"/>')
    middle = (x1 + x2) / 2
    text(middle, y - 6, label, 12, fill=color, mono=mono)
    if note:
        text(middle, y + 15, note, 11, fill=GREY)


def step(y, lane, label, note=None):
    """Something one side does by itself, drawn as a box on its lifeline."""
    x = LANES[lane]
    parts.append(f'<rect x="{x - 95}" y="{y - 16}" width="190" height="24" rx="5" '
                 f'fill="#f4f4f4" stroke="#bbb"/>')
    text(x, y + 1, label, 12)
    if note:
        text(x + 105, y + 1, note, 11, "start", GREY)


def build():
    text(WIDTH / 2, 28, "One request through a WSGI-style server (chapter 4)", 16, weight="bold")
    for lane, x in LANES.items():
        parts.append(f'<rect x="{x - 70}" y="44" width="140" height="28" rx="6" fill="#e8f0fb" '
                     f'stroke="{BLUE}"/>')
        text(x, 63, TITLES[lane], 13, weight="bold")
        bottom = 692 if lane == "body" else 750  # the body ends where it is dropped
        parts.append(f'<line x1="{x}" y1="72" x2="{x}" y2="{bottom}" stroke="#bbb" '
                     f'stroke-dasharray="2 3"/>')
    arrow(105, "client", "server", "request bytes", "read up to the blank line", mono=False)
    step(140, "server", "build the environ")
    text(LANES["server"] + 105, 135, "PATH_INFO, QUERY_STRING, HTTP_*,", 11, "start", GREY)
    text(LANES["server"] + 105, 149, "wsgi.input (the request body) ...", 11, "start", GREY)
    arrow(190, "server", "app", "app(environ, start_response)", "the application is called once")
    arrow(240, "app", "server", 'start_response.call("200 OK", …)', color=ORANGE)
    text(LANES["server"] + 110, 256, "only records the status and headers:", 11, "middle", ORANGE)
    text(LANES["server"] + 110, 270, "not one byte is sent yet", 11, "middle", ORANGE, "bold")
    arrow(310, "app", "server", "returns a Body", "an iterator of byte chunks, not yet run",
          dashed=True, mono=False)
    arrow(360, "server", "body", "next()", "pulls until the first non-empty chunk")
    arrow(400, "body", "server", "first chunk", dashed=True, mono=False)
    arrow(445, "server", "client", "head + first chunk", "status line, Date, headers, then body bytes",
          color=GREEN, mono=False)
    text(LANES["client"] - 10, 480, "only now does the client", 11, "start", GREEN)
    text(LANES["client"] - 10, 494, "receive anything", 11, "start", GREEN)
    # The loop over the remaining chunks.
    parts.append(f'<rect x="{LANES["client"] - 40}" y="508" width="{LANES["body"] - LANES["client"] + 80}" '
                 f'height="100" rx="6" fill="none" stroke="#999" stroke-dasharray="6 4"/>')
    text(LANES["client"] - 30, 524, "more chunks, each sent as it comes", 11, "start", GREY)
    arrow(548, "server", "body", "next()")
    arrow(570, "body", "server", "chunk", dashed=True, mono=False)
    arrow(595, "server", "client", "chunk", color=GREEN, mono=False)
    arrow(640, "server", "body", "next() == None: the end", mono=True)
    arrow(680, "server", "body", "drop(body)", "= PEP 3333's close(), called even on error", color=ORANGE)
    parts.append(f'<path d="M{LANES["body"] - 8},{692} l16,16 m0,-16 l-16,16" stroke="{ORANGE}" '
                 f'stroke-width="2.5"/>')
    arrow(735, "server", "client", "close the connection", "after the last byte of the body",
          color=GREEN, mono=False)
    height = 770
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="Helvetica, Arial, sans-serif">',
        "<title>The order of calls between the server, the application and its body</title>",
        '<defs><marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="context-stroke"/></marker></defs>',
        f'<rect width="{WIDTH}" height="{height}" rx="8" fill="#ffffff"/>',
        *parts,
        "</svg>",
    ]) + "\n"


if __name__ == "__main__":
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(build())
    print(f"wrote {OUTPUT}")
