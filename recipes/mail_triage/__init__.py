"""The mail triage recipe: the customer mailbox screened, read, routed and answered.

`recipe` holds the recipe; intake (fetch, parse, screen, read), handling (route, answer),
filing (move by UID sets), routing (the TOML file) and credit_requests are its parts.
"""

from __future__ import annotations

from recipes.mail_triage.recipe import MailTriageParams, mail_triage

__all__ = ["MailTriageParams", "mail_triage"]
