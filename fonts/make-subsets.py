#!/usr/bin/env python3
"""Build the bundled OFL font subsets in this folder.

Sources are Debian's packages `fonts-noto-cjk` and `fonts-lxgw-wenkai`, and Zhuque Fangsong
0.211 in `../shared/fonts/zhuque-fangsong/` (OFL 1.1, no Reserved Font Name; compiled from
TrionesType/zhuque's source, see its README); the tool is fontTools' subsetter (Debian's
`python3-fonttools` 4.38 reproduces the committed files byte for byte). Run from anywhere:

    python3 fonts/make-subsets.py [FILE ...]   # only the named output files, if given

Character sets:
  * fallback: every character of Noto Serif CJK SC (face 2) that the GBK serif subset lacks,
    Hangul excepted (CJK Ext A, the Ext B-I ideographs Noto has, compatibility ideographs,
    radicals, strokes, enclosed and compatibility CJK, symbols), and, in a second small font,
    the ideographs only Noto Sans CJK SC has: together every ideograph Debian's Noto CJK
    fonts cover. Nothing else in Debian's Noto CJK packages covers more (all five faces of
    each .ttc map the same characters; the extra weights add none).
  * GB2312: every two-byte code 0xA1A1-0xF7FE that decodes as gb2312 (6,763 hanzi + symbols);
    the 仿宋 (Zhuque Fangsong) subset is GB2312 + the common set below, as far as it has them
    (it lacks the full-width digits, which the typesetter takes from the 宋体 face per character)
  * GBK hanzi: codes 0x8140-0xFEFE that decode as gbk and are CJK ideographs (~21,000)
  * always: ASCII, Latin-1, General Punctuation, CJK Symbols and Punctuation,
    full-width forms, and a few report symbols (㎡, №, ℃, ①-⑳).
No layout features are kept (the typesetter does not use them; `locl,vert` double the size).

Full-width punctuation by construction (`fullwidth_punctuation`), in every role font:
  * “ ” ‘ ’ take one em: an opening mark's glyph sits at the right of its em box, a closing
    mark's at the left (clreq). Noto CJK SC's default glyphs already are so; Zhuque Fangsong's
    default ones are proportional, so its cmap points at its own full-width forms (the glyphs
    its cmap format 14 reaches with U+FE01); LXGW WenKai's are proportional, so their outline is
    moved and their advance set to one em.
  * — (U+2014) and ― (U+2015): the ink spans the whole em box (outline stretched
    horizontally), so that two of them draw one joined 2-em dash ——.
  * … (U+2026) takes one em, so …… is two.
"""
import os
import sys
from fontTools import subset
from fontTools.ttLib import TTFont

HERE = os.path.dirname(os.path.abspath(__file__))
NOTO = "/usr/share/fonts/opentype/noto"
WENKAI = "/usr/share/fonts/truetype/lxgw-wenkai"
# Beside the repository (`../shared/fonts/zhuque-fangsong/`); ZHUQUE_DIR overrides it (a git
# worktree elsewhere).
ZHUQUE = os.environ.get("ZHUQUE_DIR") or os.path.normpath(
    os.path.join(HERE, "..", "..", "shared", "fonts", "zhuque-fangsong")
)

OPENING_QUOTES = "\u201c\u2018"
CLOSING_QUOTES = "\u201d\u2019"
DASHES = "\u2014\u2015"
ELLIPSIS = "\u2026"


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


def make(src, face, chars, dst, names=None, role=False, variants=None):
    """Subset face `face` of `src` to `chars` into `dst`.

    `names`: (family, PostScript name) to rename the subset to; `role`: the font serves a
    role (body, headings), so its punctuation is made full-width (`fullwidth_punctuation`);
    `variants`: a variation selector whose glyphs (cmap format 14) replace the default
    glyphs of the characters it covers among the quotes (Zhuque Fangsong's U+FE01 forms).
    """
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
    if variants is not None:
        use_variants(font, variants, OPENING_QUOTES + CLOSING_QUOTES)
    sub = subset.Subsetter(options)
    sub.populate(text="".join(sorted(chars)))
    sub.subset(font)
    if "CFF " in font:
        identity_cids(font)
    if role:
        fullwidth_punctuation(font)
    if names:
        rename(font, *names)
    subset.save_font(font, dst, options)
    print(f"{os.path.basename(dst)}: {os.path.getsize(dst) / 1e6:.1f} MB, {len(chars)} chars requested")


def use_variants(font, selector, chars):
    """Map each of `chars` to the glyph the variation sequence (char, `selector`) selects,
    and drop the cmap format 14 subtables (the typesetter looks up plain code points)."""
    uvs = {}
    for table in font["cmap"].tables:
        if table.format == 14:
            for u, g in table.uvsDict.get(selector, []):
                if g is not None:
                    uvs[u] = g
    for table in font["cmap"].tables:
        if table.format != 14 and table.isUnicode():
            for c in chars:
                if ord(c) in uvs and ord(c) in table.cmap:
                    table.cmap[ord(c)] = uvs[ord(c)]
    font["cmap"].tables = [t for t in font["cmap"].tables if t.format != 14]


