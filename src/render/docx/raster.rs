//! Charts for the DOCX: the shared chart scene rasterised to PNG at print resolution with
//! tiny-skia, text drawn from the bundled fonts' outlines (ttf-parser). Deterministic bytes.

use std::sync::OnceLock;

use tiny_skia::{FillRule, Paint, PathBuilder, Pixmap, Stroke, Transform};

use crate::render::chart::{Scene, Shape};
use crate::render::pdf::FontSet;

/// Pixels per point: 200 dpi, so a text-width chart (156 mm) is 1228 px wide.
pub const SCALE: f32 = 200.0 / 72.0;

/// The faces text is drawn with: 黑体 (Noto Sans SC), then 宋体 (Noto Serif SC, all GBK).
fn faces() -> &'static [&'static ttf_parser::Face<'static>] {
    static FACES: OnceLock<Vec<&'static ttf_parser::Face<'static>>> = OnceLock::new();
    FACES.get_or_init(|| {
        let set = FontSet::bundled();
        ["NotoSansSC-Regular", "NotoSerifSC-Regular"]
            .iter()
            .filter_map(|name| set.files.iter().find(|f| f.name == *name))
            .map(|f| &f.face)
            .collect()
    })
}

/// Width of `text` at `size` pt, as the rasteriser will draw it.
pub fn measure(text: &str, size: f32) -> f32 {
    text.chars()
        .map(|c| {
            faces()
                .iter()
                .find_map(|f| {
                    let g = f.glyph_index(c)?;
                    Some(f.glyph_hor_advance(g)? as f32 / f.units_per_em() as f32)
                })
                .unwrap_or(0.5)
                * size
        })
        .sum()
}

struct Outline<'a> {
    pb: &'a mut PathBuilder,
    /// Font units → pixels.
    k: f32,
    x: f32,
    y: f32,
}

impl ttf_parser::OutlineBuilder for Outline<'_> {
    fn move_to(&mut self, x: f32, y: f32) {
        self.pb.move_to(self.x + x * self.k, self.y - y * self.k);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.pb.line_to(self.x + x * self.k, self.y - y * self.k);
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        self.pb.quad_to(
            self.x + x1 * self.k,
            self.y - y1 * self.k,
            self.x + x * self.k,
            self.y - y * self.k,
        );
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        self.pb.cubic_to(
            self.x + x1 * self.k,
            self.y - y1 * self.k,
            self.x + x2 * self.k,
            self.y - y2 * self.k,
            self.x + x * self.k,
            self.y - y * self.k,
        );
    }
    fn close(&mut self) {
        self.pb.close();
    }
}

fn paint(c: [u8; 3]) -> Paint<'static> {
    let mut p = Paint::default();
    p.set_color_rgba8(c[0], c[1], c[2], 255);
    p.anti_alias = true;
    p
}

