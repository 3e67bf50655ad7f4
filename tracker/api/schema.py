from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse

from .serializers import ErrorSerializer

ERROR_RESPONSES = {
    400: OpenApiResponse(
        OpenApiTypes.OBJECT,
        description="Invalid query parameters: each offending parameter with its messages.",
    ),
    404: OpenApiResponse(ErrorSerializer, description="No such object, or a page past the end."),
    429: OpenApiResponse(
        ErrorSerializer, description="Too many requests; the Retry-After header says when to try again."
    ),
}


class TrackerAutoSchema(AutoSchema):
    """Document the errors every endpoint can answer with, beside its 200."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, response in ERROR_RESPONSES.items():
            responses.setdefault(str(code), self._get_response_for_code(response, str(code), direction=direction))
        return responses
