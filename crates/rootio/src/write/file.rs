//! [`FileWriter`]: create a ROOT file, add objects, close it.
//!
//! # Layout
//!
//! The file is laid out the way `TFile` lays out a new file, except that the streamer infos
//! come first (as in uproot's `create_empty`, `uproot5:src/uproot/writing/_cascade.py`):
//!
//! ```text
//! 0     file header ("root", fVersion, fBEGIN = 100, fEND, fSeekFree, …, fUUID), zero-padded
//! 100   TKey "TFile" (file name, title) + TNamed(name, title) + top directory record (60 bytes)
//!       TKey "TList" "StreamerInfo" + the embedded TStreamerInfo list (compressed)
//!       TKey <class> <name> + object           … one per write_object call, appended
//!       TKey "TBasket" <branch> <tree> + data  … baskets of trees (tree::TreeWriter), appended
//!                                                as they fill; not in the key list
//!       TKey "TFile" + key list (i32 count + every object's key header)   ← close()
//!       TKey "TFile" + free-segments record (one TFree)                      ← close()
//! fEND
//! ```
//!
//! Sources, all `root-project/root:io/io/src/`:
//! * `TFile::Init` (creating a file): the first key, at `fBEGIN = kBEGIN = 100`, has class
//!   `TFile`, the file's name and title, and holds `TNamed::FillBuffer` (the two strings) +
//!   `TDirectoryFile::FillBuffer`; `fNbytesName = fKeylen + TNamed::Sizeof()`, and the directory
//!   record sits at `fBEGIN + fNbytesName`. Its `fSeekPdir` is 0.
//! * `TDirectoryFile::FillBuffer`: `fVersion` 5 (+1000 when a seek exceeds `kStartBigFile`),
//!   `fDatimeC`, `fDatimeM`, `fNbytesKeys`, `fNbytesName`, `fSeekDir`, `fSeekParent`, `fSeekKeys`
//!   (4 or 8 bytes), `fUUID` (version 1 + 16 bytes), and for the small layout 12 zero bytes, so
//!   the record is always `TDirectoryFile::Sizeof() = 60` bytes and can be rewritten in place
//!   (`TDirectoryFile::WriteDirHeader`).
//! * `TDirectoryFile::WriteKeys`: a key of class `TFile` (the directory's class), named like the
//!   file, holding `nkeys` and each key's header (`TKey::FillBuffer`); 8 spare bytes when the
//!   file is past `kStartBigFile`. A second cycle of a name goes *before* the first one
//!   (`TDirectoryFile::AppendKey`).
//! * `TFile::WriteFree`: a key of class `TFile` holding the free list. A file written in one go
//!   has a single free segment from `fEND` to `kStartBigFile` (grown by 10⁹ steps past it,
//!   `TKey::Create`); `TFree::FillBuffer` writes version 1 (1001 when the segment ends past
//!   `kStartBigFile`) and the two bounds as 4 (8) bytes.
//! * `TFile::WriteHeader`: `fVersion` gets +1000000 and `fUnits` 8 when `fEND > kStartBigFile`,
//!   and then `fEND`, `fSeekFree` and `fSeekInfo` are 8 bytes. `nfree` is the number of free
//!   segments (1). The header's UUID is the top directory's.
//! * `TKey::TKey(const TObject*, …)`: objects of 256 bytes or less, or whose compression does
//!   not pay, are stored uncompressed (see [`super::compress`]).
//!
//! ROOT opens a file whose top directory has keys at `fSeekKeys > fBEGIN` and whose `fEND` is not
//! beyond the file size without complaint; otherwise it prints "probably not closed" and tries
//! to recover (`TFile::Init`). [`FileWriter::close`] therefore writes the key list, the free
//! segments and the header last, and only then renames the finished file into place.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::buffer::WBuffer;
use super::compress::{compress, Compression};
use super::key::{datime_now, new_uuid, write_uuid, KeyHeader, START_BIG_FILE};
use super::streamers;
use super::WriteObject;
use crate::error::{Error, ErrorKind, Result};

/// `kBEGIN`: where the first key starts.
const BEGIN: u64 = 100;
/// `TDirectoryFile::Sizeof()` for files of ROOT ≥ 4: the directory record's fixed size.
const DIRECTORY_RECORD_SIZE: usize = 60;
/// `TDirectoryFile::Class_Version()`.
const DIRECTORY_VERSION: i16 = 5;
/// `TFree::Class_Version()`.
const FREE_VERSION: i16 = 1;
/// `TKey::TKey(const TObject*, …)` compresses only objects longer than this.
const MIN_COMPRESSED_OBJLEN: usize = 256;
/// `TFile::Init` refuses files whose `fNbytesName` (first key + file name and title) exceeds this.
const MAX_NBYTES_NAME: usize = 10000;
/// `kMaxLen` (`TDirectoryFile.cxx`): ROOT cannot look up longer names.
const MAX_NAME_LEN: usize = 2048;
/// ROOT version written into the header: 6.40/00, the version whose streamer infos are embedded.
pub const ROOT_VERSION: i32 = 64000;

