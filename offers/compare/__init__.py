"""Comparing up to four offers side by side, and its XLSX export."""
