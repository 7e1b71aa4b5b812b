//! Unit tests of the chart scene.

use super::*;
use crate::doc::Series;

pub(super) fn measure(t: &str, size: f32) -> f32 {
    t.chars()
        .map(|c| if c.is_ascii() { 0.55 } else { 1.0 })
        .sum::<f32>()
        * size
}

/// A chart of `kind`; a pie gets its shares as compose apportions them.
pub(super) fn chart(kind: ChartKind, cats: &[&str], series: &[(&str, &[f64])]) -> Chart {
    let mut c = Chart {
        kind,
        categories: cats.iter().map(|c| c.to_string()).collect(),
        series: series
            .iter()
            .map(|(n, v)| Series {
                name: n.to_string(),
                values: v.iter().map(|x| Some(*x)).collect(),
            })
            .collect(),
        unit: Some("人".into()),
        ..Chart::default()
    };
    if kind == ChartKind::Pie {
        c.shares = c
            .series
            .first()
            .map(crate::compose::pie_shares)
            .unwrap_or_default();
    }
    c
}

#[test]
fn ticks_use_1_2_5_steps() {
    assert_eq!(nice_ticks(10303.0, 5), [0.0, 5000.0, 10000.0, 15000.0]);
    assert_eq!(nice_ticks(15.0, 5), [0.0, 5.0, 10.0, 15.0]);
    assert_eq!(nice_ticks(0.8, 4), [0.0, 0.2, 0.4, 0.6, 0.8]);
    assert_eq!(nice_ticks(113.0, 5), [0.0, 50.0, 100.0, 150.0]);
    assert_eq!(nice_ticks(0.0, 5), [0.0, 1.0]);
    for max in [1.0, 7.0, 99.0, 123.4, 5400.0, 81758.0] {
        let t = nice_ticks(max, 5);
        let step = t[1] - t[0];
        let m = step / 10f64.powf(step.log10().floor());
        assert!(
            [1.0, 2.0, 5.0].iter().any(|x| (m - x).abs() < 1e-9),
            "{max}: step {step}"
        );
        assert!(*t.last().unwrap() >= max && t.len() <= 11);
    }
}

#[test]
fn pie_angles_sum_to_a_full_circle() {
    let a = pie_angles(&[49.0, 53.0, 39.0]);
    let sweep: f64 = a.iter().map(|(s, e)| e - s).sum();
    assert!((sweep - std::f64::consts::TAU).abs() < 1e-12);
    assert!((a[2].1 - std::f64::consts::TAU).abs() < 1e-12);
    assert_eq!(a[0].0, 0.0);
}

#[test]
fn pie_label_shares_add_to_100() {
    let c = chart(
        ChartKind::Pie,
        &["本科及研究生", "大专", "高中及以下"],
        &[("学历", &[49.0, 53.0, 39.0])],
    );
    let s = scene(&c, 440.0, 220.0, &measure);
    let pcts: Vec<f64> = s
        .shapes
        .iter()
        .filter_map(|sh| match sh {
            Shape::Text { text, .. } if text.ends_with('%') => {
                text.rsplit(' ').next()?.trim_end_matches('%').parse().ok()
            }
            _ => None,
        })
        .collect();
    assert_eq!(pcts.len(), 3);
    assert!((pcts.iter().sum::<f64>() - 100.0).abs() < 1e-9, "{pcts:?}");
}

fn text_boxes(s: &Scene) -> Vec<(f32, f32, f32, f32, String)> {
    s.shapes
        .iter()
        .filter_map(|sh| match sh {
            Shape::Text {
                x, y, size, text, ..
            } => Some((*x, *y - size, *x + measure(text, *size), *y, text.clone())),
            _ => None,
        })
        .collect()
}

/// The seed's twelve communities by their short names, as its charts label them.
const SHORTS: [&str; 12] = [
    "青一",
    "青二",
    "青三",
    "莲一",
    "莲二",
    "莲四",
    "糖坊街",
    "东药",
    "西药",
    "习武园",
    "西北一路",
    "安定",
];

