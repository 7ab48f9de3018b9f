"""A predicate "this column is one of these link ids", bound as one parameter.

An owner may have more links than a statement may have parameters (32,767 on PostgreSQL,
32,766 on SQLite), so the ids travel as one value: an array on PostgreSQL
(``= ANY(:ids)``), a JSON array on SQLite (``IN (SELECT value FROM json_each(:ids))``).
"""

from __future__ import annotations

import json
from collections.abc import Collection

from sqlalchemy import ColumnElement, String, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY

__all__ = ["is_one_of"]


def is_one_of(
    column: ColumnElement[str], ids: Collection[str], *, dialect: str
) -> ColumnElement[bool]:
    """Return ``column IN ids`` for ``dialect`` (``postgresql`` or ``sqlite``)."""
    if dialect == "postgresql":
        return column == any_(bindparam("ids", list(ids), type_=ARRAY(String), unique=True))
    listed = func.json_each(bindparam("ids", json.dumps(list(ids)), unique=True))
    values = listed.table_valued("value")
    return column.in_(select(values.c.value))
