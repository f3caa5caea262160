//! The book's integrity: every listing it shows comes from real code, and nothing is missing.
//!
//! The book never pastes code; it includes it from the source with mdBook's
//! `{{#include ../../src/echo.rs:echo}}`, which shows the lines between `// ANCHOR: echo` and
//! `// ANCHOR_END: echo`. `mdbook build` only logs an error when an include is broken and
//! still succeeds, so these tests check what a reader would otherwise find out the hard way:
//!
//! - every include points at a file that exists, and at an anchor in it with code inside;
//! - every anchor in `src/`, `chapters/`, `exercises/` and `examples/` is shown by some page
//!   (an anchor nobody includes is code the book meant to show and forgot);
//! - every program in `examples/` is included by some page (each chapter opens with one);
//! - every `ANCHOR:` has its `ANCHOR_END:`;
//! - every page listed in `SUMMARY.md` exists;
//! - every image a page shows exists.
//!
//! Each failure lists the problems, one per line, with what to do about them.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Component, Path, PathBuf};

use pretty_assertions::assert_eq;

/// The repository root.
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The book's pages live here.
fn book_src() -> PathBuf {
    root().join("book/src")
}

/// Folders whose anchors the book must show.
const CODE_FOLDERS: [&str; 5] = ["src", "chapters", "exercises", "examples", "python"];

/// Folders whose every file the book must show: the programs the chapters open with.
const SHOWN_FOLDERS: [&str; 1] = ["examples"];

/// Every file under `dir` whose name ends with one of `extensions`, sorted. Skips build output.
fn files_under(dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return found;
    };
    for entry in entries {
        let path = entry.expect("list a directory").path();
        let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        if path.is_dir() {
            if name != "target" && !name.starts_with('.') {
                found.extend(files_under(&path, extensions));
            }
        } else if extensions.iter().any(|extension| name.ends_with(extension)) {
            found.push(path);
        }
    }
    found.sort();
    found
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|error| panic!("read {}: {error}", shown(path)))
}

/// A path relative to the repository root, for messages.
fn shown(path: &Path) -> String {
    path.strip_prefix(root()).unwrap_or(path).display().to_string()
}

/// `a/b/../c` becomes `a/c`, without touching the file system (the file may not exist).
fn normalize(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                normal.pop();
            }
            Component::CurDir => {}
            other => normal.push(other),
        }
    }
    normal
}

/// The pages of the book: every Markdown file under `book/src`.
fn pages() -> Vec<PathBuf> {
    files_under(&book_src(), &[".md"])
}

/// What part of a file an include asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Whole,
    Anchor(String),
    /// A line range such as `:10:20`, `:10:` or `:10`; mdBook counts lines from 1.
    Lines(Option<usize>, Option<usize>),
}

/// One `{{#include …}}` or `{{#rustdoc_include …}}` on a page.
#[derive(Debug)]
struct Include {
    page: PathBuf,
    line: usize,
    /// As written, for messages.
    text: String,
    file: PathBuf,
    part: Part,
}

impl Include {
    fn location(&self) -> String {
        format!("{}:{}: `{}`", shown(&self.page), self.line, self.text)
    }
}

/// Finds the includes on a page. `\{{#include …}}` is mdBook's escape and is skipped.
fn includes_on(page: &Path) -> Vec<Include> {
    let text = read(page);
    let directory = page.parent().unwrap();
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(start) = rest.find("{{#") {
            let escaped = rest[..start].ends_with('\\');
            let after = &rest[start + 3..];
            let Some(end) = after.find("}}") else { break };
            let inside = after[..end].trim();
            rest = &after[end + 2..];
            let Some((command, argument)) = inside.split_once(char::is_whitespace) else {
                continue;
            };
            if escaped || !matches!(command, "include" | "rustdoc_include") {
                continue;
            }
            let argument = argument.trim();
            let (path, part) = match argument.split_once(':') {
                None => (argument, Part::Whole),
                Some((path, selector)) => (path, part_of(selector)),
            };
            found.push(Include {
                page: page.to_path_buf(),
                line: index + 1,
                text: format!("{{{{#{inside}}}}}"),
                file: normalize(&directory.join(path)),
                part,
            });
        }
    }
    found
}

