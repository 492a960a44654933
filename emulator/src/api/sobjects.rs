// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The object resources of a version: `sobjects` (global describe),
//! `sobjects/<Object>` (basic information; POST creates a record),
//! `sobjects/<Object>/describe`, `sobjects/<Object>/<id>` (GET, PATCH, DELETE), and
//! `composite/sobjects`, which creates, updates or deletes up to 200 records in one
//! call, as loads do. Writes change the emulator's store for the rest of its run.

use hyper::Method;
use serde_json::{Map, Value, json};

use super::{DataRequest, Reply, RestError};
use crate::state::State;
use crate::store::{SObject, Store};

/// The most records (or ids) one `composite/sobjects` call takes, as Salesforce's.
const MAX_COLLECTION: usize = 200;

/// `sobjects...` and `composite/sobjects`, by the segments of the resource's path.
pub(crate) fn reply(
    state: &State,
    request: &DataRequest<'_>,
    version: &str,
    segments: &[&str],
) -> Result<Reply, RestError> {
    let get = [Method::GET];
    match segments {
        ["sobjects"] => request.allow(&get, || {
            Ok(Reply::Ok(describe_global(&state.store(), version)))
        }),
        ["sobjects", object] => request.allow(&[Method::GET, Method::POST], || {
            if request.method == Method::GET {
                let store = state.store();
                let sobject = store.sobject(object)?;
                return Ok(Reply::Ok(json!({
                    "objectDescribe": basic_info(sobject, version),
                    "recentItems": [],
                })));
            }
            let id = state
                .store_mut()
                .create(object, json_object(request.body)?)?;
            Ok(Reply::Created(
                json!({"id": id, "success": true, "errors": []}),
            ))
        }),
        ["sobjects", object, "describe"] => request.allow(&get, || {
            let store = state.store();
            Ok(Reply::Ok(describe(&store, store.sobject(object)?, version)))
        }),
        ["sobjects", object, id] => request.allow(
            &[Method::GET, Method::PATCH, Method::DELETE],
            || match *request.method {
                Method::GET => {
                    let fields = request.parameter("fields");
                    record(&state.store(), object, id, fields.as_deref(), version).map(Reply::Ok)
                }
                Method::PATCH => {
                    let fields = json_object(request.body)?;
                    state.store_mut().update(object, id, fields)?;
                    Ok(Reply::NoContent)
                }
                _ => {
                    state.store_mut().delete(object, id)?;
                    Ok(Reply::NoContent)
                }
            },
        ),
        ["composite", "sobjects"] => request
            .allow(&[Method::POST, Method::PATCH, Method::DELETE], || {
                collection(state, request).map(Reply::Ok)
            }),
        _ => Err(RestError::not_found()),
    }
}

/// The `attributes` of a record: its type and URL.
pub(crate) fn attributes(object: &str, id: &str, version: &str) -> Value {
    json!({"type": object, "url": format!("/services/data/{version}/sobjects/{object}/{id}")})
}

/// A request body that must be a JSON object; JSON_PARSER_ERROR otherwise.
fn json_object(body: &[u8]) -> Result<Map<String, Value>, RestError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(RestError::new(
            "JSON_PARSER_ERROR",
            "The request body must be a JSON object",
        )),
        Err(error) => Err(RestError::new("JSON_PARSER_ERROR", error.to_string())),
    }
}

/// `GET sobjects/<Object>/<id>`: the record, with every field or those of `fields`.
fn record(
    store: &Store,
    object: &str,
    id: &str,
    fields: Option<&str>,
    version: &str,
) -> Result<Value, RestError> {
    let sobject = store.sobject(object)?;
    let record = store.record(object, id)?;
    let names: Vec<&str> = match fields {
        Some(list) => list
            .split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(|name| sobject.queried_field(name).map(|f| f.name.as_str()))
            .collect::<Result<_, _>>()?,
        None => sobject.fields().iter().map(|f| f.name.as_str()).collect(),
    };
    let own_id = record.get("Id").and_then(Value::as_str).unwrap_or(id);
    let mut body = Map::new();
    body.insert(
        "attributes".to_owned(),
        attributes(sobject.name(), own_id, version),
    );
    body.insert("Id".to_owned(), Value::String(own_id.to_owned()));
    for name in names {
        body.insert(
            name.to_owned(),
            record.get(name).cloned().unwrap_or(Value::Null),
        );
    }
    Ok(Value::Object(body))
}

