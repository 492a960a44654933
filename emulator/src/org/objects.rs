// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The objects of the emulator's config and their records, as configured: from JSON, or
//! from a `records_file` in JSON or CSV. The store checks them and gives them ids.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::{Map, Value};
use sfjwt::{Error, Result};

/// An object of the org and its records (`objects` in the emulator's config). JSON:
/// `{"name": "Invoice__c", "fields": ["Name", {"name": "Amount__c", "type": "double"}],
/// "records": [{"Name": "INV-1", "Amount__c": 12.5}]}`, or `"records_file"` naming a
/// `.json` file (an array of records) or a `.csv` file (a header row of field names),
/// relative to the config file. `Id` is added to the fields; records without one get
/// one. An object named like a default one (Account, Contact) replaces it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "SObjectFile")]
pub struct SObjectData {
    /// The API name (`Account`, `Invoice__c`).
    pub name: String,
    /// The fields, `Id` among them or not.
    pub fields: Vec<Field>,
    /// The records, by field name.
    pub records: Vec<Map<String, Value>>,
}

/// A field and its Salesforce type (`string` by default; `id`, `reference`, `email`,
/// `phone`, `url`, `picklist`, `textarea`, `boolean`, `int`, `double`, `currency`,
/// `percent`, `date`, `datetime`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "FieldFile")]
pub struct Field {
    /// The API name.
    pub name: String,
    /// The type, as describe calls name it.
    pub field_type: String,
}

impl Field {
    /// A field of `field_type`.
    pub fn new(name: impl Into<String>, field_type: impl Into<String>) -> Field {
        Field {
            name: name.into(),
            field_type: field_type.into(),
        }
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum FieldFile {
    Name(String),
    Typed {
        name: String,
        #[serde(rename = "type", default = "string_type")]
        field_type: String,
    },
}

fn string_type() -> String {
    "string".to_owned()
}

impl From<FieldFile> for Field {
    fn from(file: FieldFile) -> Field {
        match file {
            FieldFile::Name(name) => Field::new(name, "string"),
            FieldFile::Typed { name, field_type } => Field::new(name, field_type),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SObjectFile {
    name: String,
    fields: Vec<Field>,
    #[serde(default)]
    records: Vec<Map<String, Value>>,
    #[serde(default)]
    records_file: Option<PathBuf>,
}

impl SObjectFile {
    /// The object, its `records_file` read relative to `base`.
    pub(crate) fn resolve(self, base: &Path) -> Result<SObjectData> {
        let key = format!("objects[{}]", self.name);
        let mut records = self.records;
        if let Some(file) = &self.records_file {
            let path = base.join(file);
            let text = std::fs::read_to_string(&path)
                .map_err(|e| Error::config(&key, format!("cannot read {}: {e}", path.display())))?;
            let bad = |why: String| Error::config(&key, format!("{}: {why}", path.display()));
            if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
            {
                records.extend(csv_records(&text, &self.fields).map_err(bad)?);
            } else {
                let more: Vec<Map<String, Value>> =
                    serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
                records.extend(more);
            }
        }
        Ok(SObjectData {
            name: self.name,
            fields: self.fields,
            records,
        })
    }
}

impl TryFrom<SObjectFile> for SObjectData {
    type Error = Error;

    /// Without a config file, `records_file` is relative to the working directory.
    fn try_from(file: SObjectFile) -> Result<SObjectData> {
        file.resolve(Path::new(""))
    }
}

/// The records of a CSV text (RFC 4180: a header row of field names, quoted cells with
/// `""` for a quote), each cell converted by its field's type; an empty cell is null.
fn csv_records(text: &str, fields: &[Field]) -> Result<Vec<Map<String, Value>>, String> {
    let mut rows = csv_rows(text)?.into_iter();
    let header = rows.next().ok_or("no header row")?;
    let mut records = Vec::new();
    for (line, row) in rows.enumerate() {
        if row.len() == 1 && row[0].is_empty() {
            continue; // a blank line
        }
        if row.len() != header.len() {
            return Err(format!(
                "row {} has {} cells, the header {}",
                line + 2,
                row.len(),
                header.len()
            ));
        }
        let mut record = Map::new();
        for (name, cell) in header.iter().zip(row) {
            let field_type = fields
                .iter()
                .find(|f| f.name.eq_ignore_ascii_case(name))
                .map_or("string", |f| f.field_type.as_str());
            let value = typed(&cell, field_type)
                .ok_or_else(|| format!("row {}: '{cell}' is not a {field_type}", line + 2))?;
            record.insert(name.clone(), value);
        }
        records.push(record);
    }
    Ok(records)
}

pub(crate) fn typed(cell: &str, field_type: &str) -> Option<Value> {
    if cell.is_empty() {
        return Some(Value::Null);
    }
    match field_type {
        "int" => cell.trim().parse::<i64>().ok().map(Value::from),
        "double" | "currency" | "percent" => cell
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number),
        "boolean" => match cell.trim().to_ascii_lowercase().as_str() {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        _ => Some(Value::String(cell.to_owned())),
    }
}

/// The rows of a CSV text.
fn csv_rows(text: &str) -> Result<Vec<Vec<String>>, String> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut cell = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') if cell.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    if quoted {
        return Err("a quoted cell is not closed".to_owned());
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push(row);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn csv_cells_are_typed_by_their_fields() {
        let fields = [
            Field::new("Amount__c", "double"),
            Field::new("Paid__c", "boolean"),
        ];
        let records = csv_records(
            "Name,Amount__c,Paid__c,Zip__c\r\n\"INV-1, \"\"first\"\"\",12.5,TRUE,02134\n\nINV-2,,false,\n",
            &fields,
        )
        .unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(
            Value::Object(records[0].clone()),
            json!({"Name": "INV-1, \"first\"", "Amount__c": 12.5, "Paid__c": true, "Zip__c": "02134"})
        );
        assert_eq!(records[1]["Amount__c"], Value::Null);
        for (bad, why) in [
            ("A,B\n1\n", "row 2 has 1 cells"),
            ("Amount__c\nlots\n", "'lots' is not a double"),
            ("A\n\"open\n", "not closed"),
            ("", "no header row"),
        ] {
            let error = csv_records(bad, &fields).unwrap_err();
            assert!(error.contains(why), "{bad:?}: {error}");
        }
    }
}