fn part_of(selector: &str) -> Part {
    let number = |text: &str| text.trim().parse::<usize>().ok();
    let is_range = selector.chars().all(|c| c.is_ascii_digit() || c == ':');
    if !is_range {
        return Part::Anchor(selector.trim().to_string());
    }
    match selector.split_once(':') {
        None => Part::Lines(number(selector), None),
        Some((start, end)) => Part::Lines(number(start), number(end)),
    }
}

/// Every include on every page.
fn all_includes() -> Vec<Include> {
    pages().iter().flat_map(|page| includes_on(page)).collect()
}

/// The anchor name on a line with `ANCHOR: name` (or `ANCHOR_END: name` when `end`), read the
/// way mdBook reads it: the first run of word characters and `-` after the colon.
fn anchor_on(line: &str, end: bool) -> Option<&str> {
    let marker = if end { "ANCHOR_END:" } else { "ANCHOR:" };
    let start = line.find(marker)? + marker.len();
    let rest = line[start..].trim_start();
    let length =
        rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-')).unwrap_or(rest.len());
    (length > 0).then(|| &rest[..length])
}

/// The lines between `ANCHOR: name` and `ANCHOR_END: name`, without any anchor lines (mdBook
/// drops those too). `None` when the anchor is not in the text.
fn anchored_lines<'a>(text: &'a str, name: &str) -> Option<Vec<&'a str>> {
    let mut lines = None;
    for line in text.lines() {
        match (&mut lines, anchor_on(line, false), anchor_on(line, true)) {
            (None, Some(start), _) if start == name => lines = Some(Vec::new()),
            (Some(_), _, Some(end)) if end == name => return lines,
            (Some(taken), None, None) => taken.push(line),
            _ => {}
        }
    }
    lines
}

/// Every `ANCHOR:` in the code folders, as (file, name, line number).
fn code_anchors() -> Vec<(PathBuf, String, usize)> {
    let mut anchors = Vec::new();
    for folder in CODE_FOLDERS {
        for file in files_under(&root().join(folder), &[".rs"]) {
            for (index, line) in read(&file).lines().enumerate() {
                if let Some(name) = anchor_on(line, false) {
                    anchors.push((file.clone(), name.to_string(), index + 1));
                }
            }
        }
    }
    anchors
}

#[test]
fn every_include_points_at_an_existing_file_and_a_non_empty_anchor() {
    let includes = all_includes();
    assert!(
        !includes.is_empty(),
        "the book includes no code at all; is book/src where it should be?"
    );
    let mut problems = Vec::new();
    for include in &includes {
        let Ok(text) = fs::read_to_string(&include.file) else {
            problems.push(format!(
                "{}: there is no file {}. Fix the path; it is relative to the page.",
                include.location(),
                shown(&include.file)
            ));
            continue;
        };
        match &include.part {
            Part::Whole if text.trim().is_empty() => problems.push(format!(
                "{}: {} is empty. Write it, or remove the include.",
                include.location(),
                shown(&include.file)
            )),
            Part::Whole => {}
            Part::Anchor(name) => match anchored_lines(&text, name) {
                None => problems.push(format!(
                    "{}: {} has no `ANCHOR: {name}` closed by `ANCHOR_END: {name}`. \
                     Add the anchor comments around the code to show, or fix the name.",
                    include.location(),
                    shown(&include.file)
                )),
                Some(lines) if lines.iter().all(|line| line.trim().is_empty()) => {
                    problems.push(format!(
                        "{}: the anchor `{name}` in {} has nothing inside. \
                         Move the ANCHOR lines around the code they should show.",
                        include.location(),
                        shown(&include.file)
                    ))
                }
                Some(_) => {}
            },
            Part::Lines(start, _) => {
                let count = text.lines().count();
                if start.is_some_and(|start| start == 0 || start > count) {
                    problems.push(format!(
                        "{}: {} has only {count} lines. Prefer an anchor to line numbers: \
                         anchors move with the code.",
                        include.location(),
                        shown(&include.file)
                    ));
                }
            }
        }
    }
    assert_eq!(problems, Vec::<String>::new(), "broken includes in the book");
}

