"""Pages of the people registry. Thin: load through the choke-point, validate, call a service."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from equityhub.core.exceptions import ServiceError
from equityhub.core.forms import apply_service_error
from equityhub.core.http import AuthenticatedHttpRequest
from equityhub.people import services
from equityhub.people.forms import (
    ConsentForm,
    DemographicsForm,
    DirectoryFilterForm,
    LanguagesForm,
    NewOwnProfileForm,
    OwnProfileForm,
    PersonForm,
    WithdrawConsentForm,
)
from equityhub.people.models import Consent, Person
from equityhub.people.overview import registry_overview
from equityhub.people.rules import can_see_demographics
from equityhub.people.selectors import (
    DirectoryFilters,
    demographics_for_user,
    get_own_consent_for_user,
    get_person_for_user,
    log_directory_minors,
    person_of,
)
from equityhub.people.selectors import directory as directory_query


def _require(request: HttpRequest, perm: str, obj: Any = None) -> None:
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied


@login_required
@require_http_methods(["GET"])
def directory(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require(request, "people.use_directory")
    form = DirectoryFilterForm(request.GET or None)
    filters = DirectoryFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = DirectoryFilters(
            q=data["q"].strip(),
            organization_id=data["organization"].pk if data["organization"] else None,
            training_level=data["training_level"],
            language=data["language"],
            age_group=data["age_group"],
        )
    paginator = Paginator(directory_query(request.user, filters), settings.DIRECTORY_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    people = list(page.object_list)
    log_directory_minors(request.user, people)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "people": people,
        "query": query.urlencode(),
        "can_create": request.user.has_perm("people.create_person"),
        "can_import": request.user.has_perm("people.import_people"),
        "can_export": request.user.has_perm("people.export_people"),
    }
    template = "people/_directory_results.html" if request.htmx else "people/directory.html"
    return render(request, template, context)


@login_required
@require_http_methods(["GET"])
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    person = get_person_for_user(request.user, person_id)
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "affiliations": person.affiliations.all(),
            "languages": person.languages.all(),
            "consents": person.consents.all(),
            "may_see_demographics": can_see_demographics(request.user, person),
            "may_edit": request.user.has_perm("people.edit_person_registry", person),
            "may_manage_consents": request.user.has_perm("people.manage_consents", person),
        },
    )


@login_required
@require_http_methods(["GET"])
def person_demographics(request: HttpRequest, person_id: int) -> HttpResponse:
    """Shown on request (a button), so that each read is deliberate and logged."""
    person = get_person_for_user(request.user, person_id)
    profile = demographics_for_user(request.user, person)
    return render(request, "people/_demographics.html", {"person": person, "profile": profile})


@login_required
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    _require(request, "people.create_person")
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.create_person(actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": person.display_name})
            return redirect("people:person-detail", person_id=person.pk)
    return render(request, "people/person_form.html", {"form": form, "person": None})


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, person_id: int) -> HttpResponse:
    person = get_person_for_user(request.user, person_id, purpose="edit")
    _require(request, "people.edit_person_registry", person)
    form = PersonForm(request.POST or None, instance=Person.objects.get(pk=person.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_person(person=person, actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The record was saved."))
            return redirect("people:person-detail", person_id=person.pk)
    return render(request, "people/person_form.html", {"form": form, "person": person})


@login_required
@require_http_methods(["GET", "POST"])
def consent_create(request: HttpRequest, person_id: int) -> HttpResponse:
    person = get_person_for_user(request.user, person_id)
    _require(request, "people.manage_consents", person)
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_consent(person=person, actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("The consent was recorded."))
            return redirect("people:person-detail", person_id=person.pk)
    return render(request, "people/consent_form.html", {"form": form, "person": person})


@login_required
@require_http_methods(["GET", "POST"])
def my_profile(request: HttpRequest) -> HttpResponse:
    person = person_of(request.user)
    if person is None:
        return _create_own_profile(request)
    form = OwnProfileForm(request.POST or None, instance=Person.objects.get(pk=person.pk))
    current = dict(person.languages.values_list("language", "proficiency"))
    languages_form = LanguagesForm(request.POST or None, initial_languages=current)
    if request.method == "POST" and form.is_valid() and languages_form.is_valid():
        try:
            services.update_own_profile(
                person=person,
                actor=request.user,
                languages=languages_form.languages(),
                **form.cleaned_data,
            )
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Your profile was saved."))
            return redirect("people:me")
    return render(
        request,
        "people/my_profile.html",
        {
            "person": person,
            "form": form,
            "languages_form": languages_form,
            "consents": person.consents.all(),
            "affiliations": person.affiliations.select_related("organization"),
        },
    )


def _create_own_profile(request: HttpRequest) -> HttpResponse:
    form = NewOwnProfileForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.create_own_person(user=request.user, **form.cleaned_data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Your profile was created."))
            return redirect("people:me")
    return render(request, "people/my_profile_new.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def my_demographics(request: HttpRequest) -> HttpResponse:
    person = person_of(request.user)
    if person is None:
        return redirect("people:me")
    profile = demographics_for_user(request.user, person)
    form = DemographicsForm(request.POST or None, initial=DemographicsForm.initial_from(profile))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_demographics(person=person, actor=request.user, **form.cleaned_data)
        except ServiceError as error:
            apply_service_error(form, error)
        else:
            messages.success(request, _("Your answers were saved."))
            return redirect("people:me")
    return render(request, "people/my_demographics.html", {"form": form, "person": person})


@login_required
@require_POST
def my_consent_withdraw(request: HttpRequest, consent_id: int) -> HttpResponse:
    consent = get_own_consent_for_user(request.user, consent_id)
    if consent.kind == Consent.Kind.GUARDIAN:
        # A minor's guardian consent is the guardian's to withdraw, not the minor's.
        raise PermissionDenied
    form = WithdrawConsentForm(request.POST)
    if form.is_valid():
        try:
            services.withdraw_consent(
                consent=consent, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("The consent was withdrawn."))
    return redirect(reverse("people:me") + "#consents")


@login_required
@require_http_methods(["GET"])
def overview(request: HttpRequest) -> HttpResponse:
    _require(request, "people.view_overview")
    return render(request, "people/overview.html", {"overview": registry_overview()})
