"""Pagination that never counts the whole table.

Django's Paginator runs COUNT(*) over every matching row, so a list page slows down as the
network's history grows. Members only need "newer" and "older": fetch one row more than a page.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db.models import QuerySet

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    object_list: Sequence[T]
    number: int
    has_next: bool

    def __iter__(self) -> Iterator[T]:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1


def page_of(queryset: QuerySet[Any], number: str | int | None, size: int) -> Page[Any]:
    """Page ``number`` (1-based; anything unreadable is page 1) of an ordered queryset."""
    try:
        page = max(1, int(number or 1))
    except (TypeError, ValueError):
        page = 1
    start = (page - 1) * size
    rows = list(queryset[start : start + size + 1])
    return Page(object_list=rows[:size], number=page, has_next=len(rows) > size)
