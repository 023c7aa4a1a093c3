//! The docs stay short enough to read: no page over 60 KB, the README under 8 KB and the
//! architecture map under 12 KB. A page that outgrows its limit is split, not trimmed of
//! what it documents.

use vss_conformance::repo_root;

/// The limits, in bytes (a KB being 1,000 bytes).
const PAGE: u64 = 60_000;
const README: u64 = 8_000;
const ARCHITECTURE: u64 = 12_000;

fn size(path: &std::path::Path) -> u64 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .len()
}

#[test]
fn every_page_stays_within_its_limit() {
    let root = repo_root();
    let mut over = Vec::new();
    for entry in std::fs::read_dir(root.join("docs")).expect("docs/") {
        let path = entry.expect("an entry").path();
        if path.extension().is_some_and(|e| e == "md") && size(&path) > PAGE {
            over.push(format!("{} ({} bytes)", path.display(), size(&path)));
        }
    }
    for (file, limit) in [("README.md", README), ("ARCHITECTURE.md", ARCHITECTURE)] {
        let bytes = size(&root.join(file));
        if bytes > limit {
            over.push(format!("{file} ({bytes} bytes, limit {limit})"));
        }
    }
    assert!(over.is_empty(), "pages over their limit: {over:?}");
}