def redraw(font, glyph, transform, advance):
    """Replace `glyph`'s outline by itself under the affine `transform` (a 6-tuple) and set
    its advance; the left side bearing follows the new outline."""
    from fontTools.pens.boundsPen import ControlBoundsPen as BoundsPen
    from fontTools.pens.transformPen import TransformPen

    from fontTools.pens.recordingPen import DecomposingRecordingPen

    glyphs = font.getGlyphSet()
    # Components decomposed: the new glyph is a simple outline.
    outline = DecomposingRecordingPen(glyphs)
    glyphs[glyph].draw(outline)
    if "glyf" in font:
        from fontTools.pens.ttGlyphPen import TTGlyphPen

        from fontTools.pens.roundingPen import RoundingPen

        pen = TTGlyphPen(glyphs)
        outline.replay(TransformPen(RoundingPen(pen), transform))
        new = pen.glyph()
        font["glyf"][glyph] = new
        new.recalcBounds(font["glyf"])
        lsb = getattr(new, "xMin", 0)
    else:
        from fontTools.pens.roundingPen import RoundingPen
        from fontTools.pens.t2CharStringPen import T2CharStringPen

        cs = font["CFF "].cff.topDictIndex[0].CharStrings
        old = cs[glyph]
        old.decompile()
        private = old.private
        # The charstring's width operand is relative to the private dict's nominal width.
        width = advance - getattr(private, "nominalWidthX", 0)
        pen = T2CharStringPen(width, glyphs)
        outline.replay(TransformPen(RoundingPen(pen), transform))
        cs[glyph] = pen.getCharString(private=private, globalSubrs=old.globalSubrs)
        bounds = BoundsPen(font.getGlyphSet())
        font.getGlyphSet()[glyph].draw(bounds)
        lsb = round(bounds.bounds[0]) if bounds.bounds else 0
    font["hmtx"][glyph] = (advance, lsb)


def ink(font, glyph):
    """(xMin, xMax) of `glyph`'s outline (control box, as the glyf header and
    ttf-parser have it), or None for an empty glyph."""
    from fontTools.pens.boundsPen import ControlBoundsPen as BoundsPen

    pen = BoundsPen(font.getGlyphSet())
    font.getGlyphSet()[glyph].draw(pen)
    return None if pen.bounds is None else (pen.bounds[0], pen.bounds[2])


def fullwidth_punctuation(font):
    """Quotes one em with the glyph on the inner side, dashes spanning their em box,
    the ellipsis one em (see the module docstring); print what changed."""
    upm = font["head"].unitsPerEm
    cmap = font.getBestCmap()
    changed = []
    for c in OPENING_QUOTES + CLOSING_QUOTES:
        g = cmap.get(ord(c))
        if g is None:
            continue
        adv = font["hmtx"][g][0]
        if adv < upm:
            dx = upm - adv if c in OPENING_QUOTES else 0
            redraw(font, g, (1, 0, 0, 1, dx, 0), upm)
            changed.append(f"{c} {adv}->{upm}")
    for c in DASHES:
        g = cmap.get(ord(c))
        box = g and ink(font, g)
        if not box:
            continue
        x0, x1 = box
        if (x0, x1, font["hmtx"][g][0]) != (0, upm, upm):
            sx = upm / (x1 - x0)
            redraw(font, g, (sx, 0, 0, 1, -x0 * sx, 0), upm)
            changed.append(f"{c} [{x0:.0f},{x1:.0f}]->[0,{upm}]")
    g = cmap.get(ord(ELLIPSIS))
    if g is not None and font["hmtx"][g][0] != upm:
        adv = font["hmtx"][g][0]
        redraw(font, g, (1, 0, 0, 1, (upm - adv) / 2, 0), upm)
        changed.append(f"… {adv}->{upm}")
    if changed:
        print("  full-width: " + ", ".join(changed))


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
    zhuque = os.path.join(ZHUQUE, "ZhuqueFangsong-Regular.ttf")
    # (source, face, characters, file, options): `role` fonts get full-width punctuation.
    jobs = [
        (serif, 2, gbk, "NotoSerifSC-Regular-GBK.otf", {"role": True}),
        # The last fallbacks, so that no character Noto CJK has is ever dropped.
        (serif, 2, serif_fallback, "NotoSerifSC-Regular-Fallback.otf", {}),
        (sans, 2, sans_fallback, "NotoSansSC-Regular-Fallback.otf", {}),
        (f"{NOTO}/NotoSerifCJK-Bold.ttc", 2, gb, "NotoSerifSC-Bold-GB2312.otf", {"role": True}),
        (f"{NOTO}/NotoSansCJK-Regular.ttc", 2, gb, "NotoSansSC-Regular-GB2312.otf", {"role": True}),
        # Renamed: "LXGW" and "霞鹜" are Reserved Font Names of the source.
        (f"{WENKAI}/LXGWWenKai-Regular.ttf", 0, gb, "DiaoyanKai-Regular-GB2312.ttf",
         {"role": True, "names": ("Diaoyan Kai", "DiaoyanKai-Regular")}),
        # 仿宋: GB2312 and the common set (what it has); its full-width quotes are the
        # U+FE01 variants. No Reserved Font Name: the name stays.
        (zhuque, 0, gb, "ZhuqueFangsong-Regular-GB2312.ttf",
         {"role": True, "variants": 0xFE01}),
    ]
    only = set(sys.argv[1:])
    for src, face, chars, dst, opts in jobs:
        if only and dst not in only:
            continue
        if not os.path.exists(src):
            sys.exit(f"missing {src}: apt-get install fonts-noto-cjk fonts-lxgw-wenkai "
                     "(Zhuque Fangsong: ../shared/fonts/zhuque-fangsong/)")
        make(src, face, chars, os.path.join(HERE, dst), **opts)


if __name__ == "__main__":
    main()
