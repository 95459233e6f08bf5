//! Writing `TKey` headers, `TDatime` stamps and `TUUID`s.
//!
//! Key header layout (`root-project/root:io/io/src/TKey.cxx`, `TKey::FillBuffer`):
//! `fNbytes i32 | fVersion i16 | fObjlen i32 | fDatime u32 | fKeylen i16 | fCycle i16 |
//! fSeekKey | fSeekPdir | fClassName | fName | fTitle`.
//!
//! * `fVersion` is `TKey::Class_Version() = 4`, plus 1000 when the key lies beyond
//!   `kStartBigFile = 2000000000` (`TKey::Build`: `if (filepos > TFile::kStartBigFile)
//!   fVersion += 1000`); the two seeks are then 8 bytes instead of 4.
//! * `fKeylen` is `TKey::Sizeof()`: 26 bytes (34 for a big key) plus the three `TString`s.
//! * `fTitle` is cut to `kTitleMax = 32000` bytes (`TKey::Build`).

use std::time::{SystemTime, UNIX_EPOCH};

use super::buffer::WBuffer;

/// `TFile::kStartBigFile`: beyond this offset keys and records use 64-bit seeks.
pub const START_BIG_FILE: u64 = 2_000_000_000;

/// `TKey::Class_Version()`.
pub(crate) const KEY_VERSION: i16 = 4;

/// `kTitleMax` (`TKey.cxx`).
const TITLE_MAX: usize = 32000;

/// A key header to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyHeader {
    /// Total bytes on disk: key header + stored (maybe compressed) object.
    pub nbytes: i32,
    /// Uncompressed object length.
    pub objlen: i32,
    /// `TDatime` of writing.
    pub datime: u32,
    /// Cycle number.
    pub cycle: i16,
    /// Where the key is written.
    pub seek_key: u64,
    /// The directory record the key belongs to.
    pub seek_pdir: u64,
    /// Class name of the object.
    pub class_name: String,
    /// Object name.
    pub name: String,
    /// Object title (cut to 32000 bytes).
    pub title: String,
}

impl KeyHeader {
    /// A key header whose sizes are filled in later.
    pub fn new(
        class_name: &str,
        name: &str,
        title: &str,
        cycle: i16,
        seek_key: u64,
        seek_pdir: u64,
        datime: u32,
    ) -> Self {
        KeyHeader {
            nbytes: 0,
            objlen: 0,
            datime,
            cycle,
            seek_key,
            seek_pdir,
            class_name: class_name.to_string(),
            name: name.to_string(),
            title: truncate(title, TITLE_MAX).to_string(),
        }
    }

    /// Whether the seeks are 8 bytes (key version 1004).
    pub fn is_big(&self) -> bool {
        self.seek_key > START_BIG_FILE || self.seek_pdir > START_BIG_FILE
    }

    /// `TKey::Sizeof()`: the key header's length.
    pub fn keylen(&self) -> usize {
        let fixed = if self.is_big() { 34 } else { 26 };
        fixed
            + WBuffer::tstring_len(&self.class_name)
            + WBuffer::tstring_len(&self.name)
            + WBuffer::tstring_len(&self.title)
    }

    /// `TKey::FillBuffer`.
    pub fn write(&self, w: &mut WBuffer) {
        let big = self.is_big();
        w.i32(self.nbytes);
        w.i16(if big { KEY_VERSION + 1000 } else { KEY_VERSION });
        w.i32(self.objlen);
        w.u32(self.datime);
        // Key headers are at most a few tens of kilobytes (titles are cut to 32000 bytes, and
        // names are checked by the writer), so the length fits an i16.
        w.i16(i16::try_from(self.keylen()).unwrap_or(i16::MAX));
        w.i16(self.cycle);
        if big {
            w.u64(self.seek_key);
            w.u64(self.seek_pdir);
        } else {
            w.u32(self.seek_key as u32);
            w.u32(self.seek_pdir as u32);
        }
        w.tstring(&self.class_name);
        w.tstring(&self.name);
        w.tstring(&self.title);
    }

    /// The header as bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = WBuffer::new(0);
        self.write(&mut w);
        w.into_vec()
    }
}

