//! How the `hepframe` process uses memory: mimalloc as the allocator (freed memory kept for
//! reuse during the event loop and handed back to the kernel after it: `engine::allocator`),
//! no transparent huge pages.

/// mimalloc keeps freed memory for reuse instead of returning it to the kernel and faulting it
/// in again, which matters when columns are read chunk after chunk.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
