//! Which flags each chapter's binary takes, what they mean, and `--help` (chapter 1).
//!
//! Every binary takes `--host` and `--port`; the pooled ones add `--threads`, chapter 3
//! `--spawn`, chapter 5 `--quiet`, chapter 6 its timeouts, chapter 7 its limits, chapter 8
//! `--book`, and chapter 10 `--workers` and what to believe of a proxy in front. The
//! `pico-args` crate finds the flags and their values, because parsing a command line is not
//! what the book teaches: this file only lists the flags and turns their values into
//! [`Options`], with messages that say what was wrong.

use std::ffi::OsString;
use std::net::IpAddr;
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::process;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use pico_args::Arguments;

use crate::http::{Limits, Proxy};
use crate::reactor::ReactorConfig;

/// What a binary says about itself in `--help`, and which groups of optional flags it takes.
pub struct Command {
    /// The binary's name, for example `01-echo`.
    pub name: &'static str,
    /// One paragraph on what it does.
    pub about: &'static str,
    /// `--threads N`, the size of the pool (chapter 3 on).
    pub threads: bool,
    /// `--spawn`, a new thread per connection instead of a pool (chapter 3).
    pub spawn: bool,
    /// `--quiet`, no access log (chapter 5 on).
    pub quiet: bool,
    /// `--idle-timeout` and `--head-timeout` (chapter 6 on).
    pub timeouts: bool,
    /// `--max-connections`, `--max-line`, `--max-field`, `--max-fields`, `--max-head`,
    /// `--max-body`, `--body-in-memory`, `--min-rate`, `--min-rate-grace` (chapter 7).
    pub limits: bool,
    /// Whether the pool is fixed at `--threads`, or grows to `--max-threads N` while its
    /// workers wait (chapter 7), and how many workers it starts with.
    pub pool: Pool,
    /// `--book DIR`, the folder of static files to serve (chapter 8).
    pub book: bool,
    /// `--forwarded-allow-ips` and `--script-name`, for a server behind a reverse proxy
    /// (chapter 10).
    pub proxy: bool,
    /// `--workers N`, processes that share the listening socket (chapter 10).
    pub processes: bool,
}

// ANCHOR: pool
/// How a binary sizes its pool of workers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pool {
    /// `--threads` workers, 4 unless told, always (chapters 3 to 6).
    Fixed,
    /// Starts with `--threads`, one per core unless told, and grows while every worker is
    /// stuck in a request (chapter 7).
    Grows,
    /// The same, starting with one worker: one thread at a time runs Python, so a second only
    /// helps while the first waits with the GIL released (chapter 9).
    GrowsFromOne,
}
// ANCHOR_END: pool

/// The flags after parsing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    pub host: String,
    pub port: u16,
    pub threads: NonZeroUsize,
    pub spawn: bool,
    /// Request size limits: `--max-line`, `--max-field`, `--max-fields`, `--max-head`,
    /// `--max-body`.
    pub limits: Limits,
    /// The connection cap and the timeouts.
    pub reactor: ReactorConfig,
    /// No access log.
    pub quiet: bool,
    /// The folder `--book` named, if it was given.
    pub book: Option<PathBuf>,
    /// Whose `X-Forwarded-*` headers to believe (nobody's unless `--forwarded-allow-ips`
    /// names them), and the `--script-name` prefix.
    pub proxy: Proxy,
    /// How many worker processes; more than one means a master starts them.
    pub workers: NonZeroUsize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            host: "127.0.0.1".to_string(),
            // The article's port.
            port: 8888,
            threads: NonZeroUsize::new(4).unwrap(),
            spawn: false,
            limits: Limits::default(),
            reactor: ReactorConfig::default(),
            quiet: false,
            book: None,
            proxy: Proxy::default(),
            workers: NonZeroUsize::MIN,
        }
    }
}

