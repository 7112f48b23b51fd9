"""*Tilbud jeg følger*: the offers a person follows, on their own page and on "Mit overblik",
with the current tariff and vacancy; stop following, and choose whether a new tariff also
comes by e-mail. Following an offer is on the offer page (offers.detail)."""
