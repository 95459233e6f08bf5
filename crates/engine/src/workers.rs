//! The threads of a local event loop: `threads` scoped workers take the work items in order
//! from one shared counter, so the items finish roughly in order (the snapshot writer and the
//! streaming merge hold fewer finished items back) and no thread waits while another has more
//! than one item left. One thread: the calling thread does it all.
//!
//! A rayon pool did this before, splitting the items in halves and stealing: at the end one
//! thread often sat idle for 0.3–1.9 ms while the other finished its last items, and handing
//! the threads' freed memory back took a broadcast to every thread after the loop, 0.2 ms more
//! — together 5–10 % of an 8 ms two-thread run of ADL q1 (lz4, 2026-12-06). The calling
//! thread only waits: as a worker too, the thread it had just started often began 2–4 ms late
//! (on this VM a new thread waits on its parent's CPU while the parent runs, until the
//! scheduler moves it), where workers the caller waits for start within 0.2 ms.
//!
//! A worker out of items hands its freed memory back only once every worker is ([`Gate`]).
//! Handed back at once, the unmapping of its pages (0.3–0.4 ms a thread) ran while the other
//! thread still worked, slowing it (the same process's memory: the kernel flushes the other
//! core's TLB). Paired, lz4 file, two threads, best / median of 31 (Intel Xeon, 2026-12-07):
//! q4 0.0319 / 0.0328 → 0.0313 / 0.0324 s, q3 0.0479 / 0.0496 → 0.0472 / 0.0492 s, q5 0.0948 /
//! 0.0982 → 0.0922 / 0.0949 s. Not handing the memory back at all was faster still (q4 0.0323
//! / 0.0337 s against 0.0339 / 0.0350 s then), but the plots written after a two-thread loop
//! then peaked 8–10 MB higher (q6: 46 → 56 MB).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};

/// The stack of each worker thread (the default is 2 MiB). Generous: expressions are
/// evaluated by walking their (depth-limited) trees.
const WORKER_STACK: usize = 16 << 20;

/// Run `work(i)` for every `i` in `0..items` on `threads` threads (with one thread or one item,
/// the calling thread). After the first error no item is started; the error of the lowest
/// item that failed is returned, whatever the threads' timing. Each thread hands the memory it
/// freed back to the kernel once every thread has run out of items
/// ([`crate::allocator::return_freed_memory`]), and the calling thread after them. If the
/// system refuses to start a thread, the threads started do all the items (the calling thread,
/// if none started).
pub(crate) fn for_each_item<E: Send>(
    threads: usize,
    items: usize,
    work: impl Fn(usize) -> Result<(), E> + Sync,
) -> Result<(), E> {
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let first_error: Mutex<Option<(usize, E)>> = Mutex::new(None);
    let gate = Gate::default();
    // `together`: one of several threads, which waits at the gate before handing memory back.
    let worker = |together: bool| {
        let arrival = together.then(|| gate.arrival());
        while !failed.load(Ordering::Relaxed) {
            let i = next.fetch_add(1, Ordering::Relaxed);
            if i >= items {
                break;
            }
            if let Err(e) = work(i) {
                failed.store(true, Ordering::Relaxed);
                // A poisoned lock means another thread panicked; the scope re-raises that.
                if let Ok(mut slot) = first_error.lock() {
                    if slot.as_ref().is_none_or(|(j, _)| i < *j) {
                        *slot = Some((i, e));
                    }
                }
                break;
            }
        }
        if let Some(arrival) = arrival {
            arrival.wait();
        }
        crate::allocator::return_freed_memory();
    };
    if threads.min(items) <= 1 {
        worker(false);
    } else {
        std::thread::scope(|s| {
            let mut started = 0;
            for k in 0..threads.min(items) {
                let spawned = std::thread::Builder::new()
                    .name(format!("hepframe-worker-{k}"))
                    .stack_size(WORKER_STACK)
                    .spawn_scoped(s, || worker(true));
                if spawned.is_err() {
                    break;
                }
                started += 1;
            }
            if started == 0 {
                worker(false);
            }
            gate.open_when(started);
        });
        crate::allocator::return_freed_memory();
    }
    match first_error.into_inner() {
        Ok(Some((_, e))) => Err(e),
        _ => Ok(()),
    }
}

/// Where the workers out of items wait for each other: each arrives ([`Gate::arrival`], also
/// when its work panics), and the calling thread opens the gate once all it started have.
#[derive(Default)]
struct Gate {
    /// Workers arrived, and whether the gate is open.
    state: Mutex<(usize, bool)>,
    changed: Condvar,
}

/// A worker's place at the [`Gate`]: it arrives when this is waited on or dropped.
struct Arrival<'a> {
    gate: &'a Gate,
    arrived: bool,
}

