// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The org's records, in memory for one run: the objects of the emulator's config, and
//! a few Accounts and Contacts by default, so that a bare emulator and `sfjwt demo`
//! answer queries. [`Store::query`] runs a parsed SOQL query against them, checking the
//! object and fields as Salesforce does.

use std::cmp::Ordering;
use std::collections::HashSet;

use serde_json::{Map, Value, json};
use sfjwt::{Error, Result};

pub(crate) mod cursors;
mod error;
pub(crate) mod soql;

pub(crate) use error::StoreError;

use crate::org::objects::{Field, SObjectData, typed};
use soql::{Query, Select};

const TYPES: [&str; 15] = [
    "id",
    "reference",
    "string",
    "textarea",
    "email",
    "phone",
    "url",
    "picklist",
    "boolean",
    "int",
    "double",
    "currency",
    "percent",
    "date",
    "datetime",
];

/// The seeded objects, when `max_records` holds them all.
pub(crate) fn with_room(objects: Vec<SObject>, max_records: usize) -> Result<Vec<SObject>> {
    let held: usize = objects.iter().map(SObject::record_count).sum();
    if held > max_records {
        return Err(Error::config(
            "max_records",
            format!("the objects hold {held} records, more than max_records ({max_records})"),
        ));
    }
    Ok(objects)
}

/// The default objects: five Accounts and six Contacts.
fn default_objects() -> Vec<SObjectData> {
    const ACCOUNTS: [(&str, &str, &str, i64); 5] = [
        (
            "Acme Corporation",
            "Manufacturing",
            "San Francisco",
            1_200_000,
        ),
        ("Globex", "Energy", "Springfield", 5_400_000),
        ("Initech", "Technology", "Austin", 800_000),
        ("Umbrella", "Pharmaceuticals", "Raccoon City", 9_900_000),
        ("Stark Industries", "Technology", "New York", 7_300_000),
    ];
    const CONTACTS: [(&str, &str, &str, usize); 6] = [
        ("Ada", "Lovelace", "ada@acme.example", 0),
        ("Hank", "Scorpio", "hank@globex.example", 1),
        ("Peter", "Gibbons", "peter@initech.example", 2),
        ("Milton", "Waddams", "milton@initech.example", 2),
        ("Alice", "Abernathy", "alice@umbrella.example", 3),
        ("Pepper", "Potts", "pepper@stark.example", 4),
    ];
    let record = |value: Value| match value {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    vec![
        SObjectData {
            name: "Account".to_owned(),
            fields: vec![
                Field::new("Name", "string"),
                Field::new("Industry", "picklist"),
                Field::new("BillingCity", "string"),
                Field::new("AnnualRevenue", "currency"),
            ],
            records: ACCOUNTS
                .iter()
                .map(|(name, industry, city, revenue)| {
                    record(json!({"Name": name, "Industry": industry,
                                  "BillingCity": city, "AnnualRevenue": revenue}))
                })
                .collect(),
        },
        SObjectData {
            name: "Contact".to_owned(),
            fields: vec![
                Field::new("FirstName", "string"),
                Field::new("LastName", "string"),
                Field::new("Email", "email"),
                Field::new("AccountId", "reference"),
            ],
            records: CONTACTS
                .iter()
                .map(|(first, last, email, account)| {
                    record(json!({"FirstName": first, "LastName": last, "Email": email,
                                  "AccountId": record_id("001", account + 1)}))
                })
                .collect(),
        },
    ]
}

/// A record id: the object's key prefix, a number, and a 3-character suffix: 18
/// characters, as Salesforce's.
fn record_id(key_prefix: &str, number: usize) -> String {
    format!("{key_prefix}{number:0>12}AAA")
}

/// The key prefix of an object's ids: Salesforce's for standard objects, `a00`, `a01`,
/// ... for the others, by their position.
fn key_prefix(name: &str, position: usize) -> String {
    let standard = [
        ("Account", "001"),
        ("Contact", "003"),
        ("Opportunity", "006"),
        ("Lead", "00Q"),
        ("Case", "500"),
    ];
    match standard.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
        Some((_, prefix)) => (*prefix).to_owned(),
        None => {
            let digits = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
            let (high, low) = (position / 36 % 36, position % 36);
            format!("a{}{}", digits[high] as char, digits[low] as char)
        }
    }
}