/// Why the flags could not be used, or that the user asked for help.
#[derive(Debug, PartialEq, Eq)]
pub enum CliError {
    Help,
    Invalid(String),
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Help => f.write_str("help was asked for"),
            CliError::Invalid(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for CliError {}

/// Every flag but `--help` as `--help` shows it, in order: what to type, and what it does.
/// A test checks that the defaults shown are the real ones.
const FLAGS: [(&str, &str); 21] = [
    ("--host HOST", "address to listen on (default 127.0.0.1)"),
    ("--port PORT", "port to listen on; 0 picks a free one (default 8888)"),
    ("--threads N", "worker threads in the pool (default 4)"),
    ("--max-threads N", "the pool grows to this many threads while all are busy (default 256)"),
    ("--spawn", "one new thread per connection instead of a pool"),
    ("--max-connections N", "connections open at once; more get 503 (default 1000)"),
    ("--idle-timeout SECS", "close a keep-alive connection idle this long (default 5)"),
    ("--head-timeout SECS", "408 when a request head takes longer (default 10)"),
    ("--max-line BYTES", "414 for a longer request line (default 8192)"),
    ("--max-field BYTES", "431 for a longer header field line (default 8192)"),
    ("--max-fields N", "431 for more header fields (default 100)"),
    ("--max-head BYTES", "431 for a larger request head (default 32768)"),
    ("--max-body BYTES", "413 for a larger request body (default 8388608)"),
    ("--body-in-memory BYTES", "a larger body waits in a temporary file (default 524288)"),
    ("--min-rate BYTES", "cut off a body sent or a response read slower (default 240)"),
    ("--min-rate-grace SECS", "how long a client may be slower at first (default 5)"),
    ("--quiet", "no access log on stderr"),
    ("--book DIR", "the built book to serve at /; without it, book/book in the repository"),
    // No default shown: nobody is trusted, because any client can type these headers.
    (
        "--forwarded-allow-ips IPS",
        "trust X-Forwarded-* only from these IPs, comma-separated; nobody by default: \
         any client can type them",
    ),
    ("--script-name PATH", "serve the application under PATH, such as /app; 404 outside it"),
    ("--workers N", "processes sharing the socket; more than 1 adds a master (default 1)"),
];

/// `--threads` where the pool may grow (chapter 7), and where it starts with one (chapter 9).
const THREADS_OF_A_POOL_THAT_GROWS: &str =
    "worker threads the pool starts with (default: one per core)";
const THREADS_OF_A_PYTHON_POOL: &str =
    "worker threads the pool starts with (default 1: one at a time runs Python)";

/// Where the pool may grow, it starts with one worker per core: quick requests want no more
/// threads than the machine runs at once (more would only take turns), and requests that wait
/// make the pool grow (chapter 7).
fn one_per_core() -> NonZeroUsize {
    std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN)
}

impl Command {
    /// The `--help` text: the flags this binary takes, in columns.
    pub fn usage(&self) -> String {
        let takes = |(usage, _): &(&str, &str)| self.takes(flag_name(usage));
        let help = ("-h, --help", "print this help");
        let flags: Vec<_> = FLAGS.into_iter().filter(takes).chain([help]).collect();
        let width = flags.iter().map(|(usage, _)| usage.len()).max().unwrap_or(0) + 4;
        let mut text = format!(
            "{}\n\nUsage: cargo run --bin {} -- [OPTIONS]\n\nOptions:\n",
            self.about, self.name
        );
        for (usage, about) in flags {
            let about = match (usage, self.pool) {
                ("--threads N", Pool::Grows) => THREADS_OF_A_POOL_THAT_GROWS,
                ("--threads N", Pool::GrowsFromOne) => THREADS_OF_A_PYTHON_POOL,
                _ => about,
            };
            text.push_str(&format!("  {usage:<width$}{about}\n"));
        }
        text
    }

