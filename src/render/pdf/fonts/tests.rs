//! Unit tests of the font set: roles, coverage, fallbacks, subsetting.

use super::*;

const SIZE: f32 = 16.0;
const ROLES: [Role; 5] = [Role::Body, Role::Hei, Role::Kai, Role::Title, Role::Note];

fn close(a: f32, b: f32) -> bool {
    (a - b).abs() < 1e-3
}

/// clreq: “ ” ‘ ’ take one em; —— is one joined 2-em line; …… is 2 em. The bundled
/// fonts are so by construction: each glyph is one em wide and fills its box.
#[test]
fn quotes_dashes_and_ellipses_are_full_width_in_every_role() {
    let fonts = FontSet::bundled();
    for role in ROLES {
        for c in ['“', '”', '‘', '’', '—', '―', '…'] {
            let adv = fonts.advance(role, c, SIZE);
            assert!(close(adv, SIZE), "{role:?} {c}: advance {adv}");
        }
        // An opening mark's ink in the right half of its box, a closing mark's in the left.
        for c in ['“', '‘'] {
            let (l, _) = fonts.ink(role, c, SIZE).unwrap();
            assert!(l >= SIZE / 2.0, "{role:?} {c}: ink from {l}");
        }
        for c in ['”', '’'] {
            let (_, r) = fonts.ink(role, c, SIZE).unwrap();
            assert!(r <= SIZE / 2.0, "{role:?} {c}: ink to {r}");
        }
        // The dashes join: ink from edge to edge, so —— is one 2-em line.
        for c in ['—', '―'] {
            let (l, r) = fonts.ink(role, c, SIZE).unwrap();
            assert!(close(l, 0.0) && close(r, SIZE), "{role:?} {c}: {l}..{r}");
        }
    }
}

/// The memo answers exactly as the font set does, for drawn, fallback, missing and
/// ignorable characters in every role, asked once or many times.
#[test]
fn glyph_memo_agrees_with_the_font_set() {
    let fonts = FontSet::bundled();
    let memo = Glyphs::new(fonts);
    let chars = [
        '的',
        '０',
        '喆',
        '“',
        '—',
        'A',
        '4',
        ' ',
        '\u{200B}',
        '\u{30000}',
        '𠮷',
    ];
    for _ in 0..2 {
        for role in [
            Role::Body,
            Role::Hei,
            Role::Kai,
            Role::Title,
            Role::Note,
            Role::Song,
        ] {
            for c in chars {
                assert_eq!(
                    memo.resolve(role, c),
                    fonts.resolve(role, c),
                    "{role:?} {c}"
                );
                assert_eq!(
                    memo.font_for(role, c),
                    fonts.font_for(role, c),
                    "{role:?} {c}"
                );
                assert_eq!(memo.advance(role, c, SIZE), fonts.advance(role, c, SIZE));
                assert_eq!(memo.ink(role, c, SIZE), fonts.ink(role, c, SIZE));
            }
        }
        for (i, file) in fonts.files.iter().enumerate() {
            for c in chars {
                assert_eq!(memo.glyph(i, c), file.glyph(c), "{} {c}", file.name);
            }
        }
        assert_eq!(memo.glyph(fonts.files.len(), '的'), None);
    }
}

/// Handing allsorts the reduced cmap gives the very subset allsorts makes from the
/// whole font, for every bundled font (TrueType and CFF) and both kinds of subset.
#[test]
fn reduced_cmap_subsets_are_byte_identical() {
    let fonts = FontSet::bundled();
    let text = "调研报告：青年路社区共有4000户，满意率43.3%。“——”……（一）ABC xyz ０１ 喆 𠮷 䶮";
    let chars: BTreeSet<char> = text.chars().collect();
    for file in &fonts.files {
        let mut gids: BTreeSet<u16> = chars.iter().filter_map(|c| file.glyph(*c)).collect();
        gids.insert(0);
        let ids: Vec<u16> = gids.into_iter().collect();
        let data = ReadScope::new(file.bytes).read::<FontData<'_>>().unwrap();
        let provider = data.table_provider(file.face_index).unwrap();
        assert!(kept_cmap(&provider, &ids).is_some(), "{}", file.name);
        for (kind, profile) in [
            (SubsetKind::Pdf, SubsetProfile::Pdf),
            (SubsetKind::Embedding, SubsetProfile::Minimal),
        ] {
            let whole = subset(&provider, &ids, &profile, CmapTarget::Unicode).unwrap();
            let ours = subset_font_with(file, &chars, kind).unwrap();
            assert!(whole == ours, "{} {kind:?}", file.name);
        }
    }
}

/// The body is the bundled 仿宋 (Zhuque Fangsong); what it lacks (full-width digits,
/// hanzi beyond GB2312) comes from the bundled 宋体 per character.
#[test]
fn body_is_bundled_fangsong_with_song_fallback() {
    let fonts = FontSet::bundled();
    assert_eq!(
        fonts.primary(Role::Body).unwrap().name,
        "ZhuqueFangsong-Regular"
    );
    for c in ['的', '社', '，', '4', '%', '“', '—'] {
        assert_eq!(fonts.resolve(Role::Body, c).unwrap().0, B_FANGSONG, "{c}");
        assert_eq!(fonts.resolve(Role::Note, c).unwrap().0, B_FANGSONG, "{c}");
    }
    // Full-width digits and a GBK-only hanzi (喆 is not in GB2312).
    for c in ['０', '９', '喆'] {
        assert!(fonts.files[B_FANGSONG].glyph(c).is_none(), "{c}");
        assert_eq!(fonts.resolve(Role::Body, c).unwrap().0, B_SERIF, "{c}");
    }
    // The other roles are unchanged.
    assert_eq!(fonts.resolve(Role::Hei, '的').unwrap().0, B_SANS);
    assert_eq!(fonts.resolve(Role::Kai, '的').unwrap().0, B_KAI);
    assert_eq!(fonts.resolve(Role::Title, '的').unwrap().0, B_SERIF_BOLD);
}
