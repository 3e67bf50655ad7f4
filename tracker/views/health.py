from django.http import HttpResponse


def healthz(request):
    """Answer load balancers' health probes without touching the database."""
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")
