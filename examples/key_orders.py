"""key_orders: key approved orders from any workbook into the Intranet de Pedidos."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from bots import Queue, RetryPolicy, Run, recipe
from connectors.portal import key_records
from connectors.sheets import read_rows, write_exceptions

HERE = Path(__file__).resolve().parent
ORDERS = Queue("intranet_orders", lease=timedelta(seconds=60), retry=RetryPolicy(attempts=3))


class Order(BaseModel):
    ref: str = Field(pattern=r"^[A-Z0-9][A-Z0-9-]{2,19}$")
    customer: str = Field(min_length=2, max_length=60)
    day: date
    amount: Decimal = Field(gt=0, le=100_000, decimal_places=2)
    kind: Literal["standard", "express"]


@recipe(queue=ORDERS)
def key_orders(run: Run, *, workbook: Path | None = None, contexts: int = 2) -> dict:
    """Key approved orders from a workbook into the intranet, exactly once."""
    if workbook is not None:
        rows = read_rows(workbook, Order, columns=HERE / "key_orders.columns.toml", key="ref")
        run.queue().put_many((v.value.ref, v.value.model_dump(mode="json")) for v in rows.valid)
        run.reject(rows.problems, source=str(workbook))
        if rows.problems:
            run.add_artifact(write_exceptions(rows, run.artifact_path("exceptions.xlsx")))
    report = key_records(run, portal_map=HERE / "key_orders.toml", form="order", contexts=contexts)
    return {"keyed_per_second": report.per_second}
