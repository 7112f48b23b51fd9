"""KL's standard contracts as the portal holds them: every member reads a template version
and its clauses; the secretariat drafts, compares and publishes new versions."""
