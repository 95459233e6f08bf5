//! How a process that runs event loops uses mimalloc's memory: freed memory kept for reuse
//! while a loop runs, handed back to the kernel after it. The process chooses mimalloc as its
//! global allocator (the `hepframe` binary, the Python extension); elsewhere these calls only
//! set options of an allocator nobody uses.

/// mi_option_purge_delay (mimalloc.h, v2 and v3: the 16th option), in ms.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// The purge delay while event loops run: far longer than a loop takes to reuse what it freed.
/// Not "never" (-1): mimalloc v3 only schedules a purge of freed memory when the delay is
/// positive (`mi_arena_schedule_purge`, `mi_arenas_try_purge` in `src/arena.c`), and only
/// scheduled memory can be purged by [`return_freed_memory`]'s forced collection.
const LOOP_PURGE_DELAY_MS: std::os::raw::c_long = 10_000;

/// Whether `MIMALLOC_PURGE_DELAY` (ms) in the environment chose the purge delay: it wins, for a
/// machine short of memory.
fn delay_from_environment() -> bool {
    std::env::var_os("MIMALLOC_PURGE_DELAY").is_some()
}

/// Keep memory mimalloc frees for reuse instead of purging it back to the kernel after 10 ms
/// (its default): an event loop frees and reallocates its columns item after item, and memory
/// purged in between comes back as fresh pages the kernel must clear (AGC event loop 0.72–0.79 s
/// never purging against 0.87–1.2 s purging after 10 ms, 2026-12-04). The price is memory the
/// process holds while the loop runs; [`return_freed_memory`] gives it back after the loop.
pub fn keep_freed_memory() {
    if delay_from_environment() {
        return;
    }
    // SAFETY: setting an option is a plain store mimalloc reads on its next purge decision.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, LOOP_PURGE_DELAY_MS) };
}

/// After an event loop: hand the memory the calling thread freed back to the kernel. A
/// notebook that ran an analysis does not hold the loop's memory afterwards, and the outputs
/// written next do not add to it.
///
/// mimalloc keeps a thread's freed pages in that thread's heap, and `mi_collect` frees only the
/// calling thread's (and forces the purges scheduled so far): every thread of an event loop
/// calls this when it has no work item left (`workers::for_each_item`).
pub fn return_freed_memory() {
    // SAFETY: a forced collection of the calling thread's heap: mimalloc's public API, valid at
    // any time on any thread.
    unsafe { libmimalloc_sys::mi_collect(true) };
}
