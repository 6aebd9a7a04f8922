"""Who an end customer is, in one place: its Azure tenant ID and its domain, normalised the same
way wherever they come from (a form, `import_claims`, a billing file, a staff exclusion), and which
staff exclusion covers it (SPEC 3: "Staff can exclude an end customer or a group of them").

Claims refuse excluded customers, the credit computation gives them no credit, the dashboard
leaves them out of the suggestions and the staff pages list them: all through `Exclusions`.
"""

from collections.abc import Iterable


def normalise_tenant(value: str) -> str:
    """An Azure tenant or subscription ID as stored: trimmed, lower case, without braces
    (`{AB12…}` from the Azure portal and `ab12…` from a billing file are the same tenant)."""
    return (value or "").strip().strip("{}").strip().lower()


def normalise_domain(value: str) -> str:
    """A domain as stored: lower case, without scheme, path, `www.` or the trailing dot."""
    value = (value or "").strip().lower()
    for prefix in ("https://", "http://"):
        if value.startswith(prefix):
            value = value[len(prefix) :]
    value = value.split("/", 1)[0]
    return value.removeprefix("www.").rstrip(".")


def domain_covers(excluded: str, domain: str) -> bool:
    """An excluded domain covers itself and its subdomains (`example.com` covers
    `shop.example.com`, not `myexample.com`)."""
    return bool(excluded and domain) and (domain == excluded or domain.endswith("." + excluded))


class Exclusions:
    """A season's exclusions, read once, asked for many end customers."""

    def __init__(self, exclusions: Iterable):
        self._tenants: dict[str, object] = {}
        self._domains: list[tuple[str, object]] = []
        for exclusion in exclusions:
            if exclusion.kind == "tenant":
                self._tenants.setdefault(normalise_tenant(exclusion.value), exclusion)
            else:
                self._domains.append((normalise_domain(exclusion.value), exclusion))

    @classmethod
    def of_season(cls, season_id: int) -> "Exclusions":
        from .models import CustomerExclusion

        return cls(CustomerExclusion.objects.filter(season_id=season_id).order_by("pk"))

    def covering(self, tenant_id: str, domain: str = ""):
        """The exclusion that covers the end customer (by tenant first), or None."""
        found = self._tenants.get(normalise_tenant(tenant_id))
        if found is not None:
            return found
        domain = normalise_domain(domain)
        return next((e for value, e in self._domains if domain_covers(value, domain)), None)

    def reason(self, tenant_id: str, domain: str = "") -> str:
        """Why the end customer is excluded ("" when it is not): what the credit rules record."""
        exclusion = self.covering(tenant_id, domain)
        return "" if exclusion is None else (exclusion.reason or "excluded")
