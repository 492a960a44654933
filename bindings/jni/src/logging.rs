// Copyright sfjwt contributors. Licensed under Apache-2.0.
//! sfjwt's events (the core's `log` records: logins, retries, warnings; never a
//! secret) into `java.util.logging`, logger `dev.sfjwt`, through the package-private
//! `dev.sfjwt.NativeLog.log(int level, String message)`, where SLF4J's and Log4j's
//! JUL bridges pick them up.

use std::sync::Once;

use jni::objects::JValue;
use jni::{JavaVM, jni_sig, jni_str};

/// Installs the logger, once per process; every entry point calls it.
pub(crate) fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // Fails only if this library already set it.
        let _ = log::set_logger(&JavaLogger);
        // JUL decides what it keeps (`NativeLog` asks `isLoggable`).
        log::set_max_level(log::LevelFilter::Trace);
    });
}

struct JavaLogger;

impl log::Log for JavaLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        sfjwt::is_own_log_record(metadata)
    }

    /// Records come from the thread of a native call (the core logs on the caller's
    /// thread), so the thread is attached and `NativeLog` is found by the class loader
    /// of the calling class. A failure to log is dropped: logging never fails a login.
    fn log(&self, record: &log::Record<'_>) {
        if !sfjwt::is_own_log_record(record.metadata()) {
            return;
        }
        let Ok(vm) = JavaVM::singleton() else {
            return;
        };
        let level = record.level() as i32;
        let message = record.args().to_string();
        let _ = vm.attach_current_thread(|env| -> jni::errors::Result<()> {
            let text = env.new_string(&message)?;
            env.call_static_method(
                jni_str!("dev/sfjwt/NativeLog"),
                jni_str!("log"),
                jni_sig!("(ILjava/lang/String;)V"),
                &[JValue::Int(level), JValue::Object(&text)],
            )?;
            Ok(())
        });
    }

    fn flush(&self) {}
}