/// The most values a Salesforce picklist holds.
const MAX_PICKLIST_VALUES: usize = 1_000;

/// One object as the store keeps it: fields with `Id` first, records with ids and
/// field names spelled as the fields are.
#[derive(Debug, Clone)]
pub(crate) struct SObject {
    name: String,
    key_prefix: String,
    fields: Vec<Field>,
    records: Vec<Map<String, Value>>,
    /// The number in the next new record's id.
    next_number: usize,
}

/// The default objects, replaced or joined by `configured`; CONFIG naming `objects`
/// for a duplicate object, an unknown type, a record with an unknown field or a
/// duplicate id.
pub(crate) fn objects(configured: &[SObjectData]) -> Result<Vec<SObject>> {
    let mut all = default_objects();
    for (index, object) in configured.iter().enumerate() {
        if configured[..index]
            .iter()
            .any(|o| o.name.eq_ignore_ascii_case(&object.name))
        {
            return Err(Error::config(
                "objects",
                format!("object '{}' appears twice", object.name),
            ));
        }
        match all
            .iter_mut()
            .find(|o| o.name.eq_ignore_ascii_case(&object.name))
        {
            Some(default) => *default = object.clone(),
            None => all.push(object.clone()),
        }
    }
    all.into_iter()
        .enumerate()
        .map(|(position, object)| prepare(object, position))
        .collect()
}

fn prepare(object: SObjectData, position: usize) -> Result<SObject> {
    let key = format!("objects[{}]", object.name);
    let valid_name = !object.name.is_empty()
        && object
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid_name {
        return Err(Error::config(&key, "not an API name (letters, digits, _)"));
    }
    let mut fields = vec![Field::new("Id", "id")];
    for field in object.fields {
        if !TYPES.contains(&field.field_type.as_str()) {
            return Err(Error::config(
                &key,
                format!(
                    "field '{}' has type '{}'; the types are: {}",
                    field.name,
                    field.field_type,
                    TYPES.join(", ")
                ),
            ));
        }
        if fields
            .iter()
            .any(|f| f.name.eq_ignore_ascii_case(&field.name))
        {
            if field.name.eq_ignore_ascii_case("Id") {
                continue;
            }
            return Err(Error::config(
                &key,
                format!("field '{}' appears twice", field.name),
            ));
        }
        fields.push(field);
    }
    let prefix = key_prefix(&object.name, position);
    let mut records = Vec::with_capacity(object.records.len());
    let mut ids = std::collections::HashSet::new();
    for (number, given) in object.records.into_iter().enumerate() {
        let mut record = Map::new();
        for (name, value) in given {
            let field = fields
                .iter()
                .find(|f| f.name.eq_ignore_ascii_case(&name))
                .ok_or_else(|| {
                    Error::config(&key, format!("a record has the unknown field '{name}'"))
                })?;
            record.insert(field.name.clone(), value);
        }
        let id = match record.get("Id") {
            Some(Value::String(id)) => id.clone(),
            _ => record_id(&prefix, number + 1),
        };
        if !ids.insert(id.clone()) {
            return Err(Error::config(&key, format!("id '{id}' appears twice")));
        }
        record.insert("Id".to_owned(), Value::String(id));
        records.push(record);
    }
    Ok(SObject {
        name: object.name,
        next_number: records.len() + 1,
        key_prefix: prefix,
        fields,
        records,
    })
}

impl SObject {
    /// The API name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The first three characters of its records' ids.
    pub fn key_prefix(&self) -> &str {
        &self.key_prefix
    }

    /// How many records it holds.
    pub fn record_count(&self) -> usize {
        self.records.len()
    }

    /// Its fields, `Id` first.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// The distinct values of a field among the records, in order of appearance, at
    /// most a picklist's 1,000: what describe lists as a picklist's values. One pass
    /// over the records.
    pub fn values_of(&self, field: &str) -> Vec<&str> {
        let mut seen = HashSet::new();
        self.records
            .iter()
            .filter_map(|record| record.get(field)?.as_str())
            .filter(|value| seen.insert(*value))
            .take(MAX_PICKLIST_VALUES)
            .collect()
    }

