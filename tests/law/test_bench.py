"""`manpower bench law` reports its figures (a small run; the real one is `manpower bench law`)."""

from __future__ import annotations

from manpower.bench.law import run


def test_the_benchmark_reports_throughput_latency_and_the_batch() -> None:
    result = run(n=2_000, batch_size=4_000, processes=2)
    assert result["bench"] == "law" and result["batch_size"] == 4_000 and result["processes"] == 2
    assert result["decisions_per_second"] > 0 and 0 < result["p50_us"] <= result["p99_us"]
    assert sum(result["batch_outcomes"].values()) == 4_000
