"""Draws book/src/images/connection-lifecycle.svg: one connection's life in chapter 6's server.

The states and exits follow src/reactor/mod.rs (admit, work, take, serve, sweep_if_due),
src/connection.rs (the deadlines), src/wsgi/persistent.rs (serve_ready) and
src/wsgi/gateway.rs (exchange, respond). The picture has its own white background, so it
reads the same on the book's light and dark themes.
Run: python3 book/images-src/draw_connection_lifecycle.py
Add --lang zh-CN for the Chinese edition's copy, book/src/images/zh-CN/connection-lifecycle.svg.
"""

from xml.sax.saxutils import escape

import picture

NAME = "connection-lifecycle.svg"
WIDTH, HEIGHT = 900, 950
BLUE, ORANGE, RED, GREEN, GREY, INK = "#2b6cb0", "#c05621", "#c53030", "#2f855a", "#666", "#222"
FILLS = {BLUE: "#e8f0fb", ORANGE: "#fdf0e6", RED: "#fdecec", GREEN: "#e9f6ee", GREY: "#f4f4f4"}

MAIN = 360  # the x of the main column: the path every request takes
RIGHT = 770  # the x of the exits on the right: refusals and closes

# The words of the picture, per language. The Chinese edition shows its own copy of each
# picture (images/zh-CN/); this table lets one drawing make both, so the two cannot drift
# apart. Only the words and the fonts differ; every box, arrow and position is shared.
# A box's lines are a list; an arrow's label breaks its lines at "\n". English is the default.
LABELS = {
    "en": {
        "font": "Helvetica, Arial, sans-serif",
        "svg title": "The life of a connection: accepted, parked with the kernel, served by a "
                     "worker when bytes arrive, parked again or closed",
        "title": "One connection's life in chapter 6's server",
        "yes": "yes", "no": "no",
        "accept": ["accept"],
        "under the cap": ["under the cap?", "(1000 connections)"],
        "503": ["503 Service Unavailable", "Retry-After: 1, close"],
        "parked": ["parked", "in the map of slots, registered with epoll",
                   "once (edge-triggered); no thread waits on it"],
        "deadlines": ["deadline: --idle-timeout (5 s) between requests;",
                      "--head-timeout (10 s) for a new connection's",
                      "first request, or a request partly arrived"],
        "deadline passed": "deadline passed\n(swept every 100 ms)",
        "408": ["nothing pending: close,", "no answer; half a head:", "408 Request Timeout, close"],
        "bytes arrived": "bytes arrived: epoll reports\nit to a waiting worker",
        "reads once": ["a worker takes it out of its slot", "and reads once (never blocks)"],
        "0 bytes": "0 bytes: the client\nis done",
        "close": ["close"],
        "whole head": ["a whole request head", "in the buffer?"],
        "half a head": "no: park again,\nhead deadline on",
        "malformed": "malformed or\ntoo large",
        "400": ["400, 414, 431 or 505;", "bad framing: 400, 413,", "417 or 501; close"],
        "application": ["the application runs", "environ with wsgi.input, start_response;",
                        "unread body drained afterwards"],
        "response": ["the response, framed", "Content-Length, or chunked (HTTP/1.1),",
                     "or ended by closing (HTTP/1.0)"],
        "keep": ["keep the", "connection?"],
        "closed": ["close", "Connection: close, or HTTP/1.0", "without keep-alive; a body",
                   "ended by closing; too much", "left unread to drain"],
        "next buffered": ["the next request", "already buffered?"],
        "idle": "no: park again,\nidle deadline on",
        "pipelined": "yes (pipelined):\nno wait, no read",
    },
    "zh-CN": {
        "font": "'Noto Sans CJK SC', 'Noto Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif",
        "svg title": "一个连接的一生：被接受，停放在内核那里，字节到达时由工作线程服务，"
                     "然后再次停放或被关闭",
        "title": "第 6 章服务器中一个连接的一生",
        "yes": "是", "no": "否",
        "accept": ["接受（accept）"],
        "under the cap": ["未超过上限？", "（1000 个连接）"],
        "503": ["503 Service Unavailable", "Retry-After: 1，关闭连接"],
        "parked": ["停放（park）", "放进槽位映射表，只注册到 epoll 一次",
                   "（边沿触发）；没有线程等着它"],
        "deadlines": ["截止时间：两个请求之间为 --idle-timeout（5 s）；",
                      "新连接的第一个请求，或只到达了一部分的",
                      "请求，为 --head-timeout（10 s）"],
        "deadline passed": "截止时间已过\n（每 100 ms 清扫一次）",
        "408": ["尚无请求数据：关闭，", "不作应答；收到半个头部：",
                "408 Request Timeout，关闭"],
        "bytes arrived": "字节到达：epoll 把它\n报告给一个等待中的工作线程",
        "reads once": ["一个工作线程把它从槽位中取出", "并读取一次（绝不阻塞）"],
        "0 bytes": "读到 0 字节：\n客户端已发送完毕",
        "close": ["关闭"],
        "whole head": ["缓冲区里有完整的", "请求头部吗？"],
        "half a head": "否：再次停放，\n启用头部截止时间",
        "malformed": "格式错误\n或超出限制",
        "400": ["400、414、431 或 505；", "消息定界有误：400、413、", "417 或 501；关闭"],
        "application": ["运行应用", "environ 带上 wsgi.input，start_response；",
                        "之后排空未读的请求体"],
        "response": ["经过消息定界的响应", "Content-Length，或 chunked（HTTP/1.1），",
                     "或以关闭连接结束（HTTP/1.0）"],
        "keep": ["保留这个", "连接吗？"],
        "closed": ["关闭", "Connection: close，或不带", "keep-alive 的 HTTP/1.0；响应体",
                   "以关闭连接结束；未读的请求体", "太多，不值得排空"],
        "next buffered": ["下一个请求已经", "在缓冲区里了吗？"],
        "idle": "否：再次停放，\n启用空闲截止时间",
        "pipelined": "是（管线化）：\n不等待，不读取",
    },
}

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