    /// Whether this binary takes the flag `flag`: the optional ones come in groups. Both
    /// `--help` and `parse` ask this, so they cannot disagree.
    fn takes(&self, flag: &str) -> bool {
        match flag {
            "--threads" => self.threads,
            "--spawn" => self.spawn,
            "--quiet" => self.quiet,
            "--idle-timeout" | "--head-timeout" => self.timeouts,
            "--max-threads" => self.pool != Pool::Fixed,
            "--max-connections" | "--max-line" | "--max-field" | "--max-fields" | "--max-head"
            | "--max-body" | "--body-in-memory" | "--min-rate" | "--min-rate-grace" => self.limits,
            "--book" => self.book,
            "--forwarded-allow-ips" | "--script-name" => self.proxy,
            "--workers" => self.processes,
            _ => true,
        }
    }

    /// Parses flags (without the program name). Only the flags this binary takes are looked
    /// for; anything left over is a mistake, reported as unknown.
    pub fn parse<I>(&self, args: I) -> Result<Options, CliError>
    where
        I: IntoIterator,
        I::Item: Into<OsString>,
    {
        let mut args = Arguments::from_vec(args.into_iter().map(Into::into).collect());
        if args.contains(["-h", "--help"]) {
            return Err(CliError::Help);
        }
        let mut options = Options::default();
        let (limits, reactor) = (&mut options.limits, &mut options.reactor);
        // Every flag is listed once; `read` and `switch` skip those this binary does not take,
        // so a group's members are named only in `takes`.
        let mut flags = Flags { args: &mut args, command: self };
        flags.read("--host", &mut options.host, |text| Ok(text.to_string()))?;
        flags.read("--port", &mut options.port, number)?;
        match self.pool {
            Pool::Fixed => reactor.max_threads = 0, // `--threads` workers, always
            Pool::Grows => options.threads = one_per_core(),
            Pool::GrowsFromOne => options.threads = NonZeroUsize::MIN,
        }
        flags.read("--threads", &mut options.threads, at_least_one)?;
        flags.read("--max-threads", &mut reactor.max_threads, number)?;
        options.spawn = flags.switch("--spawn");
        options.quiet = flags.switch("--quiet");
        flags.read("--idle-timeout", &mut reactor.idle_timeout, seconds)?;
        flags.read("--head-timeout", &mut reactor.head_timeout, seconds)?;
        // No connections at all would be no server: 0 is taken as 1.
        let one_or_more = |text: &str| number(text).map(|most: usize| most.max(1));
        flags.read("--max-connections", &mut reactor.max_connections, one_or_more)?;
        flags.read("--max-line", &mut limits.request_line, number)?;
        flags.read("--max-field", &mut limits.field_line, number)?;
        flags.read("--max-fields", &mut limits.fields, number)?;
        flags.read("--max-head", &mut limits.head, number)?;
        flags.read("--max-body", &mut limits.body, number)?;
        flags.read("--body-in-memory", &mut limits.body_in_memory, number)?;
        flags.read("--min-rate", &mut reactor.min_rate, number)?;
        flags.read("--min-rate-grace", &mut reactor.rate_grace, seconds)?;
        flags.read("--book", &mut options.book, |text| Ok(Some(PathBuf::from(text))))?;
        let mut trusted: Arc<[IpAddr]> = Arc::from([]);
        flags.read("--forwarded-allow-ips", &mut trusted, Proxy::parse_allow_ips)?;
        let mut script_name = String::new();
        flags.read("--script-name", &mut script_name, Proxy::parse_script_name)?;
        options.proxy = Proxy::new(trusted, &script_name);
        flags.read("--workers", &mut options.workers, at_least_one)?;
        match args.finish().first().map(|extra| extra.to_string_lossy()) {
            None => Ok(options),
            Some(extra) if extra.starts_with('-') => {
                let (flag, value) = extra.split_once('=').unwrap_or((&extra, ""));
                let is_switch = FLAGS.iter().any(|(usage, _)| *usage == flag);
                Err(CliError::Invalid(match self.takes(flag) && is_switch {
                    true => format!("{flag} takes no value, not `{value}`"),
                    false => format!("unknown option `{flag}`"),
                }))
            }
            Some(extra) => Err(CliError::Invalid(format!(
                "unexpected argument `{extra}` (values come after a flag, as in --port 8080)"
            ))),
        }
    }