/// Options for [`FileWriter::create`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WriteOptions {
    /// How objects are compressed; ZSTD level 5 (ROOT's 505) by default.
    pub compression: Compression,
    /// The file's title (`TFile::GetTitle`), empty by default. File name and title together
    /// must stay under about 5000 bytes (`TFile::Init` checks `fNbytesName <= 10000`).
    pub title: String,
    /// Write fixed timestamps and a zero UUID, so that the same objects give the same bytes
    /// (ROOT's `TFile::kReproducible`: `TDatime` 1, UUID `00000000-…`).
    pub reproducible: bool,
}

/// Writes a new ROOT file.
///
/// The file is written under a temporary name in the destination folder and renamed into
/// place by [`FileWriter::close`]; a writer that is dropped without `close`, or whose `close`
/// fails, deletes the temporary file and leaves nothing under the final name (an existing file
/// of that name is only replaced by a complete one).
///
/// ```no_run
/// use rootio::write::{Axis, Compression, FileWriter, WriteOptions, TH1};
/// # fn main() -> rootio::Result<()> {
/// let h = TH1::new("pt", "Muon p_{T}", Axis::regular(4, 0.0, 100.0), vec![0.0, 5.0, 3.0, 2.0, 1.0, 0.0]);
/// let mut w = FileWriter::create("out.root", WriteOptions { compression: Compression::Zstd(5), ..Default::default() })?;
/// w.write_object("pt", &h)?;
/// w.close()?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct FileWriter {
    /// The destination.
    path: PathBuf,
    /// Where the bytes go until `close` renames the file.
    tmp_path: PathBuf,
    /// The open temporary file (`None` once closed).
    out: Option<BufWriter<File>>,
    options: WriteOptions,
    /// The name stored in the file's own keys (the destination's file name).
    file_name: String,
    uuid: [u8; 16],
    datime_created: u32,
    /// `fEND`: the first byte after everything written so far.
    end: u64,
    /// The position of the output stream (seeking a `BufWriter` flushes it, so seeks are
    /// made only when needed).
    pos: u64,
    /// `fNbytesName`.
    nbytes_name: i32,
    /// `fSeekInfo`, `fNbytesInfo`.
    seek_info: u64,
    nbytes_info: i32,
    /// The top directory's keys, in ROOT's list order.
    keys: Vec<KeyHeader>,
    /// Distinguishes writers, so that a [`super::TreeWriter`] refuses to spread one tree over
    /// two files.
    id: u64,
}

impl FileWriter {
    /// Create a ROOT file at `path` (replacing any file there once [`FileWriter::close`]
    /// succeeds).
    ///
    /// Errors: [`ErrorKind::InvalidInput`] if `path` has no file name;
    /// [`ErrorKind::WriteIo`] if the temporary file cannot be created or written (missing or
    /// read-only folder, …). Both name `path`.
    pub fn create(path: impl AsRef<Path>, options: WriteOptions) -> Result<FileWriter> {
        let path = path.as_ref().to_path_buf();
        Self::create_inner(&path, options).map_err(|e| e.in_file(&path))
    }

    fn create_inner(path: &Path, options: WriteOptions) -> Result<FileWriter> {
        let file_name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .ok_or_else(|| Error::invalid_input("the output path has no file name"))?;
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let (tmp_path, file) = super::temporary::create(&dir, &file_name).map_err(write_err)?;
        let (uuid, datime) = if options.reproducible {
            ([0u8; 16], 1)
        } else {
            (new_uuid(), datime_now())
        };
        let mut w = FileWriter {
            path: path.to_path_buf(),
            tmp_path,
            out: Some(BufWriter::with_capacity(1 << 20, file)),
            options,
            file_name,
            uuid,
            datime_created: datime,
            end: 0,
            pos: 0,
            nbytes_name: 0,
            seek_info: 0,
            nbytes_info: 0,
            keys: Vec::new(),
            id: {
                use std::sync::atomic::{AtomicU64, Ordering};
                static NEXT: AtomicU64 = AtomicU64::new(0);
                NEXT.fetch_add(1, Ordering::Relaxed)
            },
        };
        w.write_start()?;
        Ok(w)
    }

