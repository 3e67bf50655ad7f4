"""Build the POST data an editor's browser would send from an admin add or change page."""

from django.forms import CheckboxInput


def _field_value(bound_field):
    value = bound_field.value()
    widget = bound_field.field.widget
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    if isinstance(widget, CheckboxInput):
        return "on" if value else None
    return str(value)


def _form_data(form, data):
    for bound_field in form:
        value = _field_value(bound_field)
        if value is None or value == []:
            continue
        data[bound_field.html_name] = value


def admin_form_data(response, **overrides):
    """Return the POST payload of the admin page in ``response``, with ``overrides`` applied.

    Inline formsets keep their existing rows; the extra (blank) forms are dropped.
    """
    data = {}
    _form_data(response.context["adminform"].form, data)
    inlines = response.context.get("inline_admin_formsets", []) or []
    for inline in inlines:
        formset = inline.formset
        management = formset.management_form
        initial = len(formset.initial_forms)
        data[management["TOTAL_FORMS"].html_name] = str(initial)
        data[management["INITIAL_FORMS"].html_name] = str(initial)
        data[management["MIN_NUM_FORMS"].html_name] = "0"
        data[management["MAX_NUM_FORMS"].html_name] = "1000"
        for form in formset.initial_forms:
            _form_data(form, data)
    for key, value in overrides.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data
