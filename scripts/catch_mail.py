"""Catch lmb's mails on 127.0.0.1:1025 and print their plain text (to try lmb locally).

Run ``python scripts/catch_mail.py``, then start lmb with ``LMB_SMTP_HOST=127.0.0.1
LMB_SMTP_PORT=1025``. Needs aiosmtpd (``pip install -e ".[test]"``).
"""

from __future__ import annotations

import email
import email.policy
import time
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


class Printer:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        body = message.get_body(preferencelist=("plain",))
        print(f"\n=== to {message['To']}: {message['Subject']}")
        print(body.get_content() if body is not None else "(no text part)", flush=True)
        return "250 OK"


def main() -> None:
    controller = Controller(Printer(), hostname="127.0.0.1", port=1025)
    controller.start()
    print("catching mail on 127.0.0.1:1025; Ctrl-C to stop", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        controller.stop()


if __name__ == "__main__":
    main()
