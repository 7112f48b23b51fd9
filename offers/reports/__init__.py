"""Tariff and capacity reports (issue 6): what goes in them, and their PDF and XLSX files.

Takstoversigt — the tariff catalogue for a year. Published offers with a published main
tariff for the year (latest version), filtered by paragraph, target group, the
municipality the offer lies in, ownership form, provider or branch organisation.

  Placement: each offer appears ONCE, so that counts and sums in the PDF and the XLSX are
  honest. It is placed under its first paragraph and first target group in the reference
  data's order; when the report is filtered by paragraph or target group, under the first
  one that matches the filter. Its other paragraphs and target groups are listed with it
  ("Også: …").

Takstudvikling — per paragraph and year, the median and quartiles of the monthly-normalised
main tariff, against the path the PL rates allow from the first year's median. Here an offer
with several paragraphs counts under each of them: the statistics describe the price level
of each kind of service. "Rose above" means the offer's own monthly price rose more from the
first to the last year of the span than the PL rates of the years in between allow.

Kapacitetsoverblik — places and vacancies of published offers per paragraph × target group
(placed once, as in the takstoversigt, so the totals are the sum of the latest vacancy
reports), with the trend of vacancies at each of the last 12 month ends.

Here: filters.py (which offers and years a report covers), overview.py, development.py and
capacity.py (each builds plain data and renders it), library.py (the report library and the
scheduled takstoversigter), charts.py (their SVG charts); the job kinds registered in jobs.py
and the views in views.py call them."""