#[test]
fn labels_of_the_twelve_communities_do_not_overlap() {
    let shorts = SHORTS;
    let residents = [
        6368.0, 6788.0, 6496.0, 6935.0, 10182.0, 5993.0, 7877.0, 7194.0, 10303.0, 7751.0, 5656.0,
        215.0,
    ];
    for width in [440.0, 300.0] {
        let s = scene(
            &chart(ChartKind::Bar, &shorts, &[("常住人口", &residents)]),
            width,
            250.0,
            &measure,
        );
        let boxes = text_boxes(&s);
        for (i, a) in boxes.iter().enumerate() {
            assert!(
                a.0 >= -0.01 && a.2 <= width + 0.01,
                "{} outside the chart",
                a.4
            );
            for b in &boxes[i + 1..] {
                let overlap =
                    a.0 < b.2 - 0.01 && b.0 < a.2 - 0.01 && a.1 < b.3 - 0.01 && b.1 < a.3 - 0.01;
                assert!(!overlap, "width {width}: {} overlaps {}", a.4, b.4);
            }
        }
        // Every community is labelled (at 300 pt the longer names wrap onto two lines).
        let c = chart(ChartKind::Bar, &shorts, &[("常住人口", &residents)]);
        let labels = category_labels(&c, width);
        assert_eq!(labels.len(), 12);
        for (ci, lines) in labels {
            assert_eq!(lines.concat(), shorts[ci]);
            for l in &lines {
                assert!(boxes.iter().any(|b| &b.4 == l), "{l}");
            }
        }
    }
}

fn long_names(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("中华人民共和国某某省某某市某某区第{i}社区居民委员会服务站"))
        .collect()
}

/// Issue 16 (attack16/chart-longcat, chart-c30): long or many category names printed
/// no category label. Now every k-th category (k as `bar_labels` says, every one when
/// they fit) is labelled, from the first, at ≥ 8 pt, without overlaps, in all three
/// kinds and at both widths.
#[test]
fn long_or_many_categories_are_labelled_every_kth_without_overlap() {
    let short: Vec<String> = (0..30).map(|i| format!("第{i}社区")).collect();
    for (names, want_lines) in [(long_names(6), 2), (long_names(12), 2), (short, 2)] {
        let cats: Vec<&str> = names.iter().map(String::as_str).collect();
        let v: Vec<f64> = (0..cats.len()).map(|i| 1.0 + (i % 7) as f64).collect();
        for kind in [ChartKind::Bar, ChartKind::Stacked, ChartKind::Line] {
            for width in [442.2, 300.0] {
                let c = chart(kind, &cats, &[("a", &v), ("b", &v)]);
                let l = bar_labels(&c, width);
                assert_eq!(l.lines, want_lines);
                assert!(l.category_pt >= MIN_LABEL_PT);
                let labels = category_labels(&c, width);
                let idx: Vec<usize> = labels.iter().map(|x| x.0).collect();
                let every: Vec<usize> = (0..cats.len()).step_by(l.step).collect();
                assert_eq!(idx, every, "{kind:?} {width}");
                assert!(idx.len() >= 2, "{kind:?} {width}: {idx:?}");
                let s = scene(&c, width, chart_height(&c, width), &measure);
                assert_no_overlap(&s);
                let t: Vec<String> = texts(&s).into_iter().map(|x| x.1).collect();
                for (ci, lines) in &labels {
                    let joined = lines.concat();
                    assert!(
                        joined == cats[*ci]
                            || (joined.ends_with('…')
                                && cats[*ci].starts_with(joined.trim_end_matches('…'))),
                        "{joined}"
                    );
                    for line in lines {
                        assert!(t.contains(line), "{kind:?} {width}: {line} not drawn");
                    }
                }
            }
        }
    }
    // 12 long names: every other one at full width, two lines each.
    let names = long_names(12);
    let cats: Vec<&str> = names.iter().map(String::as_str).collect();
    let c = chart(ChartKind::Bar, &cats, &[("a", &[1.0; 12])]);
    let l = bar_labels(&c, 442.2);
    assert!(
        (l.lines, l.category_pt) == (2, MIN_LABEL_PT) && l.step > 1,
        "{l:?}"
    );
}

