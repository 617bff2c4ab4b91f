"""The Plunge demo's surveys: a questionnaire before and one after the week, with answers.

The questionnaires and their items are made through the surveys services. The answers are
history: the private links' raw tokens exist only in the e-mails the service sends, so the demo
writes past invitations, responses and answers as records (each invitation with a random digest
no link will ever match), the way the volunteering demo writes its past season.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import secrets
from collections import Counter
from typing import Any

from django.contrib.contenttypes.models import ContentType

from equityhub.plunge import services as plunge_services
from equityhub.plunge.models import Plunge, Registration
from equityhub.surveys import services
from equityhub.surveys.models import Answer, Invitation, Item, Questionnaire, Response

# (key, English, Spanish, mean answer before, mean shift after the week)
STATEMENTS = [
    (
        "underserved_comfort",
        "I feel comfortable caring for patients from underserved communities.",
        "Me siento cómodo/a atendiendo a pacientes de comunidades desatendidas.",
        3.3,
        0.6,
    ),
    (
        "structural_causes",
        "Where people live shapes their health more than the care they receive.",
        "El lugar donde vive la gente influye en su salud más que la atención que recibe.",
        3.5,
        0.7,
    ),
    (
        "stl_inequities",
        "I can describe health inequities between North St. Louis and other parts of the region.",
        "Puedo describir las inequidades de salud entre el norte de St. Louis y otras partes de "
        "la región.",
        2.4,
        1.3,
    ),
    (
        "community_partners",
        "I know community organizations my future patients could be referred to.",
        "Conozco organizaciones comunitarias a las que podría referir a mis futuros pacientes.",
        2.2,
        1.4,
    ),
    (
        "trust",
        "Distrust of the health system in some communities has understandable causes.",
        "La desconfianza hacia el sistema de salud en algunas comunidades tiene causas "
        "comprensibles.",
        3.9,
        0.4,
    ),
    (
        "career_intent",
        "I intend to work with underserved populations during my career.",
        "Tengo la intención de trabajar con poblaciones desatendidas durante mi carrera.",
        3.6,
        0.3,
    ),
]


def _questionnaire(actor: Any, title: str, title_es: str) -> Questionnaire:
    questionnaire = services.create_questionnaire(actor=actor, title=title, title_es=title_es)
    for key, prompt, prompt_es, _mean, _shift in STATEMENTS:
        services.add_item(
            actor=actor,
            questionnaire=questionnaire,
            kind=Item.Kind.LIKERT,
            key=key,
            prompt=prompt,
            prompt_es=prompt_es,
        )
    services.add_item(
        actor=actor,
        questionnaire=questionnaire,
        kind=Item.Kind.TEXT,
        key="comments",
        prompt="Anything else you want to tell us?",
        prompt_es="¿Algo más que quiera contarnos?",
        required=False,
    )
    return questionnaire


def _likert(rng: random.Random, mean: float) -> int:
    return max(1, min(5, round(rng.gauss(mean, 0.9))))


def load(*, actor: Any, plunge: Plunge, rng: random.Random, created: Counter[str]) -> None:
    title = plunge.title
    pre = _questionnaire(actor, f"{title}: before the week", f"{title}: antes de la semana")
    post = _questionnaire(actor, f"{title}: after the week", f"{title}: después de la semana")
    plunge_services.set_surveys(plunge=plunge, actor=actor, pre=pre, post=post)
    context_type = ContentType.objects.get_for_model(Plunge)
    people = [
        r.person
        for r in Registration.objects.filter(
            plunge=plunge, status=Registration.Status.REGISTERED
        ).select_related("person")
    ]
    starts = dt.datetime.combine(plunge.starts_on, dt.time(9), tzinfo=plunge.tz)
    ends = dt.datetime.combine(plunge.ends_on, dt.time(17), tzinfo=plunge.tz)
    baseline = {person.pk: rng.gauss(0, 0.5) for person in people}
    answered_before: set[int] = set()
    for questionnaire, sent_at, rate in (
        (pre, starts - dt.timedelta(days=7), 0.85),
        (post, ends, 0.75),
    ):
        items = {item.key: item for item in questionnaire.items.all()}
        invitations = [
            Invitation(
                questionnaire=questionnaire,
                person=person,
                digest=hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
                context_label=questionnaire.title,
                context_type=context_type,
                context_id=plunge.pk,
                language="es" if rng.random() < 0.08 else "en",
                sent_at=sent_at,
                expires_at=sent_at + dt.timedelta(days=30),
                sent_by=actor,
            )
            for person in people
        ]
        Invitation.objects.bulk_create(invitations)
        created["survey invitations"] += len(invitations)
        answers = []
        for invitation in invitations:
            person_id = invitation.person_id
            # Most answer both; the post survey is answered mostly by those who answered before.
            if questionnaire is post and person_id not in answered_before and rng.random() < 0.7:
                continue
            if rng.random() > rate:
                continue
            if questionnaire is pre:
                answered_before.add(person_id)
            response = Response.objects.create(
                invitation=invitation,
                submitted_at=sent_at + dt.timedelta(hours=rng.randint(2, 96)),
                language=invitation.language,
            )
            created["survey responses"] += 1
            for key, _prompt, _prompt_es, mean, shift in STATEMENTS:
                target = mean + baseline[person_id] + (shift if questionnaire is post else 0.0)
                answers.append(
                    Answer(response=response, item=items[key], value_int=_likert(rng, target))
                )
        Answer.objects.bulk_create(answers)