/// `composite/sobjects`: POST creates and PATCH updates the `records` of the body
/// (each with `attributes.type`; an update with its `Id`), DELETE deletes the `ids`
/// of the query string. One result per record, in order; with `allOrNone`, one
/// failure rolls every record back.
fn collection(state: &State, request: &DataRequest<'_>) -> Result<Value, RestError> {
    let too_many = || {
        RestError::new(
            "EXCEEDED_ID_LIMIT",
            format!(
                "record limit reached. cannot submit more than {MAX_COLLECTION} records into \
                 this call"
            ),
        )
    };
    let (all_or_none, writes) = if request.method == Method::DELETE {
        let ids = request.parameter("ids").unwrap_or_default();
        let ids: Vec<String> = ids
            .split(',')
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
            .collect();
        if ids.len() > MAX_COLLECTION {
            return Err(too_many());
        }
        let all_or_none = request
            .parameter("allOrNone")
            .is_some_and(|v| v.eq_ignore_ascii_case("true"));
        (all_or_none, ids.into_iter().map(Write::Delete).collect())
    } else {
        let mut body = json_object(request.body)?;
        let all_or_none = body
            .get("allOrNone")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let Some(Value::Array(records)) = body.remove("records") else {
            return Err(RestError::new(
                "JSON_PARSER_ERROR",
                "The request body needs 'records', a list of sObjects",
            ));
        };
        if records.len() > MAX_COLLECTION {
            return Err(too_many());
        }
        let writes: Vec<Write> = records
            .into_iter()
            .map(|record| written(record, request.method == Method::POST))
            .collect::<Result<_, _>>()?;
        (all_or_none, writes)
    };

    let apply = |store: &mut Store| -> Vec<(Option<String>, Result<(), RestError>)> {
        writes.into_iter().map(|write| write.apply(store)).collect()
    };
    let succeeded = |results: &Vec<(Option<String>, Result<(), RestError>)>| {
        results.iter().all(|(_, result)| result.is_ok())
    };
    let mut store = state.store_mut();
    let results = if all_or_none {
        store.all_or_none(apply, succeeded)
    } else {
        apply(&mut store)
    };
    if all_or_none && !succeeded(&results) {
        let rolled_back = RestError::new(
            "ALL_OR_NONE_OPERATION_ROLLED_BACK",
            "Record rolled back because not all records were valid and the request was using \
             AllOrNone header",
        );
        let created = request.method == Method::POST;
        return Ok(results
            .into_iter()
            .map(|(id, result)| {
                let error = result.err().unwrap_or_else(|| rolled_back.clone());
                let id = id.filter(|_| !created);
                save_result(id.as_deref(), Err(&error))
            })
            .collect());
    }
    Ok(results
        .iter()
        .map(|(id, result)| save_result(id.as_deref(), result.as_ref().map(|_| ())))
        .collect())
}

/// One write of a `composite/sobjects` call.
enum Write {
    Create {
        object: String,
        fields: Map<String, Value>,
    },
    Update {
        object: String,
        id: Option<String>,
        fields: Map<String, Value>,
    },
    Delete(String),
}

/// A record of a POST (create) or PATCH (update) body; INVALID_TYPE, for the whole
/// call, when it does not say its type.
fn written(record: Value, create: bool) -> Result<Write, RestError> {
    let no_type = || RestError::new("INVALID_TYPE", "Must send a concrete entity type.");
    let Value::Object(mut fields) = record else {
        return Err(no_type());
    };
    let object = fields
        .get("attributes")
        .and_then(|a| a.get("type"))
        .and_then(Value::as_str)
        .ok_or_else(no_type)?
        .to_owned();
    if create {
        return Ok(Write::Create { object, fields });
    }
    let id = ["Id", "id"]
        .iter()
        .find_map(|key| fields.remove(*key))
        .and_then(|id| id.as_str().map(str::to_owned));
    Ok(Write::Update { object, id, fields })
}