/// Issue 16: with more than six series, series 0 and 6 had the same fill. The first
/// 24 series of a chart now all look different; neighbours stay ≥ 15 L* apart.
#[test]
fn ten_series_all_look_different() {
    let looks: Vec<(Rgb, Hatch, Marker)> = (0..24).map(|i| series_look(i, 24)).collect();
    for (i, a) in looks.iter().enumerate() {
        for b in &looks[i + 1..] {
            assert!(a.0 != b.0 || a.1 != b.1, "fill {i}");
            assert!(a.0 != b.0 || a.2 != b.2, "marker {i}");
        }
    }
    for w in looks.windows(2) {
        assert!((lightness(w[0].0) - lightness(w[1].0)).abs() >= 15.0);
    }
    // The scene hatches series 7–10 of a ten-series stacked chart: white lines.
    let v = [1.0, 2.0];
    let series: Vec<(String, &[f64])> = (0..10).map(|i| (format!("s{i}"), &v[..])).collect();
    let series: Vec<(&str, &[f64])> = series.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    let c = chart(ChartKind::Stacked, &["甲", "乙"], &series);
    let s = scene(&c, 442.2, chart_height(&c, 442.2), &measure);
    let hatch = s
        .shapes
        .iter()
        .filter(|sh| matches!(sh, Shape::Line { color, .. } if *color == [255, 255, 255]))
        .count();
    assert!(hatch > 20, "{hatch} hatch lines");
    for sh in hatch_lines(10.0, 20.0, 30.0, 40.0, Hatch::Cross) {
        let Shape::Line { points, .. } = sh else {
            unreachable!()
        };
        for (x, y) in points {
            assert!((10.0..=40.01).contains(&x) && (20.0..=60.01).contains(&y));
        }
    }
}

#[test]
fn stacked_bars_reach_the_unit_totals() {
    let c = chart(
        ChartKind::Stacked,
        &["甲", "乙"],
        &[("a", &[1.0, 2.0]), ("b", &[3.0, 4.0])],
    );
    let s = scene(&c, 400.0, 200.0, &measure);
    let bars = s
        .shapes
        .iter()
        .filter(|sh| matches!(sh, Shape::Fill { points, .. } if points.len() == 4))
        .count();
    assert!(bars >= 4);
}

/// Issue 17: a pie's labels print the shares the Document carries (apportioned by
/// compose), one decimal; a pie without shares is labelled by category alone.
#[test]
fn pie_labels_print_the_documents_shares() {
    let mut c = chart(ChartKind::Pie, &["甲", "乙"], &[("a", &[1.0, 2.0])]);
    c.shares = vec![1000, 0];
    assert_eq!(pie_labels(&c), ["甲 100.0%", "乙 0.0%"]);
    assert_eq!(pie_percents(&[368, 368, 263]), ["36.8%", "36.8%", "26.3%"]);
    c.shares.clear();
    assert_eq!(pie_labels(&c), ["甲", "乙"]);
}

#[test]
fn empty_or_zero_data_draws_no_data() {
    for c in [
        chart(ChartKind::Pie, &["甲", "乙"], &[("a", &[0.0, 0.0])]),
        chart(ChartKind::Pie, &[], &[("a", &[])]),
        Chart {
            kind: ChartKind::Line,
            ..Chart::default()
        },
    ] {
        let s = scene(&c, 300.0, 150.0, &measure);
        assert!(
            s.shapes
                .iter()
                .any(|sh| matches!(sh, Shape::Text { text, .. } if text == "无数据")),
            "{:?}",
            c.kind
        );
    }
}

