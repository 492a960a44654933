// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The emulated org as configured: its apps, users, objects and planned faults, read
//! and checked once before the server starts.

pub(crate) mod config;
pub(crate) mod faults;
pub(crate) mod metadata;
pub(crate) mod objects;
