//! The module map in `src/lib.rs` is true: it lists every module, lowest first, and no
//! module imports (`crate::X`) a module listed below it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The modules in the order of the map's bullets (`* [`a`]`, `* [`b`] ... [`c`]`).
fn map_order(lib: &str) -> Vec<String> {
    let mut order = Vec::new();
    for line in lib.lines() {
        let Some(doc) = line.trim_start().strip_prefix("//!") else {
            continue;
        };
        let Some(bullet) = doc.trim_start().strip_prefix("* ") else {
            continue;
        };
        // Every [`name`] before the first ':' of the bullet.
        let head = bullet.split(':').next().unwrap_or_default();
        let mut rest = head;
        while let Some(start) = rest.find("[`") {
            rest = &rest[start + 2..];
            let Some(end) = rest.find("`]") else { break };
            order.push(rest[..end].to_string());
            rest = &rest[end + 2..];
        }
    }
    order
}

fn declared(lib: &str) -> Vec<String> {
    lib.lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';').trim().to_string())
        .collect()
}

fn rs_files(p: &Path, out: &mut Vec<PathBuf>) {
    if p.is_dir() {
        for e in std::fs::read_dir(p).unwrap() {
            rs_files(&e.unwrap().path(), out);
        }
    } else if p.is_file() && p.extension().is_some_and(|e| e == "rs") {
        out.push(p.to_path_buf());
    }
}

/// The `crate::X` modules a source file names outside comments.
fn imports(src: &str) -> Vec<String> {
    let code: String = src
        .lines()
        .map(|l| l.find("//").map_or(l, |i| &l[..i]))
        .collect::<Vec<_>>()
        .join("\n");
    let ident = |s: &str| -> String {
        s.trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = Vec::new();
    let mut rest = code.as_str();
    while let Some(i) = rest.find("crate::") {
        let before = rest[..i].chars().last();
        rest = &rest[i + 7..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a, b::{c, d}}`: the first name of each top-level part.
            let (mut depth, mut part_start) = (0usize, 0usize);
            for (j, ch) in group.char_indices() {
                match ch {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        out.push(ident(&group[part_start..j]));
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.push(ident(&group[part_start..j]));
                        part_start = j + 1;
                    }
                    _ => {}
                }
            }
        } else {
            out.push(ident(rest));
        }
    }
    out.retain(|n| !n.is_empty());
    out
}

#[test]
fn lib_map_lists_modules_lowest_first_and_nothing_imports_upwards() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(root.join("lib.rs")).unwrap();
    let order = map_order(&lib);
    let rank: HashMap<&str, usize> = order
        .iter()
        .enumerate()
        .map(|(i, m)| (m.as_str(), i))
        .collect();
    let mut problems = Vec::new();
    for m in declared(&lib) {
        if !rank.contains_key(m.as_str()) {
            problems.push(format!(
                "module {m} is declared in lib.rs but not in its map"
            ));
        }
    }
    for m in &order {
        if !declared(&lib).contains(m) {
            problems.push(format!("the map lists {m}, which lib.rs does not declare"));
        }
    }
    for m in declared(&lib) {
        let Some(&r) = rank.get(m.as_str()) else {
            continue;
        };
        let mut files = Vec::new();
        rs_files(&root.join(&m), &mut files);
        rs_files(&root.join(format!("{m}.rs")), &mut files);
        assert!(!files.is_empty(), "no source for module {m}");
        for f in files {
            let src = std::fs::read_to_string(&f).unwrap();
            for dep in imports(&src) {
                match rank.get(dep.as_str()) {
                    Some(&d) if d > r => problems.push(format!(
                        "{} (module {m}) imports crate::{dep}, listed below it",
                        f.strip_prefix(&root).unwrap().display()
                    )),
                    _ => {}
                }
            }
        }
    }
    problems.sort();
    problems.dedup();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_checker_sees_imports() {
    let src =
        "use crate::{a, b::{c, d},\n  e};\nuse crate::f::g; // crate::h\nfn x() { crate::i::j(); }";
    assert_eq!(imports(src), ["a", "b", "e", "f", "i"]);
}