/// Attacker finding F7 (issue 18): a bar or line chart of zeros is a chart at 0, not
/// "无数据"; F6: negative values extend the axis below 0 and print as they are.
#[test]
fn zeros_are_data_and_negatives_go_below_zero() {
    for kind in [ChartKind::Bar, ChartKind::Line, ChartKind::Stacked] {
        let c = chart(kind, &["甲", "乙"], &[("a", &[0.0, 0.0])]);
        let s = scene(&c, 300.0, 150.0, &measure);
        assert!(
            !texts(&s).iter().any(|(_, t)| t == "无数据"),
            "{kind:?}: {:?}",
            texts(&s)
        );
        assert_eq!(value_ticks(&c), vec![0.0, 1.0]);
    }
    let c = chart(
        ChartKind::Bar,
        &["甲", "乙", "丙"],
        &[("a", &[10.0, -52.0, -9.0])],
    );
    let ticks = value_ticks(&c);
    assert!(
        ticks[0] <= -52.0 && *ticks.last().unwrap() >= 10.0,
        "{ticks:?}"
    );
    assert!(ticks.contains(&0.0), "{ticks:?}");
    let t = texts(&scene(&c, 300.0, 150.0, &measure));
    for want in ["-52", "-9", "10"] {
        assert!(t.iter().any(|(_, x)| x == want), "{want}: {t:?}");
    }
    assert_eq!(nice_ticks_between(0.0, 7.0, 5), nice_ticks(7.0, 5));
}

fn texts(s: &Scene) -> Vec<(f32, String)> {
    s.shapes
        .iter()
        .filter_map(|sh| match sh {
            Shape::Text { size, text, .. } => Some((*size, text.clone())),
            _ => None,
        })
        .collect()
}

fn assert_no_overlap(s: &Scene) {
    let boxes = text_boxes(s);
    for (i, a) in boxes.iter().enumerate() {
        assert!(
            a.0 >= -0.01 && a.2 <= s.width + 0.01 && a.1 >= -0.01 && a.3 <= s.height + 0.01,
            "{} outside the chart",
            a.4
        );
        for b in &boxes[i + 1..] {
            let overlap =
                a.0 < b.2 - 0.01 && b.0 < a.2 - 0.01 && a.1 < b.3 - 0.01 && b.1 < a.3 - 0.01;
            assert!(!overlap, "{} overlaps {}", a.4, b.4);
        }
    }
}

#[test]
fn palette_neighbours_differ_by_15_lightness_in_greyscale() {
    // The measurements: orange/teal 4, navy/red 7 (CIE L*) in the old palette.
    assert!((lightness([0xd9, 0x7a, 0x2b]) - lightness([0x6f, 0xa8, 0xa0])).abs() < 5.0);
    assert_eq!(lightness([0, 0, 0]), 0.0);
    assert!((lightness([255, 255, 255]) - 100.0).abs() < 1e-9);
    for n in 1..=20 {
        for closed in [false, true] {
            let c: Vec<Rgb> = (0..n).map(|i| series_color(i, n, closed)).collect();
            let mut pairs: Vec<(usize, usize)> = (1..n).map(|i| (i - 1, i)).collect();
            if closed && n > 2 {
                pairs.push((n - 1, 0));
            }
            for (a, b) in pairs {
                let d = (lightness(c[a]) - lightness(c[b])).abs();
                assert!(d >= 15.0, "{n} series, {a}/{b}: ΔL* {d:.1}");
            }
        }
    }
    // Up to four series every pair differs, not only neighbours.
    let first: Vec<f64> = PALETTE[..4].iter().map(|c| lightness(*c)).collect();
    for (a, la) in first.iter().enumerate() {
        for lb in &first[a + 1..] {
            assert!((la - lb).abs() >= 15.0);
        }
    }
}

