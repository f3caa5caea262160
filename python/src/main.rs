//! Chapter 9: real Python WSGI applications on the chapter 7 server, through an embedded
//! CPython. `09-python flask_app:app` serves Flask the way `gunicorn flask_app:app` does.
//!
//! Try it: `cargo run --release -p socket-to-wsgi-python` (the article's application), then
//! `curl http://127.0.0.1:8888/environ`.

use std::ffi::OsString;
use std::process;

use pyo3::Python;
use python_host::{PythonApp, interpreter, workers};
use socket_to_wsgi::cli::{self, CliError, Command, Pool};
use socket_to_wsgi::master;
use socket_to_wsgi::reactor;
use socket_to_wsgi::server::Shutdown;
use socket_to_wsgi::site;

const COMMAND: Command = Command {
    name: "09-python",
    about: "Chapter 9: a Python WSGI application (PEP 3333) on the chapter 7 server.\n\
            Usage: 09-python [MODULE:CALLABLE] [OPTIONS], as gunicorn names applications;\n\
            without one, the article's application (/, /environ). Ctrl-C or SIGTERM stops it\n\
            gracefully. --workers N runs N processes, each with its own interpreter, under a\n\
            master (chapter 10): SIGHUP reloads them.",
    threads: true,
    spawn: false,
    quiet: true,
    timeouts: true,
    limits: true,
    book: false,
    proxy: true,
    processes: true,
    pool: Pool::GrowsFromOne,
};

/// What `--help` adds for Python.
const PYTHON_HELP: &str = "\nPython:\n  MODULE:CALLABLE        the application, imported with the current directory and\n                         $VIRTUAL_ENV on sys.path (default: the article's)\n  --validate             wrap it in wsgiref.validate.validator\n  --attach-per-request   attach to Python per request, not per worker (slow; chapter 9\n                         measures it)\n";

/// The flags that are switches; every other `--flag` takes the argument after it.
const SWITCHES: [&str; 6] =
    ["--quiet", "--spawn", "--validate", "--attach-per-request", "--help", "-h"];

/// What is Python's on the command line.
#[derive(Debug, Default)]
struct PythonOptions {
    spec: Option<String>,
    validate: bool,
    attach_per_request: bool,
}

// ANCHOR: main
fn main() {
    let (python_options, flags) = python_arguments(std::env::args_os().skip(1));
    let PythonOptions { spec, validate, attach_per_request } = python_options;
    let options = match COMMAND.parse(flags) {
        Ok(options) => options,
        Err(CliError::Help) => {
            print!("{}{PYTHON_HELP}", COMMAND.usage());
            process::exit(0);
        }
        Err(CliError::Invalid(message)) => fail(&message),
    };
    // With --workers N, this process becomes the master and never starts Python: each
    // worker is a new run of this program, which starts an interpreter of its own.
    master::run_if_asked(&options);
    let python = interpreter::start().unwrap_or_else(|why| fail(&why));
    let app = Python::attach(|py| {
        interpreter::add_search_paths(py, &python)?;
        interpreter::load(py, spec.as_deref(), validate)
    });
    let app = app.unwrap_or_else(|why| fail(&why));
    let listener = cli::listen_or_exit(&options);
    let shown = spec.as_deref().unwrap_or("the article's application");
    println!("serving {shown} with Python {} from {}", python.version, python.prefix);
    let shutdown = Shutdown::new(&listener).expect("a bound listener has an address");
    master::stop_when_told(&shutdown);
    // Bodies are gathered before the application runs, as in chapter 7: a slow upload holds
    // no worker, and so no Python thread.
    let gateway = site::gateway(PythonApp::new(app), &options, !options.quiet);
    let serve = move |connection: &mut _| gateway.serve_ready(connection);
    let (threads, limits) = (options.threads, options.reactor);
    match attach_per_request {
        false => reactor::serve_with_reactor_around(
            listener,
            &shutdown,
            threads,
            limits,
            serve,
            workers::attached_for_life,
        ),
        // Each call into Python attaches and detaches on its own: a thread state per request.
        true => reactor::serve_with_reactor(listener, &shutdown, threads, limits, serve),
    }
    Python::attach(interpreter::flush);
    eprintln!("stopped");
}
// ANCHOR_END: main

/// Splits off what is Python's: the application (the one argument that is not a flag or a
/// flag's value) and the Python switches. The rest are the chapter 7 server's flags.
fn python_arguments(args: impl Iterator<Item = OsString>) -> (PythonOptions, Vec<OsString>) {
    let (mut python, mut flags) = (PythonOptions::default(), Vec::new());
    let mut value_expected = false;
    for arg in args {
        let text = arg.to_string_lossy().into_owned();
        if text == "--validate" {
            python.validate = true;
        } else if text == "--attach-per-request" {
            python.attach_per_request = true;
        } else if !value_expected && !text.starts_with('-') && python.spec.is_none() {
            python.spec = Some(text);
        } else {
            value_expected = !value_expected
                && text.starts_with('-')
                && !text.contains('=')
                && !SWITCHES.contains(&text.as_str());
            flags.push(arg);
        }
    }
    (python, flags)
}

/// One line on stderr, exit status 2: the way every startup error ends.
fn fail(why: &str) -> ! {
    eprintln!("09-python: {why}");
    process::exit(2);
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;

    fn split(args: &str) -> (Option<String>, bool, Vec<String>) {
        let (python, flags) = python_arguments(args.split(' ').map(OsString::from));
        let flags = flags.into_iter().map(|flag| flag.to_string_lossy().into_owned()).collect();
        (python.spec, python.validate, flags)
    }

    #[test]
    fn the_application_is_the_argument_that_is_no_flag_value() {
        let flags = |list: &[&str]| list.iter().map(|flag| flag.to_string()).collect::<Vec<_>>();
        assert_eq!(
            split("--host ::1 --quiet flask_app:app --validate --port 0"),
            (
                Some("flask_app:app".into()),
                true,
                flags(&["--host", "::1", "--quiet", "--port", "0"])
            )
        );
        assert_eq!(split("--port=0 hello"), (Some("hello".into()), false, flags(&["--port=0"])));
        assert_eq!(split("--threads 2"), (None, false, flags(&["--threads", "2"])));
    }
}
