// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The store's one error, shared with its SOQL parser.

/// A refusal of the store or of the SOQL parser, by Salesforce's error code
/// (`MALFORMED_QUERY`, `INVALID_FIELD`, `NOT_FOUND`, ...); the REST API answers it as a
/// `RestError` of the same code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoreError {
    pub(crate) error_code: &'static str,
    pub(crate) message: String,
}

impl StoreError {
    pub(crate) fn new(error_code: &'static str, message: impl Into<String>) -> StoreError {
        StoreError {
            error_code,
            message: message.into(),
        }
    }

    pub(crate) fn malformed_query(message: impl Into<String>) -> StoreError {
        StoreError::new("MALFORMED_QUERY", message)
    }

    /// An unknown object or record id.
    pub(crate) fn not_found() -> StoreError {
        StoreError::new("NOT_FOUND", "The requested resource does not exist")
    }
}
