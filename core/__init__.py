"""The bottom layer: what every app needs and that needs no app — the one domain error, money and
number formats, CSV helpers for files people open in Excel, the staff-page guard. Imports nothing
of the portal's apps (import-linter's layered contract, `make lint`)."""
