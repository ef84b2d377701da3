"""Small query helpers for the paths every request takes."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model, QuerySet

M = TypeVar("M", bound=Model)


def unique_or_none(queryset: QuerySet[M]) -> M | None:
    """The row a lookup by a unique key finds, or None.

    ``first()`` orders by the primary key, which a unique lookup does not need and which costs building an
    ORDER BY on every call; this reads at most one row, in no order.
    """
    return next(iter(queryset.order_by()[:1]), None)
