"""Banks of hidden objectives with known, verified minima (knows nothing of grading)."""

from harness.bank.store import Bank, BankEntry, LocalMinimum, StartSpec, load_bank

__all__ = ["Bank", "BankEntry", "LocalMinimum", "StartSpec", "load_bank"]
