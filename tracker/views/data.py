"""The open-data page and the dataset download."""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse

from tracker.conditional import conditional, content_stamp
from tracker.dataset_zip import LICENCE, TABLES, ZIP_NAME, build_export, build_zip
from tracker.exports import stored_download
from tracker.structured_data import dataset, graph

DESCRIPTION = (
    "The peace plans' points version by version, the parties' stated positions on each, the sourced figures "
    "and the plans' numeric terms, with the sources of every fact; drafts are never included."
)


@conditional
def data_page(request):
    stamp = content_stamp()
    context = {
        "tables": TABLES,
        "zip_name": ZIP_NAME,
        "licence": LICENCE,
        "stamp": stamp,
        "structured_data": graph(
            [dataset(request.build_absolute_uri, zip_name=ZIP_NAME, stamp=stamp, description=DESCRIPTION)]
        ),
        "page_title": "Open data: the dataset, the API and feeds",
    }
    return render(request, "tracker/data.html", context)


@stored_download(ZIP_NAME, "tracker:dataset-zip", query="", whole=lambda request: True)
@conditional
def dataset_zip(request):
    export = build_export(stamp=content_stamp())
    site_url = request.build_absolute_uri("/").rstrip("/")
    # The README cites the open-data page in the language of the download.
    data_path = reverse("tracker:data")
    response = HttpResponse(build_zip(export, site_url, data_path), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{ZIP_NAME}"'
    response["X-Dataset-Version"] = export.version
    return response