    /// Parses the process's flags, printing help or an error and exiting when it must.
    pub fn parse_or_exit(&self) -> Options {
        match self.parse(std::env::args_os().skip(1)) {
            Ok(options) => options,
            Err(CliError::Help) => {
                print!("{}", self.usage());
                process::exit(0);
            }
            Err(CliError::Invalid(message)) => {
                eprintln!("{}: {message}\n\n{}", self.name, self.usage());
                process::exit(2);
            }
        }
    }
}

/// The command line being read, for one binary.
struct Flags<'a> {
    args: &'a mut Arguments,
    command: &'a Command,
}

impl Flags<'_> {
    /// Whether the switch `flag` was given (once or more), if this binary takes it.
    fn switch(&mut self, flag: &'static str) -> bool {
        let mut given = false;
        while self.command.takes(flag) && self.args.contains(flag) {
            given = true;
        }
        given
    }

    /// Sets `*value` from the flag's value if this binary takes the flag and it was given
    /// (the last one wins), parsed by `parse`, whose error is a sentence for the reader
    /// without the flag's name.
    fn read<T>(
        &mut self,
        flag: &'static str,
        value: &mut T,
        parse: fn(&str) -> Result<T, String>,
    ) -> Result<(), CliError> {
        while self.command.takes(flag) {
            match self.args.opt_value_from_fn(flag, parse) {
                Ok(Some(given)) => *value = given,
                Ok(None) => break,
                Err(
                    pico_args::Error::Utf8ArgumentParsingFailed { cause, .. }
                    | pico_args::Error::ArgumentParsingFailed { cause },
                ) => return Err(CliError::Invalid(format!("{flag} {cause}"))),
                Err(pico_args::Error::OptionWithoutAValue(_)) => {
                    let usage =
                        FLAGS.iter().map(|(usage, _)| *usage).find(|u| flag_name(u) == flag);
                    let usage = usage.unwrap_or(flag);
                    return Err(CliError::Invalid(format!("{flag} needs a value: {usage}")));
                }
                Err(error) => return Err(CliError::Invalid(format!("{flag}: {error}"))),
            }
        }
        Ok(())
    }
}

/// `--port` for `--port PORT`.
fn flag_name(usage: &str) -> &str {
    usage.split(' ').next().unwrap_or(usage)
}

fn number<T: FromStr>(text: &str) -> Result<T, String> {
    text.parse().map_err(|_| format!("takes a number, not `{text}`"))
}

fn at_least_one(text: &str) -> Result<NonZeroUsize, String> {
    NonZeroUsize::new(number(text)?).ok_or_else(|| "must be at least 1".to_string())
}