impl Write {
    /// Applies the write: the record's id, and whether it was written.
    fn apply(self, store: &mut Store) -> (Option<String>, Result<(), RestError>) {
        match self {
            Write::Create { object, fields } => match store.create(&object, fields) {
                Ok(id) => (Some(id), Ok(())),
                Err(error) => (None, Err(error.into())),
            },
            Write::Update { object, id, fields } => {
                let Some(id) = id else {
                    let missing =
                        RestError::new("MISSING_ARGUMENT", "Id not specified in an update call");
                    return (None, Err(missing));
                };
                let result = store.update(&object, &id, fields);
                (Some(id), result.map_err(RestError::from))
            }
            Write::Delete(id) => {
                let result = match store.object_of_id(&id) {
                    Some(object) if id.len() == 15 || id.len() == 18 => {
                        let object = object.name().to_owned();
                        store
                            .delete(&object, &id)
                            .map_err(|_| RestError::new("ENTITY_IS_DELETED", "entity is deleted"))
                    }
                    _ => Err(RestError::new("MALFORMED_ID", format!("malformed id {id}"))),
                };
                (Some(id), result)
            }
        }
    }
}

/// A SaveResult: `{"id", "success", "errors"}`, an error as `{"statusCode", "message",
/// "fields"}`.
fn save_result(id: Option<&str>, result: Result<(), &RestError>) -> Value {
    let mut body = Map::new();
    if let Some(id) = id {
        body.insert("id".to_owned(), Value::String(id.to_owned()));
    }
    body.insert("success".to_owned(), Value::Bool(result.is_ok()));
    let errors = match result {
        Ok(()) => json!([]),
        Err(error) => {
            json!([{"statusCode": error.error_code, "message": error.message, "fields": []}])
        }
    };
    body.insert("errors".to_owned(), errors);
    Value::Object(body)
}

/// A label from an API name: `BillingCity` is "Billing City", `Invoice__c` "Invoice".
fn label(api_name: &str) -> String {
    let name = api_name.strip_suffix("__c").unwrap_or(api_name);
    let mut label = String::with_capacity(name.len() + 4);
    let mut previous: Option<char> = None;
    for c in name.chars() {
        let c = if c == '_' { ' ' } else { c };
        if c.is_ascii_uppercase() && previous.is_some_and(|p| p.is_ascii_lowercase()) {
            label.push(' ');
        }
        label.push(c);
        previous = Some(c);
    }
    label
}

fn plural(label: &str) -> String {
    match label.strip_suffix('y') {
        Some(stem) if !stem.ends_with(['a', 'e', 'o', 'u']) => format!("{stem}ies"),
        _ if label.ends_with(['s', 'x']) => format!("{label}es"),
        _ => format!("{label}s"),
    }
}

/// What an object is, as the global describe and `sobjects/<Object>` list it.
fn basic_info(object: &SObject, version: &str) -> Value {
    let name = object.name();
    let label = label(name);
    let url = format!("/services/data/{version}/sobjects/{name}");
    json!({
        "name": name,
        "label": label,
        "labelPlural": plural(&label),
        "keyPrefix": object.key_prefix(),
        "custom": name.ends_with("__c"),
        "customSetting": false,
        "activateable": false,
        "createable": true,
        "updateable": true,
        "deletable": true,
        "undeletable": true,
        "mergeable": false,
        "queryable": true,
        "retrieveable": true,
        "searchable": true,
        "layoutable": true,
        "replicateable": true,
        "triggerable": true,
        "feedEnabled": false,
        "hasSubtypes": false,
        "isSubtype": false,
        "deprecatedAndHidden": false,
        "urls": {
            "sobject": url,
            "describe": format!("{url}/describe"),
            "rowTemplate": format!("{url}/{{ID}}"),
        },
    })
}

/// `GET sobjects`: every object.
fn describe_global(store: &Store, version: &str) -> Value {
    let sobjects: Vec<Value> = store
        .objects()
        .iter()
        .map(|object| basic_info(object, version))
        .collect();
    json!({"encoding": "UTF-8", "maxBatchSize": MAX_COLLECTION, "sobjects": sobjects})
}

/// The object a reference field points to: `AccountId` and `Account__c` to Account,
/// when the org has it.
fn reference_target<'a>(store: &'a Store, field: &str) -> Option<&'a SObject> {
    let stem = field
        .strip_suffix("__c")
        .or_else(|| field.strip_suffix("Id"))?;
    store.sobject(stem).ok()
}