/// `s` cut to at most `max` bytes at a character boundary.
pub(crate) fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The current time as a `TDatime`: `(year-1995)<<26 | month<<22 | day<<17 | hour<<12 |
/// minute<<6 | second` (`core/base/src/TDatime.cxx`, `TDatime::Set`). ROOT uses local time;
/// hepframe writes UTC, which needs no time-zone database.
pub(crate) fn datime_now() -> u32 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    datime_from_unix(secs)
}

/// A `TDatime` for a Unix time (UTC). Times before 1995 are clamped to 1995-01-01.
pub(crate) fn datime_from_unix(secs: u64) -> u32 {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    let year = year.clamp(1995, 1995 + 63) as u32;
    let (h, m, s) = (rem / 3600, (rem / 60) % 60, rem % 60);
    ((year - 1995) << 26)
        | (month << 22)
        | (day << 17)
        | ((h as u32) << 12)
        | ((m as u32) << 6)
        | s as u32
}

/// Days since 1970-01-01 → (year, month 1–12, day 1–31); Howard Hinnant's `civil_from_days`.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = (if mp < 10 { mp + 3 } else { mp - 9 }) as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A random (version 4) UUID for the file header and directory record. ROOT's `TUUID` is a
/// time-based UUID; any 16 unique bytes serve (uproot writes `uuid.uuid1()`). Built from the
/// clock, the process id and a counter through XXH3-128, so no random-number crate is needed.
pub(crate) fn new_uuid() -> [u8; 16] {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut seed = Vec::with_capacity(40);
    seed.extend_from_slice(&nanos.to_le_bytes());
    seed.extend_from_slice(&std::process::id().to_le_bytes());
    seed.extend_from_slice(&COUNTER.fetch_add(1, Ordering::Relaxed).to_le_bytes());
    let local = 0u8;
    seed.extend_from_slice(&(std::ptr::addr_of!(local) as usize).to_le_bytes());
    let mut b = xxhash_rust::xxh3::xxh3_128(&seed).to_be_bytes();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    b
}

/// `TUUID::FillBuffer`: version 1 (`u16`), then the 16 bytes.
pub(crate) fn write_uuid(w: &mut WBuffer, uuid: &[u8; 16]) {
    w.u16(1);
    w.bytes(uuid);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cursor::Cursor;
    use crate::key::Key;

    #[test]
    fn small_and_big_keys_read_back() {
        for seek in [1234u64, 3_000_000_000] {
            let mut k = KeyHeader::new("TH1D", "h", "a title", 2, seek, 100, 0x1234_5678);
            k.objlen = 1000;
            k.nbytes = k.keylen() as i32 + 500;
            let bytes = k.to_bytes();
            assert_eq!(bytes.len(), k.keylen());
            let r = Key::read(&mut Cursor::new(&bytes, 0, "key")).unwrap();
            assert_eq!(r.keylen as usize, bytes.len());
            assert_eq!(r.version, if seek > START_BIG_FILE { 1004 } else { 4 });
            assert_eq!(
                (r.seek_key, r.seek_pdir, r.cycle, r.objlen, r.datime),
                (seek, 100, 2, 1000, 0x1234_5678)
            );
            assert_eq!(
                (r.class_name.as_str(), r.name.as_str(), r.title.as_str()),
                ("TH1D", "h", "a title")
            );
            assert!(r.is_compressed());
        }
    }

    #[test]
    fn long_titles_are_cut() {
        let t = "é".repeat(20000);
        let k = KeyHeader::new("TH1D", "h", &t, 1, 100, 100, 1);
        assert!(k.title.len() <= TITLE_MAX);
        assert!(k.title.len() >= TITLE_MAX - 1);
    }

    #[test]
    fn datime_packing() {
        // 2024-02-29 13:14:15 UTC
        let d = datime_from_unix(1_709_212_455);
        assert_eq!(d >> 26, 2024 - 1995);
        assert_eq!((d >> 22) & 0xf, 2);
        assert_eq!((d >> 17) & 0x1f, 29);
        assert_eq!((d >> 12) & 0x1f, 13);
        assert_eq!((d >> 6) & 0x3f, 14);
        assert_eq!(d & 0x3f, 15);
    }

    #[test]
    fn uuids_differ() {
        assert_ne!(new_uuid(), new_uuid());
    }
}
