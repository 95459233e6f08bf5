//! One branch being written: ROOT's `TBranch` and `TBasket` bookkeeping, reproduced decision for
//! decision so that a tree written here has the baskets ROOT would have written for the same
//! entries (`tests/write_tree_golden.rs` compares them byte for byte).
//!
//! What each step mirrors (`root-project/root:tree/tree/src/`):
//!
//! * **Filling an entry** (`TBranch::FillImpl`): the entry's bytes are appended to the basket
//!   buffer, which starts after the key header (`fLast = fKeylen`). For variable-size entries
//!   the entry's start (key-relative) goes into `fEntryOffset` first (`TBasket::Update`), whose
//!   capacity `fNevBufSize` doubles (at least 10) when `fNevBuf + 1 >= fNevBufSize`; while the
//!   branch has written fewer than 10 baskets, the branch's `fEntryOffsetLen` follows it.
//!   For fixed-size entries `fNevBufSize` is the entry size, taken from the first entry.
//! * **When a basket is full**: right after an entry, if
//!   `lnew + 2 * nsize + nbytes >= fBasketSize`, where `lnew` is the key length plus the data
//!   so far, `nsize` is 4 bytes per entry offset (0 for fixed-size entries) and `nbytes` is the
//!   size of the entry just added (a guess for the next one).
//! * **Writing a basket** (`TBranch::WriteBasketImpl`, `TBasket::WriteBuffer`): first
//!   `fEntryOffsetLen` is adapted to the basket's entry count (shrunk to `4 * nevbuf`, at least
//!   10, when much larger; doubled past `nevbuf` when smaller); then, for variable-size
//!   entries, the entry-offset array (`i32 nevbuf + 1`, the `nevbuf` offsets, and a 0 where the
//!   end offset would be) is appended after the data (`fLast` marks where the data end); the
//!   payload is compressed as a whole, in blocks of at most 16 MiB, or stored as is when that
//!   does not make it smaller; the key (class `TBasket`, the branch's name, the tree's name as
//!   title, cycle = basket number) always has 8-byte seeks (key version 1004), and its header
//!   continues with `fVersion = 3, fBufferSize, fNevBufSize, fNevBuf, fLast` and a flag byte 0.
//!   `fBufferSize` is the basket size, raised to `fLast` when the data overflowed it; the basket
//!   object is reused for the next basket (`TBasket::Reset`), so a raised value sticks.
//! * **Bookkeeping**: `fBasketBytes`/`fBasketSeek` of the basket, `fTotBytes += fObjlen +
//!   fKeylen`, `fZipBytes += fNbytes`, then `fWriteBasket++` and `fBasketEntry[fWriteBasket] =
//!   fEntries`, so the slot after the last basket holds the entry count.

use super::columns::Column;
use crate::array::PrimitiveType;
use crate::error::{Error, Result};
use crate::write::buffer::WBuffer;
use crate::write::compress::{compress, Compression};
use crate::write::key::KEY_VERSION;

/// `TBasket::Class_Version()`.
const BASKET_VERSION: u16 = 3;
/// Bytes of `TBasket`'s own header after the key header: version, four ints, a flag.
const BASKET_HEADER: usize = 2 + 4 * 4 + 1;
/// `TTree::fDefaultEntryOffsetLen` and the hard-coded value of `TBranch::Init`: the initial
/// capacity of the entry-offset array of variable-size branches.
pub(super) const DEFAULT_ENTRY_OFFSET_LEN: i32 = 1000;

/// What a branch stores per entry.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Shape {
    /// `x/F`.
    Scalar,
    /// `x[2][3]/F`.
    Fixed(Vec<usize>),
    /// `x[n]/F`: the index of the counter branch, and its name.
    Counted(usize, String),
    /// `std::vector<T>`.
    Vector,
}

/// A basket taken out of its branch, waiting to be compressed and written.
#[derive(Debug)]
pub(super) struct PendingBasket {
    /// The branch.
    pub branch: usize,
    /// `fBufferSize`, `fNevBufSize`, `fNevBuf`, `fLast`.
    pub buffer_size: i32,
    pub nev_buf_size: i32,
    pub nev_buf: i32,
    pub last: i32,
    /// Basket number in its branch (the key's cycle).
    pub cycle: i16,
    /// The uncompressed payload: data, then the entry offsets.
    pub payload: Vec<u8>,
    /// The payload compressed, once [`PendingBasket::compress`] ran and if it paid.
    compressed: Option<Vec<u8>>,
}

impl PendingBasket {
    /// Compress the payload with ROOT's blocks; keep it as is when that does not make it
    /// smaller (`TBasket::WriteBuffer`).
    pub fn compress(&mut self, compression: Compression) -> Result<()> {
        if self.compressed.is_none() {
            self.compressed = compress(&self.payload, compression)?;
        }
        Ok(())
    }

