"""The report « capacité financée vs occupation » of switched départements (DOMAIN.md §6): per
open dispositif, then per type, catégorie, département and for the whole scope."""
