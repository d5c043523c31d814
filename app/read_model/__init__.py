"""The read model: frozen views of an order and what hangs off it (shop, buyer, lines, parcels,
refunds, survey answer) and of a scheduled message, the one shape in which the presenter
(app/presenters.py), the send-time re-check (app/domain/followups/send_checks.py) and the mail
renderer (app/mail/render.py) read them.

- views.py: the dataclasses;
- from_orm.py: a view of mapped objects already loaded (what a writer holds, and the tests);
- loads.py: the loads by id, one joined Core SELECT on an autocommitted connection (the shop's
  view kept per facts version), and the mapped order for a writer;
- app/domain/orders/sample_orders.py builds them for the admin previews, in memory.
"""
