//! How the `hepframe` process uses memory: mimalloc as the allocator, freed memory kept for
//! reuse during the event loop and handed back to the kernel after it, no transparent huge pages.

/// mimalloc keeps freed memory for reuse instead of returning it to the kernel and faulting it
/// in again, which matters when columns are read chunk after chunk.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mi_option_purge_delay (mimalloc.h, v2 and v3: the 16th option), in ms; -1 = never purge.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Keep memory mimalloc frees for reuse instead of purging it back to the kernel: an event loop
/// frees and reallocates its columns item after item, and memory purged in between comes back
/// as fresh pages the kernel must clear (AGC event loop 0.72–0.79 s never purging against
/// 0.87–1.2 s purging after 10 ms, 2026-12-04). The price is memory the process holds while
/// the loop runs; [`return_freed_memory`] gives it back after the loop. `MIMALLOC_PURGE_DELAY`
/// (ms) in the environment wins, for a machine short of memory.
pub fn keep_freed_memory() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
        return;
    }
    // SAFETY: setting an option is a plain store mimalloc reads on its next purge decision.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}

/// After the event loop: hand the memory the loop freed back to the kernel before the outputs
/// are written (plots, the report), so that what they allocate does not add to what the loop
/// kept. Purging is immediate from here on (the loop is over; no column is read again).
pub fn return_freed_memory() {
    // SAFETY: a plain option store, then a collection of this thread's heap and the abandoned
    // pages of finished threads; both are mimalloc's public API, valid at any time.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 0);
        libmimalloc_sys::mi_collect(true);
    }
}

/// No transparent huge pages for this process: the kernel clears a whole 2 MiB page at the
/// first touch of any byte in it, and the allocator's scattered pages made that up to twice
/// the memory an analysis uses (ADL q3 on 5 M events: 60 MB peak RSS and 54 ms of system time
/// with them, 37 MB and 36 ms without). Nothing else changes; failure (an old kernel) is
/// harmless.
pub fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes plain integer arguments and only sets a flag of this
    // process (inherited by children).
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}
