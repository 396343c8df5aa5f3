"""Billing rules shared by the statement, the debt page, the receipts and the demo."""