    /// The field's name as the object spells it, for a name as a query wrote it.
    fn field(&self, name: &str) -> Option<&str> {
        self.typed_field(name).map(|f| f.name.as_str())
    }

    /// A field named in a query or a `fields` list; INVALID_FIELD when there is none.
    pub fn queried_field(&self, name: &str) -> Result<&Field, StoreError> {
        self.typed_field(name).ok_or_else(|| {
            StoreError::new(
                "INVALID_FIELD",
                format!(
                    "No such column '{name}' on entity '{}'. If you are attempting to use a \
                     custom field, be sure to append the '__c' after the custom field name. \
                     Please reference your WSDL or the describe call for the appropriate names.",
                    self.name
                ),
            )
        })
    }

    fn typed_field(&self, name: &str) -> Option<&Field> {
        self.fields
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    fn position(&self, id: &str) -> Option<usize> {
        // Salesforce takes an id in its 15- or 18-character form.
        let id = id.get(..15).filter(|_| id.len() == 15 || id.len() == 18)?;
        self.records.iter().position(|record| {
            record
                .get("Id")
                .and_then(Value::as_str)
                .and_then(|own| own.get(..15))
                .is_some_and(|own| own.eq_ignore_ascii_case(id))
        })
    }

    /// The fields of a create or update body (its `attributes` left out), spelled as
    /// the object does and checked against their types: INVALID_FIELD for an unknown
    /// one, INVALID_FIELD_FOR_INSERT_UPDATE for `Id`, JSON_PARSER_ERROR for a value
    /// of the wrong type.
    fn checked(&self, given: Map<String, Value>) -> Result<Map<String, Value>, StoreError> {
        let mut fields = Map::new();
        for (name, value) in given {
            if name == "attributes" {
                continue;
            }
            let field = self.typed_field(&name).ok_or_else(|| {
                StoreError::new(
                    "INVALID_FIELD",
                    format!("No such column '{name}' on sobject of type {}", self.name),
                )
            })?;
            if field.field_type == "id" {
                return Err(StoreError::new(
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    format!(
                        "Unable to create/update fields: {}. Please check the security \
                         settings of this field and verify that it is read/write for your \
                         profile or permission set.",
                        field.name
                    ),
                ));
            }
            let value = stored(value, &field.field_type).map_err(|shown| {
                StoreError::new(
                    "JSON_PARSER_ERROR",
                    format!(
                        "Cannot deserialize instance of {} from {shown} or request may be \
                         missing a required field",
                        field.field_type
                    ),
                )
            })?;
            fields.insert(field.name.clone(), value);
        }
        Ok(fields)
    }
}

/// A written value as the field's type keeps it, as Salesforce converts them: numbers
/// and booleans from their JSON form or a string of one, text from a string, a number
/// or a boolean; null for any. `Err` shows the value for the error message.
fn stored(value: Value, field_type: &str) -> Result<Value, String> {
    let shown = |value: &Value| match value {
        Value::String(s) => format!("VALUE_STRING value {s}"),
        Value::Array(_) => "START_ARRAY token".to_owned(),
        Value::Object(_) => "START_OBJECT token".to_owned(),
        other => format!("value {other}"),
    };
    let converted = match (&value, field_type) {
        (Value::Null, _) => Some(Value::Null),
        (Value::Array(_) | Value::Object(_), _) => None,
        (Value::String(text), "int" | "double" | "currency" | "percent" | "boolean") => {
            typed(text, field_type)
        }
        (Value::Number(n), "int") => n.as_i64().map(Value::from),
        (Value::Number(_), "double" | "currency" | "percent") => Some(value.clone()),
        (Value::Bool(_), "boolean") => Some(value.clone()),
        (
            Value::Number(_) | Value::Bool(_),
            "int" | "double" | "currency" | "percent" | "boolean",
        ) => None,
        (Value::String(_), _) => Some(value.clone()),
        (other, _) => Some(Value::String(other.to_string())),
    };
    converted.ok_or_else(|| shown(&value))
}

/// The records of every object. Not `Clone`: an all-or-none call journals what it
/// changes ([`Store::all_or_none`]) instead of copying the store.
#[derive(Debug)]
pub(crate) struct Store {
    objects: Vec<SObject>,
    /// Creates beyond it are refused (`max_records` of the config).
    max_records: usize,
    /// While an all-or-none call runs: how to undo each of its writes, in order.
    journal: Option<Vec<Undo>>,
}

/// How to undo one write, by the position of its object in the store.
#[derive(Debug)]
enum Undo {
    /// A record was appended, and the object's id counter was this before.
    Created { object: usize, next_number: usize },
    /// A record's fields were these before.
    Updated {
        object: usize,
        position: usize,
        before: Map<String, Value>,
    },
    /// This record was removed from this position.
    Deleted {
        object: usize,
        position: usize,
        record: Map<String, Value>,
    },
}

/// What a query selected: the object's name, and each record's id and selected fields
/// in the order of the `SELECT` (no records for `COUNT()`), with the number of matches.
pub(crate) struct Rows {
    pub object: String,
    pub records: Vec<(String, Vec<(String, Value)>)>,
    pub total_size: usize,
}

impl Store {
    /// A store of `objects` (from [`objects`]), holding at most `max_records`.
    pub fn new(objects: Vec<SObject>, max_records: usize) -> Store {
        Store {
            objects,
            max_records,
            journal: None,
        }
    }

