//! `cargo exercise`: checks the book's exercises and says what to look at.
//!
//! ```text
//! cargo exercise                    every chapter
//! cargo exercise 2                  chapter 2
//! cargo exercise 2 router           one exercise of chapter 2
//! cargo exercise --solutions 2      the same tests, against the reference solutions
//! cargo exercise --list             one line per exercise: chapter, name and number
//! ```
//!
//! The list of exercises, their titles and their hints are read from the book's pages
//! (`book/src/exercises/chNN.md`), so the book and this tool cannot disagree. Each exercise
//! is checked by running its tests: `cargo test -p exercises --test chN -- NAME::`.

use std::env;
use std::process::{Command, ExitCode, Output};

/// The exercise pages of the book, one per chapter, compiled in.
const PAGES: [(u32, &str); 10] = [
    (1, include_str!("../../../book/src/exercises/ch01.md")),
    (2, include_str!("../../../book/src/exercises/ch02.md")),
    (3, include_str!("../../../book/src/exercises/ch03.md")),
    (4, include_str!("../../../book/src/exercises/ch04.md")),
    (5, include_str!("../../../book/src/exercises/ch05.md")),
    (6, include_str!("../../../book/src/exercises/ch06.md")),
    (7, include_str!("../../../book/src/exercises/ch07.md")),
    (8, include_str!("../../../book/src/exercises/ch08.md")),
    (9, include_str!("../../../book/src/exercises/ch09.md")),
    (10, include_str!("../../../book/src/exercises/ch10.md")),
];

/// How many lines of a failing test's output to show.
const FAILURE_LINES: usize = 12;

/// One exercise, as its section of the book states it.
#[derive(Debug)]
struct Exercise {
    chapter: u32,
    /// `1.3`
    number: String,
    /// `a line echo with quit`
    title: String,
    /// The file to edit's stem, which is also the test module's name: `line_echo`.
    name: String,
    hint: String,
}

/// Reads the exercises of one chapter's page: each `## Exercise N.M: title` section names
/// the file to edit (`exercises/src/chN/NAME.rs`) and has a `<details><summary>Hint</summary>`.
fn exercises_of(chapter: u32, page: &str) -> Result<Vec<Exercise>, String> {
    let mut exercises = Vec::new();
    let sections = page.split("\n## Exercise ").skip(1);
    for section in sections {
        let heading = section.lines().next().unwrap_or_default();
        let (number, title) = heading
            .split_once(':')
            .ok_or(format!("chapter {chapter}: the heading {heading:?} has no `N.M: title`"))?;
        let number = number.trim();
        if number.split_once('.').is_none_or(|(of, _)| of != chapter.to_string()) {
            return Err(format!("chapter {chapter}'s page numbers an exercise {number}"));
        }
        let prefix = format!("`exercises/src/ch{chapter}/");
        let name = section
            .split_once(&prefix)
            .and_then(|(_, rest)| rest.split_once(".rs`"))
            .map(|(name, _)| name.to_string())
            .ok_or(format!("exercise {number}: the section names no {prefix}NAME.rs` file"))?;
        let hint = section
            .split_once("<summary>Hint</summary>")
            .and_then(|(_, rest)| rest.split_once("</details>"))
            .map(|(hint, _)| hint.trim().to_string())
            .ok_or(format!("exercise {number}: the section has no Hint"))?;
        exercises.push(Exercise {
            chapter,
            number: number.to_string(),
            title: title.trim().to_string(),
            name,
            hint,
        });
    }
    Ok(exercises)
}

struct Options {
    solutions: bool,
    list: bool,
    chapter: Option<u32>,
    exercise: Option<String>,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options { solutions: false, list: false, chapter: None, exercise: None };
    for arg in env::args().skip(1) {
        match arg.as_str() {
            "--solutions" => options.solutions = true,
            "--list" => options.list = true,
            "-h" | "--help" => return Err(String::new()),
            _ if options.chapter.is_none() => {
                let chapters: Vec<String> =
                    PAGES.iter().map(|(page, _)| page.to_string()).collect();
                let chapter = arg.parse().ok().filter(|n| PAGES.iter().any(|(page, _)| page == n));
                let which = chapters.join(", ");
                options.chapter =
                    Some(chapter.ok_or(format!("no chapter {arg:?}: say one of {which}"))?);
            }
            _ if options.exercise.is_none() => options.exercise = Some(arg),
            _ => return Err(format!("unexpected argument {arg:?}")),
        }
    }
    Ok(options)
}

const USAGE: &str = "usage: cargo exercise [--solutions] [CHAPTER [EXERCISE]]
       cargo exercise --list

Runs the tests of the book's exercises and says which pass. With --solutions the tests
run against the reference solutions in exercises/solutions/ (spoilers) instead of your files.";

fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(options) => options,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("{message}\n");
            }
            eprintln!("{USAGE}");
            return if message.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(2) };
        }
    };
    let mut all = Vec::new();
    for (chapter, page) in PAGES {
        match exercises_of(chapter, page) {
            Ok(exercises) => all.extend(exercises),
            Err(message) => {
                eprintln!("the book's exercise page is not as expected: {message}");
                return ExitCode::from(2);
            }
        }
    }
    let chosen: Vec<&Exercise> = all
        .iter()
        .filter(|exercise| options.chapter.is_none_or(|chapter| exercise.chapter == chapter))
        .filter(|exercise| options.exercise.as_ref().is_none_or(|name| exercise.name == *name))
        .collect();
    if chosen.is_empty() {
        eprintln!("no such exercise; `cargo exercise --list` shows them all");
        return ExitCode::from(2);
    }
    if options.list {
        for exercise in chosen {
            println!("{} {} {}", exercise.chapter, exercise.name, exercise.number);
        }
        return ExitCode::SUCCESS;
    }

    let mut failed = 0;
    let mut chapter_built = None;
    for exercise in &chosen {
        if chapter_built != Some(exercise.chapter) {
            let which = if options.solutions { " (reference solutions)" } else { "" };
            println!("\nChapter {}{which}", exercise.chapter);
            if let Err(errors) = build(exercise.chapter, options.solutions) {
                println!("  The exercises do not compile yet; the compiler says:\n");
                println!("{}", indent(&errors, "  "));
                return ExitCode::FAILURE;
            }
            chapter_built = Some(exercise.chapter);
        }
        if !check(exercise, options.solutions) {
            failed += 1;
        }
    }
    println!();
    if failed == 0 {
        println!("All {} checked exercises pass.", chosen.len());
        ExitCode::SUCCESS
    } else {
        println!("{failed} of {} exercises still fail.", chosen.len());
        ExitCode::FAILURE
    }
}

/// `cargo test` for the exercises package, with the flags every run shares.
fn cargo_test(chapter: u32, solutions: bool) -> Command {
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml");
    let mut command = Command::new(cargo);
    command
        .args(["test", "--manifest-path", manifest, "--test"])
        .arg(format!("ch{chapter}"))
        // Backtraces would bury the one line that matters.
        .env("RUST_BACKTRACE", "0");
    if solutions {
        command.args(["--features", "solutions"]);
    }
    command
}

/// Compiles a chapter's tests once, so that a compile error is shown once, in full.
fn build(chapter: u32, solutions: bool) -> Result<(), String> {
    let output = run(cargo_test(chapter, solutions).arg("--no-run"));
    if output.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

/// Runs one exercise's tests and reports. Returns whether it passed.
fn check(exercise: &Exercise, solutions: bool) -> bool {
    let filter = format!("{}::", exercise.name);
    let output = run(cargo_test(exercise.chapter, solutions).args(["--", &filter]));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let label = format!("{} {} ({})", exercise.number, exercise.title, exercise.name);
    let ran_none = !stdout.lines().any(|line| line.starts_with("test ") && line.contains(" ... "));
    if output.status.success() && !ran_none {
        println!("  PASS  {label}");
        return true;
    }
    println!("  FAIL  {label}");
    if ran_none {
        println!("        no test matched `{filter}`: the tests and the book disagree");
        return false;
    }
    let mut failing: Vec<&str> = stdout
        .lines()
        .filter_map(|line| line.strip_prefix("test ")?.strip_suffix(" ... FAILED"))
        .collect();
    failing.sort();
    let names: Vec<&str> = failing.iter().map(|test| test.trim_start_matches(&filter)).collect();
    println!("        failing tests: {}", names.join(", "));
    if let Some(first) = failing.first() {
        println!("        {first} says:");
        let failure = first_failure(&stdout, first);
        println!("{}", indent(&failure, "          | "));
        if failure.contains("left") {
            println!(
                "        (left, marked <, is what your code produced; right, marked >, is what the test expected)"
            );
        }
    }
    println!("        edit: exercises/src/ch{}/{}.rs", exercise.chapter, exercise.name);
    println!("        hint: {}", indent(&exercise.hint, "              ").trim_start());
    false
}

/// The first lines a failing test printed (its panic message, mostly).
fn first_failure(stdout: &str, test: &str) -> String {
    let marker = format!("---- {test} stdout ----");
    let Some((_, after)) = stdout.split_once(&marker) else {
        return "(no output)".to_string();
    };
    let lines: Vec<&str> = after
        .lines()
        .skip_while(|line| line.trim().is_empty())
        .take_while(|line| !line.starts_with("---- ") && *line != "failures:")
        .filter(|line| !line.starts_with("note: run with `RUST_BACKTRACE"))
        .collect();
    let mut shown: Vec<&str> = lines.iter().take(FAILURE_LINES).copied().collect();
    while shown.last().is_some_and(|line| line.trim().is_empty()) {
        shown.pop();
    }
    if lines.len() > FAILURE_LINES {
        shown.push("...");
    }
    shown.join("\n")
}

fn run(command: &mut Command) -> Output {
    command.output().unwrap_or_else(|error| panic!("could not run cargo: {error}"))
}

fn indent(text: &str, prefix: &str) -> String {
    text.lines().map(|line| format!("{prefix}{line}")).collect::<Vec<_>>().join("\n")
}
