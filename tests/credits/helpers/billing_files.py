"""Partner Center usage files made by hand, and their import run synchronously as the task
would run it."""

import uuid

from credits.billing_import.run import billing_import_run
from credits.billing_import.upload import billing_import_create
from credits.models import BilledMonth, BillingImport, UsageRow

HEADER = (
    "PartnerId",
    "Tier2MpnId",
    "CustomerId",
    "CustomerName",
    "EntitlementId",
    "SubscriptionId",
    "MeterCategory",
    "UsageDate",
    "BillingPreTaxTotal",
    "BillingCurrency",
    "PricingPreTaxTotal",
    "PricingCurrency",
)
CUSTOMER_A = "0f8fad5b-d9cb-469f-a165-70867728950e"
CUSTOMER_B = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
SUB_A = "d3b07384-d9a0-4c9b-8f3e-2c1e5f6a7b8c"
SUB_B = "a1b2c3d4-e5f6-4789-abcd-ef0123456789"


def line(
    tier2,
    *,
    customer=CUSTOMER_A,
    name="Bäckerei Nord GmbH",
    entitlement=SUB_A,
    category="SQL Database",
    day="2024-10-15",
    amount="10.50",
    currency="EUR",
    usd="11.34",
    usd_currency="USD",
):
    return {
        "PartnerId": "3b0f5b8e-6a7d-4c1e-9f2a-5d8c7e6b4a21",
        "Tier2MpnId": tier2,
        "CustomerId": customer,
        "CustomerName": name,
        "EntitlementId": entitlement,
        "SubscriptionId": str(uuid.uuid5(uuid.NAMESPACE_OID, entitlement)),
        "MeterCategory": category,
        "UsageDate": day,
        "BillingPreTaxTotal": amount,
        "BillingCurrency": currency,
        "PricingPreTaxTotal": usd,
        "PricingCurrency": usd_currency,
    }


def csv_text(rows, *, header=HEADER, delimiter=",", newline="\r\n") -> str:
    def quote(value: str) -> str:
        if delimiter in value or '"' in value or "\n" in value:
            return '"' + value.replace('"', '""') + '"'
        return value

    lines = [delimiter.join(quote(h) for h in header)]
    for row in rows:
        lines.append(delimiter.join(quote(row.get(h, "")) for h in header))
    return newline.join(lines) + newline


def import_bytes(season, tmp_path, content, *, name="usage.csv") -> BillingImport:
    """Record the file and run its import synchronously, as the task would."""
    path = tmp_path / f"{uuid.uuid4().hex}-{name}"
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    billing_import = billing_import_create(season=season, path=path, enqueue=False)
    return billing_import_run(import_id=billing_import.pk, compute=False)


def stored(season):
    """Everything an import may change, to compare before and after."""
    return (
        sorted(
            UsageRow.objects.filter(season=season).values_list(
                "partner__partner_id",
                "month",
                "usage_date",
                "customer_tenant_id",
                "entitlement_id",
                "meter_category",
                "billing_total",
                "billing_import_id",
            )
        ),
        sorted(BilledMonth.objects.filter(season=season).values_list("month", "billing_import_id")),
    )