#[test]
fn every_label_is_at_least_8_pt_and_none_overlap() {
    let shorts = SHORTS;
    let v: Vec<f64> = (0..12).map(|i| 100.0 + 731.0 * i as f64).collect();
    let charts = [
        chart(ChartKind::Bar, &shorts, &[("常住人口", &v)]),
        chart(
            ChartKind::Stacked,
            &shorts,
            &[
                ("30岁以下", &v),
                ("30—40岁", &v),
                ("40—50岁", &v),
                ("50岁以上", &v),
            ],
        ),
        chart(ChartKind::Line, &shorts, &[("a", &v), ("b", &v)]),
        chart(
            ChartKind::Pie,
            &["本科及研究生", "大专", "高中及以下"],
            &[("学历", &[49.0, 53.0, 39.0])],
        ),
    ];
    for width in [442.2, 300.0] {
        for c in &charts {
            let s = scene(c, width, chart_height(c, width), &measure);
            for (size, t) in texts(&s) {
                assert!(size >= MIN_LABEL_PT, "{:?} {t}: {size} pt", c.kind);
            }
            assert_no_overlap(&s);
        }
    }
    // The single-series bars print their values, at 8 pt.
    let s = scene(&charts[0], 442.2, chart_height(&charts[0], 442.2), &measure);
    assert!(texts(&s).contains(&(8.0, "8141".to_string())));
}

#[test]
fn pie_is_labelled_directly_and_small_segments_do_not_collide() {
    let c = chart(
        ChartKind::Pie,
        &["本科及研究生", "大专", "高中及以下"],
        &[("学历", &[49.0, 53.0, 39.0])],
    );
    let s = scene(&c, 442.2, chart_height(&c, 442.2), &measure);
    let mut t: Vec<String> = texts(&s).into_iter().map(|(_, t)| t).collect();
    t.sort();
    let mut want = ["本科及研究生 34.7%", "大专 37.6%", "高中及以下 27.7%"].map(String::from);
    want.sort();
    assert_eq!(t, want);
    // Each label has a leader line from its segment's rim.
    let leaders = s
        .shapes
        .iter()
        .filter(|sh| matches!(sh, Shape::Line { color, .. } if *color == INK))
        .count();
    assert_eq!(leaders, 3);
    // Many thin segments: the labels spread apart instead of overlapping.
    let cats: Vec<String> = (0..14).map(|i| format!("类别{i}")).collect();
    let cats: Vec<&str> = cats.iter().map(String::as_str).collect();
    let mut vals = vec![1.0; 13];
    vals.push(200.0);
    let c = chart(ChartKind::Pie, &cats, &[("x", &vals)]);
    let h = chart_height(&c, 442.2);
    let s = scene(&c, 442.2, h, &measure);
    assert_eq!(texts(&s).len(), 14);
    assert_no_overlap(&s);
}

#[test]
fn chart_height_follows_the_content() {
    let w = 442.2;
    let bar = chart(ChartKind::Bar, &["甲", "乙"], &[("a", &[1.0, 2.0])]);
    let pie = chart(
        ChartKind::Pie,
        &["甲", "乙", "丙"],
        &[("a", &[1.0, 2.0, 3.0])],
    );
    let (hb, hp) = (chart_height(&bar, w), chart_height(&pie, w));
    // The old fixed box was 0.55 of the width (243 pt).
    assert!(hp < 190.0 && hp > 120.0, "pie {hp}");
    assert!(hb < 243.0 && hb > 150.0, "bar {hb}");
    // More legend rows, a taller chart; more pie labels than the disc is high, taller.
    let names: Vec<String> = (0..12).map(|i| format!("很长的系列名称{i}")).collect();
    let series: Vec<(&str, &[f64])> = names
        .iter()
        .map(|n| (n.as_str(), &[1.0, 2.0][..]))
        .collect();
    let many = chart(ChartKind::Stacked, &["甲", "乙"], &series);
    assert!(chart_height(&many, w) >= hb + 2.0 * LEGEND_PITCH);
    let cats: Vec<String> = (0..30).map(|i| format!("类{i}")).collect();
    let cats: Vec<&str> = cats.iter().map(String::as_str).collect();
    let big = chart(ChartKind::Pie, &cats, &[("x", &[1.0; 30])]);
    assert!(chart_height(&big, w) >= 15.0 * PIE_PITCH);
    // Nothing to draw: a small notice box.
    assert_eq!(chart_height(&Chart::default(), w), 60.0);
}

