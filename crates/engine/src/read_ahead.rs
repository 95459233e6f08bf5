//! Reading ahead on remote files: while one thread runs the work items in order, the baskets of
//! the next items are fetched in the background, many items per request, so that a remote run
//! costs a few large requests whose round trips overlap the decoding instead of one wait per
//! item (TTreeCache's idea, at the level of the plan; see `rootio::remote::Prefetching`).

use std::sync::atomic::{AtomicUsize, Ordering};

use crate::plan::{OpenSample, Plan, WorkItem};

/// The most basket bytes one read-ahead request asks for (at least one work item's). The
/// remote source holds them until they are read, so this also bounds the extra memory.
pub(crate) const WINDOW_BYTES: u64 = 64 << 20;

/// The read-ahead state of one single-threaded run.
#[derive(Debug, Default)]
pub(crate) struct ReadAhead {
    /// Items before this index were fetched (or are being fetched) ahead.
    fetched_until: AtomicUsize,
}

impl ReadAhead {
    /// Called before `it` is processed, on one thread in item order. On a remote file: if no
    /// read-ahead covers `it`, start fetching a window of items from `it` on (its own baskets
    /// come first in the reply, so it can start before the rest is in); when `it` is the last
    /// item a window covers, start fetching the next window. The bytes are claimed at once, so
    /// the item's own reads wait for them instead of asking again. Errors are left to the
    /// items' own reads, which retry and report them.
    pub(crate) fn before(&self, plan: &Plan, open: &[OpenSample], it: &WorkItem) {
        if self.fetched_until.load(Ordering::Relaxed) <= it.index {
            self.window(plan, open, it.index);
        }
        if self.fetched_until.load(Ordering::Relaxed) <= it.index + 1 {
            self.window(plan, open, it.index + 1);
        }
    }

    /// Fetch, in the background, the baskets of the items from `first` on, in its file, up to
    /// [`WINDOW_BYTES`] (at least one item).
    fn window(&self, plan: &Plan, open: &[OpenSample], first: usize) {
        let Some(start) = plan.items.get(first) else {
            return;
        };
        let Some((tree, names)) = remote_tree(plan, open, start) else {
            return;
        };
        let columns: Vec<&str> = names.iter().map(String::as_str).collect();
        let mut ranges = Vec::new();
        let mut bytes = 0u64;
        let mut until = first;
        for item in &plan.items[first..] {
            if item.sample != start.sample || item.file != start.file {
                break;
            }
            let more = tree.basket_ranges(&columns, item.start..item.stop);
            let more_bytes: u64 = more.iter().map(|r| r.end.saturating_sub(r.start)).sum();
            if until > first && bytes.saturating_add(more_bytes) > WINDOW_BYTES {
                break;
            }
            ranges.extend(more);
            bytes = bytes.saturating_add(more_bytes);
            until = item.index + 1;
        }
        self.fetched_until.store(until, Ordering::Relaxed);
        if !ranges.is_empty() {
            tree.file().source().clone().prefetch_background(ranges);
        }
    }
}
/// On a local file, before an item is processed: the kernel is asked to read the baskets of
/// item `next` (the one `threads` places on, which this thread is likely to take next) into
/// the page cache in the background, so that pages not cached (a cold file, or pages the
/// kernel reclaimed) are read from disk while this item decodes, not waited for at each of
/// its reads ([`rootio::ByteSource::prefetch`] of a local file: `posix_fadvise`). Cached pages
/// cost a look-up. A remote file is left to [`ReadAhead`].
pub(crate) fn local_next(plan: &Plan, open: &[OpenSample], next: usize) {
    let Some(it) = plan.items.get(next) else {
        return;
    };
    let Some(o) = open.get(it.sample) else {
        return;
    };
    let Some(tree) = o.trees.get(crate::run::file_index(plan, it)) else {
        return;
    };
    if rootio::remote::is_url_path(&tree.file().path()) {
        return;
    }
    let columns: Vec<&str> = o.compiled.branches.iter().map(String::as_str).collect();
    // A hint: a failure shows in the item's own reads.
    let _ = tree.prefetch(&columns, it.start..it.stop);
}

/// The dataset an item reads and the branches it needs, if its file is remote.
fn remote_tree<'a>(
    plan: &Plan,
    open: &'a [OpenSample],
    it: &WorkItem,
) -> Option<(&'a rootio::Dataset, &'a [String])> {
    let o = open.get(it.sample)?;
    let tree = o.trees.get(crate::run::file_index(plan, it))?;
    rootio::remote::is_url_path(&tree.file().path()).then_some((tree, &o.compiled.branches))
}
