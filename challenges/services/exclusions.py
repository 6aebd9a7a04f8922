"""Exclusions of end customers (terms 1): staff exclude a tenant ID or a domain with its
subdomains; `partners.identity.Exclusions` answers which one covers a customer."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.errors import DomainError
from partners import identity
from partners.models import CustomerExclusion, User


def exclusion_create(
    *, season, kind: str, value: str, reason: str, actor: User | None
) -> CustomerExclusion:
    """Exclude an end customer (tenant ID) or a group of them (a domain and its subdomains).

    From now on their claims are refused at submission and at approval (`Exclusions`); claims
    approved before stay until staff revoke them, so points never vanish without a reason.
    """
    if kind not in CustomerExclusion.Kind.values:
        raise DomainError(_("Please choose whether to exclude a tenant ID or a domain."))
    if kind == CustomerExclusion.Kind.TENANT:
        value = identity.normalise_tenant(value)
    else:
        value = identity.normalise_domain(value)
    if not value:
        raise DomainError(_("Please give the tenant ID or the domain to exclude."))
    if not reason.strip():
        raise DomainError(_("Please give a reason for the exclusion."))
    try:
        with transaction.atomic():
            return CustomerExclusion.objects.create(
                season=season, kind=kind, value=value, reason=reason.strip(), created_by=actor
            )
    except IntegrityError as exc:
        raise DomainError(_("%(value)s is excluded already.") % {"value": value}) from exc
