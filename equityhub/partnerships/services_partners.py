"""Every write to the consortium's partners: memberships, contacts and the partner portal.

Office staff (`access.is_consortium_staff`) change everything. A partner user changes their own
organization's description and contacts and invites colleagues to the portal; the membership's
terms (type, role, dates, ending) are staff-only. Each service checks who asks first, then the
state, validates with a message naming the field, writes inside one transaction, records an
audit entry (`partnerships.membership.*`, `partnerships.contact.*`) and sends mail only after
commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from equityhub.accounts.models import Role, RoleAssignment, User
from equityhub.accounts.selectors import is_staff_user
from equityhub.accounts.services import grant_role, revoke_role
from equityhub.audit.services import diff, record, snapshot
from equityhub.core.exceptions import Conflict, NotAllowed, ServiceError
from equityhub.core.tasks import send_email
from equityhub.partnerships import access
from equityhub.partnerships.models import Contact, Membership
from equityhub.people import services as people_services
from equityhub.people.models import Organization

MEMBERSHIP_FIELDS = [
    "organization_id",
    "partner_type",
    "role",
    "joined_on",
    "left_on",
    "description",
]
# The terms of a membership: office staff only.
MEMBERSHIP_TERMS = frozenset({"partner_type", "role", "joined_on", "left_on"})
MEMBERSHIP_EDITABLE = frozenset({*MEMBERSHIP_TERMS, "description"})
CONTACT_FIELDS = ["organization_id", "name", "title", "email", "phone", "role", "is_active"]
CONTACT_EDITABLE = frozenset({"name", "title", "email", "phone", "role"})
NEW_ORGANIZATION_FIELDS = frozenset(
    {"kind", "short_name", "website", "address", "city", "zip_code"}
)
# A membership dated this far ahead is a typo, not a plan.
FURTHEST_AHEAD = dt.timedelta(days=366)
EARLIEST = dt.date(1900, 1, 1)


@dataclass(frozen=True)
class NewOrganization:
    """An organization joining the consortium that the foundation does not know yet."""

    name: str
    kind: str = Organization.Kind.COMMUNITY
    website: str = ""
    address: str = ""
    city: str = ""
    zip_code: str = ""

    def fields(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "website": self.website.strip(),
            "address": self.address.strip(),
            "city": self.city.strip(),
            "zip_code": self.zip_code.strip(),
        }


# -- helpers ------------------------------------------------------------------------------------


def _require_staff(actor: Any) -> None:
    if not access.is_consortium_staff(actor):
        raise NotAllowed(_("Only office staff may change the terms of a consortium membership."))


def _require_editor(actor: Any, organization: Organization) -> None:
    if not access.can_edit_organization(actor, organization):
        raise NotAllowed(_("You may only change your own organization's consortium record."))


def _clean(obj: Any, *, exclude: list[str]) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ServiceError(
            "; ".join(str(m) for m in messages), field=None if field == "__all__" else field
        ) from None


def _day(value: dt.date) -> str:
    """A date as people read it, in the current language."""
    return formats.date_format(value, "DATE_FORMAT")


def _check_dates(joined_on: dt.date | None, left_on: dt.date | None) -> None:
    if joined_on is None:
        raise ServiceError(_("Enter the date the partner joined."), field="joined_on")
    latest = timezone.localdate() + FURTHEST_AHEAD
    if not EARLIEST <= joined_on <= latest:
        raise ServiceError(
            _("The joining date must be between %(first)s and %(last)s.")
            % {"first": _day(EARLIEST), "last": _day(latest)},
            field="joined_on",
        )
    if left_on is not None:
        if left_on < joined_on:
            raise ServiceError(
                _("A membership cannot end (%(left)s) before it began (%(joined)s).")
                % {"left": _day(left_on), "joined": _day(joined_on)},
                field="left_on",
            )
        if left_on > latest:
            raise ServiceError(
                _("The end date must be on or before %(last)s.") % {"last": _day(latest)},
                field="left_on",
            )


def _membership_of(organization: Organization) -> Membership:
    try:
        return Membership.objects.select_for_update().get(organization=organization)
    except Membership.DoesNotExist:
        raise ServiceError(
            _("%(organization)s is not a consortium partner.") % {"organization": organization},
            field="organization",
        ) from None


def _locked_contact(pk: int) -> Contact:
    """The contact, its row locked for the rest of the transaction. Only its own row: the
    login is a nullable join, which PostgreSQL cannot lock ("FOR UPDATE cannot be applied to
    the nullable side of an outer join")."""
    return (
        Contact.objects.select_for_update(of=("self",))
        .select_related("organization", "user")
        .get(pk=pk)
    )


def _email_taken(organization_id: int, email: str, *, exclude_pk: int | None = None) -> bool:
    contacts = Contact.objects.filter(organization_id=organization_id, email__iexact=email)
    if exclude_pk is not None:
        contacts = contacts.exclude(pk=exclude_pk)
    return contacts.exists()


def _duplicate_email(email: str) -> Conflict:
    return Conflict(
        _("This organization already has a contact with the e-mail address %(email)s.")
        % {"email": email},
        field="email",
    )


def _save_contact(contact: Contact) -> None:
    """Save, turning the unique (organization, address) constraint into the same Conflict as
    the check before it: the backstop for a writer that did not take the membership lock."""
    try:
        with transaction.atomic():
            contact.save()
    except IntegrityError:
        raise _duplicate_email(contact.email) from None


# -- memberships --------------------------------------------------------------------------------


@transaction.atomic
def create_membership(
    *,
    actor: Any,
    partner_type: str,
    joined_on: dt.date,
    organization: Organization | None = None,
    new_organization: NewOrganization | None = None,
    role: str = Membership.ConsortiumRole.MEMBER,
    left_on: dt.date | None = None,
    description: str = "",
) -> Membership:
    """Make an organization a consortium partner: one the foundation knows (`organization`) or
    a new one (`new_organization`), never both.

    Side effects, in order: for a new organization, its Organization row (audit
    `people.organization.created`); one Membership row; audit `partnerships.membership.created`.
    """
    _require_staff(actor)
    if (organization is None) == (new_organization is None):
        raise ServiceError(
            _("Choose an organization from the list or enter a new one, not both."),
            field="organization",
        )
    _check_dates(joined_on, left_on)
    if organization is not None:
        # Locked so that two staff adding the same organization at once cannot both pass the
        # check; the one-to-one column is the backstop.
        organization = Organization.objects.select_for_update().get(pk=organization.pk)
        if Membership.objects.filter(organization=organization).exists():
            raise Conflict(
                _("%(organization)s is already a consortium partner.")
                % {"organization": organization},
                field="organization",
            )
    else:
        assert new_organization is not None  # noqa: S101  (narrowing: checked above)
        try:
            organization = people_services.create_organization(
                actor=actor, name=new_organization.name, **new_organization.fields()
            )
        except ServiceError as error:
            # Named as the input it came from, so a form or a client can point at it.
            error.field = f"new_organization.{error.field}" if error.field else "new_organization"
            raise
    membership = Membership(
        organization=organization,
        partner_type=partner_type,
        role=role,
        joined_on=joined_on,
        left_on=left_on,
        description=description.strip(),
    )
    _clean(membership, exclude=["organization"])
    membership.save()
    record(
        "partnerships.membership.created",
        actor=actor,
        obj=membership,
        data=snapshot(membership, MEMBERSHIP_FIELDS),
    )
    return membership


@transaction.atomic
def update_membership(*, membership: Membership, actor: Any, **changes: Any) -> Membership:
    """Change a membership. Staff change anything; the organization's partner users change
    the description only (a changed term raises NotAllowed).

    Side effects: the Membership row; audit `partnerships.membership.updated` (when anything
    changed).
    """
    _require_editor(actor, membership.organization)
    unknown = set(changes) - MEMBERSHIP_EDITABLE
    if unknown:
        raise ServiceError(_("Unknown field: %(field)s.") % {"field": sorted(unknown)[0]})
    membership = (
        Membership.objects.select_for_update().select_related("organization").get(pk=membership.pk)
    )
    # Sending a term unchanged (a form or client echoing the record back) is not a change.
    changed_terms = sorted(
        field
        for field in MEMBERSHIP_TERMS & set(changes)
        if changes[field] != getattr(membership, field)
    )
    if changed_terms and not access.is_consortium_staff(actor):
        raise NotAllowed(
            _("Only office staff may change the terms of a consortium membership (%(field)s).")
            % {"field": getattr(Membership._meta.get_field(changed_terms[0]), "verbose_name", "")}
        )
    before = snapshot(membership, MEMBERSHIP_FIELDS)
    for field, value in changes.items():
        setattr(membership, field, (value or "").strip() if field == "description" else value)
    _check_dates(membership.joined_on, membership.left_on)
    _clean(membership, exclude=["organization"])
    changed = diff(before, snapshot(membership, MEMBERSHIP_FIELDS))
    if changed:
        membership.save()
        record("partnerships.membership.updated", actor=actor, obj=membership, changes=changed)
    return membership


@transaction.atomic
def end_membership(
    *, membership: Membership, actor: Any, left_on: dt.date, reason: str
) -> Membership:
    """End a membership on `left_on` (staff only), for a reason kept in the audit log. The
    organization's contacts keep their portal access until it is revoked one by one.

    Side effects: Membership.left_on; audit `partnerships.membership.ended`.
    """
    _require_staff(actor)
    membership = (
        Membership.objects.select_for_update().select_related("organization").get(pk=membership.pk)
    )
    if membership.left_on is not None:
        raise Conflict(
            _("This membership already ends on %(date)s; change the date on the edit page.")
            % {"date": _day(membership.left_on)},
            field="left_on",
        )
    reason = reason.strip()
    if not reason:
        raise ServiceError(_("Say why the membership ends."), field="reason")
    if len(reason) > 500:
        raise ServiceError(_("Keep the reason under 500 characters."), field="reason")
    _check_dates(membership.joined_on, left_on)
    membership.left_on = left_on
    membership.save(update_fields=["left_on", "updated_at"])
    record(
        "partnerships.membership.ended",
        actor=actor,
        obj=membership,
        changes={"left_on": [None, left_on]},
        data={"reason": reason},
    )
    return membership


# -- contacts -----------------------------------------------------------------------------------


@transaction.atomic
def create_contact(
    *,
    organization: Organization,
    actor: Any,
    name: str,
    email: str,
    title: str = "",
    phone: str = "",
    role: str = Contact.Role.PRIMARY,
) -> Contact:
    """Add a contact to a partner organization (staff, or the organization's partner users).

    Side effects: one Contact row; audit `partnerships.contact.created`.
    """
    _require_editor(actor, organization)
    _membership_of(organization)
    contact = Contact(
        organization=organization,
        name=name.strip(),
        email=email.strip(),
        title=title.strip(),
        phone=phone.strip(),
        role=role,
    )
    _clean(contact, exclude=["organization", "user"])
    if _email_taken(organization.pk, contact.email):
        raise _duplicate_email(contact.email)
    _save_contact(contact)
    record(
        "partnerships.contact.created",
        actor=actor,
        obj=contact,
        data=snapshot(contact, CONTACT_FIELDS),
    )
    return contact


@transaction.atomic
def update_contact(*, contact: Contact, actor: Any, **changes: Any) -> Contact:
    """Change a contact's name, title, e-mail, phone or role. The e-mail address of a contact
    with portal access is their sign-in: it changes only after access is revoked.

    Side effects: the Contact row; audit `partnerships.contact.updated` (when anything changed).
    """
    _require_editor(actor, contact.organization)
    unknown = set(changes) - CONTACT_EDITABLE
    if unknown:
        raise ServiceError(_("Unknown field: %(field)s.") % {"field": sorted(unknown)[0]})
    contact = _locked_contact(contact.pk)
    before = snapshot(contact, CONTACT_FIELDS)
    for field, value in changes.items():
        setattr(
            contact, field, value.strip() if isinstance(value, str) and field != "role" else value
        )
    _clean(contact, exclude=["organization", "user"])
    email_changed = contact.email.casefold() != str(before["email"]).casefold()
    if email_changed and contact.user_id is not None:
        raise Conflict(
            _(
                "%(name)s signs in to the portal with %(email)s: revoke their access before "
                "changing the address."
            )
            % {"name": contact.name, "email": before["email"]},
            field="email",
        )
    if email_changed:
        # The lock create_contact takes, so that adding a contact and moving another to the
        # same address wait for each other instead of both passing the check (contact row,
        # then membership row: the order invite_contact takes them in).
        _membership_of(contact.organization)
        if _email_taken(contact.organization_id, contact.email, exclude_pk=contact.pk):
            raise _duplicate_email(contact.email)
    changed = diff(before, snapshot(contact, CONTACT_FIELDS))
    if changed:
        _save_contact(contact)
        record("partnerships.contact.updated", actor=actor, obj=contact, changes=changed)
    return contact


@transaction.atomic
def deactivate_contact(*, contact: Contact, actor: Any) -> Contact:
    """Mark a contact as no longer active; one with portal access loses it.

    Side effects, in order: those of `revoke_contact_access` when the contact has access;
    Contact.is_active; audit `partnerships.contact.deactivated`.
    """
    _require_editor(actor, contact.organization)
    contact = _locked_contact(contact.pk)
    if not contact.is_active:
        raise Conflict(_("%(name)s is already inactive.") % {"name": contact.name})
    if contact.user_id is not None:
        contact = revoke_contact_access(contact=contact, actor=actor)
    contact.is_active = False
    contact.save(update_fields=["is_active", "updated_at"])
    record(
        "partnerships.contact.deactivated",
        actor=actor,
        obj=contact,
        changes={"is_active": [True, False]},
    )
    return contact


# -- the partner portal -------------------------------------------------------------------------


def _partner_assignment(user: User, organization: Organization) -> RoleAssignment | None:
    return RoleAssignment.objects.filter(
        user=user,
        role=Role.PARTNER,
        scope_type=ContentType.objects.get_for_model(Organization),
        scope_id=organization.pk,
    ).first()


def _is_current(assignment: RoleAssignment) -> bool:
    return RoleAssignment.objects.current().filter(pk=assignment.pk).exists()


def _login_for(email: str) -> User | None:
    return User.objects.filter(email__iexact=email).first()


def _existing_login(user: User, email: str) -> tuple[User, bool]:
    if not user.is_active:
        raise Conflict(
            _("The account for %(email)s is disabled; ask the office to enable it first.")
            % {"email": email},
            field="email",
        )
    return user, False


def _portal_user(contact: Contact, language: str) -> tuple[User, bool]:
    """The login for the contact's e-mail address, created (verified address, no usable
    password) when there is none. Returns the user and whether it is new."""
    user = _login_for(contact.email)
    if user is not None:
        return _existing_login(user, contact.email)
    try:
        with transaction.atomic():
            user = User.objects.create_user(contact.email, password=None, language=language)
            # The invitation is sent to this address and its link is the only way in, so
            # following it proves the address: it is verified from the start.
            EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    except IntegrityError:
        # Another invitation to the same address (another organization's contact: this one is
        # locked) created the login after the look-up above; the unique index waited for it
        # to commit, so it can be read now. Use it, as if it had been there all along.
        found = _login_for(contact.email)
        if found is None:
            raise Conflict(
                _("Another invitation to %(email)s is under way; try again in a moment.")
                % {"email": contact.email},
                field="email",
            ) from None
        return _existing_login(found, contact.email)
    record(
        "accounts.user.created",
        actor=None,
        obj=user,
        data={"invited_as_contact": contact.pk, "organization": contact.organization_id},
    )
    return user, True


def _signs_in_as_usual(user: User) -> bool:
    # Staff sign in with their password and an authenticator; a reset link mailed on someone
    # else's initiative is not how their credentials should change.
    return is_staff_user(user) or user.is_superuser or user.is_staff


def _absolute(path: str) -> str:
    return settings.SITE_ROOT.rstrip("/") + path


def password_link(user: User) -> str:
    """allauth's "set a new password" link for the user (valid PASSWORD_RESET_TIMEOUT, until
    the password changes)."""
    key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
    path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
    return _absolute(path.replace("UID-KEY", quote(key)))


@dataclass(frozen=True)
class _Letter:
    to: str
    subject: str
    body: str
    html: str


def _invitation(
    contact: Contact, user: User, actor: Any, *, language: str, with_link: bool
) -> _Letter:
    with translation.override(language):
        context: Mapping[str, Any] = {
            "contact": contact,
            "organization": contact.organization,
            "inviter": getattr(actor, "email", ""),
            "site_name": settings.SITE_NAME,
            "password_url": password_link(user) if with_link else "",
            "login_url": _absolute(reverse("account_login")),
            "portal_url": _absolute(reverse("partnerships:my_organization")),
            "days": max(settings.PASSWORD_RESET_TIMEOUT // 86400, 1),
            "language": language,
        }
        subject = render_to_string("partnerships/email/invitation_subject.txt", context)
        body = render_to_string("partnerships/email/invitation.txt", context)
        html = render_to_string("partnerships/email/invitation.html", context)
    return _Letter(to=user.email, subject=" ".join(subject.split()), body=body, html=html)


@transaction.atomic
def invite_contact(*, contact: Contact, actor: Any, language: str | None = None) -> Contact:
    """Give a contact access to the partner portal for their organization and e-mail them how
    to sign in. Inviting again sends a fresh message (and link).

    Side effects, in order: a User for the contact's e-mail address when there is none (a
    verified primary EmailAddress, an unusable password; audit `accounts.user.created`); the
    PARTNER role scoped to the organization unless held (audit `accounts.role.granted`);
    Contact.user and Contact.invited_at; audit `partnerships.contact.invited`; after commit,
    one e-mail (plain text and HTML, in `language`, by default the current request's) with a
    link to set a password, or, for a user with a staff role, a note to sign in as usual.
    """
    _require_editor(actor, contact.organization)
    contact = _locked_contact(contact.pk)
    if not contact.is_active:
        raise Conflict(
            _("%(name)s is inactive: an inactive contact cannot be invited.")
            % {"name": contact.name}
        )
    membership = _membership_of(contact.organization)
    if membership.left_on is not None and membership.left_on < timezone.localdate():
        raise Conflict(
            _("%(organization)s left the consortium on %(date)s.")
            % {"organization": contact.organization, "date": _day(membership.left_on)}
        )
    language = language or translation.get_language() or settings.LANGUAGE_CODE
    resent = contact.user_id is not None
    if contact.user is not None:
        user, new_account = contact.user, False
    else:
        user, new_account = _portal_user(contact, language)
    assignment = _partner_assignment(user, contact.organization)
    if assignment is not None and not _is_current(assignment):
        revoke_role(assignment=assignment, actor=actor)
        assignment = None
    if assignment is None:
        grant_role(user=user, role=Role.PARTNER, scope=contact.organization, actor=actor)
    with_link = not _signs_in_as_usual(user)
    contact.user = user
    contact.invited_at = timezone.now()
    contact.save(update_fields=["user", "invited_at", "updated_at"])
    record(
        "partnerships.contact.invited",
        actor=actor,
        obj=contact,
        data={
            "user": user.pk,
            "new_account": new_account,
            "resent": resent,
            "password_link": with_link,
            "language": language,
        },
    )
    letter = _invitation(contact, user, actor, language=language, with_link=with_link)
    transaction.on_commit(
        lambda: send_email.enqueue(
            subject=letter.subject, body=letter.body, html=letter.html, to=[letter.to]
        )
    )
    return contact


@transaction.atomic
def revoke_contact_access(*, contact: Contact, actor: Any) -> Contact:
    """Take the contact's portal access away: the PARTNER role for this organization (kept if
    another contact of the organization still links the same login) and the link to the login.
    The login itself and its other roles stay.

    Side effects, in order: the RoleAssignment row (audit `accounts.role.revoked`);
    Contact.user and Contact.invited_at cleared; audit `partnerships.contact.access_revoked`.
    """
    _require_editor(actor, contact.organization)
    contact = _locked_contact(contact.pk)
    user = contact.user
    if user is None:
        raise Conflict(_("%(name)s has no portal access.") % {"name": contact.name})
    if user.pk == getattr(actor, "pk", None) and not access.is_consortium_staff(actor):
        raise Conflict(_("You cannot take away your own access; ask a colleague or the office."))
    shared = (
        Contact.objects.filter(organization=contact.organization, user=user)
        .exclude(pk=contact.pk)
        .exists()
    )
    assignment = _partner_assignment(user, contact.organization)
    if assignment is not None and not shared:
        revoke_role(assignment=assignment, actor=actor)
    contact.user = None
    contact.invited_at = None
    contact.save(update_fields=["user", "invited_at", "updated_at"])
    record(
        "partnerships.contact.access_revoked",
        actor=actor,
        obj=contact,
        data={"user": user.pk, "role_revoked": assignment is not None and not shared},
    )
    return contact
