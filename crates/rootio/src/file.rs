//! [`RootFile`]: open a ROOT file, walk its directories and read its objects.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::compression;
use crate::cursor::Cursor;
use crate::directory::{Directory, DirectoryRecord, RECORD_PROBE};
use crate::error::{Error, ErrorKind, Result};
use crate::header::{FileHeader, HEADER_PROBE};
use crate::key::Key;
use crate::object::{Object, ObjectReader};
use crate::source::{ByteSource, LocalFile};
use crate::streamer::{read_streamer_list, StreamerInfos};
use crate::tree::Tree;

/// Directories nested deeper than this are treated as corrupt (a loop guard).
const MAX_DIRECTORY_DEPTH: usize = 64;

/// An open ROOT file.
#[derive(Debug, Clone)]
pub struct RootFile {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    source: Arc<dyn ByteSource>,
    header: FileHeader,
    top: Directory,
    streamers: Mutex<Option<Arc<StreamerInfos>>>,
}

/// One entry of [`RootFile::walk`]: a key and the directory path that holds it.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Directory path (`""` at the top).
    pub dir: String,
    /// The key.
    pub key: Key,
}

impl Entry {
    /// `dir/name` (or just `name` at the top).
    pub fn path(&self) -> String {
        if self.dir.is_empty() {
            self.key.name.clone()
        } else {
            format!("{}/{}", self.dir, self.key.name)
        }
    }
}

/// Bytes at the start of a remote file fetched when it is opened.
const OPEN_HEAD: u64 = 64 << 10;
/// Bytes at the end of a remote file fetched when it is opened.
const OPEN_TAIL: u64 = 512 << 10;

impl RootFile {
    /// Open a local file, or a remote one when `path` is a `root://`, `roots://`, `http://` or
    /// `https://` URL ([`crate::remote`]).
    pub fn open(path: impl AsRef<Path>) -> Result<RootFile> {
        let path = path.as_ref();
        if let Some(url) = path.to_str().filter(|p| crate::remote::is_url(p)) {
            let source = crate::remote::open(url).map_err(|e| e.in_file(path))?;
            return Self::from_source(source);
        }
        let source = LocalFile::open(path)?;
        Self::from_source(Arc::new(source))
    }

    /// Open a file from any byte source.
    pub fn from_source(source: Arc<dyn ByteSource>) -> Result<RootFile> {
        let name = source.name().to_path_buf();
        Self::open_inner(source).map_err(|e| e.in_file(name))
    }

    fn open_inner(source: Arc<dyn ByteSource>) -> Result<RootFile> {
        let len = source.len();
        if len < 4 {
            return Err(ErrorKind::NotRoot.into());
        }
        // A remote source fetches the file's first and last bytes in one request: the header
        // and top directory are at the start, and ROOT writes the keys list, the streamer infos
        // and the trees' metadata last, so opening a file and a tree mostly reads from these
        // instead of making a round trip per record (a local file has the kernel read them
        // ahead).
        let head = 0..OPEN_HEAD.min(len);
        let tail = len.saturating_sub(OPEN_TAIL).max(head.end)..len;
        source.prefetch(&[head, tail])?;
        let probe = source.read_range(0..HEADER_PROBE.min(len))?;
        let header = FileHeader::read(&probe)?;
        // The top directory record sits after the TFile key and its TNamed.
        let rec_at = header.begin + header.nbytes_name.max(0) as u64;
        let rec = read_record(&*source, rec_at)?;
        // ROOT often writes the keys list and the streamer infos into a free gap mid-file
        // (not in the tail fetched above): fetch both in one request before reading either.
        let mut records = Vec::with_capacity(2);
        if rec.seek_keys > 0 && rec.nbytes_keys > 0 {
            records.push(rec.seek_keys..rec.seek_keys.saturating_add(rec.nbytes_keys as u64));
        }
        if header.seek_info > 0 && header.nbytes_info > 0 {
            records
                .push(header.seek_info..header.seek_info.saturating_add(header.nbytes_info as u64));
        }
        source.prefetch(&records)?;
        let top = read_key_list(&*source, String::new(), &rec)?;
        Ok(RootFile {
            inner: Arc::new(Inner {
                source,
                header,
                top,
                streamers: Mutex::new(None),
            }),
        })
    }

    /// The file header.
    pub fn header(&self) -> &FileHeader {
        &self.inner.header
    }

    /// The byte source (for IO counters).
    pub fn source(&self) -> &Arc<dyn ByteSource> {
        &self.inner.source
    }

    /// The file's path or name.
    pub fn path(&self) -> PathBuf {
        self.inner.source.name().to_path_buf()
    }

    /// The top directory.
    pub fn top(&self) -> &Directory {
        &self.inner.top
    }

    /// Read the key header at `seek`.
    pub fn read_key_at(&self, seek: u64) -> Result<Key> {
        read_key_at(&*self.inner.source, seek)
    }

