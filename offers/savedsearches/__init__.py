"""*Gemte søgninger*: a person's searches kept under a name, on their own page and on "Mit
overblik", with a notice (and an e-mail) when a new offer matches one."""
