// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The core's events into Python's `logging`.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

/// sfjwt's events (the core's `log` records: logins, retries, warnings; never a
/// secret) into Python's `logging`, logger `sfjwt`, with trace as level 5. A record
/// comes from the thread that causes it, inside [`crate::error::call`] with the GIL released, and a
/// login's records only once its single flight has landed; the GIL is taken for it
/// there, with nothing of this module locked, so a handler may call sfjwt again, for
/// the same identity too. Nor does this module hold the GIL while it waits for a core
/// lock that a logging thread could hold: a warm `token()` takes none, and dropping a
/// client takes only the slot map's, under which the core logs nothing.
pub(crate) struct PythonLogger;

/// `logging.getLogger("sfjwt")`.
pub(crate) static LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

impl log::Log for PythonLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        sfjwt::is_own_log_record(metadata)
    }

    fn log(&self, record: &log::Record<'_>) {
        if !sfjwt::is_own_log_record(record.metadata()) {
            return;
        }
        let level: u8 = match record.level() {
            log::Level::Error => 40,
            log::Level::Warn => 30,
            log::Level::Info => 20,
            log::Level::Debug => 10,
            log::Level::Trace => 5,
        };
        // Not during the interpreter's shutdown: then the record is dropped.
        Python::try_attach(|py| {
            let Some(logger) = LOGGER.get(py).map(|logger| logger.bind(py)) else {
                return;
            };
            let enabled = logger
                .call_method1("isEnabledFor", (level,))
                .and_then(|enabled| enabled.is_truthy())
                .unwrap_or(false);
            if enabled {
                // A failing handler is reported by `logging` itself; nothing to add.
                let _ = logger.call_method1("log", (level, "%s", record.args().to_string()));
            }
        });
    }

    fn flush(&self) {}
}
