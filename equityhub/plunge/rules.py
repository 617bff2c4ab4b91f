"""Who may do what in the Medical Plunge: office staff plan it; participants see their own."""

from __future__ import annotations

import rules

from equityhub.accounts.rules import is_office_staff

rules.add_perm("plunge.plan", is_office_staff)
rules.add_perm("plunge.check_in", is_office_staff)
