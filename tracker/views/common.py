"""What every public page shares: the as-of date, pagination, filters, CSV downloads.

A list page reads its query parameters through these helpers, which raise ``InvalidQuery``
on bad input; ``bad_request`` (the site's 400 handler, wired in ``tracker/urls.py``) turns it
into the 400 page listing what was wrong, so a malformed parameter never gives a 500 and
never silently shows unfiltered data::

    def clause_list(request):
        as_of = read_as_of(request)                      # a date, or None for today
        filterset = ClauseFilter(request.GET, queryset=Clause.objects.published(), request=request)
        clauses = filtered(filterset)                    # 400 page listing filterset.errors
        if wants_csv(request):
            return csv_download("clauses", clauses, [("number", "number"), ...])
        page = paginate(request, clauses)                # 400 for ?page=abc, 404 page past the end
        return render(request, "...", {"page": page, "filterset": filterset, **as_of_context(as_of)})

Templates then include ``includes/as_of_banner.html`` and ``includes/pagination.html``. ``InvalidQuery``
and the forms the API shares with the pages are in ``tracker/forms.py``.
"""

import csv
import io
from dataclasses import dataclass
from operator import attrgetter

from django.core.exceptions import DisallowedHost
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Count, Window
from django.http import Http404, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from tracker.csv_cells import BYTE_ORDER_MARK, defuse
from tracker.forms import AsOfForm, InvalidQuery, cleaned
from tracker.selectors.common import load_in_order

PAGE_SIZE = 50
# Rows of a CSV download sent in one chunk.
CSV_ROWS_PER_CHUNK = 250


def bad_request(request, exception=None, template_name="400.html"):
    """The site's 400 page: what was wrong with the query, and a way back."""
    if isinstance(exception, DisallowedHost):
        # A Host header the site does not serve: the page would build absolute addresses from it, which
        # fails again (a 500). Nobody reading the site sends one, so plain text serves.
        return HttpResponseBadRequest(
            "This site does not answer to that host name.", content_type="text/plain; charset=utf-8"
        )
    messages = getattr(exception, "messages", None) or {"request": [_("The request could not be understood.")]}
    context = {
        "messages_by_parameter": [(PARAMETER_LABELS.get(name, name), errors) for name, errors in messages.items()],
    }
    return render(request, template_name, context, status=400)


PARAMETER_LABELS = {
    "as_of": _("Date (as_of)"),
    "page": _("Page number (page)"),
    "__all__": _("Filters"),
}


def read_as_of(request):
    """The ``?as_of=YYYY-MM-DD`` date, or None for today; InvalidQuery when it is malformed."""
    if not request.GET.get("as_of", ""):
        return None
    return cleaned(AsOfForm(request.GET))["as_of"]


def as_of_context(as_of):
    """Context for ``includes/as_of_banner.html`` and the pages' as-of filtering."""
    return {"as_of": as_of, "as_of_form": AsOfForm(initial={"as_of": as_of})}


def filtered(filterset):
    """The filtered queryset, or InvalidQuery with the filter form's errors: never unfiltered data."""
    if not filterset.is_valid():
        raise InvalidQuery({name: list(errors) for name, errors in filterset.errors.items()})
    return filterset.qs


def paginate(request, object_list, per_page=PAGE_SIZE, load_by_ids=False, count=None, counted_with_rows=False):
    """The requested page: InvalidQuery for a page that is not a number, the 404 page past the end.

    With ``load_by_ids``, the queryset is paged through by its ids alone and then just the page's
    rows are loaded with what they select_related: one query more, but PostgreSQL plans two plain
    queries several times faster than one that filters, joins many tables, sorts and limits at once.
    ``count``, where the view has counted the rows already, saves the paginator counting them again.
    With ``counted_with_rows``, the page's rows carry the total (a window count) and one query does
    both: for lists whose rule costs as much to count as to list (the sources readers may see), the
    database works out the rows once instead of twice.
    """
    paginator = Paginator(object_list.values_list("pk", flat=True) if load_by_ids else object_list, per_page)
    if count is not None:
        paginator.count = count
    number = request.GET.get("page") or 1
    try:
        if counted_with_rows:
            return _page_counted_with_rows(paginator, number)
        page = paginator.page(number)
    except PageNotAnInteger:
        raise InvalidQuery({"page": [_("Give the page as a whole number, such as 2.")]}) from None
    except EmptyPage:
        raise Http404(f"There is no page {number} here.") from None
    if load_by_ids:
        page.object_list = load_in_order(object_list, list(page.object_list))
    return page


def _page_counted_with_rows(paginator, number):
    """``paginator.page(number)`` from one query: the page's rows, each carrying the count of all."""
    try:
        number = int(number)
    except (TypeError, ValueError):
        raise PageNotAnInteger(number) from None
    if number < 1:
        raise EmptyPage(number)
    start = (number - 1) * paginator.per_page
    rows = list(paginator.object_list.annotate(_total_rows=Window(Count("pk")))[start : start + paginator.per_page])
    if not rows and number > 1:
        raise EmptyPage(number)
    paginator.count = rows[0]._total_rows if rows else 0
    return paginator._get_page(rows, number, paginator)


