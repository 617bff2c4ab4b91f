"""`/api/v1/surveys`: questionnaires, their paired pre/post change, and answering by link.

Reading questionnaires and results takes the same permission as the pages (office staff and
leadership viewers; 403 for anyone else, 404 for a questionnaire id out of reach or out of
1..2^63-1). Submitting answers needs no sign-in: the private token in the path is the
credential, as on the answering page.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import ConfigDict, StrictInt, StrictStr

from equityhub.core.http import ApiRequest
from equityhub.people.api import ErrorOut
from equityhub.surveys import selectors, services
from equityhub.surveys.models import LIKERT_SCALE, Item, Questionnaire, Response
from equityhub.surveys.stats import paired_change

router = Router(tags=["surveys"])

ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}
MAX_ANSWERS = 500


# Schemas -----------------------------------------------------------------------------------


class QuestionnaireOut(Schema):
    id: int
    title: str
    title_es: str
    description: str
    description_es: str
    is_active: bool = Field(description="Whether it accepts answers.")
    created_at: dt.datetime
    item_count: int
    invited_count: int
    answered_count: int


class ChoiceOut(Schema):
    value: str = Field(description="What to send as the answer.")
    label: str
    label_es: str


class ItemOut(Schema):
    id: int
    position: int
    kind: Item.Kind
    key: str = Field(description="Pairs this item with the item of the same key elsewhere.")
    prompt: str
    prompt_es: str
    required: bool
    choices: list[ChoiceOut] = Field(
        description="The answers to pick from: 1 to 5 for Likert items; none for free text."
    )

    @staticmethod
    def resolve_choices(obj: Item) -> list[dict[str, str]]:
        if obj.kind == Item.Kind.LIKERT:
            return [
                {"value": str(value), "label": en, "label_es": es} for value, en, es in LIKERT_SCALE
            ]
        return [
            {
                "value": str(choice["value"]),
                "label": str(choice["label"]),
                "label_es": str(choice.get("label_es", "")),
            }
            for choice in obj.choices
        ]


class QuestionnaireDetailOut(QuestionnaireOut):
    items: list[ItemOut]

    @staticmethod
    def resolve_items(obj: Questionnaire) -> list[Item]:
        return list(obj.items.all())


class ItemChangeOut(Schema):
    key: str
    pre_item_id: int
    post_item_id: int
    prompt: str
    prompt_es: str
    suppressed: bool = Field(description="Fewer pairs than the threshold: every number is null.")
    n: int | None = Field(description="How many people answered the item in both surveys.")
    mean_pre: float | None
    mean_post: float | None
    mean_diff: float | None = Field(description="Mean of post minus pre, on the 1-5 scale.")
    ci_low: float | None = Field(description="95% confidence interval (t distribution).")
    ci_high: float | None


class PairedChangeOut(Schema):
    pre_id: int
    post_id: int
    threshold: int = Field(description="Items with fewer pairs than this are suppressed.")
    items: list[ItemChangeOut]


Answer = StrictInt | StrictStr


class ResponseIn(Schema):
    model_config = ConfigDict(extra="forbid")

    answers: Annotated[dict[str, Answer], Field(max_length=MAX_ANSWERS)] = Field(
        description=(
            'Item id (as a string) to answer: {"12": 4, "13": "clinic", "14": "Some text"}. '
            "1 to 5 for Likert items, a choice's value for choice items, at most 2,000 "
            "characters of text for free-text items. Every required item needs an answer."
        )
    )
    language: Literal["en", "es"] | None = Field(
        None, description="The language answered in; default: the invitation's."
    )


class ResponseCreatedOut(Schema):
    id: int
    submitted_at: dt.datetime
    language: str


def _require(user: Any, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied


# Endpoints ---------------------------------------------------------------------------------


@router.get(
    "",
    response={200: list[QuestionnaireOut], **ERRORS},
    summary="List questionnaires",
    description="Newest first, with their counts. Office staff and leadership viewers.",
)
def list_questionnaires(request: ApiRequest) -> Any:
    _require(request.auth, "surveys.view_results")
    return list(selectors.questionnaires_for_user(request.auth))


@router.get(
    "/{questionnaire_id}",
    response={200: QuestionnaireDetailOut, **ERRORS},
    summary="Read a questionnaire and its items",
    description="404 for anyone who may not read survey results.",
)
def get_questionnaire(request: ApiRequest, questionnaire_id: int) -> Any:
    return selectors.get_questionnaire_for_user(request.auth, questionnaire_id)


@router.get(
    "/{pre_id}/paired-change/{post_id}",
    response={200: PairedChangeOut, **ERRORS},
    summary="Paired pre/post change per item",
    description=(
        "For each Likert item key in both questionnaires: the number of people who answered "
        "it in both (through invitations for the same context), the means, the mean change "
        "and its 95% confidence interval. Items with fewer pairs than `threshold` are "
        "suppressed. 422 when both ids are the same questionnaire."
    ),
)
def get_paired_change(request: ApiRequest, pre_id: int, post_id: int) -> Any:
    _require(request.auth, "surveys.view_results")
    pre = selectors.get_questionnaire_for_user(request.auth, pre_id)
    post = selectors.get_questionnaire_for_user(request.auth, post_id)
    return {
        "pre_id": pre.pk,
        "post_id": post.pk,
        "threshold": settings.SUPPRESSION_THRESHOLD,
        "items": paired_change(pre, post),
    }


@router.post(
    "/responses/{token}",
    auth=None,
    response={201: ResponseCreatedOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Answer a survey by its private link",
    description=(
        "No sign-in: the token from the invitation's link is the credential. All answers are "
        "saved or none: 422 with `errors` listing every input at fault (`item_<id>`, or "
        "`answers` for an id that is not in the survey). 404 for an unknown or expired link "
        "or a closed survey; 409 when it was answered already."
    ),
)
def submit_response(request: HttpRequest, token: str, payload: ResponseIn) -> Any:
    response: Response = services.submit_response(
        token=token, answers=payload.answers, language=payload.language or ""
    )
    return Status(201, response)
