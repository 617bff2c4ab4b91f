"""The fast filter (`is_eligible`, used to narrow thousands of shifts) and the explanation
(`problems`, shown on every page) must always agree. Pure objects, no database."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from equityhub.people.models import Proficiency, TrainingLevel
from equityhub.places.models import Site
from equityhub.volunteering import eligibility
from equityhub.volunteering.models import Credential, CredentialType, Opportunity

TYPES = [
    CredentialType(pk=1, code="hipaa", name="HIPAA training"),
    CredentialType(pk=2, code="tb-test", name="TB test"),
    CredentialType(pk=3, code="site-orientation", name="Site orientation", per_site=True),
]
SITE = Site(pk=7, name="Saturday Neighborhood Free Clinic")
DAY = dt.date(2026, 12, 5)

dates = st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2027, 12, 31))
credentials = st.builds(
    lambda kind, site_id, issued, days, status: Credential(
        credential_type_id=kind,
        site_id=site_id,
        issued_on=issued,
        expires_on=None if days is None else issued + dt.timedelta(days=days),
        status=status,
    ),
    st.sampled_from([1, 2, 3]),
    st.sampled_from([None, 7, 8]),
    dates,
    st.one_of(st.none(), st.integers(min_value=0, max_value=800)),
    st.sampled_from(Credential.Status.values),
)
languages = st.dictionaries(
    st.sampled_from(["es", "ar", "prs"]), st.sampled_from(Proficiency.values), max_size=3
)


@settings(max_examples=600, deadline=None)
@given(
    held=st.lists(credentials, max_size=6),
    spoken=languages,
    levels=st.frozensets(st.sampled_from(TrainingLevel.values), max_size=2),
    born=st.one_of(st.none(), dates.map(lambda d: d.replace(year=d.year - 20))),
    needed_types=st.lists(st.sampled_from(TYPES[:2]), unique=True, max_size=2),
    needed_languages=st.lists(
        st.tuples(st.sampled_from(["es", "ar", "prs"]), st.sampled_from(Proficiency.values)),
        unique_by=lambda pair: pair[0],
        max_size=2,
    ),
    orientation=st.booleans(),
    min_level=st.sampled_from(["", *TrainingLevel.values]),
    min_age=st.one_of(st.none(), st.integers(min_value=14, max_value=25)),
    on=dates,
    prepared=st.booleans(),
)
def test_the_fast_filter_agrees_with_the_explanation(  # noqa: PLR0917 - one per requirement
    held: list[Credential],
    spoken: dict[str, str],
    levels: frozenset[str],
    born: dt.date | None,
    needed_types: list[CredentialType],
    needed_languages: list[tuple[str, str]],
    orientation: bool,
    min_level: str,
    min_age: int | None,
    on: dt.date,
    prepared: bool,
) -> None:
    if prepared:
        # Half the examples hold every credential, so that the other requirements decide.
        held = held + [
            Credential(
                credential_type_id=kind,
                site_id=site,
                issued_on=on,
                expires_on=None,
                status=Credential.Status.VERIFIED,
            )
            for kind, site in ((1, None), (2, None), (3, 7))
        ]
    facts = eligibility.PersonFacts(
        person_id=1, date_of_birth=born, levels=levels, languages=spoken
    )
    for credential in held:
        facts.credentials.setdefault(
            (credential.credential_type_id, credential.site_id), []
        ).append(credential)
    opportunity = Opportunity(
        site=SITE,
        title="Student intake volunteer",
        requires_orientation=orientation,
        min_training_level=min_level,
        min_age=min_age,
    )
    arguments = {
        "on": on,
        "credential_types": needed_types,
        "languages": needed_languages,
        "orientation_type": TYPES[2],
    }

    explained = eligibility.problems(facts, opportunity, **arguments)  # type: ignore[arg-type]
    fast = eligibility.is_eligible(facts, opportunity, **arguments)  # type: ignore[arg-type]

    assert fast == (not explained), [p.message for p in explained]
