//! A small SVG writer for tables: what both diagrams look like as SVG.
//!
//! A table needs no layout engine: every column is as wide as its longest line and every
//! row as tall as its tallest cell, measured in characters of a monospace font, so the
//! same table gives the same bytes.

use std::fmt::Write as _;

use super::text::xml;

/// Width of one character of the monospace font, in pixels (a little more than a 12 px
/// monospace font takes, so that no text runs out of its cell).
const CHAR_WIDTH: usize = 8;
/// Height of one line of text.
const LINE_HEIGHT: usize = 16;
/// Space between a cell's border and its text.
const PADDING: usize = 6;
/// Space around the table.
const MARGIN: usize = 10;

/// How a cell is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    /// A heading: grey, bold.
    Header,
    /// Ordinary content.
    Plain,
    /// Content that changed since the row above: yellow.
    Changed,
    /// Something allowed: green.
    Allowed,
    /// Background detail: grey text.
    Quiet,
}

impl Style {
    /// Fill colour, text colour, font weight.
    fn colours(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Style::Header => ("#e4e4e4", "#000000", "bold"),
            Style::Plain => ("#ffffff", "#000000", "normal"),
            Style::Changed => ("#fff1a8", "#000000", "normal"),
            Style::Allowed => ("#e3f4e3", "#000000", "normal"),
            Style::Quiet => ("#f7f7f7", "#555555", "normal"),
        }
    }
}

/// One cell: its lines of text and its style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cell {
    lines: Vec<String>,
    style: Style,
}

impl Cell {
    pub(crate) fn new(lines: Vec<String>, style: Style) -> Cell {
        Cell { lines, style }
    }
}

/// A table with a title above it and notes below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Table {
    pub title: String,
    /// The rows, the first one usually headings. Rows may be of different lengths; a
    /// missing cell is left blank.
    pub rows: Vec<Vec<Cell>>,
    pub notes: Vec<String>,
}

/// How wide a line of text is drawn, in pixels.
fn text_width(line: &str) -> usize {
    line.chars().count() * CHAR_WIDTH
}

impl Table {
    /// The table as an SVG document.
    pub(crate) fn render(&self) -> String {
        let columns = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..columns)
            .map(|c| {
                let widest = self
                    .rows
                    .iter()
                    .filter_map(|row| row.get(c))
                    .flat_map(|cell| cell.lines.iter())
                    .map(|line| text_width(line))
                    .max()
                    .unwrap_or(0);
                widest + 2 * PADDING
            })
            .collect();
        let heights: Vec<usize> = self
            .rows
            .iter()
            .map(|row| {
                let lines = row.iter().map(|c| c.lines.len()).max().unwrap_or(0).max(1);
                lines * LINE_HEIGHT + 2 * PADDING
            })
            .collect();
        let table_width: usize = widths.iter().sum();
        let title_height = 2 * LINE_HEIGHT;
        let notes_height = match self.notes.len() {
            0 => 0,
            n => LINE_HEIGHT / 2 + n * LINE_HEIGHT,
        };
        let width = 2 * MARGIN
            + table_width
                .max(text_width(&self.title))
                .max(self.notes.iter().map(|n| text_width(n)).max().unwrap_or(0));
        let height = 2 * MARGIN + title_height + heights.iter().sum::<usize>() + notes_height;

        let mut out = String::new();
        let _ = writeln!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="monospace" font-size="12">"#
        );
        let _ = writeln!(
            out,
            r##"<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>"##
        );
        let _ = writeln!(
            out,
            r#"<text x="{MARGIN}" y="{}" font-size="14" font-weight="bold">{}</text>"#,
            MARGIN + LINE_HEIGHT,
            xml(&self.title)
        );
        let mut y = MARGIN + title_height;
        for (row, height) in self.rows.iter().zip(&heights) {
            let mut x = MARGIN;
            for (c, width) in widths.iter().enumerate() {
                let blank = Cell::new(Vec::new(), Style::Plain);
                let cell = row.get(c).unwrap_or(&blank);
                let (fill, colour, weight) = cell.style.colours();
                let _ = writeln!(
                    out,
                    r##"<rect x="{x}" y="{y}" width="{width}" height="{height}" fill="{fill}" stroke="#999999"/>"##
                );
                if !cell.lines.is_empty() {
                    let _ = write!(
                        out,
                        r#"<text x="{}" y="{}" fill="{colour}" font-weight="{weight}">"#,
                        x + PADDING,
                        y + PADDING + LINE_HEIGHT - 4
                    );
                    for (i, line) in cell.lines.iter().enumerate() {
                        let dy = if i == 0 { 0 } else { LINE_HEIGHT };
                        let _ = write!(
                            out,
                            r#"<tspan x="{}" dy="{dy}" xml:space="preserve">{}</tspan>"#,
                            x + PADDING,
                            xml(line)
                        );
                    }
                    out.push_str("</text>\n");
                }
                x += width;
            }
            y += height;
        }
        y += LINE_HEIGHT / 2;
        for note in &self.notes {
            y += LINE_HEIGHT;
            let _ = writeln!(
                out,
                r##"<text x="{MARGIN}" y="{}" fill="#333333" xml:space="preserve">{}</text>"##,
                y - 4,
                xml(note)
            );
        }
        out.push_str("</svg>\n");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table {
            title: "t & u".into(),
            rows: vec![
                vec![
                    Cell::new(vec!["a".into()], Style::Header),
                    Cell::new(vec!["bb".into()], Style::Header),
                ],
                vec![Cell::new(
                    vec!["one".into(), "<two>".into()],
                    Style::Changed,
                )],
            ],
            notes: vec!["note".into()],
        }
    }

    #[test]
    fn columns_are_as_wide_as_their_longest_line() {
        let svg = table().render();
        // Column 1: "<two>" is 5 characters; column 2: "bb", 2.
        let first = 5 * CHAR_WIDTH + 2 * PADDING;
        let second = 2 * CHAR_WIDTH + 2 * PADDING;
        assert!(
            svg.contains(&format!(r#"width="{first}" height="28""#)),
            "{svg}"
        );
        assert!(svg.contains(&format!(
            r#"x="{}" y="{}" width="{second}""#,
            MARGIN + first,
            MARGIN + 2 * LINE_HEIGHT
        )));
    }

    #[test]
    fn text_is_escaped_and_every_line_is_a_tspan() {
        let svg = table().render();
        assert!(svg.contains(">t &amp; u</text>"));
        assert!(svg.contains(r#"xml:space="preserve">&lt;two&gt;</tspan>"#));
        assert_eq!(svg.matches("<tspan").count(), 4);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>\n"));
    }

    #[test]
    fn a_short_row_gets_blank_cells() {
        let svg = table().render();
        // Two rows of two columns: four cell rectangles and the background.
        assert_eq!(svg.matches("<rect").count(), 5);
    }
}
