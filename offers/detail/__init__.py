"""The offer page every member reads, its photos and documents, and following an offer."""
