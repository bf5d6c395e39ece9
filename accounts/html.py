"""Table rows built in Python for the long lists (staff queues and search), where the template engine
per cell costs more than the queries: each value goes through `text`."""

from __future__ import annotations

import html
from typing import Any


def text(value: Any) -> str:
    """`value` as HTML text: what Django's conditional_escape gives (markup already marked safe is
    kept, everything else is escaped, quotes included), without its lazy-string wrapper, which cost
    more than the escaping on a page of a few hundred cells."""
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return html.escape(str(value))
