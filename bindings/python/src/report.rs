// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! The connection test: `_native.test_connection`, `Step` and `ConnectionReport`.

use pyo3::prelude::*;
use sfjwt::ConnectionReport;

use crate::config::PyConfig;
use crate::error::{call, to_py_err};

/// Runs the connection test for `config`; unlike `Client`, a key that fails to
/// load is reported as the failed first step.
#[pyfunction]
pub(crate) fn test_connection(
    py: Python<'_>,
    config: &Bound<'_, PyConfig>,
) -> PyResult<PyConnectionReport> {
    let core_config = config.get().0.clone();
    let report = call(py, move || Ok(sfjwt::connection_test::run(&core_config)))?;
    Ok(PyConnectionReport::new(py, report))
}

/// One step of a connection test.
#[pyclass(module = "sfjwt._native", name = "Step", frozen, get_all)]
#[derive(Clone)]
pub(crate) struct PyStep {
    name: String,
    ok: bool,
    duration_secs: f64,
    detail: String,
}

/// The outcome of a connection test; `sfjwt.ConnectionReport` wraps it.
#[pyclass(module = "sfjwt._native", name = "ConnectionReport", frozen, get_all)]
pub(crate) struct PyConnectionReport {
    ok: bool,
    steps: Vec<PyStep>,
    warnings: Vec<String>,
    error: Option<Py<PyAny>>,
    api_version: Option<String>,
    instance_url: Option<String>,
    /// The core's text form, the same as `sfjwt test-connection` prints.
    text: String,
    /// The core's `--json` form.
    json: String,
}

impl PyConnectionReport {
    pub(crate) fn new(py: Python<'_>, report: ConnectionReport) -> PyConnectionReport {
        let error = report
            .error
            .as_ref()
            .map(|error| to_py_err(py, error).into_value(py).into_any());
        PyConnectionReport {
            ok: report.ok,
            steps: report
                .steps
                .iter()
                .map(|step| PyStep {
                    name: step.name.to_owned(),
                    ok: step.ok,
                    duration_secs: step.duration.as_secs_f64(),
                    detail: step.detail.clone(),
                })
                .collect(),
            warnings: report.warnings.clone(),
            error,
            api_version: report.api_version.clone(),
            instance_url: report.instance_url.clone(),
            text: report.to_string(),
            json: report.to_json().to_string(),
        }
    }
}

#[pymethods]
impl PyConnectionReport {
    fn __repr__(&self) -> String {
        format!(
            "ConnectionReport(ok={})",
            if self.ok { "True" } else { "False" }
        )
    }
}