    /// Runs `writes`, then undoes every change they made unless `keep` says otherwise
    /// of their outcome. The journal holds only what the writes changed (a record's old
    /// fields, a deleted record), so the cost follows the call, not the store's size.
    pub fn all_or_none<T>(
        &mut self,
        writes: impl FnOnce(&mut Store) -> T,
        keep: impl FnOnce(&T) -> bool,
    ) -> T {
        self.journal = Some(Vec::new());
        let outcome = writes(self);
        let journal = self.journal.take().unwrap_or_default();
        if !keep(&outcome) {
            // In reverse, so that each undo finds the positions its write left.
            for undo in journal.into_iter().rev() {
                match undo {
                    Undo::Created {
                        object,
                        next_number,
                    } => {
                        let object = &mut self.objects[object];
                        object.records.pop();
                        object.next_number = next_number;
                    }
                    Undo::Updated {
                        object,
                        position,
                        before,
                    } => self.objects[object].records[position] = before,
                    Undo::Deleted {
                        object,
                        position,
                        record,
                    } => self.objects[object].records.insert(position, record),
                }
            }
        }
        outcome
    }

    fn journal(&mut self, undo: Undo) {
        if let Some(journal) = &mut self.journal {
            journal.push(undo);
        }
    }

    /// Every object, in the order of the config (the default ones first).
    pub fn objects(&self) -> &[SObject] {
        &self.objects
    }

    /// The object of a URL (`sobjects/<name>/...`); NOT_FOUND for another name.
    pub fn sobject(&self, name: &str) -> Result<&SObject, StoreError> {
        self.objects
            .iter()
            .find(|o| o.name.eq_ignore_ascii_case(name))
            .ok_or_else(StoreError::not_found)
    }

    /// The position of the object of a URL; NOT_FOUND for another name.
    fn index(&self, name: &str) -> Result<usize, StoreError> {
        self.objects
            .iter()
            .position(|o| o.name.eq_ignore_ascii_case(name))
            .ok_or_else(StoreError::not_found)
    }

    /// The object named in a query; INVALID_TYPE for another name.
    fn object(&self, name: &str) -> Result<&SObject, StoreError> {
        self.sobject(name).map_err(|_| {
            StoreError::new(
                "INVALID_TYPE",
                format!(
                    "sObject type '{name}' is not supported. If you are attempting to use a \
                     custom object, be sure to append the '__c' after the entity name. Please \
                     reference your WSDL or the describe call for the appropriate names."
                ),
            )
        })
    }

    /// A record of `object` by its 15- or 18-character id; NOT_FOUND when there is none.
    pub fn record(&self, object: &str, id: &str) -> Result<&Map<String, Value>, StoreError> {
        let object = self.sobject(object)?;
        let position = object.position(id).ok_or_else(StoreError::not_found)?;
        Ok(&object.records[position])
    }