#[test]
fn every_anchor_in_the_code_is_shown_by_some_page() {
    let shown_anchors: BTreeSet<(PathBuf, String)> = all_includes()
        .into_iter()
        .filter_map(|include| match include.part {
            Part::Anchor(name) => Some((include.file, name)),
            _ => None,
        })
        .collect();
    let orphans: Vec<String> = code_anchors()
        .into_iter()
        .filter(|(file, name, _)| !shown_anchors.contains(&(file.clone(), name.clone())))
        .map(|(file, name, line)| format!("{}:{line}: `ANCHOR: {name}`", shown(&file)))
        .collect();
    assert_eq!(
        orphans,
        Vec::<String>::new(),
        "code marked to be shown that no page of the book includes. For each one, either \
         include it from the chapter that explains it ({{{{#include <path>:<name>}}}}, the \
         path relative to the page), or delete its ANCHOR and ANCHOR_END lines if the book \
         should not show it"
    );
}

#[test]
fn every_example_is_shown_by_some_page() {
    let included: BTreeSet<PathBuf> =
        all_includes().into_iter().map(|include| include.file).collect();
    let mut listed = 0;
    let mut orphans = Vec::new();
    for folder in SHOWN_FOLDERS {
        for file in files_under(&root().join(folder), &[".rs"]) {
            listed += 1;
            if !included.contains(&normalize(&file)) {
                orphans.push(shown(&file));
            }
        }
    }
    assert!(listed > 0, "no programs in {SHOWN_FOLDERS:?}; is the repository root right?");
    assert_eq!(
        orphans,
        Vec::<String>::new(),
        "programs that no page of the book includes. Each is the listing a chapter opens \
         with: include it whole near the top of that chapter, in a ```rust,ignore fence \
         ({{{{#include ../../examples/<name>.rs}}}}, the path relative to the page), or delete \
         it if no chapter needs it"
    );
}

#[test]
fn every_anchor_is_closed_and_every_end_is_opened() {
    let mut problems = Vec::new();
    for folder in CODE_FOLDERS {
        for file in files_under(&root().join(folder), &[".rs"]) {
            let mut open: Vec<(String, usize)> = Vec::new();
            for (index, line) in read(&file).lines().enumerate() {
                let place = format!("{}:{}", shown(&file), index + 1);
                if let Some(name) = anchor_on(line, false) {
                    if let Some((_, first)) = open.iter().find(|(open_name, _)| open_name == name) {
                        problems.push(format!(
                            "{place}: `ANCHOR: {name}` is already open (line {first}). \
                             Close the first one with `ANCHOR_END: {name}`, or rename one."
                        ));
                    }
                    open.push((name.to_string(), index + 1));
                } else if let Some(name) = anchor_on(line, true) {
                    match open.iter().position(|(open_name, _)| open_name == name) {
                        Some(position) => {
                            open.remove(position);
                        }
                        None => problems.push(format!(
                            "{place}: `ANCHOR_END: {name}` with no `ANCHOR: {name}` above it. \
                             Add the opening line, or fix the name."
                        )),
                    }
                }
            }
            for (name, line) in open {
                problems.push(format!(
                    "{}:{line}: `ANCHOR: {name}` is never closed. \
                     Add `// ANCHOR_END: {name}` after the last line to show.",
                    shown(&file)
                ));
            }
        }
    }
    assert_eq!(problems, Vec::<String>::new(), "unbalanced anchors in the code");
}

/// The targets of Markdown links `[text](target)` on a line, and of images `![alt](target)`.
fn link_targets(line: &str) -> Vec<&str> {
    let mut targets = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find("](") {
        let after = &rest[start + 2..];
        let Some(end) = after.find(')') else { break };
        // A title may follow the target: ![alt](path "title").
        let target = after[..end].split_whitespace().next().unwrap_or("");
        targets.push(target);
        rest = &after[end + 1..];
    }
    targets
}

#[test]
fn every_page_in_the_summary_exists() {
    let summary = book_src().join("SUMMARY.md");
    let mut problems = Vec::new();
    let mut listed = 0;
    for (index, line) in read(&summary).lines().enumerate() {
        for target in link_targets(line) {
            listed += 1;
            // An empty target is a draft chapter, which mdBook shows greyed out on purpose.
            if !target.is_empty() && !book_src().join(target).is_file() {
                problems.push(format!(
                    "book/src/SUMMARY.md:{}: `{target}` does not exist. Create \
                     book/src/{target}, or fix the link.",
                    index + 1
                ));
            }
        }
    }
    assert!(listed > 0, "SUMMARY.md lists no pages");
    assert_eq!(problems, Vec::<String>::new(), "pages listed in the summary are missing");
}

