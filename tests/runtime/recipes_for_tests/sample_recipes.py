"""Recipes used by the runtime tests (loaded through RPA_RECIPE_PATHS)."""

from __future__ import annotations

import time
from datetime import timedelta

from pydantic import BaseModel, Field

from bots import BusinessError, RetryPolicy, Run, get_settings, recipe

CALLS: dict[str, int] = {}


@recipe
def greet(run: Run, *, who: str = "world", times: int = Field(default=1, ge=1)) -> dict:
    """Greet someone, recording a step and an artifact."""
    with run.step("greet"):
        run.log.info("hello {}", who)
        out = run.artifact_path("greeting.txt")
        out.write_text(f"hello {who}\n" * times)
        run.add_artifact(out, kind="text")
    return {"greeted": who, "times": times}


class TotalParams(BaseModel):
    amount: int
    label: str = "x"


@recipe
def total(run: Run, params: TotalParams) -> dict:
    """Takes one pydantic model."""
    return {"amount": params.amount, "label": params.label}


@recipe
def broken(run: Run) -> None:
    """Always fails with a system error."""
    with run.step("explode"):
        raise KeyError("no such column")


@recipe(retry=RetryPolicy(attempts=4, initial=timedelta(seconds=1), multiplier=2))
def flaky(run: Run) -> None:
    """System error every time: retried per its policy."""
    CALLS["flaky"] = CALLS.get("flaky", 0) + 1
    raise ConnectionError("portal down")


@recipe(retry=RetryPolicy(attempts=4, initial=timedelta(seconds=1)))
def bad_data(run: Run) -> None:
    """Business error: never retried."""
    CALLS["bad_data"] = CALLS.get("bad_data", 0) + 1
    raise BusinessError("seller approved own sale", reason="four_eyes")


@recipe
def leaky(run: Run) -> None:
    """Logs a secret and raises with it: nothing may reach the disk."""
    password = get_settings().portal.password.get_secret_value()
    token = "tok-" + "9f8e7d6c5b4a"
    run.register_secret(token)
    run.log.info("logging in with password {} and token {}", password, token)
    run.log.bind(credentials={"password": password}).warning("extra field carries it")
    with run.step("login"):
        raise RuntimeError(f"login failed for password={password} token={token}")


@recipe
def sleepy(run: Run, *, seconds: float = 60) -> None:
    """Logs then sleeps, for kill tests."""
    for i in range(int(seconds * 10)):
        run.log.info("tick {}", i)
        time.sleep(0.1)


@recipe(timeout=timedelta(seconds=1))
def hangs(run: Run) -> None:
    """Exceeds its time limit."""
    time.sleep(30)


@recipe
def half_broken(run: Run, *, bad: int = 2, odd: int = 1) -> dict:
    """Works 5 items: `bad` end in system exception (portal down, one attempt), `odd` in
    business exception (bad data), the rest done; the run itself succeeds."""
    from bots import ApplicationError

    queue = run.queue("half").with_options(retry=RetryPolicy(attempts=1))
    queue.put_many([(f"K-{n}", {"n": n}) for n in range(5)])
    for item in queue.claim_iter():
        with item:
            n = item.payload["n"]
            if n < bad:
                raise ApplicationError("portal down")
            if n < bad + odd:
                raise BusinessError("amount missing", reason="bad_data")
    return {"worked": 5}


@recipe
def url_leaky(run: Run, *, target: str = "https://clerk:PW-in-url-77@portal.example/x?token=TK-in-url-88") -> None:
    """Logs and fails with URLs that hold credentials nobody registered as secrets."""
    run.log.info("connecting to {}", target)
    run.summary["endpoint"] = target
    with run.step("connect"):
        raise ConnectionError(f"cannot reach {target} (postgres://app:DB-pw-99@db.example/x)")


class _Halves:
    """Even items are done, odd ones already found done by the check."""

    def check(self, item) -> dict | None:
        return {"found": True} if item.payload["n"] % 2 else None

    def work(self, item) -> None:
        item.output = {"worked": item.payload["n"]}


@recipe
def works_a_queue(run: Run, *, items: int = 6) -> dict:
    """Works `items` items through run.work, half of them settled by the check."""
    queue = run.queue("halves")
    queue.put_many([(f"H-{n}", {"n": n}) for n in range(items)])
    report = run.work(queue, _Halves())
    return {"done": report.done}
