# Copyright sfjwt contributors. Licensed under Apache-2.0.
"""The PySpark job of `make spark-test`: every partition logs in and makes one REST call.

Each of the 8 partitions runs in a Python worker process of its own (run.py turns
worker reuse off), builds an ``sfjwt.Client`` from a plain settings dict and calls
``/services/data/v62.0/limits`` with the token. Without ``token_cache_dir`` every worker
process logs in; with it, all of them share one login.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Iterator, List, Tuple

PARTITIONS = 8
API_PATH = "/services/data/v62.0/limits"


def run_job(spark: Any, settings: Dict[str, Any], ca_file: str) -> List[Tuple[int, int]]:
    """Runs the job on ``spark`` (a SparkSession); returns (worker pid, HTTP status) per partition."""
    sc = spark.sparkContext
    # Plain values only in the closure: they are pickled to every worker.
    settings = dict(settings)
    ca_file = str(ca_file)

    # A nested function, so that cloudpickle ships it by value: the workers need not
    # import this module, only sfjwt (installed in their Python).
    def partition(rows: Iterable[int]) -> Iterator[Tuple[int, int]]:
        import os
        import ssl
        import urllib.error
        import urllib.request

        import sfjwt

        for _ in rows:  # one row per partition
            pass
        token = sfjwt.Client(**settings).token()
        request = urllib.request.Request(token.instance_url + API_PATH, headers=token.headers())
        context = ssl.create_default_context(cafile=ca_file)
        try:
            with urllib.request.urlopen(request, context=context, timeout=30) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as error:  # a 401 or 5xx: reported, not raised
            status = error.code
        yield (os.getpid(), status)

    rdd = sc.parallelize(range(PARTITIONS), PARTITIONS)
    return rdd.mapPartitions(partition).collect()
