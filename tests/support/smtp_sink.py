"""A real SMTP server for the tests (aiosmtpd, on loopback): every message it accepts is
parsed with Python's email package and written as one JSON file in the folder given, for
the test to read: envelope, headers, and the decoded text and HTML parts.

    python3 smtp_sink.py PORT FOLDER
"""
import email
import email.policy
import json
import os
import signal
import sys
import time
import uuid

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder):
        self.folder = folder

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        text = message.get_body(preferencelist=("plain",))
        html = message.get_body(preferencelist=("html",))
        record = {
            "received_at": time.time(),
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(message.get("From", "")),
            "to": str(message.get("To", "")),
            "subject": str(message.get("Subject", "")),
            "date": str(message.get("Date", "")),
            "message_id": str(message.get("Message-ID", "")),
            "content_type": message.get_content_type(),
            "text": text.get_content() if text is not None else None,
            "html": html.get_content() if html is not None else None,
        }
        name = f"{time.time_ns()}-{uuid.uuid4().hex}.json"
        temporary = os.path.join(self.folder, name + ".tmp")
        with open(temporary, "w", encoding="utf-8") as out:
            json.dump(record, out, ensure_ascii=False)
        os.rename(temporary, os.path.join(self.folder, name))
        return "250 Message accepted for delivery"


def main():
    port, folder = int(sys.argv[1]), sys.argv[2]
    controller = Controller(Sink(folder), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: (controller.stop(), sys.exit(0)))
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
