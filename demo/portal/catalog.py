"""The closed lists the portal accepts. Values are what a form posts; labels what it shows."""

from __future__ import annotations

PRODUCTS: dict[str, str] = {
    "FIB-300": "Fibre 300 Mb",
    "FIB-600": "Fibre 600 Mb",
    "FIB-1G": "Fibre 1 Gb",
    "MOB-10": "Mobile 10 GB",
    "MOB-UNL": "Mobile unlimited",
    "TV-BASIC": "TV basic pack",
}
CURRENCIES: dict[str, str] = {"EUR": "EUR - Euro", "USD": "USD - US dollar",
                              "GBP": "GBP - Pound sterling"}
PAYMENT_METHODS: dict[str, str] = {"card": "Card", "transfer": "Bank transfer", "cash": "Cash"}
CHANNELS: dict[str, str] = {"phone": "Phone", "web": "Web", "store": "Store"}
REASON_CODES: dict[str, str] = {
    "BILLING_ERROR": "Billing error",
    "GOODWILL": "Goodwill gesture",
    "LATE_FEE": "Late payment fee",
    "SERVICE_CHANGE": "Service change",
    "PRICE_CORRECTION": "Price correction",
}
ADJUSTMENT_KINDS: dict[str, str] = {"charge": "Charge (CG)", "credit": "Credit note (NC)"}
