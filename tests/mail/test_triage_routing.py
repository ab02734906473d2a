"""The routing file: every category routed, each route complete; a bad file is refused
whole, naming the file and the key, before anything is fetched."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.errors import UsageError
from recipes.mail_triage.handling import decide
from recipes.mail_triage.recipe import MailTriageParams
from recipes.mail_triage.routing import DEFAULT_ROUTING, Action, load_routing


def test_the_shipped_routing_routes_every_category_as_the_contract_says() -> None:
    routing = load_routing()
    assert routing.route("payment_promise").queue == "collections_inbox"
    assert routing.route("payment_promise").kind == "promise"
    assert routing.route("order_return").queue == "order_requests"
    assert routing.route("order_return").kind == "return"
    assert routing.route("billing_credit").action is Action.REQUEST
    assert routing.route("complaint").action is Action.FORWARD


@pytest.mark.parametrize("change,message", [
    ('[categories.refunds]\naction = "answer"\n', "unknown categories ['refunds']"),
    ('[categories.general]\naction = "shout"\n', "action 'shout' is not one of"),
    ('[categories.general]\naction = "queue"\n', "needs `queue` and `kind`"),
    ('[categories.general]\naction = "forward"\nto = "not an address"\n', "forward needs `to`"),
    ('[folders]\nreview = "INBOX"\n', "folders.review must name a folder"),
])
def test_a_bad_routing_file_is_refused_with_the_key_named(tmp_path: Path, change: str,
                                                          message: str) -> None:
    text = DEFAULT_ROUTING.read_text(encoding="utf-8")
    section = change.split("\n", 1)[0]
    if section in text:  # replace the shipped section by the broken one
        start = text.index(section)
        end = text.find("\n[", start + 1)
        text = text[:start] + change + (text[end:] if end != -1 else "")
    else:
        text += "\n" + change
    path = tmp_path / "routing.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(UsageError, match=message.replace("[", r"\[").replace("]", r"\]")
                       .replace("(", r"\(").replace(")", r"\)")):
        load_routing(path)
    with pytest.raises(ValueError, match=str(path.name)):
        MailTriageParams(routing=path)


def test_a_missing_route_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "routing.toml"
    path.write_text('[categories.general]\naction = "answer"\n', encoding="utf-8")
    with pytest.raises(UsageError, match="no route for"):
        load_routing(path)


def test_decisions_screened_review_and_routes() -> None:
    routing = load_routing()
    screened = decide({"outcome": "screened", "screen": {"kind": "spam"}}, routing)
    assert (screened.folder, screened.next) == ("Triage/Spam", None)
    unsure = decide({"outcome": "read", "from": "a@b.example",
                     "reading": {"needs_review": True, "category": "general"}}, routing)
    assert (unsure.action, unsure.folder, unsure.next) == ("review", "Triage/Review", "review")
    nobody = decide({"outcome": "refused", "from": ""}, routing)
    assert nobody.next is None  # no address: nobody to acknowledge
    order = decide({"outcome": "read", "from": "a@b.example",
                    "reading": {"needs_review": False, "category": "order_cancellation"}},
                   routing)
    assert (order.action, order.folder, order.next) == ("queue", "Triage/Routed", "orders")
