from rest_framework import pagination
from rest_framework.exceptions import ValidationError

from tracker.selectors.common import load_in_order


class PageNumberPagination(pagination.PageNumberPagination):
    """Numbered pages; clients may ask for up to 200 rows a page.

    A page is found by the rows' ids alone, in the list's order, and only its rows are then loaded
    with what they select and prefetch: sorting thousands of narrow rows to keep fifty is several
    times faster than sorting the wide rows themselves (clause texts, joined versions and plans).
    """

    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        ids = super().paginate_queryset(queryset.values_list("pk", flat=True), request, view)
        if ids is None:
            return None
        return load_in_order(queryset, ids)

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        # DRF quietly falls back to the default on a bad value; say so instead.
        if not raw.isdigit() or int(raw) < 1:
            raise ValidationError({self.page_size_query_param: ["Enter a whole number of at least 1."]})
        return min(int(raw), self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = 1
            if parameter["name"] == self.page_size_query_param:
                parameter["description"] = (
                    f"Rows per page, from 1; more than {self.max_page_size} gives {self.max_page_size}."
                )
        return parameters


class ListPagination(PageNumberPagination):
    """The same numbered pages over a list already in order (rows worked out in Python, not a queryset)."""

    def paginate_queryset(self, rows, request, view=None):
        return pagination.PageNumberPagination.paginate_queryset(self, rows, request, view)
