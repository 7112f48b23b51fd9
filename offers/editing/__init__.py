"""What a provider's editors change about their offers (tariffs: offers.tariffs)."""