    /// The destination path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The write options.
    pub fn options(&self) -> &WriteOptions {
        &self.options
    }

    /// Continue writing at `offset` (beyond the current end), leaving a gap of zero bytes that
    /// most filesystems store sparsely. Only for tests: it lets them exercise the layout of
    /// files over 2 GB (64-bit keys and header) without writing 2 GB.
    #[doc(hidden)]
    pub fn test_skip_to(&mut self, offset: u64) {
        if offset > self.end {
            self.end = offset;
        }
    }

    /// Header placeholder, the top directory (TFile key) and the streamer infos.
    fn write_start(&mut self) -> Result<()> {
        self.write_at(0, &[0u8; BEGIN as usize])?;
        self.end = BEGIN;

        // TFile key + TNamed + directory record (TFile::Init).
        let title = self.options.title.clone();
        let namelen = WBuffer::tstring_len(&self.file_name) + WBuffer::tstring_len(&title);
        let mut key = KeyHeader::new(
            "TFile",
            &self.file_name,
            &title,
            1,
            BEGIN,
            0,
            self.datime_created,
        );
        let keylen = key.keylen();
        key.objlen = to_i32(namelen + DIRECTORY_RECORD_SIZE)?;
        key.nbytes = to_i32(keylen + namelen + DIRECTORY_RECORD_SIZE)?;
        if keylen + namelen > MAX_NBYTES_NAME {
            return Err(Error::invalid_input(format!(
                "file name and title take {} bytes in the file's first key; ROOT refuses more \
                 than {MAX_NBYTES_NAME} (TFile::Init)",
                keylen + namelen
            )));
        }
        self.nbytes_name = to_i32(keylen + namelen)?;
        let mut w = WBuffer::new(0);
        key.write(&mut w);
        w.tstring(&self.file_name);
        w.tstring(&title);
        self.directory_record(&mut w, 0, 0);
        self.append(&w.into_vec())?;

        // The streamer infos, right away: see `streamers` for why the key must be small.
        let mut key = KeyHeader::new(
            streamers::KEY_CLASS,
            streamers::KEY_NAME,
            streamers::KEY_TITLE,
            1,
            self.end,
            BEGIN,
            self.key_datime(),
        );
        debug_assert_eq!(key.keylen(), streamers::SOURCE_KEYLEN);
        let (seek, nbytes) = self.write_key(&mut key, streamers::STREAMER_LIST)?;
        self.seek_info = seek;
        self.nbytes_info = nbytes;
        Ok(())
    }

    /// `TDirectoryFile::FillBuffer` for the top directory.
    fn directory_record(&self, w: &mut WBuffer, nbytes_keys: i32, seek_keys: u64) {
        let big = seek_keys > START_BIG_FILE;
        let start = w.len();
        w.i16(if big {
            DIRECTORY_VERSION + 1000
        } else {
            DIRECTORY_VERSION
        });
        w.u32(self.datime_created);
        w.u32(self.key_datime());
        w.i32(nbytes_keys);
        w.i32(self.nbytes_name);
        if big {
            w.u64(BEGIN);
            w.u64(0);
            w.u64(seek_keys);
        } else {
            w.u32(BEGIN as u32);
            w.u32(0);
            w.u32(seek_keys as u32);
        }
        write_uuid(w, &self.uuid);
        while w.len() - start < DIRECTORY_RECORD_SIZE {
            w.u8(0);
        }
    }

    /// The `TDatime` stamped into new keys (1 for reproducible files).
    pub(crate) fn key_datime(&self) -> u32 {
        if self.options.reproducible {
            1
        } else {
            datime_now()
        }
    }

    /// Identifies this writer among the writers of the process.
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// `fEND`: where the next record will be written.
    pub(crate) fn end(&self) -> u64 {
        self.end
    }

    /// The seek of the top directory (`fSeekDir = fBEGIN`): the `fSeekPdir` of its keys.
    pub(crate) fn top_directory_seek(&self) -> u64 {
        BEGIN
    }

    /// Append a record that the directory does not list (a `TBasket` key: header and stored
    /// payload) at the end of the file; returns where it starts.
    pub(crate) fn append_record(&mut self, header: &[u8], payload: &[u8]) -> Result<u64> {
        if self.out.is_none() {
            return Err(Error::invalid_input("the file is already closed"));
        }
        let at = self.end;
        self.append(header)?;
        self.append(payload)?;
        Ok(at)
    }

