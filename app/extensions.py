"""Extensions created unbound; create_app binds them."""
from __future__ import annotations

from app.db.base import Database
from app.queues import Queues

db = Database()
queues = Queues()
