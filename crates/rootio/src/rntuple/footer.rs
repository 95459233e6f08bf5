//! The footer envelope (cluster groups, schema extension) and the page list envelopes (cluster
//! summaries and page locations), `BinaryFormatSpecification.md` "Footer Envelope" and
//! "Page List Envelope".
//!
//! ROOT 6.40 writes format 1.0.2.0, whose footer may end with a list of linked attribute sets
//! (added in 1.0.1.0); it is not needed for reading the data and is skipped, like anything else
//! after the cluster groups.

use super::frame::Reader;
use super::schema::{check_feature_flags, SchemaPart};
use super::storage::{EnvelopeLink, Locator};
use crate::error::{Error, Result};

/// A cluster group: a range of clusters whose page locations are in one page list envelope.
#[derive(Debug, Clone)]
pub struct ClusterGroup {
    /// The smallest first entry of the group's clusters.
    pub min_entry: u64,
    /// Entries covered by the group.
    pub entry_span: u64,
    /// Number of clusters in the group.
    pub clusters: u32,
    /// The page list envelope.
    pub page_list: EnvelopeLink,
}

/// The footer envelope's payload.
#[derive(Debug, Clone)]
pub(crate) struct Footer {
    pub header_checksum: u64,
    pub extension: SchemaPart,
    pub groups: Vec<ClusterGroup>,
}

impl Footer {
    pub fn read(r: &mut Reader<'_>) -> Result<Footer> {
        let flags = r.feature_flags()?;
        check_feature_flags(&flags, "footer")?;
        let header_checksum = r.u64()?;
        let mut ext = r.record()?;
        // The schema extension record frame may be empty (size 8) in writers that have no
        // extension; ROOT always writes the four lists.
        let extension = if ext.remaining() == 0 {
            SchemaPart::default()
        } else {
            SchemaPart::read(&mut ext)?
        };
        let groups = r.list_of_records(|g| {
            let min_entry = g.u64()?;
            let entry_span = g.u64()?;
            let clusters = g.u32()?;
            let page_list = EnvelopeLink::read(g)?;
            Ok(ClusterGroup {
                min_entry,
                entry_span,
                clusters,
                page_list,
            })
        })?;
        Ok(Footer {
            header_checksum,
            extension,
            groups,
        })
    }
}

/// One page of a column in a cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageInfo {
    /// Elements in the page.
    pub elements: u32,
    /// Whether an XXH3-64 of the stored page follows it (not counted in the locator size).
    pub checksum: bool,
    /// Where the page is.
    pub locator: Locator,
}

/// The pages of one column in one cluster.
#[derive(Debug, Clone, Default)]
pub struct ColumnPages {
    /// The pages, in element order.
    pub pages: Vec<PageInfo>,
    /// Index of the column's first element in this cluster; `None` if the column is suppressed
    /// (a secondary representation not used in this cluster).
    pub element_offset: Option<u64>,
    /// The compression setting (`algorithm * 100 + level`); absent for suppressed columns.
    pub compression: Option<u32>,
}

impl ColumnPages {
    /// Elements in all pages.
    pub fn elements(&self) -> u64 {
        self.pages.iter().map(|p| p.elements as u64).sum()
    }
}

/// A cluster: an entry range and where each column's pages are.
#[derive(Debug, Clone)]
pub struct Cluster {
    /// First entry.
    pub first_entry: u64,
    /// Number of entries.
    pub entries: u64,
    /// The cluster group it belongs to.
    pub group: usize,
    /// Pages per physical column id (a column added later may be missing: it has no data here).
    pub columns: Vec<ColumnPages>,
}

/// Parse a page list envelope's payload into clusters.
pub(crate) fn read_page_list(
    r: &mut Reader<'_>,
    header_checksum: u64,
    group: usize,
) -> Result<Vec<Cluster>> {
    let ck = r.u64()?;
    if ck != header_checksum && crate::fuzz_harness::checksums_verified() {
        return Err(r.corrupt(format!(
            "page list belongs to another header (header checksum {ck:#018x}, expected {header_checksum:#018x})"
        )));
    }
    let summaries = r.list_of_records(|s| {
        let first_entry = s.u64()?;
        let word = s.u64()?;
        let flags = word >> 56;
        if flags & 0x01 != 0 {
            return Err(Error::unsupported(
                "sharded clusters (cluster flag 0x01, reserved for a future format version)",
            ));
        }
        Ok((first_entry, word & 0x00ff_ffff_ffff_ffff))
    })?;
    let (n, mut clusters_r) = r.list()?;
    if n as usize != summaries.len() {
        return Err(r.corrupt(format!(
            "{} cluster summaries but page locations for {n} clusters",
            summaries.len()
        )));
    }
    let mut out = Vec::with_capacity(summaries.len());
    for (first_entry, entries) in summaries {
        let (ncols, mut cols_r) = clusters_r.list()?;
        let mut columns = Vec::with_capacity((ncols as usize).min(cols_r.remaining() / 12));
        for _ in 0..ncols {
            let (npages, mut pages_r) = cols_r.list()?;
            let mut pages = Vec::with_capacity((npages as usize).min(pages_r.remaining() / 16));
            for _ in 0..npages {
                let raw = pages_r.i32()?;
                let locator = Locator::read(&mut pages_r)?;
                pages.push(PageInfo {
                    elements: raw.unsigned_abs(),
                    checksum: raw < 0,
                    locator,
                });
            }
            let offset = pages_r.i64()?;
            let (element_offset, compression) = if offset < 0 {
                if !pages.is_empty() {
                    return Err(pages_r.corrupt("a suppressed column has pages"));
                }
                (None, None)
            } else {
                (Some(offset as u64), Some(pages_r.u32()?))
            };
            columns.push(ColumnPages {
                pages,
                element_offset,
                compression,
            });
        }
        out.push(Cluster {
            first_entry,
            entries,
            group,
            columns,
        });
    }
    Ok(out)
}