    /// The uncompressed payload of a key (`fObjlen` bytes after `fSeekKey + fKeylen`).
    pub fn read_payload(&self, key: &Key) -> Result<Vec<u8>> {
        let keylen = key.keylen.max(0) as u64;
        let nbytes = key.nbytes.max(0) as u64;
        if key.objlen < 0 || nbytes < keylen {
            return Err(Error::corrupt(format!(
                "key '{}' has impossible sizes (fNbytes {}, fKeylen {}, fObjlen {})",
                key.name, key.nbytes, key.keylen, key.objlen
            ))
            .at_offset(key.seek_key));
        }
        let (Some(start), Some(end)) = (
            key.seek_key.checked_add(keylen),
            key.seek_key.checked_add(nbytes),
        ) else {
            return Err(Error::corrupt(format!(
                "key '{}' points past any file (fSeekKey {})",
                key.name, key.seek_key
            ))
            .at_offset(key.seek_key));
        };
        let stored = self.inner.source.read_range(start..end)?;
        if key.is_compressed() {
            compression::decompress_to_vec(&stored, key.objlen as usize)
                .map_err(|e| e.at_offset(start).in_object(key.name.clone()))
        } else {
            Ok(stored)
        }
    }

    /// The file's streamer infos (read once, on first use).
    pub fn streamer_infos(&self) -> Result<Arc<StreamerInfos>> {
        let mut guard = match self.inner.streamers.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if let Some(s) = guard.as_ref() {
            return Ok(s.clone());
        }
        let h = &self.inner.header;
        let infos = if h.seek_info == 0 || h.nbytes_info <= 0 {
            StreamerInfos::default()
        } else {
            let key = self.read_key_at(h.seek_info).map_err(|e| self.located(e))?;
            let payload = self.read_payload(&key).map_err(|e| self.located(e))?;
            read_streamer_list(&payload, key.keylen.max(0) as usize, key.seek_key)
                .map_err(|e| self.located(e.in_object("StreamerInfo")))?
        };
        let infos = Arc::new(infos);
        *guard = Some(infos.clone());
        Ok(infos)
    }

    /// The keys of the subdirectory that `key` points to.
    pub fn subdirectory(&self, parent: &str, key: &Key) -> Result<Directory> {
        let path = if parent.is_empty() {
            key.name.clone()
        } else {
            format!("{parent}/{}", key.name)
        };
        let at = key.seek_key.saturating_add(key.keylen.max(0) as u64);
        let rec = read_record(&*self.inner.source, at)
            .map_err(|e| self.located(e.in_object(path.clone())))?;
        read_key_list(&*self.inner.source, path.clone(), &rec)
            .map_err(|e| self.located(e.in_object(path)))
    }

