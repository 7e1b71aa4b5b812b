//! Charts: a chart's scene (`render::chart`) placed as vector items with its caption.

use super::inline::HAlign;
use super::{Item, Typesetter, FIT_EPS};
use crate::doc::Run;
use crate::render::pdf::fonts::Role;

impl Typesetter<'_> {
    /// Height of the chart's drawing (pt), from its content (`render::chart::chart_height`,
    /// which the DOCX drawing uses too).
    fn plot_height(&self, c: &crate::doc::Chart) -> f32 {
        crate::render::chart::chart_height(c, self.p.text_width())
    }

    /// Height a chart takes with its caption and the space around it (pt); it is kept whole.
    pub(super) fn chart_height(&self, c: &crate::doc::Chart) -> f32 {
        self.plot_height(c) + 8.0 + self.p.pitch * 1.5
    }

    /// A chart as vectors, full text width, its caption 图N below; the two stay together.
    pub(super) fn chart(&mut self, c: &crate::doc::Chart) {
        use crate::render::chart::{scene, Shape};
        let width = self.p.text_width();
        let height = self.plot_height(c);
        if self.room() + FIT_EPS < self.chart_height(c) && !self.at_page_top() {
            self.new_page();
        }
        let fonts = self.fonts;
        let measure = |t: &str, size: f32| {
            t.chars()
                .map(|ch| fonts.advance(Role::Hei, ch, size))
                .sum::<f32>()
        };
        let sc = scene(c, width, height, &measure);
        let (ox, oy) = (self.p.left, self.y + 4.0);
        let ph = self.p.page_h;
        let at = |(x, y): (f32, f32)| (ox + x, ph - (oy + y));
        let mut items = Vec::new();
        for sh in sc.shapes {
            match sh {
                Shape::Fill {
                    points,
                    bezier,
                    color,
                } => items.push(Item::Fill {
                    points: points.into_iter().map(at).collect(),
                    bezier,
                    color,
                }),
                Shape::Line {
                    points,
                    width,
                    color,
                } => items.push(Item::Stroke {
                    points: points.into_iter().map(at).collect(),
                    width,
                    color,
                }),
                Shape::Text {
                    x,
                    y,
                    size,
                    text,
                    color,
                    ..
                } => {
                    let sh = self.shape(&[Run::plain(text)], Role::Hei, size);
                    items.push(Item::TextColor(color));
                    let w = sh.widths.iter().sum::<f32>();
                    items.extend(self.line_items(
                        &sh,
                        0..sh.chars.len(),
                        ox + x,
                        w,
                        size,
                        oy + y,
                        HAlign::Left,
                    ));
                    items.push(Item::TextColor([0, 0, 0]));
                }
            }
        }
        self.page().items.extend(items);
        self.y += height + 8.0;
        let st = self.centred(Role::Hei, 14.0, self.p.pitch);
        self.paragraph(&[Run::plain(c.label())], st);
        self.y += self.p.pitch * 0.5;
    }
}
