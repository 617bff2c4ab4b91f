"""The office's survey pages: permissions, questionnaires, questions, invitations, results."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from equityhub.accounts.models import User
from equityhub.surveys.models import Invitation, Item, Questionnaire
from tests.factories import PersonFactory
from tests.surveys.conftest import answer, likert, people

pytestmark = pytest.mark.django_db


@pytest.fixture
def pre(make_questionnaire: Any) -> Questionnaire:
    return make_questionnaire("Plunge pre", [likert("attitude_1"), likert("knowledge_1")])


@pytest.fixture
def post(make_questionnaire: Any) -> Questionnaire:
    return make_questionnaire("Plunge post", [likert("attitude_1"), likert("knowledge_1")])


@pytest.fixture
def answered(pre: Questionnaire, post: Questionnaire, invite_tokens: Any) -> None:
    """11 pairs: attitude_1 goes from 2 to 4 for everyone; knowledge_1 from 3 to 4 for ten
    people and from 3 to 5 for one."""
    respondents = people(11)
    before = invite_tokens(pre, respondents)
    after = invite_tokens(post, respondents)
    for index, person in enumerate(respondents):
        answer(before[person.pk], pre, {"attitude_1": 2, "knowledge_1": 3})
        answer(after[person.pk], post, {"attitude_1": 4, "knowledge_1": 4 if index else 5})


def compare_url(pre: Questionnaire, post: Questionnaire) -> str:
    return f"/surveys/{pre.pk}/compare/{post.pk}/"


# -- permissions -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["member", "outsider"])
def test_members_and_outsiders_see_no_survey_page(
    role: str, request: Any, client_for: Any, pre: Questionnaire, post: Questionnaire
) -> None:
    client = client_for(request.getfixturevalue(role))
    assert client.get("/surveys/").status_code == 403
    assert client.get("/surveys/new/").status_code == 403
    assert client.get(f"/surveys/{pre.pk}/").status_code == 404
    response = client.get(compare_url(pre, post))
    assert response.status_code == 403
    assert b"Plunge pre" not in response.content
    assert client.post(f"/surveys/{pre.pk}/items/", {}).status_code == 404
    assert client.post(f"/surveys/{pre.pk}/invite/", {}).status_code == 404
    assert client.post(f"/surveys/{pre.pk}/open/", {"open": "0"}).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client: Client, pre: Questionnaire) -> None:
    for path in ("/surveys/", f"/surveys/{pre.pk}/", f"/surveys/{pre.pk}/compare/{pre.pk}/"):
        response = client.get(path)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_a_leadership_viewer_reads_results_but_changes_nothing(
    leader: User, client_for: Any, pre: Questionnaire, post: Questionnaire
) -> None:
    client = client_for(leader)
    assert client.get("/surveys/").status_code == 200
    page = client.get(f"/surveys/{pre.pk}/").content.decode()
    assert "Add a question" not in page and "Invite people" not in page
    assert client.get(compare_url(pre, post)).status_code == 200
    assert client.post(f"/surveys/{pre.pk}/open/", {"open": "0"}).status_code == 404
    assert client.get("/surveys/new/").status_code == 403


@pytest.mark.parametrize("path", ["/surveys/99999999999999999999/", "/surveys/0/"])
def test_ids_out_of_range_are_404(coordinator: User, client_for: Any, path: str) -> None:
    assert client_for(coordinator).get(path).status_code == 404


def test_a_questionnaire_is_not_compared_with_itself(
    coordinator: User, client_for: Any, pre: Questionnaire
) -> None:
    assert client_for(coordinator).get(compare_url(pre, pre)).status_code == 404


# -- questionnaires and questions ------------------------------------------------------------


def test_the_list_shows_each_questionnaire_with_its_counts(
    coordinator: User, client_for: Any, pre: Questionnaire, invite_tokens: Any
) -> None:
    invite_tokens(pre, people(3))
    page = client_for(coordinator).get("/surveys/").content.decode()
    row = page[page.index("Plunge pre") : page.index("</tr>", page.index("Plunge pre"))]
    assert re.findall(r'<td class="text-end">(\d+)</td>', row) == ["2", "3", "0"]


def test_office_staff_create_a_questionnaire_on_the_page(
    coordinator: User, client_for: Any
) -> None:
    client = client_for(coordinator)
    response = client.post("/surveys/new/", {"title": "Reflection", "title_es": "Reflexión"})
    questionnaire = Questionnaire.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/surveys/{questionnaire.pk}/"
    assert questionnaire.title_es == "Reflexión"


def test_a_questionnaire_without_a_title_is_shown_again(coordinator: User, client_for: Any) -> None:
    response = client_for(coordinator).post("/surveys/new/", {"title": ""})
    assert response.status_code == 422
    assert not Questionnaire.objects.exists()


def test_office_staff_add_a_choice_question_on_the_page(
    coordinator: User, client_for: Any, pre: Questionnaire
) -> None:
    response = client_for(coordinator).post(
        f"/surveys/{pre.pk}/items/",
        {
            "item-kind": "choice",
            "item-prompt": "Which visit?",
            "item-key": "visit",
            "item-required": "on",
            "item-choices": "clinic | A clinic | Una clínica\nschool | A school",
        },
    )
    assert response.status_code == 302
    item = pre.items.get(key="visit")
    assert item.kind == Item.Kind.CHOICE
    assert item.choices == [
        {"value": "clinic", "label": "A clinic", "label_es": "Una clínica"},
        {"value": "school", "label": "A school", "label_es": ""},
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"item-kind": "likert", "item-prompt": "Q", "item-key": "attitude_1"}, "has the key"),
        (
            {"item-kind": "choice", "item-prompt": "Q", "item-key": "k", "item-choices": "a"},
            "value | English label",
        ),
        ({"item-kind": "likert", "item-prompt": "Q", "item-key": "bad key"}, "lower-case"),
    ],
)
def test_a_question_that_is_refused_is_shown_again_with_the_reason(
    coordinator: User, client_for: Any, pre: Questionnaire, data: dict[str, str], message: str
) -> None:
    response = client_for(coordinator).post(f"/surveys/{pre.pk}/items/", data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert pre.items.count() == 2


def test_office_staff_close_a_questionnaire_and_its_links_stop_working(
    coordinator: User, client_for: Any, pre: Questionnaire, invite_tokens: Any
) -> None:
    person = PersonFactory()
    token = invite_tokens(pre, [person])[person.pk]
    client = client_for(coordinator)
    assert client.post(f"/surveys/{pre.pk}/open/", {"open": "0"}).status_code == 302
    pre.refresh_from_db()
    assert not pre.is_active
    assert Client().get(f"/surveys/r/{token}/").status_code == 404
    # Closing twice says so rather than failing.
    response = client.post(f"/surveys/{pre.pk}/open/", {"open": "0"}, follow=True)
    assert "already closed" in response.content.decode()
    client.post(f"/surveys/{pre.pk}/open/", {"open": "1"})
    assert Client().get(f"/surveys/r/{token}/").status_code == 200


# -- invitations -----------------------------------------------------------------------------


def test_office_staff_invite_people_by_e_mail_address(
    coordinator: User,
    client_for: Any,
    pre: Questionnaire,
    django_capture_on_commit_callbacks: Any,
) -> None:
    first, second = PersonFactory(), PersonFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(coordinator).post(
            f"/surveys/{pre.pk}/invite/",
            {
                "invite-emails": f"{first.email.upper()}\n\n{second.email}\n",
                "invite-label": "Plunge 2026 pre",
                "invite-language": "es",
                "invite-closes_on": "2099-01-31",
            },
            follow=True,
        )
    assert "Invited 2 people." in response.content.decode()
    assert sorted(m.to[0] for m in mail.outbox) == sorted([first.email, second.email])
    invitation = Invitation.objects.get(person=first)
    assert invitation.language == "es"
    assert invitation.context_label == "Plunge 2026 pre"
    assert invitation.expires_at.date().isoformat() in {"2099-01-31", "2099-02-01"}


def test_inviting_again_says_who_was_invited_already(
    coordinator: User, client_for: Any, pre: Questionnaire, invite_tokens: Any
) -> None:
    first, second = PersonFactory(), PersonFactory()
    invite_tokens(pre, [first])
    response = client_for(coordinator).post(
        f"/surveys/{pre.pk}/invite/",
        {"invite-emails": f"{first.email}\n{second.email}"},
        follow=True,
    )
    page = response.content.decode()
    assert "Invited 1 person." in page and "1 was invited already." in page


def test_unknown_addresses_are_named_and_no_one_is_invited(
    coordinator: User, client_for: Any, pre: Questionnaire
) -> None:
    known = PersonFactory()
    response = client_for(coordinator).post(
        f"/surveys/{pre.pk}/invite/",
        {"invite-emails": f"{known.email}\nnobody@example.net"},
    )
    assert response.status_code == 422
    assert "nobody@example.net" in response.content.decode()
    assert not Invitation.objects.exists()


def test_a_refused_invitation_is_shown_with_the_reason(
    coordinator: User, client_for: Any, make_questionnaire: Any
) -> None:
    empty = make_questionnaire("Empty")
    response = client_for(coordinator).post(
        f"/surveys/{empty.pk}/invite/", {"invite-emails": PersonFactory().email}
    )
    assert response.status_code == 422
    assert "Add questions to this questionnaire" in response.content.decode()


# -- results ---------------------------------------------------------------------------------


def test_the_compare_picker_leads_to_the_results_page(
    coordinator: User, client_for: Any, pre: Questionnaire, post: Questionnaire
) -> None:
    client = client_for(coordinator)
    response = client.get(f"/surveys/{pre.pk}/compare/", {"post": post.pk})
    assert response.status_code == 302
    assert response["Location"] == compare_url(pre, post)
    assert client.get(f"/surveys/{pre.pk}/compare/", {"post": pre.pk}).status_code == 422


def test_the_results_page_shows_the_change_its_interval_and_suppressed_rows(
    coordinator: User, client_for: Any, pre: Questionnaire, post: Questionnaire, answered: None
) -> None:
    page = client_for(coordinator).get(compare_url(pre, post)).content.decode()
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert 'role="img"' in svg and "<title" in svg
    assert svg.count("<circle") == 2
    # Mean change +2 (attitude) with a zero-width interval: dot and whiskers at 2 on the
    # -4..+4 scale, i.e. 435 + 2 * 370 / 8 = 527.5.
    assert 'cx="527.5"' in svg
    table = page[page.index("<table") : page.index("</table>")]
    assert "<caption" in table and 'scope="col"' in table
    assert ">11<" in table and "+2.00" in table
    assert "2.00 to 2.00" in table


def test_items_with_fewer_than_eleven_pairs_are_shown_as_such(
    coordinator: User, client_for: Any, pre: Questionnaire, post: Questionnaire, invite_tokens: Any
) -> None:
    respondents = people(10)
    before, after = invite_tokens(pre, respondents), invite_tokens(post, respondents)
    for person in respondents:
        answer(before[person.pk], pre, {"attitude_1": 1, "knowledge_1": 1})
        answer(after[person.pk], post, {"attitude_1": 5, "knowledge_1": 5})
    page = client_for(coordinator).get(compare_url(pre, post)).content.decode()
    svg = page[page.index("<svg") : page.index("</svg>")]
    tbody = page[page.index("<tbody") : page.index("</tbody>")]
    assert svg.count("fewer than 11 pairs") == 2
    assert tbody.count("fewer than 11 pairs") == 2
    assert "<circle" not in page
    assert ">10<" not in page
    assert "+4.00" not in page


def test_the_results_page_in_spanish_keeps_the_chart_numbers_machine_readable(
    leader: User, client_for: Any, pre: Questionnaire, post: Questionnaire, answered: None
) -> None:
    client = client_for(leader)
    client.post("/i18n/setlang/", {"language": "es"})
    page = client.get(compare_url(pre, post)).content.decode()
    assert '<html lang="es">' in page
    assert 'cx="527.5"' in page
    assert "+2,00" in page


def test_the_add_question_form_is_gone_once_someone_has_answered(
    coordinator: User, client_for: Any, sheet: Questionnaire, token: str
) -> None:
    client = client_for(coordinator)
    assert 'name="item-prompt"' in client.get(f"/surveys/{sheet.pk}/").content.decode()
    answer(token, sheet, {"attitude_1": 4, "favourite_site": "clinic", "reflection": "x"})
    page = client.get(f"/surveys/{sheet.pk}/").content.decode()
    assert 'name="item-prompt"' not in page
    assert "make a new questionnaire" in page
