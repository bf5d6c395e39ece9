"""Calendar-month arithmetic inside SQL, identical to `enrollment.dates.add_months` (relativedelta):
a month without that day ends on its last day (31 Jan + 1 month = 28/29 Feb).

PostgreSQL does exactly that with `date + make_interval(months => n)`. SQLite's own date('+n months')
overflows into the next month instead, so on SQLite we register a Python function on every connection.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import DateField, Func, Value
from django.db.models.expressions import Combinable

from enrollment.dates import add_months


class AddMonths(Func):
    """AddMonths(date_expression, months) -> date. `months` may be an int or an expression."""

    output_field = DateField()
    arity = 2

    def __init__(self, expression: Any, months: Any, **extra: Any) -> None:
        if not isinstance(months, Combinable):
            months = Value(int(months))
        super().__init__(expression, months, **extra)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        if connection.vendor == "postgresql":
            date_sql, date_params = compiler.compile(self.source_expressions[0])
            months_sql, months_params = compiler.compile(self.source_expressions[1])
            sql = f"(({date_sql}) + make_interval(months => ({months_sql})::int))::date"
            return sql, (*date_params, *months_params)
        extra.setdefault("function", "nmt_add_months")
        return super().as_sql(compiler, connection, **extra)


def _sqlite_add_months(value: str | None, months: int | None) -> str | None:
    if value is None or months is None:
        return None
    return add_months(date.fromisoformat(str(value)[:10]), int(months)).isoformat()


def register_sqlite_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("nmt_add_months", 2, _sqlite_add_months, deterministic=True)
