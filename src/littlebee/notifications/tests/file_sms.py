"""An SMS backend for tests that run a real worker process: it appends each text to the file
named by LITTLEBEE_TEST_SMS_FILE, where the test reads it (the console backend would print it
into the very output the test searches for leaked codes)."""

from __future__ import annotations

import json
import os


class FileSmsBackend:
    def send(self, phone: str, message: str) -> None:
        with open(os.environ["LITTLEBEE_TEST_SMS_FILE"], "a", encoding="utf-8") as file:
            file.write(json.dumps({"phone": phone, "message": message}, ensure_ascii=False) + "\n")
