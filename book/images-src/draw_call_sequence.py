"""Draws book/src/images/call-sequence.svg: one request through the server and the application.

The order follows src/wsgi/gateway.rs (Gateway::exchange and send_body), with PEP 3333's
names beside the Rust ones. Run: python3 book/images-src/draw_call_sequence.py
Add --lang zh-CN for the Chinese edition's copy, book/src/images/zh-CN/call-sequence.svg.
"""

from xml.sax.saxutils import escape

import picture

NAME = "call-sequence.svg"
WIDTH = 800
LANES = {"client": 80, "server": 280, "app": 500, "body": 700}
BLUE, ORANGE, GREEN, GREY = "#2b6cb0", "#c05621", "#2f855a", "#666"

# The words of the picture, per language. The Chinese edition shows its own copy of each
# picture (images/zh-CN/); this table lets one drawing make both from the same steps, so the
# two cannot drift apart. Only words and fonts differ; code (next(), drop(body), ...) is the
# same in both and stays in build(). English is the default.
LABELS = {
    "en": {
        "font": "Helvetica, Arial, sans-serif",
        "mono": "Menlo, Consolas, monospace",
        "svg title": "The order of calls between the server, the application and its body",
        "title": "One request through a WSGI-style server (chapter 4)",
        "client": "Client", "server": "Server (Gateway)", "app": "Application", "body": "Body",
        "request bytes": "request bytes",
        "read head": "read up to the blank line",
        "build environ": "build the environ",
        "environ 1": "PATH_INFO, QUERY_STRING, HTTP_*,",
        "environ 2": "wsgi.input (the request body) ...",
        "called once": "the application is called once",
        "records": "only records the status and headers:",
        "nothing sent": "not one byte is sent yet",
        "returns": "returns a Body",
        "iterator": "an iterator of byte chunks, not yet run",
        "pulls": "pulls until the first non-empty chunk",
        "first chunk": "first chunk",
        "head": "head + first chunk",
        "head note": "status line, Date, headers, then body bytes",
        "only now 1": "only now does the client",
        "only now 2": "receive anything",
        "more chunks": "more chunks, each sent as it comes",
        "chunk": "chunk",
        "the end": "next() == None: the end",
        "drop note": "= PEP 3333's close(), called even on error",
        "close": "close the connection",
        "close note": "after the last byte of the body",
    },
    "zh-CN": {
        "font": "'Noto Sans CJK SC', 'Noto Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif",
        "mono": "Menlo, Consolas, 'Noto Sans Mono CJK SC', monospace",
        "svg title": "服务器、应用与响应体之间的调用顺序",
        "title": "一个请求如何走过 WSGI 风格的服务器（第 4 章）",
        "client": "客户端", "server": "服务器（Gateway）", "app": "应用", "body": "响应体（Body）",
        "request bytes": "请求的字节",
        "read head": "一直读到空行",
        "build environ": "构造 environ",
        "environ 1": "PATH_INFO、QUERY_STRING、HTTP_*、",
        "environ 2": "wsgi.input（请求体）……",
        "called once": "应用只被调用一次",
        "records": "只记下状态和头字段：",
        "nothing sent": "此时一个字节都还没有发出",
        "returns": "返回一个 Body",
        "iterator": "产出字节数据块的迭代器，尚未运行",
        "pulls": "一直拉取，直到拿到第一个非空数据块",
        "first chunk": "第一个数据块",
        "head": "头部 + 第一个数据块",
        "head note": "状态行、Date、头字段，再接响应体",
        "only now 1": "直到这时，客户端",
        "only now 2": "才收到第一个字节",
        "more chunks": "其余的数据块，产出一个就发送一个",
        "chunk": "数据块",
        "the end": "next() == None：结束",
        "drop note": "= PEP 3333 的 close()，出错时也会调用",
        "close": "关闭连接",
        "close note": "在响应体的最后一个字节之后",
    },
}