fn seconds(text: &str) -> Result<Duration, String> {
    let seconds = Duration::try_from_secs_f64(number(text)?).ok();
    let positive = seconds.filter(|seconds| !seconds.is_zero());
    positive.ok_or_else(|| "takes a positive number of seconds".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    const EVERY_GROUP: Command = Command {
        name: "test",
        about: "A test.",
        threads: true,
        spawn: true,
        quiet: true,
        timeouts: true,
        limits: true,
        book: true,
        proxy: true,
        processes: true,
        pool: Pool::Grows,
    };
    const PLAIN: Command = Command {
        threads: false,
        spawn: false,
        quiet: false,
        timeouts: false,
        limits: false,
        book: false,
        proxy: false,
        processes: false,
        pool: Pool::Fixed,
        ..EVERY_GROUP
    };

    fn parse(command: &Command, args: &str) -> Result<Options, CliError> {
        command.parse(args.split_whitespace())
    }

    fn mistake(message: &str) -> Result<Options, CliError> {
        Err(CliError::Invalid(message.to_string()))
    }

    #[test]
    fn defaults_are_the_articles_address() {
        let fixed_pool = ReactorConfig { max_threads: 0, ..ReactorConfig::default() };
        let plain = Options { reactor: fixed_pool, ..Options::default() };
        assert_eq!(parse(&PLAIN, ""), Ok(plain), "without --max-threads, a fixed pool");
        let per_core = Options { threads: one_per_core(), ..Options::default() };
        assert_eq!(parse(&EVERY_GROUP, ""), Ok(per_core), "a pool that grows: one per core");
        assert_eq!(
            (Options::default().host.as_str(), Options::default().port),
            ("127.0.0.1", 8888)
        );
    }

    #[test]
    fn the_defaults_in_help_are_the_real_ones() {
        for (usage, about) in FLAGS {
            if let Some((_, default)) = about.split_once("(default ") {
                let args = format!("{} {}", flag_name(usage), default.trim_end_matches(')'));
                // `--threads`' 4 is a fixed pool's; a pool that grows says its own (below).
                let fixed_pool = Command { pool: Pool::Fixed, ..EVERY_GROUP };
                let command = if usage == "--threads N" { fixed_pool } else { EVERY_GROUP };
                assert_eq!(parse(&command, &args), parse(&command, ""), "{usage}");
            }
        }
    }

    #[test]
    fn a_pool_that_grows_starts_with_one_worker_per_core() {
        let cores = std::thread::available_parallelism().unwrap();
        assert_eq!(parse(&EVERY_GROUP, "").map(|options| options.threads), Ok(cores));
        assert!(EVERY_GROUP.usage().contains(THREADS_OF_A_POOL_THAT_GROWS));
        let fixed_pool = Command { pool: Pool::Fixed, ..EVERY_GROUP };
        assert_eq!(parse(&fixed_pool, "").map(|options| options.threads.get()), Ok(4));
    }

    #[test]
    fn a_python_pool_starts_with_one_worker_and_may_grow() {
        let python = Command { pool: Pool::GrowsFromOne, ..EVERY_GROUP };
        let options = parse(&python, "").unwrap();
        assert_eq!((options.threads.get(), options.reactor.max_threads), (1, 256));
        assert!(python.usage().contains(THREADS_OF_A_PYTHON_POOL));
        assert_eq!(parse(&python, "--threads 3").map(|options| options.threads.get()), Ok(3));
    }

    #[test]
    fn every_flag_is_read() {
        let args = "--host 0.0.0.0 --port=0 --threads 8 --spawn --quiet --idle-timeout 0.5 \
                    --head-timeout 2 --max-connections 10 --max-threads 16 \
                    --max-line 100 \
                    --max-field 50 --max-fields 7 --max-head 200 --max-body 99 \
                    --body-in-memory 64 --min-rate 10 --min-rate-grace 2 --book site/out \
                    --forwarded-allow-ips 127.0.0.1,::1 --script-name /app/ --workers 3";
        let expected = Options {
            host: "0.0.0.0".to_string(),
            port: 0,
            threads: NonZeroUsize::new(8).unwrap(),
            spawn: true,
            limits: Limits {
                request_line: 100,
                field_line: 50,
                fields: 7,
                head: 200,
                body: 99,
                body_in_memory: 64,
            },
            reactor: ReactorConfig {
                idle_timeout: Duration::from_millis(500),
                head_timeout: Duration::from_secs(2),
                io_timeout: ReactorConfig::default().io_timeout,
                max_connections: 10,
                min_rate: 10,
                rate_grace: Duration::from_secs(2),
                max_threads: 16,
                ..ReactorConfig::default()
            },
            quiet: true,
            book: Some(PathBuf::from("site/out")),
            proxy: Proxy::new(["127.0.0.1".parse().unwrap(), "::1".parse().unwrap()], "/app"),
            workers: NonZeroUsize::new(3).unwrap(),
        };
        assert_eq!(parse(&EVERY_GROUP, args), Ok(expected));
    }

    #[test]
    fn a_flag_from_a_group_the_binary_lacks_is_unknown_and_not_in_help() {
        let groups = [
            (Command { threads: false, ..EVERY_GROUP }, "--threads"),
            (Command { spawn: false, ..EVERY_GROUP }, "--spawn"),
            (Command { quiet: false, ..EVERY_GROUP }, "--quiet"),
            (Command { timeouts: false, ..EVERY_GROUP }, "--idle-timeout --head-timeout"),
            (
                Command { limits: false, ..EVERY_GROUP },
                "--max-connections --max-line --max-head --max-body",
            ),
            (Command { book: false, ..EVERY_GROUP }, "--book"),
            (Command { proxy: false, ..EVERY_GROUP }, "--forwarded-allow-ips --script-name"),
            (Command { processes: false, ..EVERY_GROUP }, "--workers"),
            (Command { pool: Pool::Fixed, ..EVERY_GROUP }, "--max-threads"),
        ];
        for (command, flags) in groups {
            for flag in flags.split(' ') {
                let unknown = format!("unknown option `{flag}`");
                assert_eq!(parse(&command, &format!("{flag} 1")), mistake(&unknown));
                assert!(!command.usage().contains(flag), "{flag} in\n{}", command.usage());
                assert!(EVERY_GROUP.usage().contains(flag));
            }
        }
    }

    #[test]
    fn limits_and_timeouts_are_read_and_checked() {
        let options = parse(&EVERY_GROUP, "--max-body 99 --max-connections 0").unwrap();
        assert_eq!((options.limits.body, options.reactor.max_connections), (99, 1));
        let not_positive = "--head-timeout takes a positive number of seconds";
        assert_eq!(parse(&EVERY_GROUP, "--head-timeout 0"), mistake(not_positive));
        assert_eq!(parse(&EVERY_GROUP, "--head-timeout -1"), mistake(not_positive));
    }

    #[test]
    fn bad_flags_are_explained() {
        let mistakes = [
            ("--port http", "--port takes a number, not `http`"),
            ("--max-line 8k", "--max-line takes a number, not `8k`"),
            ("--port", "--port needs a value: --port PORT"),
            ("--threads 0", "--threads must be at least 1"),
            (
                "--forwarded-allow-ips 127.0.0.1,nginx",
                "--forwarded-allow-ips takes IP addresses separated by commas, such as \
                 127.0.0.1,::1; `nginx` is not one (names and networks are not accepted)",
            ),
            (
                "--script-name app",
                "--script-name takes the path the application is mounted at, such as /app, \
                 not `app`",
            ),
            ("--spawn=yes", "--spawn takes no value, not `yes`"),
            ("--bogus", "unknown option `--bogus`"),
            ("--bogus=1", "unknown option `--bogus`"),
            ("-port 80", "unknown option `-port`"),
            ("80", "unexpected argument `80` (values come after a flag, as in --port 8080)"),
        ];
        for (args, message) in mistakes {
            assert_eq!(parse(&EVERY_GROUP, args), mistake(message), "{args}");
        }
        assert_eq!(parse(&PLAIN, "--port 1 -h"), Err(CliError::Help));
    }

    #[test]
    fn help_lists_only_the_flags_a_binary_takes() {
        let expected = "A test.\n\nUsage: cargo run --bin test -- [OPTIONS]\n\nOptions:\n\
            \x20 --host HOST    address to listen on (default 127.0.0.1)\n\
            \x20 --port PORT    port to listen on; 0 picks a free one (default 8888)\n\
            \x20 -h, --help     print this help\n";
        assert_eq!(PLAIN.usage(), expected);
    }
}
