from django.conf import settings
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse

from tracker.languages import LANG_PARAMETER

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


def language_parameters():
    """How every endpoint is asked for a language, and where it says which it answered in (tracker.languages)."""
    codes = [code for code, _name in settings.LANGUAGES]
    return [
        OpenApiParameter(
            LANG_PARAMETER,
            OpenApiTypes.STR,
            OpenApiParameter.QUERY,
            enum=codes,
            description=(
                "The language of the answer's labels and messages (texts as the tracker has them in that "
                "language). Wins over Accept-Language; any other value is a 400."
            ),
        ),
        OpenApiParameter(
            "Accept-Language",
            OpenApiTypes.STR,
            OpenApiParameter.HEADER,
            description=f"Used when lang is not given: the first of {', '.join(codes)} it names; otherwise English.",
        ),
        OpenApiParameter(
            "Content-Language",
            OpenApiTypes.STR,
            OpenApiParameter.HEADER,
            response=True,
            enum=codes,
            description="The language the answer is in.",
        ),
    ]


class TrackerAutoSchema(AutoSchema):
    """Document the errors every endpoint can answer with, beside its 200, and the choice of language."""

    def get_override_parameters(self):
        return [*super().get_override_parameters(), *language_parameters()]

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, response in ERROR_RESPONSES.items():
            responses.setdefault(str(code), self._get_response_for_code(response, str(code), direction=direction))
        return responses
