"""The invoice-adjustments recipe: charges and credits applied exactly once, four eyes.

`recipe` holds the recipe itself; the other modules are its parts (request file,
policy, rules, portal application, ledger workbook, outputs, summary).
"""

from __future__ import annotations

from recipes.invoice_adjustments.recipe import AdjustmentParams, invoice_adjustments

__all__ = ["AdjustmentParams", "invoice_adjustments"]