    /// Write `obj` under `name` in the file's top directory. Writing a name again adds a new
    /// cycle (`name;2`), as ROOT does; readers pick the highest.
    ///
    /// Errors: [`ErrorKind::InvalidInput`] for an empty name, a name with `/` or `;`, or an
    /// object that cannot be stored (e.g. contents that do not match the axes);
    /// [`ErrorKind::WriteIo`] if writing fails. Errors name the file and the object.
    pub fn write_object(&mut self, name: &str, obj: &dyn WriteObject) -> Result<()> {
        self.write_object_inner(name, obj)
            .map_err(|e| e.in_object(name.to_string()).in_file(&self.path))
    }

    fn write_object_inner(&mut self, name: &str, obj: &dyn WriteObject) -> Result<()> {
        if self.out.is_none() {
            return Err(Error::invalid_input("the file is already closed"));
        }
        if name.is_empty() || name.contains('/') || name.contains(';') {
            return Err(Error::invalid_input(format!(
                "object name '{name}' must be non-empty and contain neither '/' nor ';'"
            )));
        }
        if name.len() >= MAX_NAME_LEN {
            return Err(Error::invalid_input(format!(
                "object name of {} bytes (ROOT's limit is {MAX_NAME_LEN}, kMaxLen)",
                name.len()
            )));
        }
        let cycle = self
            .keys
            .iter()
            .filter(|k| k.name == name)
            .map(|k| k.cycle)
            .max()
            .map_or(Ok(1), |c| {
                c.checked_add(1)
                    .ok_or_else(|| Error::invalid_input(format!("too many cycles of '{name}'")))
            })?;
        let mut key = KeyHeader::new(
            obj.class_name(),
            name,
            obj.title(),
            cycle,
            self.end,
            BEGIN,
            self.key_datime(),
        );
        let mut buf = WBuffer::new(key.keylen());
        obj.stream(&mut buf)?;
        self.write_key(&mut key, buf.as_slice())?;
        // A new cycle goes before the older ones (TDirectoryFile::AppendKey).
        match self.keys.iter().position(|k| k.name == name) {
            Some(i) => self.keys.insert(i, key),
            None => self.keys.push(key),
        }
        Ok(())
    }

    /// Compress `payload` (if worthwhile), fill in the key's sizes and append key + data at the
    /// end of the file. Returns the key's position and total size.
    fn write_key(&mut self, key: &mut KeyHeader, payload: &[u8]) -> Result<(u64, i32)> {
        let compressed = if payload.len() > MIN_COMPRESSED_OBJLEN {
            compress(payload, self.options.compression)?
        } else {
            None
        };
        let stored: &[u8] = compressed.as_deref().unwrap_or(payload);
        key.seek_key = self.end;
        if key.keylen() > i16::MAX as usize {
            return Err(Error::invalid_input(
                "name, title and class make a key header longer than 32767 bytes (fKeylen is a Short_t)",
            ));
        }
        key.objlen = to_i32(payload.len())?;
        key.nbytes = to_i32(key.keylen() + stored.len())?;
        let header = key.to_bytes();
        let at = self.end;
        self.append(&header)?;
        self.append(stored)?;
        Ok((at, key.nbytes))
    }

    /// Write the key list, the directory record, the free segments and the header, flush, and
    /// rename the file into place.
    ///
    /// Errors: [`ErrorKind::WriteIo`] naming the file; the temporary file is then removed and
    /// nothing is left under the final name.
    pub fn close(mut self) -> Result<()> {
        let result = self.finish();
        if result.is_err() {
            self.discard();
        }
        result.map_err(|e| e.in_file(&self.path))
    }

