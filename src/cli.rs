//! Command-line flags shared by every chapter's binary (chapter 1).
//!
//! Every binary takes `--host` and `--port`; the pooled ones add `--threads`, chapter 3 adds
//! `--spawn`, and chapter 5 its limits. Parsing is a few lines of std, so the binaries need
//! no argument crate.

use std::fmt;
use std::net::TcpListener;
use std::num::NonZeroUsize;
use std::process;
use std::time::Duration;

use crate::http::Limits;
use crate::reactor::ReactorConfig;
use crate::server::Shutdown;

/// What a binary says about itself in `--help`, and which optional flags it accepts.
pub struct Command {
    /// The binary's name, for example `01-echo`.
    pub name: &'static str,
    /// One paragraph on what it does.
    pub about: &'static str,
    /// Accept `--threads N`.
    pub threads: bool,
    /// Accept `--spawn` (thread per connection instead of a pool).
    pub spawn: bool,
    /// Accept chapter 5's limits, timeouts and `--quiet`.
    pub limits: bool,
}

/// The flags after parsing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    pub host: String,
    pub port: u16,
    pub threads: NonZeroUsize,
    pub spawn: bool,
    /// Request size limits (chapter 5's `--max-line`, `--max-head`, `--max-body`).
    pub limits: Limits,
    /// Connection limits and timeouts (chapter 5).
    pub reactor: ReactorConfig,
    /// No access log (chapter 5's `--quiet`).
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

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Help => write!(f, "help requested"),
            CliError::Invalid(message) => write!(f, "{message}"),
        }
    }
}

impl Command {
    /// The `--help` text.
    pub fn usage(&self) -> String {
        let (reactor, limits) = (ReactorConfig::default(), Limits::default());
        let mut options = vec![
            ("--host HOST", "address to listen on (default 127.0.0.1)".to_string()),
            ("--port PORT", "port to listen on; 0 picks a free one (default 8888)".to_string()),
        ];
        if self.threads {
            options.push(("--threads N", "worker threads in the pool (default 4)".to_string()));
        }
        if self.spawn {
            options
                .push(("--spawn", "one new thread per connection instead of a pool".to_string()));
        }
        if self.limits {
            options.extend([
                (
                    "--max-connections N",
                    format!(
                        "connections open at once; more get 503 (default {})",
                        reactor.max_connections
                    ),
                ),
                (
                    "--idle-timeout SECS",
                    format!(
                        "close a keep-alive connection idle this long (default {})",
                        reactor.idle_timeout.as_secs_f64()
                    ),
                ),
                (
                    "--head-timeout SECS",
                    format!(
                        "408 when a request head takes longer (default {})",
                        reactor.head_timeout.as_secs_f64()
                    ),
                ),
                (
                    "--io-timeout SECS",
                    format!(
                        "how long one body read or response write may block (default {})",
                        reactor.io_timeout.as_secs_f64()
                    ),
                ),
                (
                    "--max-line BYTES",
                    format!("414 for a longer request line (default {})", limits.request_line),
                ),
                (
                    "--max-head BYTES",
                    format!("431 for a larger request head (default {})", limits.head),
                ),
                (
                    "--max-body BYTES",
                    format!("413 for a larger request body (default {})", limits.body),
                ),
                ("--quiet", "no access log on stderr".to_string()),
            ]);
        }
        options.push(("-h, --help", "print this help".to_string()));
        let width = options.iter().map(|(flag, _)| flag.len()).max().unwrap_or(0) + 4;
        let mut text = format!(
            "{}\n\nUsage: cargo run --bin {} -- [OPTIONS]\n\nOptions:\n",
            self.about, self.name
        );
        for (flag, what) in options {
            text.push_str(&format!("  {flag:<width$}{what}\n"));
        }
        text
    }

    /// Parses flags (without the program name).
    pub fn parse<I: IntoIterator<Item = String>>(&self, args: I) -> Result<Options, CliError> {
        let mut options = Options::default();
        let mut args = args.into_iter();
        while let Some(flag) = args.next() {
            let mut value = |what: &str| {
                args.next().ok_or_else(|| {
                    CliError::Invalid(format!("{flag} needs a value: {flag} {what}"))
                })
            };
            match flag.as_str() {
                "-h" | "--help" => return Err(CliError::Help),
                "--host" => options.host = value("HOST")?,
                "--port" => options.port = number(&flag, &value("PORT")?)?,
                "--threads" if self.threads => {
                    let threads: usize = number(&flag, &value("N")?)?;
                    options.threads = NonZeroUsize::new(threads).ok_or_else(|| {
                        CliError::Invalid("--threads must be at least 1".to_string())
                    })?;
                }
                "--spawn" if self.spawn => options.spawn = true,
                "--max-connections" if self.limits => {
                    let most: usize = number(&flag, &value("N")?)?;
                    options.reactor.max_connections = most.max(1);
                }
                "--idle-timeout" if self.limits => {
                    options.reactor.idle_timeout = seconds(&flag, &value("SECS")?)?;
                }
                "--head-timeout" if self.limits => {
                    options.reactor.head_timeout = seconds(&flag, &value("SECS")?)?;
                }
                "--io-timeout" if self.limits => {
                    options.reactor.io_timeout = seconds(&flag, &value("SECS")?)?;
                }
                "--max-line" if self.limits => {
                    options.limits.request_line = number(&flag, &value("BYTES")?)?;
                }
                "--max-head" if self.limits => {
                    options.limits.head = number(&flag, &value("BYTES")?)?;
                }
                "--max-body" if self.limits => {
                    options.limits.body = number(&flag, &value("BYTES")?)?;
                }
                "--quiet" if self.limits => options.quiet = true,
                other => {
                    return Err(CliError::Invalid(format!("unknown option `{other}`")));
                }
            }
        }
        Ok(options)
    }

