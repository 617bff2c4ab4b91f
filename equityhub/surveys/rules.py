"""Who may do what with surveys. Answering needs no rule: the private link is the credential."""

from __future__ import annotations

import rules

from equityhub.accounts.rules import is_leadership_viewer, is_office_staff

# Writing questionnaires and sending invitations: office staff.
rules.add_perm("surveys.manage_surveys", is_office_staff)
# Reading questionnaires and their (suppressed, aggregate) results: office staff and leadership.
rules.add_perm("surveys.view_results", is_office_staff | is_leadership_viewer)
