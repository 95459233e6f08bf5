//! `hepframe show file.json[.gz][:name]`: the corrections of a correctionlib file, with their
//! inputs in order and the `correction(...)` call that evaluates each in an analysis.

use std::io::Write;
use std::path::Path;

use anyhow::{anyhow, Result};
use correction::{Correction, CorrectionSet, VarType};

/// Whether `file` names a correctionlib file (by its extension).
pub fn is_correction_file(file: &Path) -> bool {
    let name = file.to_string_lossy();
    name.ends_with(".json") || name.ends_with(".json.gz")
}

/// Print the corrections of `file` (only `name` if given).
pub fn run(file: &Path, name: Option<&str>, out: &mut dyn Write) -> Result<()> {
    let set = CorrectionSet::open(file).map_err(|e| anyhow!("{}: {e}", file.display()))?;
    let shown: Vec<&Correction> = match name {
        Some(n) => vec![set
            .correction(n)
            .map_err(|e| anyhow!("{}: {e}", file.display()))?],
        None => set
            .corrections()
            .chain(set.compound_corrections())
            .collect(),
    };
    let compound = set.compound_corrections().count();
    writeln!(
        out,
        "{}: correctionlib schema v{}, {} correction{}{}",
        file.display(),
        set.schema_version(),
        set.len() - compound,
        if set.len() - compound == 1 { "" } else { "s" },
        if compound > 0 {
            format!(", {compound} compound")
        } else {
            String::new()
        }
    )?;
    if !set.description().is_empty() {
        writeln!(out, "  {}", set.description())?;
    }
    for c in shown {
        writeln!(out)?;
        let version = c
            .version()
            .map_or(String::new(), |v| format!(" (version {v})"));
        let kind = if c.is_compound() { " compound" } else { "" };
        writeln!(out, "{}{kind}{version}", c.name())?;
        if !c.description().is_empty() {
            writeln!(out, "  {}", c.description())?;
        }
        for (i, v) in c.inputs().iter().enumerate() {
            let about = if v.description.is_empty() {
                String::new()
            } else {
                format!("  {}", v.description)
            };
            writeln!(
                out,
                "  input {}: {} ({}){about}",
                i + 1,
                v.name,
                v.kind.as_str()
            )?;
        }
        writeln!(
            out,
            "  output: {} ({})",
            c.output().name,
            c.output().kind.as_str()
        )?;
        let args: Vec<String> = c
            .inputs()
            .iter()
            .map(|v| match v.kind {
                VarType::String => format!("'<{}>'", v.name),
                _ => format!("<{}>", v.name),
            })
            .collect();
        let file_name = file.file_name().map_or_else(
            || file.display().to_string(),
            |f| f.to_string_lossy().into_owned(),
        );
        writeln!(
            out,
            "  use: correction('{file_name}', '{}', {})",
            c.name(),
            args.join(", ")
        )?;
    }
    Ok(())
}
