#!/usr/bin/env python3
"""Build the bundled OFL font subsets in this folder.

Sources are Debian's packages `fonts-noto-cjk` and `fonts-lxgw-wenkai`; the tool is
fontTools' subsetter (`pip install fonttools`). Run from anywhere:

    python3 fonts/make-subsets.py

Character sets:
  * fallback: every character of Noto Serif CJK SC (face 2) that the GBK serif subset lacks,
    Hangul excepted (CJK Ext A, the Ext B-I ideographs Noto has, compatibility ideographs,
    radicals, strokes, enclosed and compatibility CJK, symbols), and, in a second small font,
    the ideographs only Noto Sans CJK SC has: together every ideograph Debian's Noto CJK
    fonts cover. Nothing else in Debian's Noto CJK packages covers more (all five faces of
    each .ttc map the same characters; the extra weights add none).
  * GB2312: every two-byte code 0xA1A1-0xF7FE that decodes as gb2312 (6,763 hanzi + symbols)
  * GBK hanzi: codes 0x8140-0xFEFE that decode as gbk and are CJK ideographs (~21,000)
  * always: ASCII, Latin-1, General Punctuation, CJK Symbols and Punctuation,
    full-width forms, and a few report symbols (㎡, №, ℃, ①-⑳).
No layout features are kept (the typesetter does not use them; `locl,vert` double the size).
"""
import os
import sys
from fontTools import subset
from fontTools.ttLib import TTFont

HERE = os.path.dirname(os.path.abspath(__file__))
NOTO = "/usr/share/fonts/opentype/noto"
WENKAI = "/usr/share/fonts/truetype/lxgw-wenkai"


def gb2312_chars():
    out = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                out.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return out


def is_ideograph(c):
    cp = ord(c)
    return 0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0xF900 <= cp <= 0xFAFF


def gbk_hanzi():
    out = set()
    for hi in range(0x81, 0xFF):
        for lo in range(0x40, 0xFF):
            if lo == 0x7F:
                continue
            try:
                c = bytes([hi, lo]).decode("gbk")
            except UnicodeDecodeError:
                continue
            if is_ideograph(c):
                out.add(c)
    return out


def common_chars():
    out = set()
    ranges = [
        (0x20, 0x7E),      # ASCII
        (0xA0, 0xFF),      # Latin-1
        (0x2000, 0x206F),  # General Punctuation
        (0x3000, 0x303F),  # CJK Symbols and Punctuation
        (0xFF00, 0xFFEF),  # Half-width and full-width forms
        (0x2460, 0x2473),  # circled numbers
        (0x2160, 0x216B),  # Roman numerals
    ]
    for a, b in ranges:
        out.update(chr(c) for c in range(a, b + 1))
    out.update("㎡№℃×÷±≤≥≈≠‰°·—…")
    return out


def is_hangul(cp):
    return (
        0x1100 <= cp <= 0x11FF
        or 0x3130 <= cp <= 0x318F
        or 0xA960 <= cp <= 0xA97F
        or 0xAC00 <= cp <= 0xD7FF
        or 0xFFA0 <= cp <= 0xFFDC
    )


def cmap_of(src, face):
    return {chr(cp) for cp in TTFont(src, fontNumber=face, lazy=True).getBestCmap()}


def fallback_chars(src, face, have):
    """What face `face` of `src` draws beyond `have`, Hangul (not used in Chinese reports,
    11,000 glyphs) excepted."""
    return {c for c in cmap_of(src, face) - have if not is_hangul(ord(c))}


def rename(font, family, postscript):
    """Give a subset its own name.

    The OFL forbids a Modified Version (a subset is one) to use a Reserved Font Name as its
    primary name: LXGW WenKai reserves "LXGW" and "霞鹜".
    """
    names = {1: family, 3: f"{postscript};subset", 4: family, 6: postscript, 16: family, 17: "Regular"}
    table = font["name"]
    table.names = [n for n in table.names if n.nameID not in names and n.nameID != 18]
    for name_id, value in names.items():
        table.setName(value, name_id, 3, 1, 0x409)
    if "CFF " in font:
        font["CFF "].cff.fontNames = [postscript]


