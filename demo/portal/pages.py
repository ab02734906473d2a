"""Rendering helpers shared by the views: error pages and page numbers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from flask import g, render_template, request

from demo.portal.money import format_european
from demo.portal.state import current_session


def error_page(status: int, title: str, message: str) -> tuple[str, int]:
    return render_template("error.html", status=status, title=title, message=message), status


def server_error() -> tuple[str, int]:
    """What the legacy system shows when its database hiccups."""
    return error_page(500, "Internal Server Error",
                      "The transaction could not be completed (ORA-00060: deadlock detected"
                      " while waiting for resource). Please contact your administrator.")


def page_number() -> int:
    try:
        return max(1, int(request.args.get("page", "1")))
    except ValueError:
        return 1


def csrf_token() -> str:
    return current_session().csrf_token


def current_user() -> str:
    session = g.get("portal_session")
    return session.user or "" if session is not None else ""


def day_month_year(iso_date: str) -> str:
    """'2026-03-15' -> '15/03/2026', as every date on the portal is shown."""
    return date.fromisoformat(iso_date[:10]).strftime("%d/%m/%Y")


def money(value: Decimal | str) -> str:
    """Amounts from the DB (text) or from code (Decimal), shown as 1.234,56."""
    return format_european(Decimal(value))
