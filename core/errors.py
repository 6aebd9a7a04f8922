class DomainError(Exception):
    """A broken business rule, with a message a person can read (shown as a form error)."""