/// LibreOffice wraps a category label wider than about 95% of its band: a label the
/// PDF sets on one line must be narrower, or the DOCX shows it on two while the PDF
/// shows one (the seed's 西北一路 at 8.5 pt reached into its neighbours' bands in the
/// PDF and wrapped in the DOCX). Every line of every label fits [`WRAP_FRACTION`] of
/// its `step` bands; the seed's names are at 8 pt, 西北一路 on two lines as in the DOCX.
#[test]
fn every_label_line_fits_where_word_and_libreoffice_wrap() {
    let w = 442.2;
    let residents = [
        6368.0, 6788.0, 6496.0, 6935.0, 10182.0, 5993.0, 7877.0, 7194.0, 10303.0, 7751.0, 5656.0,
        215.0,
    ];
    let seed = chart(ChartKind::Bar, &SHORTS, &[("常住人口", &residents)]);
    let l = bar_labels(&seed, w);
    assert_eq!((l.category_pt, l.lines, l.step), (MIN_LABEL_PT, 2, 1));
    let labels = category_labels(&seed, w);
    assert_eq!(labels[10].1, ["西北一", "路"]);
    assert!(labels.iter().filter(|l| l.1.len() == 1).count() == 11);
    let names = long_names(30);
    for n in [6, 12, 30] {
        let cats: Vec<&str> = names[..n].iter().map(String::as_str).collect();
        for c in [
            seed.clone(),
            chart(ChartKind::Bar, &cats, &[("a", &vec![1.0; n])]),
        ] {
            let l = bar_labels(&c, w);
            for (_, lines) in category_labels(&c, w) {
                for line in lines {
                    let lw = estimate_width(&line, l.category_pt);
                    assert!(
                        lw <= l.band * l.step as f32 * WRAP_FRACTION + 1e-3,
                        "{line}: {lw} pt in {} bands of {} pt",
                        l.step,
                        l.band
                    );
                }
            }
        }
    }
}

/// The DOCX's legend box (`legend_box`) is where the PDF draws the legend: below the
/// unit note, above the plot, as many rows as the scene draws.
#[test]
fn the_legend_box_lies_between_the_unit_note_and_the_plot() {
    let w = 442.2;
    let names: Vec<String> = (0..10).map(|i| format!("系列{i}")).collect();
    let series: Vec<(&str, &[f64])> = names
        .iter()
        .map(|n| (n.as_str(), &[1.0, 2.0][..]))
        .collect();
    let c = chart(ChartKind::Stacked, &["甲", "乙"], &series);
    let h = chart_height(&c, w);
    let [_, y, _, bh] = legend_box(&c, w).unwrap();
    let plot = plot_area(&c, w, h);
    assert!(y >= 10.0 + 2.0, "below the unit note's baseline: {y}");
    assert!(
        y + bh <= plot[1],
        "above the plot: {} > {}",
        y + bh,
        plot[1]
    );
    // The scene's legend entries (the names) lie inside the box.
    let s = scene(&c, w, h, &measure);
    for (_, t) in texts(&s).iter().filter(|(_, t)| t.starts_with("系列")) {
        let (ty, size) = s
            .shapes
            .iter()
            .find_map(|sh| match sh {
                Shape::Text { y, size, text, .. } if text == t => Some((*y, *size)),
                _ => None,
            })
            .unwrap();
        assert!(ty - size >= y - 0.01 && ty <= y + bh, "{t} at {ty}");
    }
    assert!(legend_box(&chart(ChartKind::Bar, &["甲"], &[("a", &[1.0])]), w).is_none());
}
