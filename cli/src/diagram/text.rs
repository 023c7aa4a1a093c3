//! Text as each diagram language must carry it.

use vss_model::VssId;

/// Text for a Mermaid label, message or note: the characters Mermaid reads as syntax
/// (`;` ends a statement, `#` starts an entity, `<` and `>` open tags, `"` ends a quoted
/// name) written as Mermaid's entity codes.
pub(crate) fn mermaid(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '#' => out.push_str("#35;"),
            ';' => out.push_str("#59;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '"' => out.push_str("#quot;"),
            c => out.push(c),
        }
    }
    out
}

/// Lines for a Mermaid note or label: each line escaped, joined by Mermaid's line break.
pub(crate) fn mermaid_lines(lines: &[String]) -> String {
    let escaped: Vec<String> = lines.iter().map(|l| mermaid(l)).collect();
    escaped.join("<br/>")
}

/// Lines as the inside of a quoted DOT string, each one left-aligned (`\l` ends a line
/// and aligns it left; a backslash and a quote are escaped).
pub(crate) fn dot_lines(lines: &[String]) -> String {
    let mut out = String::new();
    for line in lines {
        for c in line.chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '"' => out.push_str("\\\""),
                c => out.push(c),
            }
        }
        out.push_str("\\l");
    }
    out
}

/// Text for SVG character data or an attribute value.
pub(crate) fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// A GUID shortened to its first eight hex digits, `{f4d1c03a}`: enough to tell the few
/// ids of a diagram apart, short enough to keep its boxes narrow.
pub(crate) fn short_id(id: VssId) -> String {
    format!("{{{:08x}}}", id.data1)
}

/// Splits text into lines of at most `width` characters at spaces (a longer word stays
/// whole on a line of its own).
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mermaid_syntax_characters_become_entities() {
        assert_eq!(
            mermaid(r#"a;b #1 <c> "d""#),
            "a#59;b #35;1 #lt;c#gt; #quot;d#quot;"
        );
        assert_eq!(
            mermaid_lines(&["x;".to_string(), "y".to_string()]),
            "x#59;<br/>y"
        );
    }

    #[test]
    fn dot_lines_escape_backslashes_and_quotes() {
        assert_eq!(
            dot_lines(&[r#"E:\ "x""#.to_string(), "two".to_string()]),
            r#"E:\\ \"x\"\ltwo\l"#
        );
    }

    #[test]
    fn xml_escapes_markup() {
        assert_eq!(
            xml(r#"<a & 'b' "c">"#),
            "&lt;a &amp; &apos;b&apos; &quot;c&quot;&gt;"
        );
    }

    #[test]
    fn wrap_breaks_at_spaces_and_keeps_long_words_whole() {
        assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
        assert_eq!(wrap("abcdefgh x", 4), ["abcdefgh", "x"]);
        assert!(wrap("", 4).is_empty());
    }

    #[test]
    fn short_ids_keep_the_first_eight_digits() {
        let id: VssId = "{f4d1c03a-4b1c-4239-ae7f-4d6a43c300f4}".parse().unwrap();
        assert_eq!(short_id(id), "{f4d1c03a}");
    }
}
