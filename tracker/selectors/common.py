"""Reading rows by id: what the paged lists and the home page share."""


def first_rows(queryset, count):
    """The first ``count`` rows of an ordered queryset, found by id first (see ``views.common.paginate``)."""
    return load_in_order(queryset, list(queryset.values_list("pk", flat=True)[:count]))


def load_in_order(queryset, ids):
    """The rows of ``queryset`` with these ids, in their order; one removed since its id was read is left out."""
    rows = queryset.in_bulk(ids)
    return [rows[pk] for pk in ids if pk in rows]