    /// Every key in the file, depth-first, directories before their contents.
    pub fn walk(&self) -> Result<Vec<Entry>> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        self.walk_dir(self.top(), 0, &mut seen, &mut out)?;
        Ok(out)
    }

    fn walk_dir(
        &self,
        dir: &Directory,
        depth: usize,
        seen: &mut HashSet<u64>,
        out: &mut Vec<Entry>,
    ) -> Result<()> {
        if depth > MAX_DIRECTORY_DEPTH {
            return Err(self.located(Error::corrupt("directories nested too deeply")));
        }
        for key in &dir.keys {
            out.push(Entry {
                dir: dir.path.clone(),
                key: key.clone(),
            });
            if key.is_directory() && seen.insert(key.seek_key) {
                let sub = self.subdirectory(&dir.path, key)?;
                self.walk_dir(&sub, depth + 1, seen, out)?;
            }
        }
        Ok(())
    }

    /// The key at `path`: `dir/sub/name`, optionally with a cycle `name;2`.
    pub fn key(&self, path: &str) -> Result<Key> {
        let parts: Vec<&str> = path
            .trim_matches('/')
            .split('/')
            .filter(|p| !p.is_empty())
            .collect();
        let Some((last, dirs)) = parts.split_last() else {
            return Err(self.located(Error::not_found("object", path, std::iter::empty())));
        };
        let mut dir = self.top().clone();
        for d in dirs {
            let (name, cycle) = split_cycle(d)?;
            let key = match dir.key(name, cycle) {
                Some(k) if k.is_directory() => k.clone(),
                Some(k) => {
                    return Err(self.located(
                        ErrorKind::WrongClass {
                            name: name.to_string(),
                            class: k.class_name.clone(),
                            expected: "TDirectory",
                        }
                        .into(),
                    ))
                }
                None => {
                    return Err(self.located(Error::not_found(
                        "directory",
                        &join(&dir.path, name),
                        dir.keys
                            .iter()
                            .filter(|k| k.is_directory())
                            .map(|k| k.name.as_str()),
                    )))
                }
            };
            dir = self.subdirectory(&dir.path, &key)?;
        }
        let (name, cycle) = split_cycle(last)?;
        match dir.key(name, cycle) {
            Some(k) => Ok(k.clone()),
            None => {
                let all = self.walk().unwrap_or_default();
                let names: Vec<String> = all.iter().map(|e| e.path()).collect();
                Err(self.located(Error::not_found(
                    "object",
                    path,
                    names.iter().map(|s| s.as_str()),
                )))
            }
        }
    }

    /// Read the object at `path` (`name`, `dir/name`, `name;2`) generically, following the
    /// file's streamer infos: its members by name, base-class members flattened in
    /// (see [`crate::object`]). Histograms, for instance, give `fXaxis`, `fEntries`, `fSumw2`
    /// and their contents as `fArray`.
    pub fn read_object(&self, path: &str) -> Result<Object> {
        let key = self.key(path)?;
        let read = || -> Result<Object> {
            let payload = self.read_payload(&key)?;
            let infos = self.streamer_infos()?;
            let keylen = key.keylen.max(0) as usize;
            let mut c =
                Cursor::new(&payload, key.seek_key + keylen as u64, "object").with_origin(keylen);
            ObjectReader::new(&infos).read_top(&mut c, &key.class_name)
        };
        read().map_err(|e| self.located(e.in_object(path.to_string())))
    }

    /// Open the TTree at `path` (`Events`, `dir/Events`, `Events;2`).
    pub fn tree(&self, path: &str) -> Result<Tree> {
        let key = self.key(path)?;
        if !matches!(
            key.class_name.as_str(),
            "TTree" | "TNtuple" | "TNtupleD" | "TTreeSQL"
        ) {
            return Err(self.located(
                ErrorKind::WrongClass {
                    name: path.to_string(),
                    class: key.class_name.clone(),
                    expected: "TTree",
                }
                .into(),
            ));
        }
        Tree::read(self, &key, path).map_err(|e| self.located(e.in_object(path.to_string())))
    }

    /// The paths of all trees in the file (highest cycles only), for suggestions and listings.
    pub fn tree_paths(&self) -> Result<Vec<String>> {
        let mut out: Vec<String> = Vec::new();
        for e in self.walk()? {
            if matches!(e.key.class_name.as_str(), "TTree" | "TNtuple" | "TNtupleD") {
                let p = e.path();
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
        Ok(out)
    }

    pub(crate) fn located(&self, e: Error) -> Error {
        e.in_file(self.path())
    }
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// Split `name;cycle`.
fn split_cycle(s: &str) -> Result<(&str, Option<i16>)> {
    match s.rsplit_once(';') {
        Some((name, cy)) => match cy.parse::<i16>() {
            Ok(c) => Ok((name, Some(c))),
            Err(_) => Err(Error::from(ErrorKind::NotFound {
                what: "cycle",
                name: s.to_string(),
                suggestions: vec![name.to_string()],
            })),
        },
        None => Ok((s, None)),
    }
}

fn read_key_at(source: &dyn ByteSource, seek: u64) -> Result<Key> {
    let len = source.len();
    if seek >= len {
        return Err(Error::from(ErrorKind::Truncated {
            what: "file",
            needed: 18,
            at: seek,
            len,
        })
        .at_offset(seek));
    }
    // A key header is at most a few hundred bytes (names and titles are TStrings).
    let probe = source.read_range(seek..(seek + 1024).min(len))?;
    let mut c = Cursor::new(&probe, seek, "key header");
    let key = Key::read(&mut c);
    match key {
        Ok(k) => Ok(k),
        Err(e) if probe.len() == 1024 => {
            // Unusually long title: read the declared key length.
            let mut c = Cursor::new(&probe, seek, "key header");
            c.skip(14)?;
            let keylen = c.i16()?.max(0) as u64;
            let full = source.read_range(seek..(seek + keylen).min(len))?;
            Key::read(&mut Cursor::new(&full, seek, "key header")).map_err(|_| e)
        }
        Err(e) => Err(e),
    }
}

fn read_record(source: &dyn ByteSource, at: u64) -> Result<DirectoryRecord> {
    let len = source.len();
    let end = at.saturating_add(RECORD_PROBE).min(len);
    if at >= end {
        return Err(Error::from(ErrorKind::Truncated {
            what: "file",
            needed: RECORD_PROBE,
            at,
            len,
        })
        .at_offset(at));
    }
    let buf = source.read_range(at..end)?;
    DirectoryRecord::read(&mut Cursor::new(&buf, at, "directory record"))
}

fn read_key_list(
    source: &dyn ByteSource,
    path: String,
    rec: &DirectoryRecord,
) -> Result<Directory> {
    if rec.seek_keys == 0 {
        return Ok(Directory {
            path,
            keys: Vec::new(),
        });
    }
    if rec.nbytes_keys < 0 {
        return Err(Error::corrupt("negative key-list size").at_offset(rec.seek_keys));
    }
    let end = rec.seek_keys.saturating_add(rec.nbytes_keys as u64);
    let buf = source.read_range(rec.seek_keys..end)?;
    Directory::read_keys(path, &buf, rec.seek_keys)
}
