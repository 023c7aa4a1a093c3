//! How the repository cites the VSS behaviour it rests on, read the way the `citations` and
//! `checkable_scenarios` tests read it.
//!
//! A checkable scenario is cited as `vss-checkable-scenarios.md #23`, several as
//! `vss-checkable-scenarios.md #23, #24 and #26-#28` (a range names every number between its
//! ends); a section as `vss-behaviour.md §3.3`, several as `vss-behaviour.md §5.2, §5.3 and
//! §5.6`, an open question as `vss-behaviour.md §9 question 4`, and the HRESULT table as
//! `vss-checkable-scenarios.md §7`. A run of numbers goes on through commas, `and`, `or`,
//! `to` and parenthesised words (`#19 (DOC) and #57-#60`), and ends at anything else.

/// The page of the checkable scenarios (§8) and the HRESULT table (§7).
pub const SCENARIOS_PAGE: &str = "vss-checkable-scenarios.md";
/// The page of the VSS behaviour, §0 to §10.
pub const BEHAVIOUR_PAGE: &str = "vss-behaviour.md";

/// One item of a run of citations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cited {
    /// A scenario number, `#N`.
    Scenario(u32),
    /// A section number, `§3.3` as `"3.3"`.
    Section(String),
    /// An open question of a section, `§9 question 4`.
    Question(String, u32),
}

/// The digits at the start of `text`, as a number, and what follows them.
fn number(text: &str) -> Option<(u32, &str)> {
    let end = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let n = text[..end].parse().ok()?;
    Some((n, &text[end..]))
}

/// A section number at the start of `text` (`3`, `3.3`, `2.2.1`; a dot ending a sentence is
/// not part of it), and what follows it.
fn section(text: &str) -> Option<(String, &str)> {
    let (_, mut rest) = number(text)?;
    while let Some(after_dot) = rest.strip_prefix('.') {
        match number(after_dot) {
            Some((_, after)) => rest = after,
            None => break,
        }
    }
    let taken = &text[..text.len() - rest.len()];
    Some((taken.to_string(), rest))
}

/// What joins the items of a run: whitespace, a comma, `and`, `or`, `to`, or words in
/// parentheses. `None` when `text` starts with none of them.
fn separator(text: &str) -> Option<&str> {
    let trimmed = text.trim_start();
    if trimmed.len() < text.len() {
        return Some(trimmed);
    }
    if let Some(rest) = text.strip_prefix(',') {
        return Some(rest);
    }
    for word in ["and", "or", "to"] {
        if let Some(rest) = text.strip_prefix(word)
            && rest.starts_with(char::is_whitespace)
        {
            return Some(rest);
        }
    }
    if text.starts_with('(') {
        let close = text.find(')')?;
        return Some(&text[close + 1..]);
    }
    None
}

/// The items of the run that starts at `text`, right after a page's name.
fn run(text: &str) -> Vec<Cited> {
    let mut items = Vec::new();
    // A code span may close right after the page's name: `vss-behaviour.md` §3.3.
    let mut rest = text.strip_prefix('`').unwrap_or(text);
    loop {
        if let Some((n, after)) = rest.strip_prefix('#').and_then(number) {
            let range_end = after
                .strip_prefix('-')
                .or_else(|| after.strip_prefix('–'))
                .and_then(|a| a.strip_prefix('#'))
                .and_then(number);
            match range_end {
                Some((last, after_range)) if last > n => {
                    items.extend((n..=last).map(Cited::Scenario));
                    rest = after_range;
                }
                _ => {
                    items.push(Cited::Scenario(n));
                    rest = after;
                }
            }
        } else if let Some((s, after)) = rest.strip_prefix('§').and_then(section) {
            match after.strip_prefix(" question ").and_then(number) {
                Some((q, after_question)) => {
                    items.push(Cited::Question(s, q));
                    rest = after_question;
                }
                None => {
                    items.push(Cited::Section(s));
                    // A range of sections, `§2.2–§2.3`: both ends are cited.
                    rest = after
                        .strip_prefix('–')
                        .or_else(|| after.strip_prefix('-'))
                        .filter(|a| a.starts_with('§'))
                        .unwrap_or(after);
                }
            }
        } else if let Some(after) = separator(rest) {
            rest = after;
        } else {
            break;
        }
    }
    items
}

/// Every item cited from `page` in `text`, each with the place (a byte offset) of the page's
/// name that starts its run. A run follows each mention of the name (a name in a path,
/// `docs/vss-behaviour.md`, counts too, a name inside a longer one does not); a name followed
/// directly by `#`, a link's fragment, starts none.
pub fn cited(text: &str, page: &str) -> Vec<(usize, Cited)> {
    text.match_indices(page)
        .filter(|(at, _)| {
            !text[..*at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || matches!(c, '-' | '_'))
        })
        .map(|(at, _)| (at, &text[at + page.len()..]))
        .filter(|(_, after)| !after.starts_with('#'))
        .flat_map(|(at, after)| run(after).into_iter().map(move |item| (at, item)))
        .collect()
}

/// The scenario numbers `text` cites from the checkable scenarios page.
pub fn scenario_numbers(text: &str) -> Vec<u32> {
    cited(text, SCENARIOS_PAGE)
        .into_iter()
        .filter_map(|(_, c)| match c {
            Cited::Scenario(n) => Some(n),
            _ => None,
        })
        .collect()
}

/// GitHub's anchor for a heading: lower case, punctuation but `-` and `_` dropped, spaces as
/// hyphens.
pub fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}