    /// Parses the process's flags, printing help or an error and exiting when it must.
    pub fn parse_or_exit(&self) -> Options {
        match self.parse(std::env::args().skip(1)) {
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

fn seconds(flag: &str, text: &str) -> Result<Duration, CliError> {
    let secs: f64 = number(flag, text)?;
    Duration::try_from_secs_f64(secs)
        .ok()
        .filter(|duration| !duration.is_zero())
        .ok_or_else(|| CliError::Invalid(format!("{flag} takes a positive number of seconds")))
}

fn number<T: std::str::FromStr>(flag: &str, text: &str) -> Result<T, CliError> {
    text.parse().map_err(|_| CliError::Invalid(format!("{flag} takes a number, not `{text}`")))
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

    const POOLED: Command =
        Command { name: "test", about: "A test.", threads: true, spawn: true, limits: false };
    const PLAIN: Command =
        Command { name: "test", about: "A test.", threads: false, spawn: false, limits: false };
    const HARDENED: Command =
        Command { name: "test", about: "A test.", threads: true, spawn: false, limits: true };

    fn parse(command: &Command, args: &[&str]) -> Result<Options, CliError> {
        command.parse(args.iter().map(|arg| arg.to_string()))
    }

    #[test]
    fn defaults_are_the_articles_address() {
        assert_eq!(parse(&PLAIN, &[]), Ok(Options::default()));
        assert_eq!(Options::default().host, "127.0.0.1");
        assert_eq!(Options::default().port, 8888);
    }

    #[test]
    fn every_flag_is_read() {
        let options =
            parse(&POOLED, &["--host", "0.0.0.0", "--port", "0", "--threads", "8", "--spawn"]);
        assert_eq!(
            options,
            Ok(Options {
                host: "0.0.0.0".to_string(),
                port: 0,
                threads: NonZeroUsize::new(8).unwrap(),
                spawn: true,
                ..Options::default()
            })
        );
    }

    #[test]
    fn chapter_5_limits_are_read_and_checked() {
        let options = parse(
            &HARDENED,
            &[
                "--max-connections",
                "10",
                "--idle-timeout",
                "0.5",
                "--max-body",
                "99",
                "--quiet",
                "--max-line",
                "100",
                "--max-head",
                "200",
                "--io-timeout",
                "3",
            ],
        )
        .unwrap();
        assert_eq!(options.reactor.max_connections, 10);
        assert_eq!(options.reactor.idle_timeout, Duration::from_millis(500));
        assert_eq!(options.limits.body, 99);
        assert_eq!((options.limits.request_line, options.limits.head), (100, 200));
        assert_eq!(options.reactor.io_timeout, Duration::from_secs(3));
        assert!(options.quiet);
        assert_eq!(
            parse(&HARDENED, &["--head-timeout", "0"]),
            Err(CliError::Invalid("--head-timeout takes a positive number of seconds".to_string()))
        );
        assert_eq!(
            parse(&POOLED, &["--quiet"]),
            Err(CliError::Invalid("unknown option `--quiet`".to_string()))
        );
        assert!(HARDENED.usage().contains("--idle-timeout SECS"));
    }

    #[test]
    fn bad_flags_are_explained() {
        assert_eq!(
            parse(&PLAIN, &["--port", "http"]),
            Err(CliError::Invalid("--port takes a number, not `http`".to_string()))
        );
        assert_eq!(
            parse(&PLAIN, &["--port"]),
            Err(CliError::Invalid("--port needs a value: --port PORT".to_string()))
        );
        assert_eq!(
            parse(&POOLED, &["--threads", "0"]),
            Err(CliError::Invalid("--threads must be at least 1".to_string()))
        );
        // A chapter without a pool does not pretend to take --threads.
        assert_eq!(
            parse(&PLAIN, &["--threads", "2"]),
            Err(CliError::Invalid("unknown option `--threads`".to_string()))
        );
        assert_eq!(parse(&PLAIN, &["-h"]), Err(CliError::Help));
    }

    #[test]
    fn help_lists_only_the_flags_a_binary_takes() {
        assert!(POOLED.usage().contains("--threads"));
        assert!(POOLED.usage().contains("--spawn"));
        assert!(!PLAIN.usage().contains("--threads"));
        assert!(PLAIN.usage().contains("--port PORT"));
    }
}
