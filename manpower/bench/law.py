"""`manpower bench law`: how fast the rule book decides new-permit applications.

* ``decisions_per_second``: full new-permit decisions (every check and the fee lines) in one process,
  over a pool of approving fact sets so that every decision computes its fees;
* ``p50_us`` / ``p99_us``: latency of one such decision;
* ``batch_decisions_per_second``: ``batch_size`` generated fact sets (mixed outcomes, several dates and fee
  regimes) decided by ``processes`` worker processes, wall time including generating the facts.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import random
import time
from collections import Counter
from decimal import Decimal
from typing import Any

from manpower.law import codes, evaluate
from manpower.law.facts import Establishment, NewPermitFacts, Occupation, Worker

DATES = (dt.date(2021, 9, 1), dt.date(2023, 3, 1), dt.date(2025, 11, 2), dt.date(2026, 3, 1))
KINDS = ("company", "company", "company", "company", "non_profit", "individual", "farm", "club", "government")


def _establishment(rng: random.Random, good: bool) -> Establishment:
    kind: Any = "company" if good else rng.choice(KINDS)
    omani = rng.randint(1 if good else 0, 60)
    return Establishment(
        cr_number=str(rng.randint(1_000_000, 9_999_999)),
        cr_status="active" if good or rng.random() < 0.9 else rng.choice(("suspended", "closed", None)),
        cr_issue_date=dt.date(rng.randint(2005, 2020), rng.randint(1, 12), rng.randint(1, 28)),
        cr_expiry_date=dt.date(2027, rng.randint(1, 12), rng.randint(1, 28)),
        kind=kind, legal_person="natural" if kind in ("individual", "farm") else "juridical",
        activity=rng.choice(("4321", "4100", "4520", "5610", "0311", "6511", "4711")),
        omani_employees=omani, non_omani_employees=rng.randint(1, 80),
        omanisation_target=None if rng.random() < 0.5 else Decimal(rng.choice((0, 10, 20, 35))),
        has_unpaid_dues=False if good else rng.random() < 0.05,
        has_wps_breach=False if good else rng.choice((False, False, False, True, None)),
        services_suspended=False if good else rng.random() < 0.03)


def _worker(rng: random.Random, good: bool) -> Worker:
    return Worker(
        nationality=rng.choice(("IN", "BD", "PK", "PH", "EG", "NP", "LK")),
        date_of_birth=dt.date(rng.randint(1960 if not good else 1965, 2006 if not good else 2000),
                              rng.randint(1, 12), rng.randint(1, 28)),
        passport_expiry_date=dt.date(rng.randint(2025 if not good else 2028, 2033), rng.randint(1, 12), 1),
        medical_fitness="fit" if good else rng.choice(("fit", "fit", "fit", "unfit", None)),
        has_active_permit_elsewhere=False if good else rng.random() < 0.05,
        has_abandonment_report=False if good else rng.random() < 0.02)


def _occupations(rng: random.Random, count: int) -> list[Occupation]:
    titles = list(codes.esco_titles().values())
    chosen = [rng.choice(titles) for _ in range(count)]
    return [Occupation(isco08=t.isco08, esco_uri=t.uri) for t in chosen]


def fact_pools(seed: int, good: bool, size: int = 256) -> tuple[list[Any], ...]:
    rng = random.Random(seed)
    establishments = [_establishment(rng, good) for _ in range(size)]
    workers = [_worker(rng, good) for _ in range(size)]
    occupations = _occupations(rng, size)
    wages = [Decimal(w).quantize(Decimal("0.001")) for w in (150, 220, 325, 480, 900, 2600, 4200)]
    return establishments, workers, occupations, wages


def approving_cases(seed: int = 1, size: int = 2048) -> list[tuple[NewPermitFacts, dt.date]]:
    """Fact sets that pass every check, so each decision computes its fees."""
    establishments, workers, occupations, wages = fact_pools(seed, good=True)
    rng = random.Random(seed)
    cases: list[tuple[NewPermitFacts, dt.date]] = []
    while len(cases) < size:
        facts = NewPermitFacts(rng.choice(establishments), rng.choice(workers), rng.choice(occupations),
                               rng.choice(wages))
        on = rng.choice(DATES[2:])
        if evaluate("new_permit", facts, on).outcome == "approve":
            cases.append((facts, on))
    return cases


def single_process(cases: list[tuple[NewPermitFacts, dt.date]], n: int) -> dict[str, float]:
    count = len(cases)
    for facts, on in cases:  # warm the per-date caches
        evaluate("new_permit", facts, on)
    start = time.perf_counter()
    for i in range(n):
        facts, on = cases[i % count]
        evaluate("new_permit", facts, on)
    throughput = n / (time.perf_counter() - start)
    samples = []
    clock = time.perf_counter_ns
    for i in range(min(n, 200_000)):
        facts, on = cases[i % count]
        t0 = clock()
        evaluate("new_permit", facts, on)
        samples.append(clock() - t0)
    samples.sort()
    return {"decisions_per_second": round(throughput), "p50_us": round(samples[len(samples) // 2] / 1000, 2),
            "p99_us": round(samples[int(len(samples) * 0.99)] / 1000, 2)}


def _batch_worker(job: tuple[int, int]) -> tuple[int, dict[str, int]]:
    seed, n = job
    establishments, workers, occupations, wages = fact_pools(seed, good=False)
    rng = random.Random(seed)
    choice = rng.choice
    outcomes: Counter[str] = Counter()
    for _ in range(n):
        facts = NewPermitFacts(choice(establishments), choice(workers), choice(occupations), choice(wages))
        outcomes[evaluate("new_permit", facts, choice(DATES)).outcome] += 1
    return n, dict(outcomes)


def batch(size: int, processes: int) -> dict[str, Any]:
    shares = [size // processes + (1 if i < size % processes else 0) for i in range(processes)]
    context = multiprocessing.get_context("fork")
    start = time.perf_counter()
    with context.Pool(processes) as pool:
        results = pool.map(_batch_worker, [(1000 + i, share) for i, share in enumerate(shares)])
    elapsed = time.perf_counter() - start
    outcomes: Counter[str] = Counter()
    for _, counts in results:
        outcomes.update(counts)
    return {"batch_decisions_per_second": round(size / elapsed), "batch_size": size, "processes": processes,
            "batch_seconds": round(elapsed, 2), "batch_outcomes": dict(sorted(outcomes.items()))}


def run(n: int = 300_000, batch_size: int = 1_000_000, processes: int | None = None) -> dict[str, Any]:
    """Measure and return the figures as one JSON-ready dict."""
    processes = processes or min(2, os.cpu_count() or 1)
    cases = approving_cases()
    result: dict[str, Any] = {"bench": "law"}
    result.update(single_process(cases, n))
    result.update(batch(batch_size, processes))
    return result


if __name__ == "__main__":
    import json

    print(json.dumps(run()))
