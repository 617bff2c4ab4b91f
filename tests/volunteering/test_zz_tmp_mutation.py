import pytest
from tests.volunteering import test_state_machine as sm
from equityhub.volunteering import services

@pytest.mark.parametrize("what", ["gap", "fill", "lapse"])
@pytest.mark.django_db
def test_mutant(what, make_user, opportunity, supervisor, monkeypatch):
    if what == "gap":
        monkeypatch.setattr(services, "_close_waitlist_gap", lambda shift, position: None)
    elif what == "fill":
        monkeypatch.setattr(services, "_fill_seats", lambda shift, *, actor, now: services._save_counts(shift) or [])
    else:
        orig = services._lapse
        def lapse(signup, shift, *, actor, now, why):
            signup.status = "offer_lapsed"; signup.offer_expires_at=None; signup.save()
        monkeypatch.setattr(services, "_lapse", lapse)
    sm.test_the_waitlist_keeps_its_promises_whatever_happens(make_user, opportunity, supervisor)
