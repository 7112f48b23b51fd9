from django.dispatch import Signal

# Sent by seed_demo after the partnership's own demo data is in place, so that the other
# apps add theirs without partnership importing them. Receivers get `organisations`.
demo_seeded = Signal()