def build(lang="en"):
    w = LABELS[lang]
    parts.clear()
    text(WIDTH / 2, 30, w["title"], 17, weight="bold")

    # Accepting, and the cap on open connections.
    box(MAIN, 72, 200, 34, w["accept"])
    arrow([(MAIN, 89), (MAIN, 112)])
    diamond(MAIN, 148, 230, 70, w["under the cap"])
    arrow([(MAIN + 115, 148), (RIGHT - 100, 148)], w["no"], ((MAIN + 115 + RIGHT - 100) / 2, 141),
          RED)
    box(RIGHT, 148, 200, 46, w["503"], RED)
    arrow([(MAIN, 183), (MAIN, 214)], w["yes"], (MAIN + 10, 203), GREEN, "start")

    # Parked: registered with the kernel, no thread attached.
    box(MAIN, 270, 320, 110, w["parked"] + [(line, ORANGE) for line in w["deadlines"]])
    exit_arrow(270, w["deadline passed"], ORANGE)
    box(RIGHT, 270, 200, 76, w["408"], ORANGE)

    # Readable: a worker takes the connection.
    arrow([(MAIN, 325), (MAIN, 392)], w["bytes arrived"], (MAIN + 12, 372), BLUE, "start")
    box(MAIN, 420, 320, 52, w["reads once"])
    exit_arrow(420, w["0 bytes"], GREY)
    box(RIGHT, 420, 200, 34, w["close"], GREY)

    # Is a whole head there?
    arrow([(MAIN, 446), (MAIN, 482)])
    diamond(MAIN, 520, 220, 76, w["whole head"])
    arrow([(MAIN - 110, 520), (60, 520), (60, 300), (MAIN - 160, 300)],
          w["half a head"], (68, 505), ORANGE, "start")
    arrow([(MAIN + 110, 520), (RIGHT - 100, 520)], w["malformed"],
          ((MAIN + 110 + RIGHT - 100) / 2, 513), RED)
    box(RIGHT, 520, 200, 62, w["400"], RED)

    # The exchange.
    arrow([(MAIN, 558), (MAIN, 590)], w["yes"], (MAIN + 10, 578), GREEN, "start")
    box(MAIN, 620, 320, 58, w["application"])
    arrow([(MAIN, 649), (MAIN, 676)])
    box(MAIN, 706, 320, 58, w["response"])

    # Keep it?
    arrow([(MAIN, 735), (MAIN, 760)])
    diamond(MAIN, 792, 220, 64, w["keep"])
    arrow([(MAIN + 110, 792), (RIGHT - 110, 792)], w["no"], ((MAIN + 110 + RIGHT - 110) / 2, 785),
          GREY)
    box(RIGHT, 792, 220, 92, w["closed"], GREY)
    arrow([(MAIN, 824), (MAIN, 848)], w["yes"], (MAIN + 10, 840), GREEN, "start")
    diamond(MAIN, 880, 220, 64, w["next buffered"])
    arrow([(MAIN - 110, 880), (30, 880), (30, 240), (MAIN - 160, 240)],
          w["idle"], (38, 865), GREEN, "start")
    arrow([(MAIN, 912), (MAIN, 930), (170, 930), (170, 466), (MAIN - 4, 466)],
          w["pipelined"], (178, 921), GREEN, "start", dashed=True)

    markers = "".join(
        f'<marker id="head-{color[1:]}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
        f'markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        f'fill="{color}"/></marker>'
        for color in ["#333", BLUE, ORANGE, RED, GREEN, GREY])
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="{w["font"]}">',
        f"<title>{escape(w['svg title'])}</title>",
        f"<defs>{markers}</defs>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" rx="8" fill="#ffffff"/>',
        *parts,
        "</svg>",
    ]) + "\n"


def main():
    picture.write(NAME, build, LABELS, __doc__.splitlines()[0])


if __name__ == "__main__":
    main()
