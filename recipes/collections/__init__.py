"""Collections: dunning runs over unpaid invoices, authorisations, charges, suspensions."""

from recipes.collections.recipe import collections

__all__ = ["collections"]
