"""The portal's API under /api/v1/ (django-ninja): the partnership's open data, public and
read-only, with an OpenAPI 3 schema generated from the code (api/v1.py). It sits above the
apps and reads through their selectors and FilterSet; nothing below imports it."""
