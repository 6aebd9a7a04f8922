"""Every change of claims, points, academy seats, redemptions and exclusions goes through the
functions of these modules, one a sub-domain:

- `claims`: submit, approve (one or in bulk), reject, ask, answer, withdraw, revoke;
- `ledger`: booking points and the first-customer bonus (under the caller's lock);
- `academy`: academy dates, seats, attendance and the `academy` points;
- `redemptions`: training redemptions;
- `exclusions`: excluded end customers;
- `disqualification`: a disqualified partner's points.

The reads they share are in `challenges.selectors`.
"""
