"""Helpers of the credits tests, by the module they feed: the billing import, the computation,
the credit notes."""
