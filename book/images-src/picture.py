"""What the drawing scripts here share: their --lang option, and where each language's copy
of a picture goes (images/ for English, images/zh-CN/ for the Chinese edition)."""

import argparse
from pathlib import Path

IMAGES = Path(__file__).resolve().parent.parent / "src" / "images"


def write(name, draw, languages, description):
    """Parses --lang, then writes draw(lang) as the picture `name` in that language."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--lang", choices=languages, default="en",
                        help="en (the default) writes images/, zh-CN writes images/zh-CN/")
    lang = parser.parse_args().lang
    output = IMAGES / name if lang == "en" else IMAGES / lang / name
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(draw(lang))
    print(f"wrote {output}")
