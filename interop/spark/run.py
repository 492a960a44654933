# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""`make spark-test`: a PySpark job whose worker processes share one login via token_cache_dir.

Starts the Salesforce emulator (target/debug/sfjwt emulator) on loopback, runs the job of
job.py twice on a local[2] Spark with Python worker reuse off (a fresh worker process per
partition), and checks the emulator's request log:

  cached    token_cache_dir set:  1 login for the whole job
  uncached  no token_cache_dir:   1 login per worker process

Writes target/spark-test/result.json. Exits non-zero when a check fails.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Tuple

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "testkit" / "python"))

from emulator_process import EmulatorError, EmulatorProcess  # noqa: E402
from job import PARTITIONS, run_job  # noqa: E402

SFJWT_BIN = ROOT / "target" / "debug" / "sfjwt"
FIXTURES = ROOT / "tests" / "fixtures"
RESULT = ROOT / "target" / "spark-test" / "result.json"
ISSUER = "3MVG9spark"
CACHED_USER = "spark-cached@example.com"
UNCACHED_USER = "spark-uncached@example.com"


def fail(message: str) -> "SystemExit":
    return SystemExit(f"spark-test: FAILED: {message}")


def start_emulator(work: Path) -> EmulatorProcess:
    config = {
        "apps": [
            {
                "consumer_key": ISSUER,
                "certificate_file": str(FIXTURES / "certs" / "jks-same.talend_certificate.crt"),
            }
        ],
        "users": [{"username": CACHED_USER}, {"username": UNCACHED_USER}],
    }
    try:
        return EmulatorProcess(SFJWT_BIN, config, work)
    except EmulatorError as error:
        raise fail(str(error)) from None


def prepare_environment(work: Path) -> None:
    """Java for Spark; this Python (the venv's, with pyspark and sfjwt) for driver and workers."""
    if not os.environ.get("JAVA_HOME"):
        java = shutil.which("java")
        if java is None:
            raise fail("`java` is not on PATH: PySpark needs a JDK (17)")
        # .../jvm/java-17-openjdk-amd64/bin/java -> .../jvm/java-17-openjdk-amd64
        os.environ["JAVA_HOME"] = str(Path(os.path.realpath(java)).parents[1])
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    # No host name lookup on the network: everything stays on loopback.
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    os.environ["SPARK_LOCAL_HOSTNAME"] = "localhost"
    os.environ.pop("PYSPARK_SUBMIT_ARGS", None)
    # Only errors from the JVM's log4j, from its first line on.
    log4j = work / "log4j2.properties"
    log4j.write_text(
        "rootLogger.level = error\n"
        # A level of Spark's own: else PySpark prints "Setting default log level to WARN".
        "logger.spark.name = org.apache.spark\n"
        "logger.spark.level = error\n"
        "rootLogger.appenderRef.stderr.ref = console\n"
        "appender.console.type = Console\n"
        "appender.console.name = console\n"
        "appender.console.target = SYSTEM_ERR\n"
        "appender.console.layout.type = PatternLayout\n"
        "appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n\n",
        encoding="utf-8",
    )


