from __future__ import annotations

from littlebee.cases.tests.factories import sent_fixture

# The case notices sent during a test, instead of delivered (cases/tests/factories.py).
sent = sent_fixture(autouse=True)
