"""`equityhub demo`: migrate, load the St. Louis demo, print the logins, serve.

Loading is idempotent: organizations are found by name, people by e-mail address, logins by
e-mail address, and whatever already exists is left exactly as it is, so a second run creates
nothing, changes nothing and writes nothing to the audit log. Everything goes through the
services (`people.services`, `accounts.services.grant_role`), so the audit log of a fresh demo
reads like the office's own.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from equityhub.accounts.models import Role, RoleAssignment, User
from equityhub.accounts.services import grant_role
from equityhub.audit.models import AuditEntry
from equityhub.audit.services import record
from equityhub.core import demo_data
from equityhub.core.demo_data import DemoAffiliation, DemoLogin, DemoPerson
from equityhub.partnerships import demo as partnerships_demo
from equityhub.people import services as people
from equityhub.people.models import (
    Affiliation,
    Consent,
    DemographicProfile,
    Organization,
    Person,
    PersonLanguage,
)
from equityhub.places import services as places_services
from equityhub.places.models import Area
from equityhub.plunge import demo as plunge_demo
from equityhub.programs import demo as programs_demo
from equityhub.volunteering import demo as volunteering_demo

DEMOGRAPHICS_PERMISSION = ("people", "view_demographicprofile")
# The tables the demo writes, in the order the summary lists them.
COUNTED_MODELS: tuple[tuple[str, type[models.Model]], ...] = (
    ("organizations", Organization),
    ("people", Person),
    ("affiliations", Affiliation),
    ("languages", PersonLanguage),
    ("demographic profiles", DemographicProfile),
    ("consents", Consent),
    ("users", User),
    ("verified e-mail addresses", EmailAddress),
    ("role assignments", RoleAssignment),
    ("audit entries", AuditEntry),
)


@dataclass(frozen=True)
class LoadResult:
    created: Counter[str]
    seconds: float


def row_counts() -> dict[str, int]:
    return {label: model._default_manager.count() for label, model in COUNTED_MODELS}


def check_demo_password() -> None:
    """The shared password must pass the project's own validators for every demo login."""
    for login in demo_data.LOGINS:
        validate_password(demo_data.DEMO_PASSWORD, user=User(email=login.email))


@contextlib.contextmanager
def _demo_mail_discarded() -> Iterator[None]:
    """The services mail the fictional volunteers (sign-up confirmations, waitlist places...):
    with tasks run in-process, as `make demo` runs them, that mail (and a log line per task)
    would flood the console. Those messages are discarded; anything sent by a worker later is
    not affected."""
    previous = settings.EMAIL_BACKEND
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
    task_log = logging.getLogger("django_tasks")  # a line per task run in-process
    level = task_log.level
    task_log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        settings.EMAIL_BACKEND = previous
        task_log.setLevel(level)


