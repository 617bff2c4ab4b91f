import pytest
from tests.volunteering import test_state_machine as sm
from equityhub.volunteering import services

@pytest.mark.parametrize("run", range(3))
@pytest.mark.parametrize("what", ["gap", "lapse", "fill_order", "accept"])
@pytest.mark.django_db
def test_mutant(what, run, make_user, opportunity, supervisor, monkeypatch):
    if what == "gap":
        monkeypatch.setattr(services, "_close_waitlist_gap", lambda shift, position: None)
    elif what == "lapse":
        def lapse(signup, shift, *, actor, now, why):
            signup.status = "offer_lapsed"; signup.offer_expires_at=None; signup.save()
            services._save_counts(shift)
        monkeypatch.setattr(services, "_lapse", lapse)
    elif what == "fill_order":
        orig = services.SignUp.objects.select_related
        real_fill = services._fill_seats
        def fill(shift, *, actor, now):
            # offer the LAST instead of the first
            seated, _ = services._recount(shift)
            offered = []
            while seated < shift.capacity:
                head = services.SignUp.objects.filter(shift=shift, status="waitlisted").order_by("-waitlist_position").first()
                if head is None: break
                head.status = "offered"; head.waitlist_position = None; head.offer_expires_at = now; head.save()
                seated += 1
                offered.append(head)
            services._save_counts(shift)
            return offered
        monkeypatch.setattr(services, "_fill_seats", fill)
    else:
        orig = services.accept_offer
        def accept(*, signup, actor):
            r = orig(signup=signup, actor=actor)
            services.SignUp.objects.filter(pk=r.pk).update(status="cancelled")
            return r
        monkeypatch.setattr(services, "accept_offer", accept)
    sm.test_the_waitlist_keeps_its_promises_whatever_happens(make_user, opportunity, supervisor)