impl Gate {
    fn lock(&self) -> MutexGuard<'_, (usize, bool)> {
        // The state is two plain values, valid whatever a panicking holder left.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn arrival(&self) -> Arrival<'_> {
        Arrival {
            gate: self,
            arrived: false,
        }
    }

    /// Wait until `workers` have arrived, then let them through.
    fn open_when(&self, workers: usize) {
        let mut state = self.lock();
        while state.0 < workers {
            state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        state.1 = true;
        self.changed.notify_all();
    }
}

impl<'a> Arrival<'a> {
    fn arrive(&mut self) -> MutexGuard<'a, (usize, bool)> {
        let gate: &'a Gate = self.gate;
        let mut state = gate.lock();
        if !self.arrived {
            self.arrived = true;
            state.0 += 1;
            gate.changed.notify_all();
        }
        state
    }

    /// Arrive, and wait until the gate opens.
    fn wait(mut self) {
        let gate = self.gate;
        let mut state = self.arrive();
        while !state.1 {
            state = gate.changed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
    }
}

impl Drop for Arrival<'_> {
    /// A worker whose work panicked arrives too (without waiting), so that the calling
    /// thread does not wait for it forever before the scope re-raises the panic.
    fn drop(&mut self) {
        drop(self.arrive());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_item_runs_exactly_once() {
        for threads in [1, 2, 3, 8] {
            for items in [0, 1, 2, 7, 100] {
                let seen = Mutex::new(Vec::new());
                let ids = Mutex::new(HashSet::new());
                for_each_item::<()>(threads, items, |i| {
                    seen.lock().unwrap().push(i);
                    ids.lock().unwrap().insert(std::thread::current().id());
                    // Long enough that the threads overlap.
                    std::thread::sleep(std::time::Duration::from_millis(1));
                    Ok(())
                })
                .unwrap();
                let mut seen = seen.into_inner().unwrap();
                seen.sort_unstable();
                assert_eq!(seen, (0..items).collect::<Vec<_>>(), "{threads} threads");
                // Never more threads than asked for or than items; several when both allow
                // (a thread started late may find the few items taken: only the long fill
                // is checked for that).
                let used = ids.into_inner().unwrap().len();
                assert!(
                    used <= threads.min(items).max(1),
                    "{threads} threads, {items} items"
                );
                if items == 100 && threads > 1 {
                    assert!(used > 1, "{threads} threads, {items} items: one used");
                }
            }
        }
    }

    #[test]
    fn threads_out_of_items_pass_the_gate_only_when_all_have_arrived() {
        let gate = Gate::default();
        let arrived_late = Mutex::new(None);
        let passed = Mutex::new(Vec::new());
        std::thread::scope(|s| {
            for k in 0..3u64 {
                let (gate, arrived_late, passed) = (&gate, &arrived_late, &passed);
                s.spawn(move || {
                    let arrival = gate.arrival();
                    // The last thread arrives well after the others.
                    std::thread::sleep(std::time::Duration::from_millis(1 + 30 * (k / 2)));
                    if k == 2 {
                        *arrived_late.lock().unwrap() = Some(std::time::Instant::now());
                    }
                    arrival.wait();
                    passed.lock().unwrap().push(std::time::Instant::now());
                });
            }
            gate.open_when(3);
        });
        let late = arrived_late.into_inner().unwrap().unwrap();
        let passed = passed.into_inner().unwrap();
        assert_eq!(passed.len(), 3);
        assert!(passed.iter().all(|t| *t >= late));
    }

    #[test]
    fn a_panicking_item_leaves_no_thread_waiting_at_the_gate() {
        for threads in [2, 3] {
            // Returns (with the panic) instead of hanging: the panicking worker arrives too.
            let r = std::panic::catch_unwind(|| {
                for_each_item::<()>(threads, 20, |i| {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                    assert!(i != 3, "item 3 fails");
                    Ok(())
                })
            });
            assert!(r.is_err(), "{threads} threads");
        }
    }

    #[test]
    fn the_lowest_failing_item_is_reported() {
        for threads in [1, 2, 4] {
            let r = for_each_item(threads, 1000, |i| {
                std::thread::sleep(std::time::Duration::from_millis(1));
                if i >= 5 {
                    Err(i)
                } else {
                    Ok(())
                }
            });
            // Items 5.. fail; whichever thread sees a failure first, item 5 started before
            // any later one (items are taken in order) and it is the lowest that failed.
            assert_eq!(r, Err(5), "{threads} threads");
        }
    }

    #[test]
    fn no_item_starts_after_a_failure() {
        for threads in [1, 2, 4] {
            let started = AtomicUsize::new(0);
            let r = for_each_item(threads, 1000, |i| {
                started.fetch_add(1, Ordering::Relaxed);
                std::thread::sleep(std::time::Duration::from_millis(1));
                if i == 5 {
                    Err(i)
                } else {
                    Ok(())
                }
            });
            assert_eq!(r, Err(5), "{threads} threads");
            // Items the other threads took while item 5 ran: a few each (50 leaves room for a
            // busy machine), not the 995 left.
            let started = started.into_inner();
            assert!(
                started <= 5 + 50 * threads,
                "{threads} threads: {started} started"
            );
        }
    }
}