def load_demo(*, people_count: int, seed: int) -> LoadResult:
    """Create whatever part of the demo is missing, in one transaction.

    Side effects (only for what does not exist yet): the demo logins (User, verified
    EmailAddress, audit `accounts.user.created`), the organizations, the logins' persons and
    roles, the "Data stewards" group with the demographics permission, `people_count` fictional
    people with affiliations, languages, demographics and consents (each write audited by its
    service), the volunteering demo (`equityhub.volunteering.demo.load`: sites, shifts,
    credentials, sign-ups and hours), the Medical Plunge demo (`equityhub.plunge.demo.load`: a
    planned week with its groups, rotation and buses), the consortium demo
    (`equityhub.partnerships.demo.load`: ZIP code areas with indicators, members, contacts,
    initiatives, agreements, metrics, meetings), the full ZIP boundaries when the shared St.
    Louis files are beside the project, and one audit `core.demo.loaded` entry
    when anything was created.
    """
    started = time.perf_counter()
    created: Counter[str] = Counter()
    today = timezone.localdate()
    with _demo_mail_discarded(), transaction.atomic():
        users = {login.key: _ensure_user(login, created) for login in demo_data.LOGINS}
        admin, coordinator = users["admin"], users["coordinator"]
        organizations = _ensure_organizations(actor=admin, created=created)
        for login in demo_data.LOGINS:
            _ensure_login(login, users[login.key], organizations, actor=admin, created=created)
        known = set(
            Person.objects.annotate(address=Lower("email")).values_list("address", flat=True)
        )
        for person in demo_data.generate_people(people_count, seed=seed, today=today):
            if person.guardian is not None:
                _ensure_person(person.guardian, organizations, coordinator, known, created)
            _ensure_person(person, organizations, coordinator, known, created)
        created.update(volunteering_demo.load(actor=admin, seed=seed, today=today))
        created.update(plunge_demo.load(actor=admin, seed=seed, today=today))
        created.update(partnerships_demo.load(actor=admin, seed=seed, today=today))
        created.update(programs_demo.load(actor=admin, seed=seed, today=today))
        created.update(_import_shared_boundaries(actor=admin))
        if created:
            record(
                "core.demo.loaded",
                actor=None,
                data={"seed": seed, "people": people_count, "created": dict(created)},
            )
    return LoadResult(created=created, seconds=time.perf_counter() - started)


# The St. Louis ZCTA boundaries and ACS tables shipped beside the project (see its README);
# the demo draws the atlas with the compact table's centroids when they are absent.
SHARED_ZCTA_DIR = settings.PROJECT_DIR.parent / "shared" / "data" / "stl-zcta"


def _import_shared_boundaries(*, actor: User) -> Counter[str]:
    """Import the full ZIP boundaries when the shared files are present and the demo's areas
    have none yet (so a second run changes nothing)."""
    created: Counter[str] = Counter()
    missing = Area.objects.filter(kind=Area.Kind.ZCTA, geometry__isnull=True)
    if missing.exists() and places_services.import_shared_boundaries(
        directory=SHARED_ZCTA_DIR, actor=actor
    ):
        created["area boundaries"] = Area.objects.filter(geometry__isnull=False).count()
    return created


def _ensure_user(login: DemoLogin, created: Counter[str]) -> User:
    user = User.objects.filter(email__iexact=login.email).first()
    if user is None:
        user = User.objects.create_user(
            login.email, password=demo_data.DEMO_PASSWORD, is_staff=login.is_staff
        )
        record("accounts.user.created", actor=None, obj=user, data={"demo": True})
        created["logins"] += 1
    if not EmailAddress.objects.filter(user=user, email__iexact=login.email).exists():
        EmailAddress.objects.create(user=user, email=login.email, verified=True, primary=True)
    return user


def _ensure_organizations(*, actor: User, created: Counter[str]) -> dict[str, Organization]:
    names = [organization.name for organization in demo_data.ORGANIZATIONS]
    found = {o.name: o for o in Organization.objects.filter(name__in=names)}
    for spec in demo_data.ORGANIZATIONS:
        if spec.name in found:
            continue
        parent = found[spec.parent] if spec.parent else None
        found[spec.name] = people.create_organization(
            actor=actor,
            name=spec.name,
            short_name=spec.short_name,
            kind=spec.kind,
            parent_id=parent.pk if parent is not None else None,
            address=spec.address,
            city=spec.city,
            state="MO",
            zip_code=spec.zip_code,
            website=spec.website,
            is_fictional=spec.is_fictional,
        )
        created["organizations"] += 1
    return found


