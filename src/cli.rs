//! Command-line flags shared by every chapter's binary (chapter 1).
//!
//! Every binary takes `--host` and `--port`; the pooled ones add `--threads`, chapter 3
//! `--spawn`, chapter 5 `--quiet`, chapter 6 its timeouts and chapter 7 its limits. The
//! `lexopt` crate splits the command line into flags and values, because parsing a command
//! line is not what the book teaches; this file only says which flags there are and what
//! they mean.

use std::ffi::OsString;
use std::net::TcpListener;
use std::num::NonZeroUsize;
use std::process;
use std::str::FromStr;
use std::time::Duration;

use lexopt::{Arg, Parser, ValueExt};

use crate::http::Limits;
use crate::reactor::ReactorConfig;
use crate::server::Shutdown;

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
    /// `--max-connections`, `--io-timeout`, `--max-line`, `--max-head`, `--max-body` (chapter 7).
    pub limits: bool,
}

/// The flags after parsing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    pub host: String,
    pub port: u16,
    pub threads: NonZeroUsize,
    pub spawn: bool,
    /// Request size limits: `--max-line`, `--max-head`, `--max-body`.
    pub limits: Limits,
    /// The connection cap and the timeouts.
    pub reactor: ReactorConfig,
    /// No access log.
    pub quiet: bool,
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
        }
    }
}

/// Why the flags could not be used, or that the user asked for help.
#[derive(Debug, PartialEq, Eq)]
pub enum CliError {
    Help,
    Invalid(String),
}

/// Every flag but `--help` as `--help` shows it, in order: what to type, and what it does.
/// A test checks that the defaults shown are the real ones.
const FLAGS: [(&str, &str); 12] = [
    ("--host HOST", "address to listen on (default 127.0.0.1)"),
    ("--port PORT", "port to listen on; 0 picks a free one (default 8888)"),
    ("--threads N", "worker threads in the pool (default 4)"),
    ("--spawn", "one new thread per connection instead of a pool"),
    ("--max-connections N", "connections open at once; more get 503 (default 1000)"),
    ("--idle-timeout SECS", "close a keep-alive connection idle this long (default 5)"),
    ("--head-timeout SECS", "408 when a request head takes longer (default 10)"),
    ("--io-timeout SECS", "how long one body read or response write may block (default 10)"),
    ("--max-line BYTES", "414 for a longer request line (default 8192)"),
    ("--max-head BYTES", "431 for a larger request head (default 16384)"),
    ("--max-body BYTES", "413 for a larger request body (default 8388608)"),
    ("--quiet", "no access log on stderr"),
];

impl Command {
    /// The `--help` text.
    pub fn usage(&self) -> String {
        let flags: Vec<_> = self.flags().chain([("-h, --help", "print this help")]).collect();
        let width = flags.iter().map(|(usage, _)| usage.len()).max().unwrap_or(0) + 4;
        let mut text = format!(
            "{}\n\nUsage: cargo run --bin {} -- [OPTIONS]\n\nOptions:\n",
            self.about, self.name
        );
        for (usage, about) in flags {
            text.push_str(&format!("  {usage:<width$}{about}\n"));
        }
        text
    }

    /// Parses flags (without the program name).
    pub fn parse<I>(&self, args: I) -> Result<Options, CliError>
    where
        I: IntoIterator,
        I::Item: Into<OsString>,
    {
        let mut options = Options::default();
        let mut parser = Parser::from_args(args);
        while let Some(arg) = parser.next()? {
            let usage = match arg {
                Arg::Short('h') | Arg::Long("help") => return Err(CliError::Help),
                Arg::Long(name) => self.usage_of(name)?,
                Arg::Short(letter) => {
                    // `-port` arrives as `-p` and `ort`: the message shows what was typed.
                    let rest = parser.optional_value().unwrap_or_default();
                    return Err(unknown(format!("-{letter}{}", rest.to_string_lossy())));
                }
                Arg::Value(value) => {
                    let value = value.to_string_lossy();
                    let hint = "values come after a flag, as in --port 8080";
                    return Err(invalid(format!("unexpected argument `{value}` ({hint})")));
                }
            };
            read(usage, &mut parser, &mut options)?;
        }
        Ok(options)
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

    /// Whether this binary takes the flag `name`: the optional ones come in groups.
    fn takes(&self, name: &str) -> bool {
        match name {
            "--threads" => self.threads,
            "--spawn" => self.spawn,
            "--quiet" => self.quiet,
            "--idle-timeout" | "--head-timeout" => self.timeouts,
            "--max-connections" | "--io-timeout" | "--max-line" | "--max-head" | "--max-body" => {
                self.limits
            }
            _ => true,
        }
    }

    /// The flags this binary takes, in `--help` order.
    fn flags(&self) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
        FLAGS.into_iter().filter(|(usage, _)| self.takes(flag_name(usage)))
    }

    /// What to type for `--name` (`--port PORT` for `port`), if this binary takes it.
    fn usage_of(&self, name: &str) -> Result<&'static str, CliError> {
        let mut usages = self.flags().map(|(usage, _)| usage);
        let usage = usages.find(|usage| flag_name(usage).strip_prefix("--") == Some(name));
        usage.ok_or_else(|| unknown(format!("--{name}")))
    }
}