/// Rasterise `scene` to PNG bytes; returns (png, width px, height px).
pub fn png(scene: &Scene) -> Option<(Vec<u8>, u32, u32)> {
    let (w, h) = (
        (scene.width * SCALE).ceil() as u32,
        (scene.height * SCALE).ceil() as u32,
    );
    // Drawn on transparent black (the zeroed allocation) and composited over white when
    // encoded: filling 3 MB of white first cost more than the drawing.
    let mut pm = Pixmap::new(w, h)?;
    pm.fill(tiny_skia::Color::WHITE);
    let t = Transform::identity();
    for sh in &scene.shapes {
        match sh {
            Shape::Fill {
                points,
                bezier,
                color,
            } => {
                let mut pb = PathBuilder::new();
                let mut i = 0;
                while i < points.len() {
                    let (x, y) = (points[i].0 * SCALE, points[i].1 * SCALE);
                    if i == 0 {
                        pb.move_to(x, y);
                        i += 1;
                    } else if bezier[i] && i + 2 < points.len() {
                        let p = |j: usize| (points[j].0 * SCALE, points[j].1 * SCALE);
                        let ((x1, y1), (x2, y2), (x3, y3)) = (p(i), p(i + 1), p(i + 2));
                        pb.cubic_to(x1, y1, x2, y2, x3, y3);
                        i += 3;
                    } else {
                        pb.line_to(x, y);
                        i += 1;
                    }
                }
                pb.close();
                if let Some(path) = pb.finish() {
                    pm.fill_path(&path, &paint(*color), FillRule::Winding, t, None);
                }
            }
            Shape::Line {
                points,
                width,
                color,
            } => {
                let mut pb = PathBuilder::new();
                for (i, (x, y)) in points.iter().enumerate() {
                    if i == 0 {
                        pb.move_to(x * SCALE, y * SCALE);
                    } else {
                        pb.line_to(x * SCALE, y * SCALE);
                    }
                }
                if let Some(path) = pb.finish() {
                    let stroke = Stroke {
                        width: width * SCALE,
                        ..Stroke::default()
                    };
                    pm.stroke_path(&path, &paint(*color), &stroke, t, None);
                }
            }
            Shape::Text {
                x,
                y,
                size,
                text,
                color,
                ..
            } => {
                let mut pb = PathBuilder::new();
                let mut pen = *x;
                for c in text.chars() {
                    let Some((face, g)) = faces()
                        .iter()
                        .find_map(|f| f.glyph_index(c).map(|g| (f, g)))
                    else {
                        pen += size * 0.5;
                        continue;
                    };
                    let k = size / face.units_per_em() as f32 * SCALE;
                    let mut o = Outline {
                        pb: &mut pb,
                        k,
                        x: pen * SCALE,
                        y: y * SCALE,
                    };
                    face.outline_glyph(g, &mut o);
                    pen += face.glyph_hor_advance(g).unwrap_or(0) as f32
                        / face.units_per_em() as f32
                        * size;
                }
                if let Some(path) = pb.finish() {
                    pm.fill_path(&path, &paint(*color), FillRule::Winding, t, None);
                }
            }
        }
    }
    let bytes = encode(&pm)?;
    Some((bytes, w, h))
}

/// PNG bytes of a pixmap composited over white. A chart has few colours (flat fills, text, and their
/// anti-aliased edges: 50–150 in practice), so it is written as an indexed PNG, one byte
/// a pixel, with fast deflate; more than 256 colours fall back to 8-bit RGB. tiny-skia's own
/// encoder writes RGBA at zlib's default level, which took a third of a whole report's CPU
/// time for the same picture.
fn encode(pm: &Pixmap) -> Option<Vec<u8>> {
    // Premultiplied colour over white: c + (255 − a).
    let over_white = |p: &[u8]| {
        let k = 255 - p[3];
        [p[0] + k, p[1] + k, p[2] + k]
    };
    let raw = pm.data();
    let mut palette: Vec<[u8; 3]> = Vec::new();
    let mut indexed: Vec<u8> = Vec::with_capacity(raw.len() / 4);
    // Runs of one colour are the rule (background, bars): compare raw pixels first.
    let mut last: Option<(&[u8], u8)> = None;
    for p in raw.chunks_exact(4) {
        if let Some((lp, li)) = last {
            if lp == p {
                indexed.push(li);
                continue;
            }
        }
        let c = over_white(p);
        let i = match palette.iter().position(|q| *q == c) {
            Some(i) => i,
            None => {
                palette.push(c);
                palette.len() - 1
            }
        };
        if i > 255 {
            break;
        }
        last = Some((p, i as u8));
        indexed.push(i as u8);
    }
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, pm.width(), pm.height());
    enc.set_depth(png::BitDepth::Eight);
    enc.set_compression(png::Compression::Fast);
    let dpm = (SCALE * 72.0 / 0.0254).round() as u32;
    enc.set_pixel_dims(Some(png::PixelDimensions {
        xppu: dpm,
        yppu: dpm,
        unit: png::Unit::Meter,
    }));
    let data = if palette.len() <= 256 {
        enc.set_color(png::ColorType::Indexed);
        enc.set_palette(palette.concat());
        enc.set_filter(png::FilterType::Up);
        indexed
    } else {
        enc.set_color(png::ColorType::Rgb);
        enc.set_filter(png::FilterType::Sub);
        raw.chunks_exact(4).flat_map(over_white).collect()
    };
    let mut w = enc.write_header().ok()?;
    w.write_image_data(&data).ok()?;
    w.finish().ok()?;
    Some(out)
}
