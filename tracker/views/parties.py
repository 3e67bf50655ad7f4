"""Parties and the people who speak for them: their positions over time."""

from django.shortcuts import get_object_or_404, redirect, render

from tracker.exports import stored_download
from tracker.filters import PartyFilter
from tracker.models import Actor, Party, Position
from tracker.models.positions import WHOLE_VERSION
from tracker.selectors import positions as selectors
from tracker.structured_data import graph, position_claim
from tracker.views.common import (
    PAGE_SIZE,
    as_of_context,
    csv_download,
    filtered,
    page_address,
    paginate,
    read_as_of,
    wants_csv,
)


@stored_download("parties.csv", "tracker:party-list")
def party_list(request):
    filterset = PartyFilter(request.GET, queryset=selectors.party_list(), request=request)
    parties = filtered(filterset)
    if wants_csv(request):
        return csv_download(
            "parties",
            parties,
            [
                ("slug", "slug"),
                ("name", "name"),
                ("short_name", "short_name"),
                ("kind", "kind"),
                ("published_positions", "position_count"),
                ("actors", lambda party: "; ".join(actor.name for actor in party.actors.all())),
                ("url", lambda party: request.build_absolute_uri(party.get_absolute_url())),
            ],
        )
    return render(
        request,
        "tracker/party_list.html",
        {"page": paginate(request, parties), "filterset": filterset},
    )


def _position_columns():
    return [
        ("stated_on", "stated_on"),
        ("date_is_approximate", "date_is_approximate"),
        ("party", "party.name"),
        ("actor", lambda p: p.actor.name if p.actor_id else ""),
        ("plan", "subject_version.plan.title"),
        ("version", "subject_version.name"),
        ("point", lambda p: p.clause.number if p.clause_id else ""),
        ("point_heading", lambda p: p.clause.heading if p.clause_id else WHOLE_VERSION),
        ("stance", "stance"),
        ("stance_label", lambda p: p.get_stance_display()),
        ("quote", "quote"),
        ("quote_is_paraphrase", "quote_is_paraphrase"),
        ("note", "note"),
        ("source_key", "source.key"),
        ("source_title", "source.title"),
        ("source_url", "source.url"),
    ]


def party_detail(request, slug):
    party = get_object_or_404(Party, slug=slug)
    as_of = read_as_of(request)
    if wants_csv(request):
        return csv_download(f"positions-{party.slug}", selectors.party_positions(party, as_of), _position_columns())
    data = selectors.party_page(party, as_of)
    page = paginate(request, data.pop("track"), load_by_ids=True, count=data.pop("count"))
    return render(
        request,
        "tracker/party_detail.html",
        {
            "party": party,
            "page": page,
            "structured_data": graph(position_claim(p, request.build_absolute_uri) for p in page.object_list),
            **data,
            **as_of_context(as_of),
        },
    )


def actor_detail(request, slug):
    actor = get_object_or_404(Actor.objects.public().select_related("party"), slug=slug)
    as_of = read_as_of(request)
    track = selectors.actor_positions(actor, as_of)
    if wants_csv(request):
        return csv_download(f"positions-{actor.slug}", track, _position_columns())
    return render(
        request,
        "tracker/actor_detail.html",
        {"actor": actor, "page": paginate(request, track, load_by_ids=True), **as_of_context(as_of)},
    )


def position_detail(request, pk):
    """A position's permanent address: the page of its party's positions that lists it, at its row."""
    position = get_object_or_404(Position.objects.published().select_related("party"), pk=pk)
    number = selectors.positions_before(position) // PAGE_SIZE + 1
    return redirect(page_address("tracker:party-detail", number, f"position-{pk}", slug=position.party.slug))