def _ensure_login(
    login: DemoLogin,
    user: User,
    organizations: dict[str, Organization],
    *,
    actor: User,
    created: Counter[str],
) -> None:
    if not Person.objects.filter(email__iexact=login.email).exists():
        person = people.create_person(
            actor=actor,
            user=user,
            given_name=login.given_name,
            family_name=login.family_name,
            email=login.email,
            date_of_birth=login.date_of_birth,
            home_zip=login.home_zip,
        )
        _add_affiliation(person, login.affiliation, organizations, actor)
        people.set_languages(person=person, actor=actor, languages=dict(login.languages))
        if login.demographics is not None:
            people.update_demographics(
                person=person, actor=actor, **_demographic_answers(login.demographics)
            )
        created["people"] += 1
    scope = organizations[login.scope] if login.scope else None
    scope_type = ContentType.objects.get_for_model(scope) if scope is not None else None
    # A role scoped to a volunteering site or a pathway program is granted by that demo.
    if (
        not login.site
        and not login.program
        and not RoleAssignment.objects.filter(
            user=user, role=login.role, scope_type=scope_type, scope_id=scope.pk if scope else None
        ).exists()
    ):
        grant_role(user=user, role=login.role, scope=scope, actor=None if user == actor else actor)
        created["roles"] += 1
    if login.data_steward:
        group = _data_stewards_group()
        if not user.groups.filter(pk=group.pk).exists():
            user.groups.add(group)
            record(
                "accounts.group.joined",
                actor=None,
                obj=user,
                data={"group": group.name, "permission": ".".join(DEMOGRAPHICS_PERMISSION)},
            )
            created["group memberships"] += 1
    if login.is_staff:
        group = _admin_site_group()
        if not user.groups.filter(pk=group.pk).exists():
            user.groups.add(group)
            record("accounts.group.joined", actor=None, obj=user, data={"group": group.name})
            created["group memberships"] += 1


# What the office administrator does in /admin/: keep organizations and roles, read the registry
# and the audit log. Demographic profiles are not in the admin at all.
ADMIN_SITE_PERMISSIONS = [
    ("people", "view_organization"),
    ("people", "add_organization"),
    ("people", "change_organization"),
    ("people", "view_person"),
    ("accounts", "view_user"),
    ("accounts", "change_user"),
    ("accounts", "view_roleassignment"),
    ("accounts", "add_roleassignment"),
    ("accounts", "change_roleassignment"),
    ("accounts", "delete_roleassignment"),
    ("accounts", "view_apitoken"),
    ("audit", "view_auditentry"),
]


def _admin_site_group() -> Group:
    group, _created = Group.objects.get_or_create(name="Office administrators (admin site)")
    wanted = Permission.objects.filter(
        content_type__app_label__in={app for app, _code in ADMIN_SITE_PERMISSIONS},
        codename__in={code for _app, code in ADMIN_SITE_PERMISSIONS},
    )
    missing = wanted.exclude(pk__in=group.permissions.values("pk"))
    if missing.exists():
        group.permissions.add(*missing)
    return group


def _data_stewards_group() -> Group:
    group, _created = Group.objects.get_or_create(name=demo_data.DATA_STEWARDS_GROUP)
    app_label, codename = DEMOGRAPHICS_PERMISSION
    permission = Permission.objects.get(content_type__app_label=app_label, codename=codename)
    if not group.permissions.filter(pk=permission.pk).exists():
        group.permissions.add(permission)
    return group


def _ensure_person(
    spec: DemoPerson,
    organizations: dict[str, Organization],
    actor: User,
    known: set[str],
    created: Counter[str],
) -> None:
    if spec.email.lower() in known:
        return
    person = people.create_person(
        actor=actor,
        given_name=spec.given_name,
        family_name=spec.family_name,
        email=spec.email,
        preferred_name=spec.preferred_name,
        pronouns=spec.pronouns,
        phone=spec.phone,
        date_of_birth=spec.date_of_birth,
        home_zip=spec.home_zip,
    )
    known.add(spec.email.lower())
    _add_affiliation(person, spec.affiliation, organizations, actor)
    people.set_languages(person=person, actor=actor, languages=dict(spec.languages))
    if spec.demographics is not None:
        people.update_demographics(
            person=person, actor=actor, **_demographic_answers(spec.demographics)
        )
    now = timezone.now()
    for consent in spec.consents:
        people.record_consent(
            person=person,
            actor=actor,
            kind=consent.kind,
            relationship=consent.relationship,
            given_by_name=consent.given_by_name,
            given_by_email=consent.given_by_email,
            given_at=now - dt.timedelta(days=consent.days_ago),
            expires_on=consent.expires_on,
            scope=consent.scope,
        )
    created["people"] += 1


