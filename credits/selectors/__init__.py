"""Reads of the credits app, by job (no writes here: those are in the services, `computation`,
`notes`, `billing_import`, `services`):

- `usage`: the set-based usage aggregates (raw SQL) that feed the pure rules;
- `claims` and `season`: the approved credit claims and the season as the pure rules take them;
- `pages`: the credit lines, caps and credit notes the partner and staff pages show;
- `explanations`: a verdict or a credit line explained in sentences;
- `history`: an end customer's eligibility history, month by month;
- `billing`: the billing imports, the billed months and the unclassified meter categories.
"""
