"""The secretariat's reference data: paragraphs, target groups, declaration questions, PL rates."""