    fn finish(&mut self) -> Result<()> {
        if self.out.is_none() {
            return Err(Error::invalid_input("the file is already closed"));
        }
        // TDirectoryFile::WriteKeys.
        let mut payload = WBuffer::new(0);
        payload.i32(to_i32(self.keys.len())?);
        for k in &self.keys {
            k.write(&mut payload);
        }
        if self.end > START_BIG_FILE {
            payload.u64(0);
        }
        let mut key = self.file_key(self.end);
        let (seek_keys, nbytes_keys) = self.write_raw_key(&mut key, payload.as_slice())?;

        // TDirectoryFile::WriteDirHeader: the record after the TFile key's TNamed.
        let mut rec = WBuffer::new(0);
        self.directory_record(&mut rec, nbytes_keys, seek_keys);
        self.write_at(BEGIN + self.nbytes_name as u64, rec.as_slice())?;

        // TFile::WriteFree: one free segment from the end of the file.
        let seek_free = self.end;
        let mut key = self.file_key(seek_free);
        let keylen = key.keylen() as u64;
        let mut last = START_BIG_FILE;
        let (free_end, free_payload) = loop {
            let big = last > START_BIG_FILE;
            let size = if big { 18 } else { 10 };
            let free_end = seek_free + keylen + size;
            if free_end <= last {
                let mut p = WBuffer::new(0);
                if big {
                    p.i16(FREE_VERSION + 1000);
                    p.u64(free_end);
                    p.u64(last);
                } else {
                    p.i16(FREE_VERSION);
                    p.u32(free_end as u32);
                    p.u32(last as u32);
                }
                break (free_end, p.into_vec());
            }
            last += 1_000_000_000;
        };
        let (_, nbytes_free) = self.write_raw_key(&mut key, &free_payload)?;
        debug_assert_eq!(self.end, free_end);

        self.write_header(seek_free, nbytes_free)?;

        let out = self.out.take();
        if let Some(out) = out {
            let file = out
                .into_inner()
                .map_err(|e| Error::from(ErrorKind::WriteIo(e.into_error())))?;
            file.sync_all().map_err(write_err)?;
        }
        super::temporary::persist(&self.tmp_path, &self.path).map_err(write_err)?;
        Ok(())
    }

    /// A key of class `TFile` named like the file (the key list and free segments records).
    fn file_key(&self, seek: u64) -> KeyHeader {
        KeyHeader::new(
            "TFile",
            &self.file_name,
            &self.options.title,
            1,
            seek,
            BEGIN,
            self.key_datime(),
        )
    }

    /// Append a key whose payload is stored uncompressed (`TKey(name, title, cl, nbytes, dir)`).
    fn write_raw_key(&mut self, key: &mut KeyHeader, payload: &[u8]) -> Result<(u64, i32)> {
        key.seek_key = self.end;
        key.objlen = to_i32(payload.len())?;
        key.nbytes = to_i32(key.keylen() + payload.len())?;
        let at = self.end;
        let header = key.to_bytes();
        self.append(&header)?;
        self.append(payload)?;
        Ok((at, key.nbytes))
    }

    /// `TFile::WriteHeader`.
    fn write_header(&mut self, seek_free: u64, nbytes_free: i32) -> Result<()> {
        let big = self.end > START_BIG_FILE;
        let mut h = WBuffer::new(0);
        h.bytes(b"root");
        h.i32(if big {
            ROOT_VERSION + 1_000_000
        } else {
            ROOT_VERSION
        });
        h.i32(BEGIN as i32);
        let seek = |h: &mut WBuffer, v: u64| {
            if big {
                h.u64(v)
            } else {
                h.u32(v as u32)
            }
        };
        seek(&mut h, self.end);
        seek(&mut h, seek_free);
        h.i32(nbytes_free);
        h.i32(1); // nfree
        h.i32(self.nbytes_name);
        h.u8(if big { 8 } else { 4 }); // fUnits
        h.i32(self.options.compression.root_setting());
        seek(&mut h, self.seek_info);
        h.i32(self.nbytes_info);
        write_uuid(&mut h, &self.uuid);
        debug_assert!(h.len() <= BEGIN as usize);
        self.write_at(0, h.as_slice())
    }

    fn append(&mut self, bytes: &[u8]) -> Result<()> {
        self.write_at(self.end, bytes)?;
        self.end += bytes.len() as u64;
        Ok(())
    }

    fn write_at(&mut self, at: u64, bytes: &[u8]) -> Result<()> {
        let out = self
            .out
            .as_mut()
            .ok_or_else(|| Error::invalid_input("the file is already closed"))?;
        if self.pos != at {
            out.seek(SeekFrom::Start(at)).map_err(write_err)?;
        }
        out.write_all(bytes).map_err(write_err)?;
        self.pos = at + bytes.len() as u64;
        Ok(())
    }

    /// Close and delete the temporary file.
    fn discard(&mut self) {
        self.out.take();
        super::temporary::discard(&self.tmp_path);
    }
}

impl Drop for FileWriter {
    /// A writer dropped without [`FileWriter::close`] deletes its temporary file.
    fn drop(&mut self) {
        if self.out.is_some() {
            self.discard();
        }
    }
}

fn write_err(e: std::io::Error) -> Error {
    ErrorKind::WriteIo(e).into()
}

fn to_i32(n: usize) -> Result<i32> {
    i32::try_from(n).map_err(|_| {
        Error::invalid_input(format!(
            "a record of {n} bytes is too large for a ROOT key (2 GiB at most)"
        ))
    })
}