    /// Creates a record of `object` from the fields of a request body; its new id.
    pub fn create(
        &mut self,
        object: &str,
        given: Map<String, Value>,
    ) -> Result<String, StoreError> {
        let held: usize = self.objects.iter().map(SObject::record_count).sum();
        let full = held >= self.max_records;
        let index = self.index(object)?;
        let object = &mut self.objects[index];
        let mut record = object.checked(given)?;
        if full {
            return Err(StoreError::new(
                "STORAGE_LIMIT_EXCEEDED",
                "storage limit exceeded",
            ));
        }
        let next_number = object.next_number;
        let id = loop {
            let id = record_id(&object.key_prefix, object.next_number);
            object.next_number += 1;
            if object.position(&id).is_none() {
                break id;
            }
        };
        record.insert("Id".to_owned(), Value::String(id.clone()));
        object.records.push(record);
        self.journal(Undo::Created {
            object: index,
            next_number,
        });
        Ok(id)
    }

    /// Sets the given fields of a record.
    pub fn update(
        &mut self,
        object: &str,
        id: &str,
        given: Map<String, Value>,
    ) -> Result<(), StoreError> {
        let index = self.index(object)?;
        let object = &mut self.objects[index];
        let position = object.position(id).ok_or_else(StoreError::not_found)?;
        let fields = object.checked(given)?;
        let record = &mut object.records[position];
        let before = self.journal.is_some().then(|| record.clone());
        record.extend(fields);
        if let Some(before) = before {
            self.journal(Undo::Updated {
                object: index,
                position,
                before,
            });
        }
        Ok(())
    }

    /// Deletes a record.
    pub fn delete(&mut self, object: &str, id: &str) -> Result<(), StoreError> {
        let index = self.index(object)?;
        let object = &mut self.objects[index];
        let position = object.position(id).ok_or_else(StoreError::not_found)?;
        let record = object.records.remove(position);
        self.journal(Undo::Deleted {
            object: index,
            position,
            record,
        });
        Ok(())
    }

    /// The object whose records have ids of this key prefix.
    pub fn object_of_id(&self, id: &str) -> Option<&SObject> {
        let prefix = id.get(..3)?;
        self.objects
            .iter()
            .find(|o| o.key_prefix.eq_ignore_ascii_case(prefix))
    }

    /// The object a query reads and the fields it selects (none for `COUNT()`): what
    /// `query?columns=true` describes.
    pub fn selected_fields(&self, query: &Query) -> Result<(&SObject, Vec<&Field>), StoreError> {
        let object = self.object(&query.object)?;
        let fields = match &query.select {
            Select::Count => Vec::new(),
            Select::Fields(names) => names
                .iter()
                .map(|name| object.queried_field(name))
                .collect::<Result<_, StoreError>>()?,
        };
        Ok((object, fields))
    }

