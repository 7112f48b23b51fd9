"""Tariffs: drafts, publishing, corrections, and the secretariat's *Takster over PL*."""
