"""*Find tilbud*: the search page, its form and reads, and the open data."""