    /// Runs `query`: the object and every field it names must exist.
    pub fn query(&self, query: &Query) -> Result<Rows, StoreError> {
        let object = self.object(&query.object)?;
        let field = |name: &str| object.queried_field(name).map(|f| f.name.as_str());
        let selected: Vec<&str> = match &query.select {
            Select::Count => Vec::new(),
            Select::Fields(fields) => fields.iter().map(|f| field(f)).collect::<Result<_, _>>()?,
        };
        let mut named = Vec::new();
        if let Some(filter) = &query.filter {
            soql::condition_fields(filter, &mut named);
        }
        for name in named {
            field(name)?;
        }
        let order: Vec<(&str, bool, bool)> = query
            .order_by
            .iter()
            .map(|o| Ok((field(&o.field)?, o.descending, o.nulls_last)))
            .collect::<Result<_, StoreError>>()?;

        let value = |record: &Map<String, Value>, name: &str| {
            object
                .field(name)
                .and_then(|name| record.get(name))
                .cloned()
                .unwrap_or(Value::Null)
        };
        let mut matching: Vec<&Map<String, Value>> = object
            .records
            .iter()
            .filter(|record| {
                query
                    .filter
                    .as_ref()
                    .is_none_or(|filter| soql::matches(filter, &|name| value(record, name)))
            })
            .collect();
        matching.sort_by(|a, b| {
            order
                .iter()
                .map(|&(name, descending, nulls_last)| {
                    let (a, b) = (value(a, name), value(b, name));
                    match (a.is_null(), b.is_null()) {
                        (true, true) => Ordering::Equal,
                        (true, false) if nulls_last => Ordering::Greater,
                        (true, false) => Ordering::Less,
                        (false, true) if nulls_last => Ordering::Less,
                        (false, true) => Ordering::Greater,
                        (false, false) if descending => soql::order(&b, &a),
                        (false, false) => soql::order(&a, &b),
                    }
                })
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        });
        let offset = query.offset.unwrap_or(0);
        let limit = query.limit.unwrap_or(usize::MAX);
        let page: Vec<&Map<String, Value>> =
            matching.into_iter().skip(offset).take(limit).collect();
        let total_size = page.len();
        let records = if selected.is_empty() {
            Vec::new()
        } else {
            page.iter()
                .map(|record| {
                    let id = value(record, "Id").as_str().unwrap_or_default().to_owned();
                    let fields = selected
                        .iter()
                        .map(|name| ((*name).to_owned(), value(record, name)))
                        .collect();
                    (id, fields)
                })
                .collect()
        };
        Ok(Rows {
            object: object.name.clone(),
            records,
            total_size,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Result<Rows, StoreError> {
        Store::new(objects(&[]).unwrap(), usize::MAX).query(&soql::parse(text).unwrap())
    }

    fn column(rows: &Rows, field: &str) -> Vec<Value> {
        rows.records
            .iter()
            .map(|(_, r)| r.iter().find(|(f, _)| f == field).unwrap().1.clone())
            .collect()
    }

    #[test]
    fn queries_select_filter_order_and_page() {
        let rows = run("SELECT name, Id FROM account WHERE Industry = 'technology' ORDER BY Name")
            .unwrap();
        assert_eq!(rows.object, "Account");
        assert_eq!(rows.total_size, 2);
        assert_eq!(
            column(&rows, "Name"),
            [json!("Initech"), json!("Stark Industries")]
        );
        assert_eq!(
            rows.records[0].1[0].0, "Name",
            "the object's spelling, the query's order"
        );
        assert_eq!(rows.records[0].0, "001000000000003AAA");

        let rows =
            run("SELECT Name FROM Account ORDER BY AnnualRevenue DESC LIMIT 2 OFFSET 1").unwrap();
        assert_eq!(
            column(&rows, "Name"),
            [json!("Stark Industries"), json!("Globex")]
        );

        let rows =
            run("SELECT COUNT() FROM Contact WHERE AccountId = '001000000000003AAA'").unwrap();
        assert_eq!((rows.total_size, rows.records.len()), (2, 0));
    }

    #[test]
    fn unknown_objects_and_fields_are_salesforces_errors() {
        let error = run("SELECT Id FROM Opportunity").err().unwrap();
        assert_eq!(error.error_code, "INVALID_TYPE");
        assert!(
            error
                .message
                .starts_with("sObject type 'Opportunity' is not supported")
        );
        for query in [
            "SELECT Nope FROM Account",
            "SELECT Id FROM Account WHERE Nope = 1",
            "SELECT Id FROM Account ORDER BY Nope",
        ] {
            let error = run(query).err().unwrap();
            assert_eq!(error.error_code, "INVALID_FIELD", "{query}");
            assert!(
                error
                    .message
                    .starts_with("No such column 'Nope' on entity 'Account'")
            );
        }
    }

    #[test]
    fn configured_objects_join_or_replace_the_defaults() {
        let invoices = SObjectData {
            name: "Invoice__c".to_owned(),
            fields: vec![Field::new("Name", "string")],
            records: (1..=3)
                .map(|n| record_of(json!({"name": format!("INV-{n}")})))
                .collect(),
        };
        let accounts = SObjectData {
            name: "Account".to_owned(),
            fields: vec![Field::new("Name", "string")],
            records: vec![record_of(
                json!({"Id": "001000000000042AAA", "Name": "Only"}),
            )],
        };
        let store = Store::new(objects(&[invoices.clone(), accounts]).unwrap(), usize::MAX);
        let query = |text: &str| store.query(&soql::parse(text).unwrap()).unwrap();
        let rows = query("SELECT Id, Name FROM Invoice__c ORDER BY Name DESC");
        assert_eq!(rows.total_size, 3);
        assert_eq!(rows.records[0].1[1], ("Name".to_owned(), json!("INV-3")));
        assert!(
            rows.records[0].0.starts_with("a02"),
            "{}",
            rows.records[0].0
        );
        assert_eq!(
            query("SELECT Id FROM Account").records[0].0,
            "001000000000042AAA"
        );
        assert_eq!(query("SELECT COUNT() FROM Contact").total_size, 6);

        for (broken, why) in [
            (vec![invoices.clone(), invoices.clone()], "appears twice"),
            (
                vec![SObjectData {
                    fields: vec![Field::new("Name", "money")],
                    ..invoices.clone()
                }],
                "has type 'money'",
            ),
            (
                vec![SObjectData {
                    records: vec![record_of(json!({"Nope": 1}))],
                    ..invoices.clone()
                }],
                "unknown field 'Nope'",
            ),
            (
                vec![SObjectData {
                    name: "Bad Name".to_owned(),
                    ..invoices
                }],
                "not an API name",
            ),
        ] {
            let error = objects(&broken).err().unwrap();
            assert!(error.to_string().contains(why), "{error}");
        }
    }

    #[test]
    fn picklist_values_are_distinct_in_order_and_at_most_1000() {
        let stages = SObjectData {
            name: "Deal__c".to_owned(),
            fields: vec![Field::new("Stage__c", "picklist")],
            // 20,000 records, 5,000 values: each value four times, apart.
            records: (0..20_000)
                .map(|n| record_of(json!({"Stage__c": format!("S{}", n % 5_000)})))
                .collect(),
        };
        let store = Store::new(objects(&[stages]).unwrap(), usize::MAX);
        let values = store.sobject("Deal__c").unwrap().values_of("Stage__c");
        assert_eq!(values.len(), MAX_PICKLIST_VALUES);
        let expected: Vec<String> = (0..1_000).map(|n| format!("S{n}")).collect();
        assert_eq!(values, expected);
        let accounts = store.sobject("Account").unwrap();
        assert_eq!(accounts.values_of("Industry").len(), 4, "Technology twice");
    }

    /// An all-or-none call that fails is undone exactly (records, their order, the
    /// next ids), from its journal; one that succeeds keeps every write.
    #[test]
    fn all_or_none_undoes_every_write_from_its_journal() {
        let mut store = Store::new(objects(&[]).unwrap(), usize::MAX);
        let before = format!("{:?}", store.objects());
        let second_contact = store.objects()[1].records[1]["Id"]
            .as_str()
            .unwrap()
            .to_owned();
        let writes = |store: &mut Store| {
            vec![
                store.update(
                    "Account",
                    "001000000000002AAA",
                    record_of(json!({"Name": "X"})),
                ),
                store.delete("Contact", &second_contact),
                store
                    .create("Contact", record_of(json!({"LastName": "New"})))
                    .map(drop),
                store.update(
                    "Account",
                    "001000000000002AAA",
                    record_of(json!({"Industry": "Y"})),
                ),
                store.delete("Account", "001000000000001AAA"),
                store
                    .create("Account", record_of(json!({"Nope": 1})))
                    .map(drop),
            ]
        };
        let results = store.all_or_none(writes, |results| results.iter().all(Result::is_ok));
        assert!(results[..5].iter().all(Result::is_ok), "{results:?}");
        assert_eq!(results[5].as_ref().unwrap_err().error_code, "INVALID_FIELD");
        assert_eq!(format!("{:?}", store.objects()), before, "undone exactly");
        assert_eq!(
            store.create("Contact", Map::new()).unwrap(),
            "003000000000007AAA",
            "the id counter is back too"
        );

        let kept = store.all_or_none(
            |store| store.delete("Account", "001000000000003AAA"),
            Result::is_ok,
        );
        assert!(kept.is_ok());
        assert!(store.record("Account", "001000000000003AAA").is_err());
        assert!(store.journal.is_none(), "nothing journaled outside a call");
    }

    fn record_of(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }
}
