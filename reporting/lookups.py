"""`field__any=[…]`: the rows `__in` finds, sent to PostgreSQL as one array (`= ANY(%s::bigint[])`)
instead of one placeholder per value. A province's reports filter summary rows by a thousand unit
or office ids; building, splitting and sending such a list cost more than running the query.
Other databases get the plain `IN (…)`."""

from __future__ import annotations

from typing import Any

from django.db.models import ForeignKey
from django.db.models.lookups import In


@ForeignKey.register_lookup
class AnyOf(In):
    lookup_name = "any"

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        array_type = self.lhs.output_field.db_type(connection)
        return f"{lhs} = ANY(%s::{array_type}[])", (*lhs_params, [v for v in self.rhs if v is not None])
