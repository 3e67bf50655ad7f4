"""Writing history rows that tell the truth about many-to-many fields."""

from django.db.models.signals import post_save


def save_with_relations(obj, relations):
    """Save ``obj`` and set its many-to-many ``relations`` ({field name: objects}) with one history row.

    simple-history would write a row on save (holding no relations yet, or the old ones) and one more
    per changed relation; here the object and its relations are written first, without history, and
    then the single row that records them all.
    """
    relations = {name: values for name, values in relations.items() if values is not None}
    if not relations:
        obj.save()
        return obj
    created = obj._state.adding
    obj.skip_history_when_saving = True
    try:
        obj.save()
        for name, values in relations.items():
            getattr(obj, name).set(values)
    finally:
        del obj.skip_history_when_saving
    write_history_row(obj, created=created)
    return obj


def write_history_row(obj, *, created):
    """The history row (and the page cache's notice) a plain save would have sent, written now."""
    post_save.send(sender=type(obj), instance=obj, created=created, update_fields=None, raw=False, using=obj._state.db)
