//! The correction set: a file's corrections and compound corrections, by name.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value as Json;

use crate::correction::Correction;
use crate::error::{LoadError, UnknownCorrection};
use crate::json::{self, Obj};

/// The schema version this evaluator reads (`evaluator_version` in `correction.h`).
pub const SCHEMA_VERSION: i32 = 2;

/// A loaded correctionlib file (schema v2).
///
/// Corrections and compound corrections are kept sorted by name, as the reference's
/// `std::map`s are. A compound correction may share a name with a plain correction (the
/// reference keeps them in separate maps); [`CorrectionSet::get`] then returns the plain one.
#[derive(Debug, Clone)]
pub struct CorrectionSet {
    schema_version: i32,
    description: String,
    corrections: BTreeMap<String, Arc<Correction>>,
    compound: BTreeMap<String, Arc<Correction>>,
}

impl CorrectionSet {
    /// Reads a `.json` or gzipped `.json.gz` file (gzip is recognised by its magic bytes
    /// `1f 8b`, not by the file name, as `CorrectionSet::from_file` does).
    pub fn open(path: impl AsRef<Path>) -> Result<CorrectionSet, LoadError> {
        let path = path.as_ref();
        let io_err = |source| LoadError::Io {
            path: path.to_path_buf(),
            source,
        };
        let raw = std::fs::read(path).map_err(io_err)?;
        let bytes = if raw.starts_with(&[0x1f, 0x8b]) {
            let mut text = Vec::with_capacity(raw.len() * 8);
            flate2::read::MultiGzDecoder::new(raw.as_slice())
                .read_to_end(&mut text)
                .map_err(io_err)?;
            text
        } else {
            raw
        };
        let text = String::from_utf8(bytes)
            .map_err(|e| io_err(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?;
        CorrectionSet::from_json_str(&text)
    }

    /// Parses the JSON text of a correction set.
    pub fn from_json_str(text: &str) -> Result<CorrectionSet, LoadError> {
        let root = json::parse(text)?;
        CorrectionSet::from_json(&root)
    }

    fn from_json(root: &Json) -> Result<CorrectionSet, LoadError> {
        const CONTEXT: &str = "correction set";
        let obj = Obj::new(root, CONTEXT, "CorrectionSet")?;
        match obj.required("schema_version")?.as_i64() {
            Some(v) if v == i64::from(SCHEMA_VERSION) => {}
            Some(found) => return Err(LoadError::SchemaVersion { found }),
            None => {
                return Err(json::schema(
                    CONTEXT,
                    "Encountered invalid type for required attribute 'schema_version'",
                ))
            }
        }
        let description = obj.opt_str("description")?.unwrap_or_default().to_string();
        let mut corrections = BTreeMap::new();
        for item in obj.req_array("corrections")? {
            let corr = Correction::load(item)?;
            let name = corr.name().to_string();
            if corrections.contains_key(&name) {
                return Err(json::schema(
                    CONTEXT,
                    format!("Duplicate Correction name: {name}"),
                ));
            }
            corrections.insert(name, Arc::new(corr));
        }
        let mut compound = BTreeMap::new();
        if let Some(items) = obj.opt_array("compound_corrections")? {
            for item in items {
                let corr = Correction::load_compound(item, |n| corrections.get(n).cloned())?;
                let name = corr.name().to_string();
                if compound.contains_key(&name) {
                    return Err(json::schema(
                        CONTEXT,
                        format!("Duplicate CompoundCorrection name: {name}"),
                    ));
                }
                compound.insert(name, Arc::new(corr));
            }
        }
        Ok(CorrectionSet {
            schema_version: SCHEMA_VERSION,
            description,
            corrections,
            compound,
        })
    }

    /// The file's `schema_version` (always 2).
    pub fn schema_version(&self) -> i32 {
        self.schema_version
    }

    /// The file's description (empty when it has none).
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The plain corrections, sorted by name.
    pub fn corrections(&self) -> impl Iterator<Item = &Correction> + '_ {
        self.corrections.values().map(|c| c.as_ref())
    }

    /// The compound corrections, sorted by name.
    pub fn compound_corrections(&self) -> impl Iterator<Item = &Correction> + '_ {
        self.compound.values().map(|c| c.as_ref())
    }

    /// Every name: the plain corrections', then the compound corrections', each sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.corrections
            .keys()
            .chain(self.compound.keys())
            .map(String::as_str)
    }

    /// The correction called `name`, searching plain corrections first, then compound ones.
    pub fn get(&self, name: &str) -> Option<&Correction> {
        self.corrections
            .get(name)
            .or_else(|| self.compound.get(name))
            .map(|c| c.as_ref())
    }

    /// Like [`CorrectionSet::get`], with an error that lists the available names.
    pub fn correction(&self, name: &str) -> Result<&Correction, UnknownCorrection> {
        self.get(name).ok_or_else(|| UnknownCorrection {
            name: name.to_string(),
            available: self.names().map(str::to_string).collect(),
        })
    }

    /// The number of corrections plus compound corrections.
    pub fn len(&self) -> usize {
        self.corrections.len() + self.compound.len()
    }

    /// Whether the set holds no correction at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
