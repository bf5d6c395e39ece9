"""SQLite side of the ledger's append-only trigger.

The SQLite DELETE trigger asks `nmt_ledger_flush_allowed()`, a function this module registers on every
SQLite connection. It answers true only while Django flushes the whole database (test teardown,
`manage.py flush`), which deletes every table's rows; any other DELETE of a ledger row is refused.
A connection without the function (the sqlite3 shell) cannot delete ledger rows at all.
"""

from __future__ import annotations

import threading
from typing import Any

_state = threading.local()


def _flush_allowed() -> int:
    return 1 if getattr(_state, "flushing", False) else 0


def install_on_connection(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function("nmt_ledger_flush_allowed", 0, _flush_allowed)
    ops = connection.ops
    if getattr(ops, "_nmt_flush_wrapped", False):
        return
    original = ops.execute_sql_flush

    def execute_sql_flush(sql_list: Any) -> Any:
        _state.flushing = True
        try:
            return original(sql_list)
        finally:
            _state.flushing = False

    ops.execute_sql_flush = execute_sql_flush
    ops._nmt_flush_wrapped = True