def spark_session(work: Path) -> Any:
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("sfjwt-spark-test")
        # A fresh Python worker process for every task: 8 partitions, 8 processes.
        .config("spark.python.worker.reuse", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.local.dir", str(work / "spark-local"))
        .config("spark.sql.warehouse.dir", str(work / "spark-warehouse"))
        .config(
            "spark.driver.extraJavaOptions",
            f"-Dlog4j2.configurationFile=file:{work / 'log4j2.properties'}",
        )
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def run(spark: Any, emulator: EmulatorProcess, name: str, user: str, extra: Dict[str, Any]) -> Dict[str, Any]:
    settings: Dict[str, Any] = {
        "issuer": ISSUER,
        "subject": user,
        "login_url": emulator.base_url,
        "ca_file": str(emulator.ca_file),
        "keystore_path": str(FIXTURES / "jks-same.jks"),
        "keystore_password": "changeit1",
        "key_alias": "talend_certificate",
        "retries": 0,
        **extra,
    }
    before = emulator.logins(user)
    started = time.monotonic()
    rows: List[Tuple[int, int]] = run_job(spark, settings, str(emulator.ca_file))
    seconds = time.monotonic() - started
    pids = sorted({pid for pid, _ in rows})
    statuses = [status for _, status in rows]
    return {
        "run": name,
        "user": user,
        "token_cache_dir": extra.get("token_cache_dir"),
        "partitions": len(rows),
        "worker_processes": len(pids),
        "worker_pids": pids,
        "logins": emulator.logins(user) - before,
        "rest_calls": len(statuses),
        "rest_calls_ok": sum(1 for status in statuses if status == 200),
        "rest_statuses": statuses,
        "seconds": round(seconds, 2),
    }


def check(cached: Dict[str, Any], uncached: Dict[str, Any]) -> None:
    for result in (cached, uncached):
        name = result["run"]
        if result["partitions"] != PARTITIONS:
            raise fail(f"{name}: {result['partitions']} partition results, expected {PARTITIONS}")
        if result["rest_calls_ok"] != PARTITIONS:
            raise fail(f"{name}: REST statuses {result['rest_statuses']}, expected {PARTITIONS} x 200")
        if result["worker_processes"] < 2:
            raise fail(
                f"{name}: the partitions ran in {result['worker_processes']} worker process(es); "
                "the proof needs several (is spark.python.worker.reuse off?)"
            )
    if cached["logins"] != 1:
        raise fail(
            f"cached: {cached['logins']} logins for {cached['worker_processes']} worker processes "
            "sharing token_cache_dir, expected 1"
        )
    if uncached["logins"] != uncached["worker_processes"]:
        raise fail(
            f"uncached: {uncached['logins']} logins for {uncached['worker_processes']} worker "
            "processes, expected one per process"
        )
    if uncached["logins"] <= 1:
        raise fail(f"uncached: {uncached['logins']} login(s): the baseline shows no per-process logins")


def main() -> None:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="sfjwt-spark-") as tmp:
        work = Path(tmp)
        prepare_environment(work)
        emulator = start_emulator(work)
        try:
            spark = spark_session(work)
            try:
                cached = run(spark, emulator, "cached", CACHED_USER, {"token_cache_dir": str(work / "tokens")})
                uncached = run(spark, emulator, "uncached", UNCACHED_USER, {})
            finally:
                spark.stop()
            total_logins = emulator.logins()
        finally:
            emulator.stop()

    seconds = round(time.monotonic() - started, 1)
    print()
    print(f"{'run':<10} {'token_cache_dir':<16} {'worker processes':>16} {'logins':>7} {'REST calls ok':>14}")
    for result in (cached, uncached):
        print(
            f"{result['run']:<10} {'set' if result['token_cache_dir'] else '-':<16} "
            f"{result['worker_processes']:>16} {result['logins']:>7} "
            f"{str(result['rest_calls_ok']) + ' / ' + str(result['rest_calls']):>14}"
        )
    print()

    import pyspark

    RESULT.parent.mkdir(parents=True, exist_ok=True)
    summary = {
        "pyspark": pyspark.__version__,
        "python": sys.version.split()[0],
        "master": "local[2]",
        "partitions": PARTITIONS,
        "runs": [cached, uncached],
        "emulator_total_logins": total_logins,
        "seconds": seconds,
    }
    try:
        check(cached, uncached)
    except SystemExit:
        summary["passed"] = False
        RESULT.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        raise
    summary["passed"] = True
    RESULT.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(
        f"spark-test: passed ({PARTITIONS} partitions: {cached['worker_processes']} worker processes "
        f"logged in once with token_cache_dir, {uncached['logins']} times without; "
        f"{seconds} s; {RESULT.relative_to(ROOT)})"
    )


if __name__ == "__main__":
    main()
