"""Write the feeds of this folder and ``expected.json`` (run once; the files are committed).

``.venv/bin/python tests/data/feeds-encodings/make_fixtures.py``

One small RSS 2.0 feed per encoding and way of naming it. The ways (RFC 7303 section 3,
and what feedparser does): the charset only in the HTTP ``Content-Type`` (no XML
declaration), only in the declaration, in both, the two disagreeing (the declaration
names a wrong single-byte encoding that would decode the bytes too: the header must
win), and a byte order mark that disagrees with both (the BOM wins).
"""

from __future__ import annotations

import codecs
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: encoding label -> (title, text), in that encoding's script.
TEXTS = {
    "koi8-r": ("Новости дня", "Привет, мир! Сегодня хорошая погода."),
    "gb2312": ("中文新闻标题", "今天的天气很好，我们去公园散步。"),
    "euc-jp": ("日本語のニュース", "今日は良い天気です。東京で会議が開かれました。"),
    "shift_jis": ("日本語の記事", "大阪で新しい図書館が開館しました。"),
    "euc-kr": ("한국어 뉴스", "오늘 서울의 날씨가 좋습니다."),
    "tis-620": ("ข่าววันนี้", "ภาษาไทยสำหรับการทดสอบการอ่านฟีด"),
    "windows-1255": ("חדשות היום", "שלום עולם, זה מבחן של קריאת הזנות."),
    "iso-8859-1": ("Café déjà", "Élève naïve façade, à l'été."),
    "windows-1252": ("Café – déjà vu “quoted”", "Élève, naïve, façade… œuvre."),
}
#: A wrong declaration for the "disagreeing" case: single-byte, so it decodes any bytes.
WRONG = {"iso-8859-1": "koi8-r", "windows-1252": "koi8-r"}
DATE = "Tue, 02 Feb 2021 10:00:00 GMT"
PUBLISHED = "2021-02-02T10:00:00+00:00"


def rss(title: str, text: str, link: str, declaration: str | None) -> str:
    head = f'<?xml version="1.0" encoding="{declaration}"?>\n' if declaration else ""
    return (
        f'{head}<rss version="2.0"><channel><title>Feed</title><link>http://example.com/</link>'
        f"<description>d</description>\n<item><title>{title}</title><link>{link}</link>"
        f"<guid>{link}</guid><pubDate>{DATE}</pubDate><description>{text}</description>"
        "</item>\n</channel></rss>\n"
    )


def main() -> None:
    cases = []
    for label, (title, text) in TEXTS.items():
        codec = codecs.lookup(label).name
        for way in ("header", "declaration", "both", "disagreeing"):
            declaration = {
                "header": None,
                "declaration": label,
                "both": label,
                "disagreeing": WRONG.get(label, "iso-8859-1"),
            }[way]
            name = f"{label}.{way}.rss"
            link = f"http://example.com/{label}/{way}"
            (HERE / name).write_bytes(rss(title, text, link, declaration).encode(codec))
            content_type = "text/xml" if way == "declaration" else f"text/xml; charset={label}"
            case = {
                "file": name,
                "content_type": content_type,
                # Without the header only the declaration can tell: read as a file too.
                "as_file": way == "declaration",
                "title": title,
                "text": text,
                "link": link,
                "published": PUBLISHED,
            }
            cases.append(case)
    # A UTF-8 BOM against a header and a declaration that both say otherwise.
    title, text = "Ça déjà “BOM”", "Le BOM l’emporte sur l’en-tête et la déclaration."
    link = "http://example.com/bom/utf-8"
    body = codecs.BOM_UTF8 + rss(title, text, link, "iso-8859-1").encode("utf-8")
    (HERE / "bom-utf-8.rss").write_bytes(body)
    cases.append(
        {
            "file": "bom-utf-8.rss",
            "content_type": "application/rss+xml; charset=iso-8859-1",
            "as_file": True,
            "title": title,
            "text": text,
            "link": link,
            "published": PUBLISHED,
        }
    )
    title, text = "Ζωή “UTF-16”", "Ένα κείμενο σε UTF-16 με BOM."
    link = "http://example.com/bom/utf-16"
    body = codecs.BOM_UTF16_LE + rss(title, text, link, "utf-16").encode("utf-16-le")
    (HERE / "bom-utf-16.rss").write_bytes(body)
    cases.append(
        {
            "file": "bom-utf-16.rss",
            "content_type": "text/xml; charset=windows-1252",
            "as_file": True,
            "title": title,
            "text": text,
            "link": link,
            "published": PUBLISHED,
        }
    )
    # UTF-8 served as ISO-8859-1 (a common server default): the header wins, and the
    # mojibake it gives ("CafÃ©") is repaired, with a line that says so.
    # (No ” in it: its UTF-8 bytes hold 0x9D, which windows-1252 does not decode, and
    # then the declaration's or UTF-8's turn comes, as it should.)
    title, text = "Café «served» as latin1", "Élève naïve façade… déjà vu."
    link = "http://example.com/mislabelled/utf-8"
    (HERE / "utf-8-served-as-latin1.rss").write_bytes(rss(title, text, link, None).encode())
    cases.append(
        {
            "file": "utf-8-served-as-latin1.rss",
            "content_type": "text/xml; charset=iso-8859-1",
            "as_file": True,
            "title": title,
            "text": text,
            "link": link,
            "published": PUBLISHED,
            "warnings": [
                "mis-decoded characters (mojibake or C1 controls) in the document; repaired"
            ],
        }
    )
    expected = HERE / "expected.json"
    expected.write_text(json.dumps(cases, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
