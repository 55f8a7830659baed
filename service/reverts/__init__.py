"""The ``retour_arriere`` job kind: the revert of an applied job, whatever its kind."""