    /// The bytes stored after the key: compressed, or the payload itself (then
    /// `fNbytes - fKeylen == fObjlen`).
    pub fn stored(&self) -> &[u8] {
        self.compressed.as_deref().unwrap_or(&self.payload)
    }
}

/// A branch and its current basket.
#[derive(Debug)]
pub(super) struct BranchWriter {
    pub name: String,
    /// The branch's `fTitle`: the leaf list (`x[n]/F`) unless a title was given.
    pub title: String,
    pub shape: Shape,
    pub element: PrimitiveType,
    /// The leaf is the counter of some counted branch (`fIsRange`).
    pub is_counter: bool,
    /// The largest count written, for a counter leaf (`fMaximum`).
    pub leaf_maximum: i64,

    // TBranch.
    pub basket_size: i32,
    pub entry_offset_len: i32,
    pub write_basket: i32,
    pub entries: i64,
    pub tot_bytes: i64,
    pub zip_bytes: i64,
    /// Per written basket; `basket_entry` has one more slot: the first entry of the next one.
    pub basket_bytes: Vec<i32>,
    pub basket_entry: Vec<i64>,
    pub basket_seek: Vec<i64>,

    // TBasket.
    keylen: usize,
    data: Vec<u8>,
    offsets: Vec<i32>,
    nev_buf: i32,
    nev_buf_size: i32,
    buffer_size: i32,
}

impl BranchWriter {
    pub fn new(
        name: String,
        title: String,
        shape: Shape,
        element: PrimitiveType,
        basket_size: i32,
        tree_name: &str,
    ) -> BranchWriter {
        let variable = matches!(shape, Shape::Counted(..) | Shape::Vector);
        let entry_offset_len = if variable {
            DEFAULT_ENTRY_OFFSET_LEN
        } else {
            0
        };
        let keylen = 34
            + WBuffer::tstring_len("TBasket")
            + WBuffer::tstring_len(&name)
            + WBuffer::tstring_len(tree_name)
            + BASKET_HEADER;
        BranchWriter {
            name,
            title,
            shape,
            element,
            is_counter: false,
            leaf_maximum: 0,
            basket_size,
            entry_offset_len,
            write_basket: 0,
            entries: 0,
            tot_bytes: 0,
            zip_bytes: 0,
            basket_bytes: Vec::new(),
            basket_entry: vec![0],
            basket_seek: Vec::new(),
            keylen,
            data: Vec::new(),
            offsets: Vec::new(),
            nev_buf: 0,
            nev_buf_size: entry_offset_len,
            buffer_size: basket_size,
        }
    }

    /// Whether entries have variable size (an entry-offset array is written).
    pub fn variable(&self) -> bool {
        matches!(self.shape, Shape::Counted(..) | Shape::Vector)
    }

    /// `TBranch::SetBasketSize`: at least 100 + the name's length + `fEntryOffsetLen`; the
    /// current basket is resized too (`TBasket::AdjustSize`).
    pub fn set_basket_size(&mut self, size: i64) {
        let min = 100 + self.name.len() as i64 + self.entry_offset_len as i64;
        let size = size.max(min).min(i32::MAX as i64) as i32;
        self.basket_size = size;
        self.buffer_size = size;
    }

    fn flush_due(&self, last_entry_bytes: usize) -> bool {
        let lnew = (self.keylen + self.data.len()) as i64;
        let nsize = if self.variable() {
            self.nev_buf as i64 * 4
        } else {
            0
        };
        lnew + 2 * nsize + last_entry_bytes as i64 >= self.basket_size as i64
    }

    /// The first entry in `from..limit` after which the current basket is full, if any.
    pub fn next_full(&self, col: &Column<'_>, from: usize, limit: usize) -> Option<usize> {
        if from >= limit {
            return None;
        }
        let bs = self.basket_size as i64;
        let cur = (self.keylen + self.data.len()) as i64;
        if let Some(es) = col.fixed_entry_bytes() {
            // cur + k * es + es >= bs, for the smallest k >= 1.
            let es = es as i64;
            let k = if es == 0 {
                1
            } else {
                ((bs - es - cur + es - 1).div_euclid(es)).max(1)
            };
            let j = from as i64 + k - 1;
            return (j < limit as i64).then_some(j as usize);
        }
        let mut lnew = cur;
        let mut nev = self.nev_buf as i64;
        for j in from..limit {
            let eb = col.entry_bytes(j) as i64;
            lnew += eb;
            nev += 1;
            if lnew + 8 * nev + eb >= bs {
                return Some(j);
            }
        }
        None
    }

