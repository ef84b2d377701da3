"""The sandbox mailbox that ``manpower run`` sends the demo's e-mails to: a real SMTP server and a page to read them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.core.mail import EmailMessage, get_connection

from tests.processes import SandboxServer, free_port


class Mailbox(SandboxServer):
    prefix = "/mail"

    def __init__(self, data: Path) -> None:
        self.smtp_port = free_port()
        self.arguments = ("--smtp-port", str(self.smtp_port))
        super().__init__(data)

    def environment(self) -> dict[str, str]:
        return {"MAIL_SANDBOX_DB": str(self.data), "SMS_SANDBOX_DB": str(self.data.with_suffix(".sms.sqlite3")),
                "PAYMENT_SANDBOX_DB": str(self.data.with_suffix(".payments.sqlite3"))}


@pytest.fixture
def mailbox(tmp_path: Path) -> Iterator[tuple[str, int]]:
    server = Mailbox(tmp_path / "mail.sqlite3")
    server.start()
    try:
        yield server.url, server.smtp_port
    finally:
        server.stop()


def test_an_e_mail_sent_over_smtp_is_kept_and_shown_in_its_language(mailbox):
    url, smtp_port = mailbox
    connection = get_connection("django.core.mail.backends.smtp.EmailBackend", host="127.0.0.1", port=smtp_port,
                                timeout=10)
    message = EmailMessage("صدر ترخيص العمل WP-2026-0000001-1", "صدر ترخيص العمل وهو ساري حتى 03/12/2028.",
                           "noreply@manpower.om", ["rep@example.om"], connection=connection,
                           headers={"Content-Language": "ar"})
    assert message.send() == 1

    received = httpx.get(f"{url}/admin/messages").json()
    assert len(received) == 1
    assert received[0]["to"] == "rep@example.om"
    assert received[0]["subject"] == "صدر ترخيص العمل WP-2026-0000001-1"
    assert received[0]["language"] == "ar"
    assert "ساري حتى 03/12/2028" in received[0]["body"]

    listing = httpx.get(f"{url}/?to=rep@example.om")
    assert listing.status_code == 200 and "صدر ترخيص العمل WP-2026-0000001-1" in listing.text
    assert "No e-mails yet" in httpx.get(f"{url}/?to=other@example.om").text
    page = httpx.get(f"{url}/{received[0]['id']}")
    assert page.status_code == 200
    assert "dir='rtl'" in page.text and "ساري حتى 03/12/2028" in page.text
    assert httpx.get(f"{url}/999").status_code == 404
