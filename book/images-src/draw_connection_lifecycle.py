"""Draws book/src/images/connection-lifecycle.svg: one connection's life in chapter 6's server.

The states and exits follow src/reactor/mod.rs (admit, work, park, sweep_if_due),
src/connection.rs (the deadlines), src/wsgi/persistent.rs (serve_ready) and
src/wsgi/gateway.rs (exchange, respond). The picture has its own white background, so it
reads the same on the book's light and dark themes.
Run: python3 book/images-src/draw_connection_lifecycle.py
"""

from pathlib import Path
from xml.sax.saxutils import escape

OUTPUT = Path(__file__).resolve().parent.parent / "src" / "images" / "connection-lifecycle.svg"
WIDTH, HEIGHT = 900, 950
BLUE, ORANGE, RED, GREEN, GREY, INK = "#2b6cb0", "#c05621", "#c53030", "#2f855a", "#666", "#222"
FILLS = {BLUE: "#e8f0fb", ORANGE: "#fdf0e6", RED: "#fdecec", GREEN: "#e9f6ee", GREY: "#f4f4f4"}

MAIN = 360  # the x of the main column: the path every request takes
RIGHT = 770  # the x of the exits on the right: refusals and closes

parts = []


def text(x, y, words, size=12, anchor="middle", fill=INK, weight="normal", mono=False):
    family = ' font-family="Menlo, Consolas, monospace"' if mono else ""
    parts.append(f'<text x="{x}" y="{y}" font-size="{size}" text-anchor="{anchor}" fill="{fill}" '
                 f'font-weight="{weight}"{family}>{escape(words)}</text>')


def lines_at(x, y, lines, size=12, fill=INK, first_bold=True):
    """Lines of text centred on (x, y); the first bold unless told otherwise. A line may be a
    (words, colour) pair."""
    step = size + 4
    top = y - (len(lines) - 1) * step / 2 + size / 3
    for index, line in enumerate(lines):
        words, colour = line if isinstance(line, tuple) else (line, fill)
        weight = "bold" if first_bold and index == 0 else "normal"
        text(x, top + index * step, words, size, fill=colour, weight=weight)


def box(x, y, width, height, lines, color=BLUE):
    """A state or a step: a rounded box centred on (x, y)."""
    parts.append(f'<rect x="{x - width / 2}" y="{y - height / 2}" width="{width}" '
                 f'height="{height}" rx="8" fill="{FILLS[color]}" stroke="{color}" '
                 f'stroke-width="1.5"/>')
    lines_at(x, y, lines)


def diamond(x, y, width, height, lines):
    """A question: a diamond centred on (x, y)."""
    w, h = width / 2, height / 2
    parts.append(f'<path d="M{x},{y - h} L{x + w},{y} L{x},{y + h} L{x - w},{y} Z" '
                 f'fill="#ffffff" stroke="{GREY}" stroke-width="1.5"/>')
    lines_at(x, y, lines, 12, first_bold=False)


def arrow(points, label=None, at=None, color="#333", anchor="middle", dashed=False):
    """A polyline from the first point to the last, with an arrowhead. The label's last line
    sits with its baseline at `at`, so a label above a line never touches it."""
    path = " ".join(f"{x},{y}" for x, y in points)
    dash = ' stroke-dasharray="6 4"' if dashed else ""
    parts.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="1.6"'
                 f'{dash} marker-end="url(#head-{color[1:]})"/>')
    if label:
        x, y = at
        rows = label.split("\n")
        for index, line in enumerate(rows):
            text(x, y - (len(rows) - 1 - index) * 14, line, 11, anchor, color)


def exit_arrow(y, label, color):
    """An arrow from the main column's boxes to an exit box on the right, label above it."""
    arrow([(MAIN + 160, y), (RIGHT - 100, y)], label, ((MAIN + 160 + RIGHT - 100) / 2, y - 7),
          color)