def page_address(name, number, anchor, **kwargs):
    """The address of page ``number`` of a paged list (a URL name and its arguments), at an anchor on it."""
    query = f"?page={number}" if number > 1 else ""
    return f"{reverse(name, kwargs=kwargs)}{query}#{anchor}"


def absolute_addresses(request, url_name, argument):
    """A function from an object's slug (or id) to the absolute address of its page ``url_name``.

    The same address as ``request.build_absolute_uri(reverse(url_name, kwargs={argument: value}))``, the
    language prefix included, with one ``reverse()`` in all rather than one per row: over a download's
    thousands of rows, resolving each address took most of its time. Slugs and ids need no quoting.
    """
    marker = "0123456789"  # matches a slug and an id alike
    before, after = request.build_absolute_uri(reverse(url_name, kwargs={argument: marker})).rsplit(marker, 1)
    return lambda value: f"{before}{value}{after}"


def wants_csv(request):
    return request.GET.get("format") == "csv"


def csv_safe(value):
    """A cell for a page's CSV download: empty for None, text defused against spreadsheet formulas."""
    if value.__class__ is str:  # the common case first: the download's thousands of cells pass here
        return defuse(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return defuse(value)
    return value


@dataclass(frozen=True)
class FromField:
    """A cell worked out from one plain field of the row, such as an address from a slug: the download can
    then read plain rows instead of loading every row as a model instance."""

    field: str
    convert: object  # a function of the field's value


@dataclass(frozen=True)
class Column:
    header: str
    value: object  # a callable taking the object, a dotted attribute path, or a FromField

    def of(self, obj):
        if isinstance(self.value, FromField):
            return self.value.convert(getattr(obj, self.value.field))
        if callable(self.value):
            return self.value(obj)
        for part in self.value.split("."):
            obj = getattr(obj, part) if obj is not None else None
        return obj

    def getter(self):
        """``of`` as a plain function, for the thousands of rows of a download: no parsing per cell."""
        if callable(self.value):
            return self.value
        if isinstance(self.value, str) and "." not in self.value:
            return attrgetter(self.value)
        return self.of


def ordered_by_pk(queryset):
    """The queryset with ``pk`` as the final sort key, so exports and pages are stable on PostgreSQL."""
    ordering = list(queryset.query.order_by) or list(queryset.model._meta.ordering)
    if not ordering or ordering[-1] not in ("pk", "-pk", "id", "-id"):
        ordering.append("pk")
    return queryset.order_by(*ordering)


def stream_csv(filename, header, rows):
    """Stream rows (lists of cells) as a CSV attachment, defusing formula-like cells.

    The file starts with the byte-order mark that tells spreadsheet programs it is UTF-8."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def written():
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    def lines():
        # Sent a few hundred rows at a time: one chunk per row costs the server a write (a system call) per
        # row, which for the longest downloads took longer than the rows themselves.
        writer.writerow(header)
        yield BYTE_ORDER_MARK + written()
        for number, row in enumerate(rows, 1):
            writer.writerow([csv_safe(cell) for cell in row])
            if not number % CSV_ROWS_PER_CHUNK:
                yield written()
        rest = written()
        if rest:
            yield rest

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def csv_download(filename, queryset, columns, chunk_size=2000):
    """Stream the rows of a queryset as a CSV file; ``columns`` are ``Column``s or (header, value) pairs.

    When every column is a plain field of the row (or ``FromField`` one), the rows are read as plain values
    (``values_list``): loading thousands of model instances took most of the time of the longest downloads.
    (A streamed download is never stored in the page cache, which therefore need not learn its rows.)"""
    columns = [c if isinstance(c, Column) else Column(*c) for c in columns]
    queryset = ordered_by_pk(queryset)
    fields = _plain_fields(queryset, columns)
    if fields is None:
        getters = [c.getter() for c in columns]
        rows = ([get(obj) for get in getters] for obj in queryset.iterator(chunk_size=chunk_size))
    else:
        rows = _plain_rows(queryset, columns, fields, chunk_size)
    return stream_csv(filename, [c.header for c in columns], rows)


def _plain_fields(queryset, columns):
    """The field each column reads, when all are plain fields of the row or its annotations; else None."""
    plain = {field.name for field in queryset.model._meta.concrete_fields if not field.is_relation}
    plain |= set(queryset.query.annotations)
    fields = []
    for column in columns:
        name = column.value.field if isinstance(column.value, FromField) else column.value
        if not isinstance(name, str) or name not in plain:
            return None
        fields.append(name)
    return fields


def _plain_rows(queryset, columns, fields, chunk_size):
    read = list(dict.fromkeys(fields))  # each field once, though two columns may show it
    cells = [
        (read.index(field), column.value.convert if isinstance(column.value, FromField) else None)
        for field, column in zip(fields, columns, strict=True)
    ]
    for row in queryset.values_list(*read).iterator(chunk_size=chunk_size):
        yield [row[i] if convert is None else convert(row[i]) for i, convert in cells]