    /// Append entries `range` of `col` to the current basket, none of which fills it except
    /// possibly the last; returns whether the basket is now full.
    pub fn fill(&mut self, col: &Column<'_>, range: std::ops::Range<usize>) -> bool {
        if range.is_empty() {
            return false;
        }
        let n = range.len();
        let last_bytes = col.entry_bytes(range.end - 1);
        if self.variable() {
            // TBasket::Update for each entry: grow the offset array when it is about to fill.
            let nev_after = self.nev_buf as i64 + n as i64;
            let mut grown = false;
            while nev_after >= self.nev_buf_size as i64 {
                self.nev_buf_size = (2 * self.nev_buf_size).max(10);
                grown = true;
            }
            if grown && self.write_basket < 10 {
                self.entry_offset_len = self.nev_buf_size;
            }
            let base = self.keylen;
            col.put(range, &mut self.data, Some((&mut self.offsets, base)));
        } else {
            if self.nev_buf_size == 0 {
                self.nev_buf_size = last_bytes as i32;
            }
            col.put(range, &mut self.data, None);
        }
        self.nev_buf += n as i32;
        self.entries += n as i64;
        self.flush_due(last_bytes)
    }

    /// Take the current basket out for writing (`TBranch::WriteBasketImpl` up to the
    /// compression), and start the next one. Returns `None` for an empty basket.
    pub fn take_basket(&mut self, index: usize) -> Result<Option<PendingBasket>> {
        let nevbuf = self.nev_buf;
        if nevbuf == 0 {
            return Ok(None);
        }
        if self.entry_offset_len > 10 && 4 * nevbuf < self.entry_offset_len {
            self.entry_offset_len = if nevbuf < 3 { 10 } else { 4 * nevbuf };
        } else if self.entry_offset_len != 0 && nevbuf > self.entry_offset_len {
            self.entry_offset_len = 2 * nevbuf;
        }
        let last = self.keylen + self.data.len();
        let offsets_len = if self.variable() {
            4 + 4 * (nevbuf as usize + 1)
        } else {
            0
        };
        if last + offsets_len > i32::MAX as usize {
            return Err(Error::invalid_input(format!(
                "a basket of branch '{}' would hold {} bytes, more than ROOT can address",
                self.name,
                last + offsets_len
            )));
        }
        let mut payload = std::mem::take(&mut self.data);
        if self.variable() {
            payload.reserve(offsets_len);
            payload.extend_from_slice(&(nevbuf + 1).to_be_bytes());
            for o in &self.offsets {
                payload.extend_from_slice(&o.to_be_bytes());
            }
            payload.extend_from_slice(&0i32.to_be_bytes());
        }
        let last = last as i32;
        self.buffer_size = self.buffer_size.max(last);
        let basket = PendingBasket {
            branch: index,
            buffer_size: self.buffer_size,
            nev_buf_size: self.nev_buf_size,
            nev_buf: nevbuf,
            last,
            // ROOT stores the basket number in a Short_t (`fCycle = fWriteBasket`).
            cycle: self.write_basket as i16,
            compressed: None,
            payload,
        };
        self.tot_bytes += (basket.payload.len() + self.keylen) as i64;
        self.write_basket += 1;
        self.basket_entry.push(self.entries);
        // TBasket::Reset.
        self.nev_buf_size = self.entry_offset_len;
        self.nev_buf = 0;
        self.offsets.clear();
        self.data = Vec::with_capacity((self.basket_size as usize).min(1 << 24));
        Ok(Some(basket))
    }

    /// The key header of a basket: `TKey::Streamer` (version 1004) + `TBasket::Streamer`
    /// with `fHeaderOnly`.
    pub fn basket_key(
        &self,
        b: &PendingBasket,
        tree_name: &str,
        datime: u32,
        seek_key: u64,
        seek_pdir: u64,
    ) -> Vec<u8> {
        let stored = b.stored().len();
        let mut w = WBuffer::new(0);
        w.i32((self.keylen + stored) as i32);
        w.i16(KEY_VERSION + 1000);
        w.i32(b.payload.len() as i32);
        w.u32(datime);
        w.i16(self.keylen as i16);
        w.i16(b.cycle);
        w.u64(seek_key);
        w.u64(seek_pdir);
        w.tstring("TBasket");
        w.tstring(&self.name);
        w.tstring(tree_name);
        w.u16(BASKET_VERSION);
        w.i32(b.buffer_size);
        w.i32(b.nev_buf_size);
        w.i32(b.nev_buf);
        w.i32(b.last);
        w.u8(0);
        debug_assert_eq!(w.len(), self.keylen);
        w.into_vec()
    }

    /// Record a basket written at `seek`, `nbytes` long; returns `nbytes`.
    pub fn record_written(&mut self, seek: u64, nbytes: usize) -> i64 {
        self.basket_seek.push(seek as i64);
        self.basket_bytes.push(nbytes as i32);
        self.zip_bytes += nbytes as i64;
        nbytes as i64
    }

    /// The key length of this branch's baskets.
    pub fn keylen(&self) -> usize {
        self.keylen
    }
}