/// Reads the flag that `usage` describes into `options`, and its value if it takes one.
fn read(usage: &str, parser: &mut Parser, options: &mut Options) -> Result<(), CliError> {
    let flag = flag_name(usage);
    let mut value = || -> Result<String, CliError> {
        let value = parser.value().map_err(|_| invalid(format!("{flag} needs a value: {usage}")));
        Ok(value?.string()?)
    };
    match flag {
        "--host" => options.host = value()?,
        "--port" => options.port = number(flag, &value()?)?,
        "--threads" => {
            let threads = NonZeroUsize::new(number(flag, &value()?)?);
            options.threads =
                threads.ok_or_else(|| invalid(format!("{flag} must be at least 1")))?;
        }
        "--spawn" => options.spawn = true,
        "--quiet" => options.quiet = true,
        "--max-connections" => {
            options.reactor.max_connections = number::<usize>(flag, &value()?)?.max(1);
        }
        "--idle-timeout" => options.reactor.idle_timeout = seconds(flag, &value()?)?,
        "--head-timeout" => options.reactor.head_timeout = seconds(flag, &value()?)?,
        "--io-timeout" => options.reactor.io_timeout = seconds(flag, &value()?)?,
        "--max-line" => options.limits.request_line = number(flag, &value()?)?,
        "--max-head" => options.limits.head = number(flag, &value()?)?,
        "--max-body" => options.limits.body = number(flag, &value()?)?,
        _ => unreachable!("{flag} is in FLAGS but never read"),
    }
    Ok(())
}

fn number<T: FromStr>(flag: &str, text: &str) -> Result<T, CliError> {
    text.parse().map_err(|_| invalid(format!("{flag} takes a number, not `{text}`")))
}

fn seconds(flag: &str, text: &str) -> Result<Duration, CliError> {
    let seconds = Duration::try_from_secs_f64(number(flag, text)?).ok();
    let positive = seconds.filter(|seconds| !seconds.is_zero());
    positive.ok_or_else(|| invalid(format!("{flag} takes a positive number of seconds")))
}

/// `--port` for `--port PORT`.
fn flag_name(usage: &str) -> &str {
    usage.split(' ').next().unwrap_or(usage)
}

fn invalid(message: String) -> CliError {
    CliError::Invalid(message)
}

fn unknown(option: String) -> CliError {
    invalid(format!("unknown option `{option}`"))
}

// `--quiet=yes`, or a value that is not UTF-8: lexopt's own words say it well enough.
impl From<lexopt::Error> for CliError {
    fn from(error: lexopt::Error) -> CliError {
        invalid(error.to_string())
    }
}

// ANCHOR: listen
/// Binds the listener and prints the line every chapter starts with:
/// `listening on http://HOST:PORT/`, with the real port when `--port 0` picked one.
///
/// Exits with a message that says what to do when the address cannot be used.
pub fn listen_or_exit(options: &Options) -> TcpListener {
    let listener = match TcpListener::bind((options.host.as_str(), options.port)) {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!(
                "cannot listen on {}:{}: {error}\n\
                 Is another server (perhaps another chapter's) using this port? \
                 Stop it, or pick another port with --port (0 picks a free one).",
                options.host, options.port
            );
            process::exit(1);
        }
    };
    let address = listener.local_addr().expect("a bound listener has an address");
    println!("listening on http://{address}/");
    listener
}
// ANCHOR_END: listen

// ANCHOR: ctrl_c
/// Makes Ctrl-C request a graceful shutdown instead of killing the process mid-response.
pub fn stop_on_ctrl_c(shutdown: &Shutdown) {
    let shutdown = shutdown.clone();
    let installed = ctrlc::set_handler(move || {
        eprintln!("Ctrl-C: finishing the requests in flight, then stopping");
        shutdown.request();
    });
    if let Err(error) = installed {
        eprintln!("Ctrl-C will stop the server abruptly: {error}");
    }
}
// ANCHOR_END: ctrl_c

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
    };
    const PLAIN: Command = Command {
        threads: false,
        spawn: false,
        quiet: false,
        timeouts: false,
        limits: false,
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
        assert_eq!(parse(&PLAIN, ""), Ok(Options::default()));
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
                assert_eq!(parse(&EVERY_GROUP, &args), Ok(Options::default()), "{usage}");
            }
        }
    }

    #[test]
    fn every_flag_is_read() {
        let args = "--host 0.0.0.0 --port=0 --threads 8 --spawn --quiet --idle-timeout 0.5 \
                    --head-timeout 2 --max-connections 10 --io-timeout 3 --max-line 100 \
                    --max-head 200 --max-body 99";
        let expected = Options {
            host: "0.0.0.0".to_string(),
            port: 0,
            threads: NonZeroUsize::new(8).unwrap(),
            spawn: true,
            limits: Limits { request_line: 100, head: 200, body: 99 },
            reactor: ReactorConfig {
                idle_timeout: Duration::from_millis(500),
                head_timeout: Duration::from_secs(2),
                io_timeout: Duration::from_secs(3),
                max_connections: 10,
            },
            quiet: true,
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
                "--max-connections --io-timeout --max-line --max-head --max-body",
            ),
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

    // The chapter 5 page names this test.
    #[test]
    fn chapter_5_limits_are_read_and_checked() {
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
            ("--spawn=yes", "unexpected argument for option '--spawn': \"yes\""),
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
