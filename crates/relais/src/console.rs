//! What the command line prints on standard output. `println!` panics when
//! the reader has gone (`relais admin … | head`, `relais bench | head -3`),
//! with a trace. Commands print through [`say!`] instead: once the reader
//! has gone, the rest of the output is dropped and the command finishes
//! its work as it would have (a bench still stops the processes it
//! spawned). Any other failure to write is said once on standard error.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once standard output cannot be written any more.
static GONE: AtomicBool = AtomicBool::new(false);

/// Writes one line to standard output (see the module's documentation).
pub fn line(args: std::fmt::Arguments<'_>) {
    if GONE.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    let written = out.write_fmt(args).and_then(|()| out.write_all(b"\n"));
    if let Err(e) = written {
        if !GONE.swap(true, Ordering::Relaxed) && e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("relais: cannot write to standard output: {e}");
        }
    }
}

/// `println!` for the command line's output (see [`line`]).
macro_rules! say {
    () => {
        $crate::console::line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::console::line(format_args!($($arg)*))
    };
}
