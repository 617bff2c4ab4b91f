"""Users, their roles (data with a scope) and personal API tokens."""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).strip(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A login. The person behind it (names, affiliations...) is `people.Person`."""

    # unique=True for the exact index Django's checks expect; the Lower() constraint below
    # is what makes addresses unique regardless of case.
    email = models.EmailField(_("e-mail address"), max_length=254, unique=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("Django admin access"),
        default=False,
        help_text=_("Lets the user into the technical admin site (/admin/)."),
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    language = models.CharField(_("preferred language"), max_length=10, blank=True)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.email


class Role(models.TextChoices):
    OFFICE_ADMIN = "office_admin", _("Office administrator")
    PROGRAM_COORDINATOR = "program_coordinator", _("Program coordinator")
    SITE_SUPERVISOR = "site_supervisor", _("Site supervisor")
    REVIEWER = "reviewer", _("Reviewer")
    PARTNER = "partner", _("Partner")
    MEMBER = "member", _("Member (student or trainee)")
    LEADERSHIP_VIEWER = "leadership_viewer", _("Leadership viewer")


# Roles that reach other people's records; with REQUIRE_MFA_FOR_STAFF they need TOTP.
STAFF_ROLES = frozenset(
    {
        Role.OFFICE_ADMIN,
        Role.PROGRAM_COORDINATOR,
        Role.SITE_SUPERVISOR,
        Role.REVIEWER,
        Role.LEADERSHIP_VIEWER,
    }
)
# Roles that only make sense for one object (a site, a program, an organization).
SCOPED_ROLES = frozenset({Role.SITE_SUPERVISOR, Role.REVIEWER, Role.PARTNER})


class RoleAssignmentQuerySet(models.QuerySet["RoleAssignment"]):
    def current(self) -> RoleAssignmentQuerySet:
        today = timezone.localdate()
        return self.filter(
            models.Q(starts_on__isnull=True) | models.Q(starts_on__lte=today),
            models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=today),
        )


class RoleAssignment(models.Model):
    """One role held by one user, optionally for one object (the scope)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    scope_type = models.ForeignKey(
        ContentType,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("scope type"),
    )
    scope_id = models.PositiveBigIntegerField(_("scope id"), null=True, blank=True)
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    granted_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            # Two partial constraints rather than one with nulls_distinct=False, which SQLite
            # does not support: an unscoped role once per user, a scoped one once per object.
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(scope_type__isnull=True),
                name="accounts_role_unique_unscoped",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "scope_type", "scope_id"],
                condition=models.Q(scope_type__isnull=False),
                name="accounts_role_unique_scoped",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(scope_type__isnull=True, scope_id__isnull=True)
                    | models.Q(scope_type__isnull=False, scope_id__isnull=False)
                ),
                name="accounts_role_scope_complete",
            ),
        ]

    def __str__(self) -> str:
        scope = f" ({self.scope_type.model} {self.scope_id})" if self.scope_type else ""
        return f"{self.user}: {self.get_role_display()}{scope}"


def hash_token(raw: str) -> str:
    # Tokens are 256 random bits, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 digest is stored; the token is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