parts = []
words = LABELS["en"]  # the table of the language being drawn; build() sets it


def text(x, y, label, size=12, anchor="middle", fill="#222", weight="normal", mono=False):
    family = f' font-family="{words["mono"]}"' if mono else ""
    parts.append(f'<text x="{x}" y="{y}" font-size="{size}" text-anchor="{anchor}" fill="{fill}" '
                 f'font-weight="{weight}"{family}>{escape(label)}</text>')


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


def build(lang="en"):
    global words
    words = w = LABELS[lang]
    parts.clear()
    text(WIDTH / 2, 28, w["title"], 16, weight="bold")
    for lane, x in LANES.items():
        parts.append(f'<rect x="{x - 70}" y="44" width="140" height="28" rx="6" fill="#e8f0fb" '
                     f'stroke="{BLUE}"/>')
        text(x, 63, w[lane], 13, weight="bold")
        bottom = 692 if lane == "body" else 750  # the body ends where it is dropped
        parts.append(f'<line x1="{x}" y1="72" x2="{x}" y2="{bottom}" stroke="#bbb" '
                     f'stroke-dasharray="2 3"/>')
    arrow(105, "client", "server", w["request bytes"], w["read head"], mono=False)
    step(140, "server", w["build environ"])
    text(LANES["server"] + 105, 135, w["environ 1"], 11, "start", GREY)
    text(LANES["server"] + 105, 149, w["environ 2"], 11, "start", GREY)
    arrow(190, "server", "app", "app(environ, start_response)", w["called once"])
    arrow(240, "app", "server", 'start_response.call("200 OK", …)', color=ORANGE)
    text(LANES["server"] + 110, 256, w["records"], 11, "middle", ORANGE)
    text(LANES["server"] + 110, 270, w["nothing sent"], 11, "middle", ORANGE, "bold")
    arrow(310, "app", "server", w["returns"], w["iterator"], dashed=True, mono=False)
    arrow(360, "server", "body", "next()", w["pulls"])
    arrow(400, "body", "server", w["first chunk"], dashed=True, mono=False)
    arrow(445, "server", "client", w["head"], w["head note"], color=GREEN, mono=False)
    text(LANES["client"] - 10, 480, w["only now 1"], 11, "start", GREEN)
    text(LANES["client"] - 10, 494, w["only now 2"], 11, "start", GREEN)
    # The loop over the remaining chunks.
    parts.append(f'<rect x="{LANES["client"] - 40}" y="508" width="{LANES["body"] - LANES["client"] + 80}" '
                 f'height="100" rx="6" fill="none" stroke="#999" stroke-dasharray="6 4"/>')
    text(LANES["client"] - 30, 524, w["more chunks"], 11, "start", GREY)
    arrow(548, "server", "body", "next()")
    arrow(570, "body", "server", w["chunk"], dashed=True, mono=False)
    arrow(595, "server", "client", w["chunk"], color=GREEN, mono=False)
    arrow(640, "server", "body", w["the end"], mono=True)
    arrow(680, "server", "body", "drop(body)", w["drop note"], color=ORANGE)
    parts.append(f'<path d="M{LANES["body"] - 8},{692} l16,16 m0,-16 l-16,16" stroke="{ORANGE}" '
                 f'stroke-width="2.5"/>')
    arrow(735, "server", "client", w["close"], w["close note"], color=GREEN, mono=False)
    height = 770
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="{w["font"]}">',
        f"<title>{escape(w['svg title'])}</title>",
        '<defs><marker id="head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
        'fill="context-stroke"/></marker></defs>',
        f'<rect width="{WIDTH}" height="{height}" rx="8" fill="#ffffff"/>',
        *parts,
        "</svg>",
    ]) + "\n"


def main():
    picture.write(NAME, build, LABELS, __doc__.splitlines()[0])


if __name__ == "__main__":
    main()