def make(src, face, chars, dst, names=None):
    options = subset.Options()
    options.font_number = face
    options.hinting = False
    options.notdef_outline = True
    options.layout_features = []
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    # Desubroutinised CFF: every glyph self-contained, so a per-document subset carries
    # only its own glyphs (with subroutines it carried them all: a 2-page PDF was 130 KB
    # of 宋体 alone).
    options.desubroutinize = True
    options.drop_tables += ["DSIG", "vhea", "vmtx", "VORG"]
    font = subset.load_font(src, options)
    sub = subset.Subsetter(options)
    sub.populate(text="".join(sorted(chars)))
    sub.subset(font)
    if "CFF " in font:
        identity_cids(font)
    if names:
        rename(font, *names)
    subset.save_font(font, dst, options)
    print(f"{os.path.basename(dst)}: {os.path.getsize(dst) / 1e6:.1f} MB, {len(chars)} chars requested")


def identity_cids(font):
    """Renumber a CID-keyed CFF so that CID = glyph id.

    After subsetting, the CIDs keep the source font's numbering: 12,549 runs in the GBK
    serif, and allsorts finds a glyph's CID by scanning those runs, which made subsetting
    per document the costliest step of the PDF. With CID = GID the charset is one range.
    """
    order = font.getGlyphOrder()
    new = {old: (".notdef" if i == 0 else f"cid{i:05d}") for i, old in enumerate(order)}
    top = font["CFF "].cff.topDictIndex[0]
    cs = top.CharStrings
    cs.charStrings = {new[k]: v for k, v in cs.charStrings.items()}
    top.charset = [new[g] for g in top.charset]
    top.CIDCount = len(order)
    for table in font["cmap"].tables:
        table.cmap = {u: new[g] for u, g in table.cmap.items()}
        if table.format == 14:
            # Variation sequences: None means "the default glyph".
            table.uvsDict = {
                vs: [(u, None if g is None else new[g]) for u, g in pairs]
                for vs, pairs in table.uvsDict.items()
            }
    hmtx = font["hmtx"]
    hmtx.metrics = {new[g]: m for g, m in hmtx.metrics.items()}
    font.setGlyphOrder([new[g] for g in order])


def main():
    base = common_chars()
    gb = gb2312_chars() | base
    gbk = gbk_hanzi() | gb
    serif = f"{NOTO}/NotoSerifCJK-Regular.ttc"
    sans = f"{NOTO}/NotoSansCJK-Regular.ttc"
    for src in (serif, sans):
        if not os.path.exists(src):
            sys.exit(f"missing {src}: apt-get install fonts-noto-cjk")
    serif_gbk = cmap_of(serif, 2) & gbk
    serif_fallback = fallback_chars(serif, 2, serif_gbk)
    sans_fallback = fallback_chars(sans, 2, serif_gbk | serif_fallback)
    jobs = [
        (serif, 2, gbk, "NotoSerifSC-Regular-GBK.otf"),
        # The last fallbacks, so that no character Noto CJK has is ever dropped.
        (serif, 2, serif_fallback, "NotoSerifSC-Regular-Fallback.otf"),
        (sans, 2, sans_fallback, "NotoSansSC-Regular-Fallback.otf"),
        (f"{NOTO}/NotoSerifCJK-Bold.ttc", 2, gb, "NotoSerifSC-Bold-GB2312.otf"),
        (f"{NOTO}/NotoSansCJK-Regular.ttc", 2, gb, "NotoSansSC-Regular-GB2312.otf"),
        # Renamed: "LXGW" and "霞鹜" are Reserved Font Names of the source.
        (f"{WENKAI}/LXGWWenKai-Regular.ttf", 0, gb, "DiaoyanKai-Regular-GB2312.ttf",
         ("Diaoyan Kai", "DiaoyanKai-Regular")),
    ]
    for src, face, chars, dst, *names in jobs:
        if not os.path.exists(src):
            sys.exit(f"missing {src}: apt-get install fonts-noto-cjk fonts-lxgw-wenkai")
        make(src, face, chars, os.path.join(HERE, dst), names[0] if names else None)


if __name__ == "__main__":
    main()
