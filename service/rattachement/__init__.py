"""Temps 2 rattachement (DOMAIN.md §6): the decisions of a département's operators, stored in
schema ``offre``, taken from workbook 2 (a job of kind ``rattachement``) or one by one on screen.

Nothing here ever writes into schema ``siao``: the legacy system keeps running untouched until
Temps 3. The proposals come from the pure matching engine of service/bascule.
"""
