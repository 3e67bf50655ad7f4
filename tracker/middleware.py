from django.http import HttpResponseBadRequest, JsonResponse


class RejectNulBytesMiddleware:
    """Answer 400 to a NUL byte in the path or query string.

    PostgreSQL refuses NUL in text, so such input would otherwise surface as a 500
    wherever raw request data reaches a query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw_query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in raw_query or "\x00" in raw_query:
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": "The request contains a NUL byte, which is not allowed."}, status=400)
            return HttpResponseBadRequest(
                "The request contains a NUL byte, which is not allowed.",
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)
