"""The tariff import from CSV or XLSX: all rows or none."""
