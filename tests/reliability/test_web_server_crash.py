"""The web server killed (SIGKILL, every granian process) in the middle of a bulk submission."""

from __future__ import annotations

import threading
from typing import Any

import httpx
import pytest

from tests.permits.conftest import new_permit
from tests.processes import Installation, Process, Server, wait_for

ROWS = 300
KEY = "crash-batch-1"
EMPLOYER = "employer@demo.manpower.om"
DEMO_CR = "1234567"


def _committed(installation: Installation) -> int:
    return int(installation.scalar("SELECT COUNT(*) FROM permits_application WHERE idempotency_key LIKE ?", f"{KEY}:%"))


def _send(server: Server, body: dict[str, Any], auth: tuple[str, str]) -> httpx.Response:
    return httpx.post(f"{server.url}/api/v1/applications/bulk", json=body, auth=auth,
                      headers={"Idempotency-Key": KEY, "Accept-Language": "en"}, timeout=120)


@pytest.mark.slow
def test_a_server_killed_mid_bulk_loses_no_accepted_row_and_the_resent_batch_duplicates_none(
        installation: Installation, processes: list[Process]):
    rows = [new_permit(passport_number=f"X{index:07d}", nationality=("IN", "BD", "PK", "NP")[index % 4],
                       passport_country=("IN", "BD", "PK", "NP")[index % 4]) for index in range(ROWS)]
    body = {"cr_number": DEMO_CR, "rows": rows}
    auth = (EMPLOYER, installation.password(EMPLOYER))
    server = Server(installation, workers=2)
    processes.append(server)
    server.start()

    outcome: dict[str, Any] = {}

    def send() -> None:
        try:
            outcome["response"] = _send(server, body, auth)
        except httpx.HTTPError as error:
            outcome["error"] = error

    sender = threading.Thread(target=send)
    sender.start()
    wait_for(lambda: _committed(installation) >= 40, timeout=60, interval=0.01, message="40 rows committed")
    server.kill()
    sender.join(timeout=30)
    at_kill = _committed(installation)
    assert "error" in outcome, f"the batch finished before the kill: {outcome}"
    assert 40 <= at_kill < ROWS, at_kill
    before = dict(installation.query("SELECT idempotency_key, number FROM permits_application WHERE idempotency_key LIKE ?",
                                     f"{KEY}:%"))

    restarted = Server(installation, workers=2)
    processes.append(restarted)
    restarted.start()
    response = _send(restarted, body, auth)
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["accepted"], result["refused"]) == (ROWS, 0), [r for r in result["results"] if not r["accepted"]][:3]
    numbers = [row["number"] for row in result["results"]]
    assert all(numbers) and len(set(numbers)) == ROWS
    # The rows committed before the kill kept their numbers: the client sees the same answer it would have.
    assert all(numbers[int(key.rsplit(":", 1)[1]) - 1] == number for key, number in before.items())

    stored = installation.query(
        "SELECT a.number, p.passport_number, a.idempotency_key FROM permits_application a "
        "JOIN registry_person p ON p.id = a.person_id WHERE p.passport_number LIKE 'X%'")
    assert len(stored) == ROWS, "one application per row, none lost and none twice"
    assert len({passport for _, passport, _ in stored}) == ROWS
    assert {number for number, _, _ in stored} == set(numbers)
    assert {key for _, _, key in stored} == {f"{KEY}:{index}" for index in range(1, ROWS + 1)}
    # Each application was committed whole: its decision and its outbox message with it.
    assert installation.scalar(
        "SELECT COUNT(*) FROM permits_decision d JOIN permits_application a ON a.id = d.application_id "
        "WHERE a.idempotency_key LIKE ?", f"{KEY}:%") == ROWS
    assert installation.scalar(
        "SELECT COUNT(*) FROM core_outboxmessage WHERE topic = 'application.submitted' AND key IN "
        f"({','.join('?' * ROWS)})", *[f"application.submitted:{number}" for number in numbers]) == ROWS
