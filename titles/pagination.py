"""Pages of a list without counting the list: ``LIMIT size + 1 OFFSET …`` tells whether a next page
exists, so a page costs the same with 30 rows or 100,000 (a ``COUNT(*)`` over 100,000 plans cost
more than the whole page; see README.md, 速度). Used by the plan list page and the plans API."""

from dataclasses import dataclass

from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

PER_PAGE = 20


class InvalidPage(ValueError):
    pass


@dataclass(frozen=True)
class Page:
    rows: list
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def page_number(value) -> int:
    """The ``page`` query parameter as a number from 1 (absent: 1); a Chinese error naming it otherwise."""
    if value in (None, ""):
        return 1
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidPage(f"页码（page）应为正整数：{value!r}") from None
    if not 1 <= number <= 100_000:
        raise InvalidPage(f"页码（page）超出范围：{number}")
    return number


def page_of(queryset, number: int, *, size: int = PER_PAGE) -> Page:
    """Rows of page ``number`` (from 1); a page after the last one is an ``InvalidPage`` error."""
    start = (number - 1) * size
    return page_from_rows(list(queryset[start:start + size + 1]), number, size=size)


def page_from_rows(rows: list, number: int, *, size: int = PER_PAGE) -> Page:
    """The page of ``rows`` read as ``page_of`` reads them (``size + 1`` from the page's start)."""
    if number > 1 and not rows:
        raise InvalidPage(f"页码（page）超出范围：没有第 {number} 页")
    return Page(rows=rows[:size], number=number, has_next=len(rows) > size)


class UncountedPagination(BasePagination):
    """DRF pagination over ``page_of``: ``next``, ``previous`` and ``results``, no ``count``."""

    page_size = PER_PAGE

    def paginate_queryset(self, queryset, request, view=None):
        try:
            self.page = page_of(queryset, page_number(request.query_params.get("page")), size=self.page_size)
        except InvalidPage as exc:
            raise NotFound(str(exc)) from exc
        self.request = request
        return self.page.rows

    def use_page(self, page: Page, request):
        """A page read elsewhere (a prepared query: titles.selectors.plan_api_page) instead of a queryset."""
        self.page, self.request = page, request

    def _link(self, number):
        url = self.request.build_absolute_uri()
        return remove_query_param(url, "page") if number == 1 else replace_query_param(url, "page", number)

    def get_paginated_response(self, data):
        return Response({
            "next": self._link(self.page.number + 1) if self.page.has_next else None,
            "previous": self._link(self.page.number - 1) if self.page.has_previous else None,
            "results": data,
        })

    def get_paginated_response_schema(self, schema):
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {"type": "object", "required": ["results"],
                "properties": {"next": link, "previous": link, "results": schema}}

    def get_schema_operation_parameters(self, view):
        return [{"name": "page", "required": False, "in": "query", "description": "页码（从 1 开始，每页 20 条）",
                 "schema": {"type": "integer"}}]
