from drf_spectacular.openapi import AutoSchema


class TrackerAutoSchema(AutoSchema):
    """Document the errors every endpoint can answer with, beside its 200."""

    def _get_response_bodies(self, direction="response"):
        from .views import ERROR_RESPONSES

        responses = super()._get_response_bodies(direction)
        for code, response in ERROR_RESPONSES.items():
            responses.setdefault(str(code), self._get_response_for_code(response, str(code), direction=direction))
        return responses
