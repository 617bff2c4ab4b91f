"""The audit log: what record() stores, and that nothing can change or remove an entry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.sites import site
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.http import HttpResponse
from django.test import RequestFactory

from equityhub.audit.admin import AuditEntryAdmin
from equityhub.audit.context import current_ip, reset_current_ip, set_current_ip
from equityhub.audit.middleware import RequestContextMiddleware
from equityhub.audit.models import AppendOnlyError, AuditEntry
from equityhub.audit.services import REDACTED, diff, record, record_access
from equityhub.people.models import Person
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_record_stores_actor_action_object_changes_and_ip(admin_user, person):
    token = set_current_ip("203.0.113.7")
    try:
        entry = record(
            "people.person.updated",
            actor=admin_user,
            obj=person,
            changes={"phone": ["", "314-555-0100"]},
            data={"reason": "typo"},
        )
    finally:
        reset_current_ip(token)

    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.action == "people.person.updated"
    assert stored.kind == AuditEntry.Kind.CHANGE
    assert (stored.actor_id, stored.actor_email) == (admin_user.pk, admin_user.email)
    assert stored.content_type == ContentType.objects.get_for_model(Person)
    assert stored.object_id == str(person.pk)
    assert stored.object_repr == str(person)
    assert stored.changes == {"phone": ["", "314-555-0100"]}
    assert stored.data == {"reason": "typo"}
    assert stored.ip_address == "203.0.113.7"


def test_the_middleware_gives_services_the_clients_ip(admin_user, person):
    seen = []

    def view(request):
        seen.append(current_ip())
        record("test.action", actor=admin_user, obj=person)
        return HttpResponse()

    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.23")
    RequestContextMiddleware(view)(request)

    assert seen == ["198.51.100.23"]
    assert AuditEntry.objects.get().ip_address == "198.51.100.23"
    assert current_ip() is None


def test_a_forwarded_header_is_trusted_only_when_configured(admin_user, settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.9, 10.0.0.1"
    )
    seen = []

    def view(request):
        seen.append(current_ip())
        return HttpResponse()

    settings.AUDIT_IP_HEADER = ""
    RequestContextMiddleware(view)(request)
    settings.AUDIT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    RequestContextMiddleware(view)(request)

    assert seen == ["10.0.0.1", "192.0.2.9"]


def test_an_unparseable_ip_is_stored_as_none(admin_user):
    token = set_current_ip("not-an-ip")
    try:
        entry = record("test.action", actor=admin_user)
    finally:
        reset_current_ip(token)
    assert AuditEntry.objects.get(pk=entry.pk).ip_address is None


def test_an_anonymous_or_system_actor_is_stored_without_an_id():
    entry = record("system.job", actor=None)
    assert (entry.actor_id, entry.actor_email) == (None, "")
    assert entry.content_type is None


def test_values_are_stored_as_json(admin_user, person):
    entry = record(
        "test.action",
        actor=admin_user,
        changes={"date_of_birth": [None, dt.date(2001, 2, 3)], "person": [None, person]},
    )
    assert AuditEntry.objects.get(pk=entry.pk).changes == {
        "date_of_birth": [None, "2001-02-03"],
        "person": [None, person.pk],
    }


def test_diff_keeps_only_changed_fields_and_redacts_values_on_request():
    before = {"a": 1, "b": "x", "secret": "old"}
    after = {"a": 1, "b": "y", "secret": "new"}

    assert diff(before, after, redact={"secret"}) == {
        "b": ["x", "y"],
        "secret": [REDACTED, REDACTED],
    }


def test_record_access_writes_one_access_entry_per_object(admin_user):
    people = PersonFactory.create_batch(3)

    record_access("people.person.listed_minor", actor=admin_user, objects=people)

    entries = AuditEntry.objects.filter(kind=AuditEntry.Kind.ACCESS)
    assert sorted(entries.values_list("object_id", flat=True)) == sorted(str(p.pk) for p in people)


def test_record_access_with_no_objects_writes_nothing(admin_user):
    record_access("people.person.listed_minor", actor=admin_user, objects=[])
    assert not AuditEntry.objects.exists()


def test_timestamps_are_utc(admin_user):
    entry = record("test.action", actor=admin_user)

    stored = AuditEntry.objects.get(pk=entry.pk)

    assert stored.created_at.utcoffset() == dt.timedelta(0)
    assert abs(stored.created_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


# Append-only ---------------------------------------------------------------------------------


def test_an_entry_cannot_be_saved_again(admin_user):
    entry = record("test.action", actor=admin_user)
    entry.action = "test.forged"

    with pytest.raises(AppendOnlyError):
        entry.save()

    assert AuditEntry.objects.get(pk=entry.pk).action == "test.action"


def test_a_reloaded_entry_cannot_be_saved_either(admin_user):
    entry = AuditEntry.objects.get(pk=record("test.action", actor=admin_user).pk)
    with pytest.raises(AppendOnlyError):
        entry.save(update_fields=["action"])


def test_a_new_entry_given_an_existing_id_cannot_overwrite_it(admin_user):
    entry = record("test.action", actor=admin_user)

    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEntry(pk=entry.pk, action="test.forged").save()

    assert AuditEntry.objects.get(pk=entry.pk).action == "test.action"


def test_bulk_create_cannot_upsert_over_an_entry(admin_user):
    entry = record("test.action", actor=admin_user)

    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.bulk_create(
            [AuditEntry(pk=entry.pk, action="test.forged")],
            update_conflicts=True,
            update_fields=["action"],
            unique_fields=["id"],
        )

    assert AuditEntry.objects.get(pk=entry.pk).action == "test.action"


def test_bulk_create_still_appends(admin_user):
    AuditEntry.objects.bulk_create([AuditEntry(action="a"), AuditEntry(action="b")])
    assert AuditEntry.objects.count() == 2


def test_an_entry_cannot_be_deleted(admin_user):
    entry = record("test.action", actor=admin_user)
    with pytest.raises(AppendOnlyError):
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_the_queryset_refuses_update_and_delete(admin_user):
    record("test.action", actor=admin_user)

    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.update(action="test.forged")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(action="test.action").update(action="test.forged")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(action="test.action").delete()

    assert AuditEntry.objects.get().action == "test.action"


def test_bulk_update_is_refused(admin_user):
    entry = record("test.action", actor=admin_user)
    entry.action = "test.forged"
    # bulk_update runs inside atomic(savepoint=False); the savepoint here keeps the test's
    # transaction usable after the refusal.
    with pytest.raises(AppendOnlyError), transaction.atomic():
        AuditEntry.objects.bulk_update([entry], ["action"])
    assert AuditEntry.objects.get().action == "test.action"


def test_the_admin_is_read_only(admin_user):
    request = RequestFactory().get("/admin/audit/auditentry/")
    request.user = admin_user
    model_admin = site._registry[AuditEntry]
    entry = record("test.action", actor=admin_user)

    assert isinstance(model_admin, AuditEntryAdmin)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_change_permission(request, entry)
    assert not model_admin.has_delete_permission(request)
    assert not model_admin.has_delete_permission(request, entry)


def test_a_superuser_cannot_change_an_entry_in_the_admin(make_user, client_for):
    user = make_user(None)
    user.is_superuser = True
    user.is_staff = True
    user.save()
    entry = record("test.action", actor=user)
    client = client_for(user)

    page = client.get(f"/admin/audit/auditentry/{entry.pk}/change/")
    client.post(f"/admin/audit/auditentry/{entry.pk}/change/", {"action": "test.forged"})
    client.post(f"/admin/audit/auditentry/{entry.pk}/delete/", {"post": "yes"})

    assert page.status_code == 200  # viewing is allowed
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.action"


requires_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the append-only trigger exists only on PostgreSQL (audit migration 0002)",
)


@requires_postgresql
def test_postgresql_refuses_a_raw_update(admin_user):
    entry = record("test.action", actor=admin_user)

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE audit_auditentry SET action = %s WHERE id = %s", ["test.forged", entry.pk]
        )

    assert AuditEntry.objects.get(pk=entry.pk).action == "test.action"


@requires_postgresql
def test_postgresql_refuses_a_raw_delete(admin_user):
    entry = record("test.action", actor=admin_user)

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])

    assert AuditEntry.objects.filter(pk=entry.pk).exists()