def _add_affiliation(
    person: Person,
    spec: DemoAffiliation,
    organizations: dict[str, Organization],
    actor: User,
) -> None:
    people.add_affiliation(
        person=person,
        actor=actor,
        organization=organizations[spec.organization],
        training_level=spec.training_level,
        school_program=spec.school_program,
        grade_level=spec.grade_level,
        title=spec.title,
        start_date=spec.start_date,
        end_date=spec.end_date,
        is_primary=True,
    )


def _demographic_answers(answers: demo_data.DemoDemographics) -> dict[str, Any]:
    return {
        "race_ethnicity": answers.race_ethnicity,
        "race_ethnicity_declined": answers.race_ethnicity_declined,
        "race_ethnicity_detail": answers.race_ethnicity_detail,
        "gender_identity": answers.gender_identity,
        "gender_self_description": answers.gender_self_description,
        "first_generation_college": answers.first_generation_college,
        "economically_disadvantaged": answers.economically_disadvantaged,
        "disability": answers.disability,
        "rural_background": answers.rural_background,
    }


class Command(BaseCommand):
    help = (
        "Migrate, load the St. Louis demo (real consortium institutions, fictional people), "
        "print the demo logins and serve the site. Running it again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-serve", action="store_true", help="Load the demo without starting the server."
        )
        parser.add_argument(
            "--people", type=int, default=2000, help="How many fictional people (default 2000)."
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=demo_data.DEFAULT_SEED,
            help="Seed of the people generator; the same seed gives the same people.",
        )
        parser.add_argument(
            "--addrport", default="127.0.0.1:8000", help="Where to serve (default 127.0.0.1:8000)."
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Load even when DEBUG is off. Never do this on a production database.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                _(
                    "Refusing to load demo data: DEBUG is off, so this may be a production "
                    "database. Run it with DEBUG=1 (as `make demo` does), or add --force if "
                    "you are sure this database is a throwaway."
                )
            )
        if options["people"] < 0:
            raise CommandError(_("--people cannot be negative."))
        try:
            check_demo_password()
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None

        call_command("migrate", interactive=False, verbosity=0)
        before = row_counts()
        result = load_demo(people_count=options["people"], seed=options["seed"])
        after = row_counts()
        self._report(result, before, after)
        self._print_logins()
        if not options["no_serve"]:
            call_command("runserver", options["addrport"], use_reloader=False)

    def _report(self, result: LoadResult, before: dict[str, int], after: dict[str, int]) -> None:
        if result.created:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Demo loaded in %(seconds).1f s.") % {"seconds": result.seconds}
                )
            )
        else:
            self.stdout.write(_("The demo was already loaded; nothing was changed."))
        for label, count in after.items():
            added = count - before[label]
            line = f"  {label:<26} {count:>7}"
            self.stdout.write(f"{line}  (+{added})" if added else line)
        self.stdout.write(volunteering_demo.summary())
        self.stdout.write(plunge_demo.summary())
        self.stdout.write(partnerships_demo.summary())
        self.stdout.write(programs_demo.summary())

    def _print_logins(self) -> None:
        self.stdout.write("")
        self.stdout.write(
            self.style.MIGRATE_HEADING(
                _("Demo logins (password for all: %(password)s)")
                % {"password": demo_data.DEMO_PASSWORD}
            )
        )
        labels = dict(Role.choices)
        for login in demo_data.LOGINS:
            note = f"  - {login.note}" if login.note else ""
            self.stdout.write(
                f"  {labels[login.role]!s:<30} {login.email:<36} {demo_data.DEMO_PASSWORD}{note}"
            )
        self.stdout.write("")