def build():
    text(WIDTH / 2, 30, "One connection's life in chapter 6's server", 17, weight="bold")

    # Accepting, and the cap on open connections.
    box(MAIN, 72, 200, 34, ["accept"])
    arrow([(MAIN, 89), (MAIN, 112)])
    diamond(MAIN, 148, 230, 70, ["under the cap?", "(1000 connections)"])
    arrow([(MAIN + 115, 148), (RIGHT - 100, 148)], "no", ((MAIN + 115 + RIGHT - 100) / 2, 141),
          RED)
    box(RIGHT, 148, 200, 46, ["503 Service Unavailable", "Retry-After: 1, close"], RED)
    arrow([(MAIN, 183), (MAIN, 214)], "yes", (MAIN + 10, 203), GREEN, "start")

    # Parked: registered with the kernel, no thread attached.
    box(MAIN, 270, 320, 110, [
        "parked",
        "in the parked map, registered with epoll",
        "(one-shot); no thread waits on it",
        ("deadline: --idle-timeout (5 s) between requests;", ORANGE),
        ("--head-timeout (10 s) for a new connection's", ORANGE),
        ("first request, or a request partly arrived", ORANGE),
    ])
    exit_arrow(270, "deadline passed\n(swept every 100 ms)", ORANGE)
    box(RIGHT, 270, 200, 76, ["nothing pending: close,", "no answer; half a head:",
                              "408 Request Timeout, close"], ORANGE)

    # Readable: a worker takes the connection.
    arrow([(MAIN, 325), (MAIN, 392)], "bytes arrived: the kernel\nwakes one waiting worker",
          (MAIN + 12, 372), BLUE, "start")
    box(MAIN, 420, 320, 52, ["a worker takes it out of the map", "and reads once (never blocks)"])
    exit_arrow(420, "0 bytes: the client\nis done", GREY)
    box(RIGHT, 420, 200, 34, ["close"], GREY)

    # Is a whole head there?
    arrow([(MAIN, 446), (MAIN, 482)])
    diamond(MAIN, 520, 220, 76, ["a whole request head", "in the buffer?"])
    arrow([(MAIN - 110, 520), (60, 520), (60, 300), (MAIN - 160, 300)],
          "no: park again,\nhead deadline on", (68, 505), ORANGE, "start")
    arrow([(MAIN + 110, 520), (RIGHT - 100, 520)], "malformed or\ntoo large",
          ((MAIN + 110 + RIGHT - 100) / 2, 513), RED)
    box(RIGHT, 520, 200, 62, ["400, 414, 431 or 505;", "bad framing: 400, 413,", "417 or 501; close"],
        RED)

    # The exchange.
    arrow([(MAIN, 558), (MAIN, 590)], "yes", (MAIN + 10, 578), GREEN, "start")
    box(MAIN, 620, 320, 58, ["the application runs", "environ with wsgi.input, start_response;",
                             "unread body drained afterwards"])
    arrow([(MAIN, 649), (MAIN, 676)])
    box(MAIN, 706, 320, 58, ["the response, framed", "Content-Length, or chunked (HTTP/1.1),",
                             "or ended by closing (HTTP/1.0)"])

    # Keep it?
    arrow([(MAIN, 735), (MAIN, 760)])
    diamond(MAIN, 792, 220, 64, ["keep the", "connection?"])
    arrow([(MAIN + 110, 792), (RIGHT - 110, 792)], "no", ((MAIN + 110 + RIGHT - 110) / 2, 785),
          GREY)
    box(RIGHT, 792, 220, 92, ["close", "Connection: close, or HTTP/1.0",
                              "without keep-alive; a body", "ended by closing; too much",
                              "left unread to drain"], GREY)
    arrow([(MAIN, 824), (MAIN, 848)], "yes", (MAIN + 10, 840), GREEN, "start")
    diamond(MAIN, 880, 220, 64, ["the next request", "already buffered?"])
    arrow([(MAIN - 110, 880), (30, 880), (30, 240), (MAIN - 160, 240)],
          "no: park again,\nidle deadline on", (38, 865), GREEN, "start")
    arrow([(MAIN, 912), (MAIN, 930), (170, 930), (170, 466), (MAIN - 4, 466)],
          "yes (pipelined):\nno wait, no read", (178, 921), GREEN, "start", dashed=True)

    markers = "".join(
        f'<marker id="head-{color[1:]}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
        f'markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        f'fill="{color}"/></marker>'
        for color in ["#333", BLUE, ORANGE, RED, GREEN, GREY])
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="Helvetica, Arial, sans-serif">',
        "<title>The life of a connection: accepted, parked with the kernel, served by a worker "
        "when bytes arrive, parked again or closed</title>",
        f"<defs>{markers}</defs>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" rx="8" fill="#ffffff"/>',
        *parts,
        "</svg>",
    ]) + "\n"


if __name__ == "__main__":
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(build())
    print(f"wrote {OUTPUT}")
