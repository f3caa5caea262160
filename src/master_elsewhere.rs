//! Worker processes on a system that is not Unix (chapter 10): there are none. Handing a
//! listening socket to another process is done with descriptors inherited across `exec`, which
//! only Unix has; so here `--workers` must be 1, and Ctrl-C stops the one process.

use std::process;

use crate::cli::{self, Options};
use crate::server::Shutdown;

/// Refuses `--workers` above 1, with what to do instead.
pub fn run_if_asked(options: &Options) {
    if options.workers.get() > 1 {
        eprintln!(
            "--workers {} needs Linux or another Unix; here, run with --workers 1 and more \
             --threads",
            options.workers
        );
        process::exit(2);
    }
}

/// Ctrl-C stops the server gracefully, as in chapters 3 to 8.
pub fn stop_when_told(shutdown: &Shutdown) {
    cli::stop_on_ctrl_c(shutdown);
}
