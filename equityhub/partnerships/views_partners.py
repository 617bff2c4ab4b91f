"""Consortium partner pages and the partner portal: the partner list, one partner's record
(membership, contacts, initiatives, agreements), its edit page, contacts and invitations.

Thin: every organization and contact by id goes through `selectors_partners.get_*_for_user`
(404 for anyone who may not read it, another organization's partner users included), a form
validates, a service writes, and its refusal is shown on the form. Membership terms are
staff-only: a partner user asking to change them gets a 403 page that says so.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.forms import BaseForm
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from equityhub.core.exceptions import NotAllowed, ServiceError
from equityhub.core.forms import apply_service_error
from equityhub.core.http import AuthenticatedHttpRequest
from equityhub.partnerships import access
from equityhub.partnerships import selectors_partners as selectors
from equityhub.partnerships import services_partners as services
from equityhub.partnerships.forms_partners import (
    ContactForm,
    EndMembershipForm,
    MembershipForm,
    NewPartnerForm,
    PartnerDescriptionForm,
    PartnerFilterForm,
)
from equityhub.partnerships.models import Contact, Membership
from equityhub.people.models import Organization

T = "partnerships/partners/"


def _show_error(form: BaseForm, error: ServiceError) -> None:
    """The service's refusal on the form field it is about (by the form's name for it)."""
    aliases: dict[str, str] = getattr(form, "field_aliases", {})
    alias = aliases.get(error.field or "")
    if alias and alias in form.fields:
        form.add_error(alias, error.message)
    else:
        apply_service_error(form, error)


def _not_allowed(request: AuthenticatedHttpRequest, message: str) -> HttpResponse:
    return render(request, T + "not_allowed.html", {"message": message}, status=403)


def _require_partner_pages(request: AuthenticatedHttpRequest) -> None:
    if not (access.is_consortium_staff(request.user) or access.is_partner_user(request.user)):
        raise PermissionDenied


def _detail_url(organization_id: int, anchor: str = "") -> str:
    url = reverse("partnerships:partner_detail", kwargs={"organization_id": organization_id})
    return f"{url}#{anchor}" if anchor else url


# -- the list -----------------------------------------------------------------------------------


@login_required
@require_GET
def partner_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_partner_pages(request)
    staff = access.is_consortium_staff(request.user)
    filter_form = PartnerFilterForm(request.GET or None) if staff else None
    filters = filter_form.filters() if filter_form is not None else {}
    memberships = list(selectors.partners_for_user(request.user, **filters))
    return render(
        request,
        T + "list.html",
        {
            "memberships": memberships,
            "filter_form": filter_form,
            "filtered": any(value is not None for value in filters.values()),
            "is_staff": staff,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def partner_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not access.is_consortium_staff(request.user):
        raise PermissionDenied
    form = NewPartnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            membership = services.create_membership(
                actor=request.user,
                organization=data["organization"],
                new_organization=form.new_organization(),
                partner_type=data["partner_type"],
                role=data["role"],
                joined_on=data["joined_on"],
                left_on=data["left_on"],
                description=data["description"],
            )
        except ServiceError as error:
            _show_error(form, error)
        else:
            messages.success(
                request,
                _("%(organization)s is now a consortium partner.")
                % {"organization": membership.organization},
            )
            return redirect(_detail_url(membership.organization_id))
    return render(request, T + "new.html", {"form": form})


# -- one partner --------------------------------------------------------------------------------


@login_required
@require_GET
def partner_detail(request: AuthenticatedHttpRequest, organization_id: int) -> HttpResponse:
    user = request.user
    organization = selectors.get_partner_for_user(user, organization_id)
    return render(
        request,
        T + "detail.html",
        {
            "organization": organization,
            "membership": organization.consortium_membership,
            "contacts": list(selectors.contacts_of(organization)),
            "led": list(selectors.initiatives_led_by(user, organization)),
            "joined": list(selectors.initiatives_joined_by(user, organization)),
            "agreements": list(selectors.agreements_of(user, organization)),
            "can_edit": access.can_edit_organization(user, organization),
            "is_staff": access.is_consortium_staff(user),
        },
    )


def _render_edit(
    request: AuthenticatedHttpRequest,
    organization: Organization,
    *,
    form: BaseForm | None = None,
    end_form: EndMembershipForm | None = None,
) -> HttpResponse:
    membership: Membership = organization.consortium_membership
    staff = access.is_consortium_staff(request.user)
    if form is None:
        form = (
            MembershipForm(initial=MembershipForm.initial_for(membership))
            if staff
            else PartnerDescriptionForm(initial={"description": membership.description})
        )
    if staff and end_form is None and membership.left_on is None:
        end_form = EndMembershipForm()
    return render(
        request,
        T + "edit.html",
        {
            "organization": organization,
            "membership": membership,
            "form": form,
            "end_form": end_form if staff else None,
            "is_staff": staff,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def partner_edit(request: AuthenticatedHttpRequest, organization_id: int) -> HttpResponse:
    organization = selectors.get_partner_for_user(request.user, organization_id)
    if not access.can_edit_organization(request.user, organization):
        raise Http404
    if request.method == "GET":
        return _render_edit(request, organization)
    staff = access.is_consortium_staff(request.user)
    form: BaseForm = MembershipForm(request.POST) if staff else PartnerDescriptionForm(request.POST)
    if form.is_valid():
        try:
            services.update_membership(
                membership=organization.consortium_membership,
                actor=request.user,
                **form.cleaned_data,
            )
        except NotAllowed as refusal:
            return _not_allowed(request, refusal.message)
        except ServiceError as error:
            _show_error(form, error)
        else:
            messages.success(
                request,
                _("The consortium record of %(organization)s was saved.")
                % {"organization": organization},
            )
            return redirect(_detail_url(organization.pk))
    return _render_edit(request, organization, form=form)


@login_required
@require_POST
def partner_end(request: AuthenticatedHttpRequest, organization_id: int) -> HttpResponse:
    organization = selectors.get_partner_for_user(request.user, organization_id)
    if not access.is_consortium_staff(request.user):
        return _not_allowed(
            request, _("Only office staff may end a consortium membership. Ask the office.")
        )
    form = EndMembershipForm(request.POST)
    if form.is_valid():
        try:
            membership = services.end_membership(
                membership=organization.consortium_membership,
                actor=request.user,
                left_on=form.cleaned_data["left_on"],
                reason=form.cleaned_data["reason"],
            )
        except NotAllowed as refusal:
            return _not_allowed(request, refusal.message)
        except ServiceError as error:
            _show_error(form, error)
        else:
            assert membership.left_on is not None  # noqa: S101  (set by the service)
            messages.success(
                request,
                _("The membership of %(organization)s ends on %(date)s.")
                % {
                    "organization": organization,
                    "date": formats.date_format(membership.left_on, "DATE_FORMAT"),
                },
            )
            return redirect(_detail_url(organization.pk))
    return _render_edit(request, organization, end_form=form)


# -- contacts -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def contact_new(request: AuthenticatedHttpRequest, organization_id: int) -> HttpResponse:
    organization = selectors.get_partner_for_user(request.user, organization_id)
    if not access.can_edit_organization(request.user, organization):
        raise Http404
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.create_contact(
                organization=organization, actor=request.user, **form.cleaned_data
            )
        except ServiceError as error:
            _show_error(form, error)
        else:
            messages.success(request, _("%(name)s was added.") % {"name": contact.name})
            return redirect(_detail_url(organization.pk, f"contact-{contact.pk}"))
    return render(
        request,
        T + "contact_form.html",
        {"organization": organization, "form": form, "contact": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    contact = selectors.get_contact_for_user(request.user, contact_id)
    organization = contact.organization
    if not access.can_edit_organization(request.user, organization):
        raise Http404
    form = ContactForm(request.POST or None, initial=ContactForm.initial_for(contact))
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.update_contact(
                contact=contact, actor=request.user, **form.cleaned_data
            )
        except ServiceError as error:
            _show_error(form, error)
        else:
            messages.success(request, _("%(name)s was saved.") % {"name": contact.name})
            return redirect(_detail_url(organization.pk, f"contact-{contact.pk}"))
    return render(
        request,
        T + "contact_form.html",
        {"organization": organization, "form": form, "contact": contact},
    )


def _contact_action(
    request: AuthenticatedHttpRequest, contact_id: int, action: str
) -> HttpResponse:
    """Deactivate, invite or revoke; from a page (redirect with a message) or htmx (the row,
    and an announcement in the contacts' live region)."""
    contact = selectors.get_contact_for_user(request.user, contact_id)
    organization = contact.organization
    if not access.can_edit_organization(request.user, organization):
        raise Http404
    name = contact.name
    error = ""
    try:
        if action == "deactivate":
            contact = services.deactivate_contact(contact=contact, actor=request.user)
            announcement = _("%(name)s is now inactive.") % {"name": name}
        elif action == "invite":
            resent = contact.user_id is not None
            contact = services.invite_contact(contact=contact, actor=request.user)
            announcement = (
                _("The invitation to %(name)s was sent again.")
                if resent
                else _("%(name)s was invited to the partner portal.")
            ) % {"name": name}
        else:
            contact = services.revoke_contact_access(contact=contact, actor=request.user)
            announcement = _("%(name)s no longer has portal access.") % {"name": name}
    except ServiceError as refusal:
        error = announcement = refusal.message
        contact = Contact.objects.select_related("organization", "user").get(pk=contact.pk)
    if not request.htmx:
        if error:
            messages.error(request, error)
        else:
            messages.success(request, announcement)
        return redirect(_detail_url(organization.pk, f"contact-{contact.pk}"))
    # A refusal is answered 200 too: htmx 2 does not swap 4xx answers, and the row is where
    # the person looks for what happened.
    return render(
        request,
        T + "_contact_row.html",
        {
            "contact": contact,
            "can_edit": True,
            "error": error,
            "announcement": announcement,
        },
    )


@login_required
@require_POST
def contact_deactivate(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    return _contact_action(request, contact_id, "deactivate")


@login_required
@require_POST
def contact_invite(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    return _contact_action(request, contact_id, "invite")


@login_required
@require_POST
def contact_revoke(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    return _contact_action(request, contact_id, "revoke")


# -- the partner portal -------------------------------------------------------------------------


@login_required
@require_GET
def my_organization(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A partner user's home: their organization's page, or the list of theirs."""
    organizations = list(selectors.my_partner_organizations(request.user))
    if not organizations:
        raise Http404
    if len(organizations) == 1:
        return redirect(_detail_url(organizations[0].pk))
    return render(request, T + "my_organizations.html", {"organizations": organizations})