/// `GET sobjects/<Object>/describe`: the object, its fields with their types, and
/// the objects whose reference fields point to it.
fn describe(store: &Store, object: &SObject, version: &str) -> Value {
    let fields: Vec<Value> = object
        .fields()
        .iter()
        .map(|field| {
            let name = field.name.as_str();
            let kind = field.field_type.as_str();
            let is_id = kind == "id";
            let target = (kind == "reference")
                .then(|| reference_target(store, name))
                .flatten();
            let (soap_type, length) = match kind {
                "id" | "reference" => ("tns:ID", 18),
                "boolean" => ("xsd:boolean", 0),
                "int" => ("xsd:int", 0),
                "double" | "currency" | "percent" => ("xsd:double", 0),
                "date" => ("xsd:date", 0),
                "datetime" => ("xsd:dateTime", 0),
                "textarea" => ("xsd:string", 32768),
                "email" => ("xsd:string", 80),
                "phone" => ("xsd:string", 40),
                _ => ("xsd:string", 255),
            };
            let picklist: Vec<Value> = if kind == "picklist" {
                object
                    .values_of(name)
                    .into_iter()
                    .map(|value| {
                        json!({"active": true, "defaultValue": false, "label": value,
                               "validFor": null, "value": value})
                    })
                    .collect()
            } else {
                Vec::new()
            };
            let field_label = if is_id {
                format!("{} ID", label(object.name()))
            } else {
                label(
                    name.strip_suffix("Id")
                        .filter(|_| target.is_some())
                        .unwrap_or(name),
                )
            };
            json!({
                "name": name,
                "label": field_label,
                "type": kind,
                "soapType": soap_type,
                "length": length,
                "byteLength": length * 3,
                "digits": 0,
                "precision": if matches!(kind, "double" | "currency" | "percent") { 18 } else { 0 },
                "scale": if matches!(kind, "double" | "currency" | "percent") { 2 } else { 0 },
                "nillable": !is_id,
                "createable": !is_id,
                "updateable": !is_id,
                "defaultedOnCreate": is_id,
                "filterable": true,
                "sortable": kind != "textarea",
                "groupable": kind != "textarea",
                "idLookup": is_id,
                "unique": false,
                "externalId": false,
                "calculated": false,
                "autoNumber": false,
                "custom": name.ends_with("__c"),
                "deprecatedAndHidden": false,
                "picklistValues": picklist,
                "referenceTo": target.map_or_else(Vec::new, |t| vec![t.name()]),
                "relationshipName": target.map(|_| name.strip_suffix("Id").map_or_else(
                    || format!("{}__r", name.trim_end_matches("__c")),
                    str::to_owned,
                )),
            })
        })
        .collect();
    let children: Vec<Value> = store
        .objects()
        .iter()
        .flat_map(|child| {
            child
                .fields()
                .iter()
                .filter(|f| f.field_type == "reference")
                .filter(|f| {
                    reference_target(store, &f.name).is_some_and(|t| t.name() == object.name())
                })
                .map(move |f| {
                    let relationship = plural(child.name().trim_end_matches("__c"));
                    json!({
                        "childSObject": child.name(),
                        "field": f.name,
                        "relationshipName": if child.name().ends_with("__c") {
                            format!("{relationship}__r")
                        } else {
                            relationship
                        },
                        "cascadeDelete": false,
                        "restrictedDelete": false,
                        "deprecatedAndHidden": false,
                    })
                })
        })
        .collect();
    let mut body = basic_info(object, version);
    body["fields"] = Value::Array(fields);
    body["childRelationships"] = Value::Array(children);
    body["recordTypeInfos"] = json!([]);
    body["supportedScopes"] = json!([]);
    body
}

#[cfg(test)]
mod tests {
    use super::{label, plural};

    #[test]
    fn labels_and_plurals_read_as_salesforce_writes_them() {
        assert_eq!(label("BillingCity"), "Billing City");
        assert_eq!(label("Invoice__c"), "Invoice");
        assert_eq!(label("Amount_Due__c"), "Amount Due");
        assert_eq!(plural("Opportunity"), "Opportunities");
        assert_eq!(plural("Survey"), "Surveys");
        assert_eq!(plural("Address"), "Addresses");
        assert_eq!(plural("Account"), "Accounts");
    }
}