/// Image paths on a line: Markdown `![alt](path)` and HTML `<img src="path">`.
fn images_on(line: &str) -> Vec<&str> {
    let mut images = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find("![") {
        rest = &rest[start + 2..];
        if let Some(target) =
            rest.find("](").and_then(|at| link_targets(&rest[at..]).first().copied())
        {
            images.push(target);
        }
    }
    let mut rest = line;
    while let Some(start) = rest.find("<img") {
        rest = &rest[start + 4..];
        let Some(source) = rest.find("src=") else { break };
        let value = &rest[source + 4..];
        let quote = value.chars().next().unwrap_or('"');
        if let Some(end) = value[1..].find(quote) {
            images.push(&value[1..1 + end]);
        }
    }
    images
}

#[test]
fn every_image_in_the_book_exists() {
    let mut problems = Vec::new();
    for page in pages() {
        for (index, line) in read(&page).lines().enumerate() {
            for image in images_on(line) {
                if image.contains("://") || image.starts_with("data:") {
                    continue;
                }
                let path = image.split(['#', '?']).next().unwrap_or(image);
                let file = normalize(&page.parent().unwrap().join(path));
                if !file.is_file() {
                    problems.push(format!(
                        "{}:{}: the image {} does not exist. Add it, or fix the path \
                         (relative to the page).",
                        shown(&page),
                        index + 1,
                        shown(&file)
                    ));
                }
            }
        }
    }
    assert_eq!(problems, Vec::<String>::new(), "images the book shows are missing");
}

/// The parsers above, on made-up input, so a mistake in them cannot hide a broken book.
#[test]
fn the_checks_read_includes_anchors_and_images_as_mdbook_does() {
    assert_eq!(part_of("echo"), Part::Anchor("echo".to_string()));
    assert_eq!(part_of("10:20"), Part::Lines(Some(10), Some(20)));
    assert_eq!(part_of("10:"), Part::Lines(Some(10), None));
    assert_eq!(part_of(":5"), Part::Lines(None, Some(5)));

    assert_eq!(anchor_on("    // ANCHOR: read_line", false), Some("read_line"));
    assert_eq!(anchor_on("// ANCHOR_END: read-line here", true), Some("read-line"));
    assert_eq!(anchor_on("// ANCHOR_END: x", false), None);
    assert_eq!(anchor_on("// nothing", true), None);

    let code = "a\n// ANCHOR: outer\nb\n  // ANCHOR: inner\nc\n  // ANCHOR_END: inner\n\
                // ANCHOR_END: outer\n// ANCHOR: empty\n\n// ANCHOR_END: empty\n";
    assert_eq!(anchored_lines(code, "outer"), Some(vec!["b", "c"]));
    assert_eq!(anchored_lines(code, "inner"), Some(vec!["c"]));
    assert_eq!(anchored_lines(code, "empty"), Some(vec![""]));
    assert_eq!(anchored_lines(code, "missing"), None);

    assert_eq!(
        images_on(r#"![a page](images/p.png "title") and <img src='x.svg' alt="x">"#),
        vec!["images/p.png", "x.svg"]
    );
    assert_eq!(link_targets("- [One](ch01.md) [Two]()"), vec!["ch01.md", ""]);

    let directory = std::env::temp_dir().join(format!("book-test-{}", std::process::id()));
    fs::create_dir_all(&directory).unwrap();
    let page = directory.join("page.md");
    fs::write(
        &page,
        "{{#include ../src/a.rs:main}} \\{{#include skipped.rs}}\n{{#rustdoc_include b.rs}}\n",
    )
    .unwrap();
    let found = includes_on(&page);
    fs::remove_dir_all(&directory).unwrap();
    let found: Vec<(PathBuf, Part, usize)> =
        found.into_iter().map(|include| (include.file, include.part, include.line)).collect();
    assert_eq!(
        found,
        vec![
            (
                normalize(&std::env::temp_dir().join("src/a.rs")),
                Part::Anchor("main".to_string()),
                1
            ),
            (directory.join("b.rs"), Part::Whole, 2),
        ]
    );
}
