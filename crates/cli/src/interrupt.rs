//! Ctrl-C (SIGINT) and SIGTERM: stop without leaving temporary files behind, with the exit
//! status a shell expects of a process stopped by a signal (128 + the signal: 130, 143).
//!
//! `hepframe run` stops cooperatively: the first signal sets a flag the engine reads between
//! work items; it then drops its snapshot writers (which remove their temporary files), writes
//! nothing, and the process exits 130/143. A second signal stops at once. Other commands
//! stop at once: every temporary output still registered with
//! [`rootio::write::temporary`] is removed, then the process exits.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

use signal_hook::consts::{SIGINT, SIGTERM};

/// Set when a signal asked the run to stop.
static STOP: AtomicBool = AtomicBool::new(false);
/// The first signal received (0: none).
static SIGNAL: AtomicI32 = AtomicI32::new(0);

/// How a command reacts to the first signal.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Set the flag returned by [`install`] and let the command stop itself.
    Cooperative,
    /// Remove temporaries and exit.
    Immediate,
}

/// Handle SIGINT and SIGTERM from now on. Returns the flag the cooperative mode sets. Where
/// handlers cannot be installed, the default behaviour (termination) stays.
pub fn install(mode: Mode) -> &'static AtomicBool {
    if let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) {
        std::thread::spawn(move || {
            for sig in signals.forever() {
                let first = SIGNAL
                    .compare_exchange(0, sig, Ordering::SeqCst, Ordering::SeqCst)
                    .is_ok();
                if first && mode == Mode::Cooperative {
                    STOP.store(true, Ordering::SeqCst);
                    eprintln!(
                        "\nhepframe: stopping after the work items in progress (press Ctrl-C \
                         again to stop at once)"
                    );
                    continue;
                }
                stop_now(sig);
            }
        });
    }
    &STOP
}

/// Remove the temporaries and exit with 128 + `sig`.
fn stop_now(sig: i32) -> ! {
    let removed = rootio::write::temporary::remove_all();
    eprintln!(
        "\nhepframe: interrupted{}",
        match removed {
            0 => String::new(),
            1 => "; removed 1 temporary file".into(),
            n => format!("; removed {n} temporary files"),
        }
    );
    std::process::exit(128 + sig)
}

/// The exit status for a run stopped by a signal: 128 + the first signal received (130 for
/// SIGINT when none was seen, e.g. a stop requested otherwise).
pub fn exit_status() -> u8 {
    match SIGNAL.load(Ordering::SeqCst) {
        0 => 130,
        s => (128 + s).clamp(0, 255) as u8,
    }
}
