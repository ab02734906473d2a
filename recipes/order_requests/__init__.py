"""The order-requests recipe: cancellations, returns, address changes, dispatch slots and
carrier incidents applied through the portal's order program exactly once.

`recipe` holds the recipe; the other modules are its parts (the request and its sheet
columns, the rule table, the order screens, the customer's mail, the workbooks).
"""

from __future__ import annotations

from recipes.order_requests.recipe import OrderRequestParams, order_requests

__all__ = ["OrderRequestParams", "order_requests"]
