"""A small, realistic Partner Center daily rated usage file for the demo season.

`billing_demo_file(season)` returns the bytes of a CSV with the 55 columns of the new-commerce
reconciliation file: usage of the approved partners' reported end customers (the subscription named
on a `new_customer` claim from the month of the claim, the service group of an `svc_*` claim),
customers with usage before the season (existing customers), a few customers of every partner that
were never reported, and rows of resellers outside the league (skipped by the import). Values are
deterministic for a season, so seeding twice gives the same file (and the import says "already
imported").

`COLUMNS`, `METERS` and `usage_row` are shared with bench/import_billing.py.
"""

import calendar
import csv
import io
import random
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

COLUMNS = (
    "PartnerId",
    "PartnerName",
    "CustomerId",
    "CustomerName",
    "CustomerDomainName",
    "CustomerCountry",
    "MpnId",
    "Tier2MpnId",
    "InvoiceNumber",
    "ProductId",
    "SkuId",
    "AvailabilityId",
    "SkuName",
    "ProductName",
    "PublisherName",
    "PublisherId",
    "SubscriptionDescription",
    "SubscriptionId",
    "ChargeStartDate",
    "ChargeEndDate",
    "UsageDate",
    "MeterType",
    "MeterCategory",
    "MeterId",
    "MeterSubCategory",
    "MeterName",
    "MeterRegion",
    "Unit",
    "ResourceLocation",
    "ConsumedService",
    "ResourceGroup",
    "ResourceURI",
    "ChargeType",
    "UnitPrice",
    "Quantity",
    "UnitType",
    "BillingPreTaxTotal",
    "BillingCurrency",
    "PricingPreTaxTotal",
    "PricingCurrency",
    "ServiceInfo1",
    "ServiceInfo2",
    "Tags",
    "AdditionalInfo",
    "EffectiveUnitPrice",
    "PCToBCExchangeRate",
    "PCToBCExchangeRateDate",
    "EntitlementId",
    "EntitlementDescription",
    "PartnerEarnedCreditPercentage",
    "CreditPercentage",
    "CreditType",
    "BenefitOrderID",
    "BenefitID",
    "BenefitType",
)
assert len(COLUMNS) == 55

DISTRIBUTOR_TENANT = "3b0f5b8e-6a7d-4c1e-9f2a-5d8c7e6b4a21"
DISTRIBUTOR_NAME = "Ingram Micro Distribution GmbH"
DISTRIBUTOR_MPN = "5161234"
USD_PER_EUR = Decimal("1.0842")
NAMESPACE = uuid.UUID("6f1c2a9e-1b7d-4e55-8a0c-3f2d9b7e5c10")


@dataclass(frozen=True)
class Meter:
    category: str
    subcategory: str
    name: str
    unit: str
    service: str
    resource_type: str
    price_eur: Decimal  # per unit
    daily_units: tuple[int, int]  # a typical day's quantity, low and high

    @property
    def meter_id(self) -> str:
        return str(uuid.uuid5(NAMESPACE, f"{self.category}/{self.subcategory}/{self.name}"))


METERS = (
    Meter(
        "Virtual Machines",
        "Dsv5 Series",
        "D4s v5",
        "1 Hour",
        "Microsoft.Compute",
        "virtualMachines",
        Decimal("0.2116"),
        (8, 48),
    ),
    Meter(
        "Virtual Machines",
        "Dsv5 Series Windows",
        "D2s v5",
        "1 Hour",
        "Microsoft.Compute",
        "virtualMachines",
        Decimal("0.1936"),
        (8, 72),
    ),
    Meter(
        "Storage",
        "Premium SSD Managed Disks",
        "P10 LRS Disk",
        "1/Month",
        "Microsoft.Compute",
        "disks",
        Decimal("19.7120"),
        (1, 3),
    ),
    Meter(
        "Storage",
        "General Block Blob v2",
        "Hot LRS Data Stored",
        "1 GB/Month",
        "Microsoft.Storage",
        "storageAccounts",
        Decimal("0.0192"),
        (40, 900),
    ),
    Meter(
        "Bandwidth",
        "Rtn Preference: MGN",
        "Standard Data Transfer Out",
        "1 GB",
        "Microsoft.Network",
        "publicIPAddresses",
        Decimal("0.0801"),
        (1, 60),
    ),
    Meter(
        "Virtual Network",
        "IP Addresses",
        "Standard IPv4 Static Public IP",
        "1 Hour",
        "Microsoft.Network",
        "publicIPAddresses",
        Decimal("0.0046"),
        (24, 48),
    ),
    Meter(
        "Azure App Service",
        "Premium v3 Plan",
        "P1 v3 App",
        "1 Hour",
        "Microsoft.Web",
        "serverfarms",
        Decimal("0.1872"),
        (24, 48),
    ),
    Meter(
        "Log Analytics",
        "Analytics Logs",
        "Analytics Logs Data Ingestion",
        "1 GB",
        "Microsoft.OperationalInsights",
        "workspaces",
        Decimal("2.5380"),
        (1, 12),
    ),
    Meter(
        "Backup",
        "Backup",
        "Protected Instances",
        "1/Month",
        "Microsoft.RecoveryServices",
        "vaults",
        Decimal("9.2220"),
        (1, 4),
    ),
    # security
    Meter(
        "Microsoft Defender for Cloud",
        "Standard",
        "Standard Node",
        "1 Hour",
        "Microsoft.Security",
        "pricings",
        Decimal("0.0185"),
        (24, 240),
    ),
    Meter(
        "Sentinel",
        "Analysis",
        "Pay-as-you-go Analysis",
        "1 GB",
        "Microsoft.OperationalInsights",
        "workspaces",
        Decimal("4.4940"),
        (1, 8),
    ),
    Meter(
        "Key Vault",
        "Standard",
        "Operations",
        "10K",
        "Microsoft.KeyVault",
        "vaults",
        Decimal("0.0277"),
        (1, 40),
    ),
    # databases
    Meter(
        "SQL Database",
        "General Purpose - Compute Gen5",
        "vCore",
        "1 Hour",
        "Microsoft.Sql",
        "servers",
        Decimal("0.1658"),
        (48, 96),
    ),
    Meter(
        "Azure Cosmos DB",
        "Azure Cosmos DB",
        "100 RU/s",
        "1 Hour",
        "Microsoft.DocumentDB",
        "databaseAccounts",
        Decimal("0.0074"),
        (96, 480),
    ),
    Meter(
        "Azure Database for PostgreSQL",
        "Flexible Server General Purpose Dsv4 Series Compute",
        "vCore",
        "1 Hour",
        "Microsoft.DBforPostgreSQL",
        "flexibleServers",
        Decimal("0.0937"),
        (48, 96),
    ),
    # analytics_ai
    Meter(
        "Cognitive Services",
        "Azure OpenAI",
        "gpt-4o-0513-Inp-glbl Tokens",
        "1K",
        "Microsoft.CognitiveServices",
        "accounts",
        Decimal("0.0046"),
        (200, 9000),
    ),
    Meter(
        "Azure Data Factory v2",
        "Azure Data Factory v2",
        "Cloud Orchestration Activity Run",
        "1K",
        "Microsoft.DataFactory",
        "factories",
        Decimal("0.9250"),
        (1, 6),
    ),
    Meter(
        "Azure Databricks",
        "Premium",
        "Premium All-purpose Compute DBU",
        "1 Hour",
        "Microsoft.Databricks",
        "workspaces",
        Decimal("0.5086"),
        (8, 64),
    ),
    # avd
    Meter(
        "Azure Virtual Desktop",
        "User Access",
        "Apps User Access",
        "1 User/Month",
        "Microsoft.DesktopVirtualization",
        "hostpools",
        Decimal("0.1867"),
        (5, 40),
    ),
)
BASE_METERS = METERS[:9]
GROUP_METERS = {
    "security": METERS[9:12],
    "databases": METERS[12:15],
    "analytics_ai": METERS[15:18],
    "avd": METERS[18:19],
}
REGIONS = ("germanywestcentral", "westeurope", "northeurope")


def _money(amount: Decimal, places: str = "0.000001") -> str:
    return str(amount.quantize(Decimal(places), rounding=ROUND_HALF_UP))


def usage_row(
    *,
    reseller_id: str,
    customer_id: str,
    customer_name: str,
    customer_domain: str,
    subscription_id: str,
    entitlement_id: str,
    meter: Meter,
    day: date,
    quantity: Decimal,
    invoice: str,
    region: str = "germanywestcentral",
    us_dates: bool = False,
) -> list[str]:
    """One line of the file: a customer's use of one meter on one day, in EUR and USD."""
    total = meter.price_eur * quantity
    first = day.replace(day=1)
    last = day.replace(day=calendar.monthrange(day.year, day.month)[1])
    fmt = (lambda d: f"{d.month}/{d.day}/{d.year}") if us_dates else date.isoformat
    group = f"rg-{customer_domain.split('.')[0][:20]}-prod"
    uri = (
        f"/subscriptions/{entitlement_id}/resourceGroups/{group}/providers/"
        f"{meter.service}/{meter.resource_type}/{meter.resource_type[:6]}-{customer_id[:8]}"
    )
    return [
        DISTRIBUTOR_TENANT,
        DISTRIBUTOR_NAME,
        customer_id,
        customer_name,
        customer_domain,
        "DE",
        DISTRIBUTOR_MPN,
        reseller_id,
        invoice,
        "DZH318Z0BQ3Q",
        "0001",
        "DZH318Z0BQ3Z",
        "Azure plan",
        "Azure plan",
        "Microsoft",
        "",
        "Azure plan",
        subscription_id,
        fmt(first),
        fmt(last),
        fmt(day),
        meter.name,
        meter.category,
        meter.meter_id,
        meter.subcategory,
        meter.name,
        "DE West Central" if region == "germanywestcentral" else "EU West",
        meter.unit,
        region,
        meter.service,
        group,
        uri,
        "new",
        _money(meter.price_eur),
        str(quantity),
        meter.unit.split(" ", 1)[-1],
        _money(total, "0.00000001"),
        "EUR",
        _money(total * USD_PER_EUR, "0.00000001"),
        "USD",
        "",
        "",
        '{"environment":"prod","costCenter":"IT"}',
        '{"ServiceType":"Standard"}',
        _money(meter.price_eur),
        "0.922339",
        fmt(first),
        entitlement_id,
        "Azure subscription 1",
        "0",
        "0",
        "",
        "",
        "",
        "",
    ]


def _months(start: date, end: date) -> list[date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def billing_demo_file(season, *, today: date | None = None) -> bytes:
    """The demo season's usage from the month before it started to the last full month."""
    from challenges.catalogue import spec_of
    from challenges.models import Claim
    from partners.models import EndCustomer, Partner

    today = today or date.today()
    first_month = (season.start_date.replace(day=1) - timedelta(days=1)).replace(day=1)
    last_day = min(today.replace(day=1) - timedelta(days=1), season.end_date)
    if last_day < first_month:
        last_day = first_month.replace(day=28)
    months = _months(first_month, last_day)
    rng = random.Random(f"demo-billing-{season.slug}")

    # (reseller, customer tenant, name, domain, entitlement, meters, first day of usage)
    plans: list[tuple[str, str, str, str, str, tuple[Meter, ...], date]] = []
    in_season = [m for m in months if m >= season.start_date.replace(day=1)] or months
    partners = Partner.objects.filter(season=season).exclude(status="rejected")
    for partner in partners.order_by("partner_id"):
        claims = Claim.objects.filter(partner=partner).select_related("challenge", "customer")
        reported = {}
        for claim in claims:
            customer = claim.customer
            if customer is None:
                continue
            plan = reported.setdefault(
                customer.tenant_id, {"customer": customer, "start": None, "sub": "", "groups": []}
            )
            code = claim.challenge.code
            group = getattr(spec_of(code), "service_group", "")
            if code == "new_customer":
                plan["sub"] = claim.subscription_id or plan["sub"]
                plan["start"] = claim.activity_date
            elif group:
                plan["groups"].append((group, claim.activity_date))
        for plan in reported.values():
            customer = plan["customer"]
            entitlement = plan["sub"] or str(uuid.uuid5(NAMESPACE, f"sub/{customer.tenant_id}"))
            start = plan["start"] or first_month  # no new_customer claim: an existing customer
            plans.append(
                (
                    partner.partner_id,
                    customer.tenant_id,
                    customer.name,
                    customer.domain or "example.com",
                    entitlement,
                    BASE_METERS[:2],
                    start,
                )
            )
            for group, since in plan["groups"]:
                since = max(since, start)  # a new customer's workloads start with it
                meters = GROUP_METERS.get(group, ())[:1]
                plans.append(
                    (
                        partner.partner_id,
                        customer.tenant_id,
                        customer.name,
                        customer.domain or "example.com",
                        entitlement,
                        meters,
                        since,
                    )
                )
        # Customers the partner never reported: usage since before the season.
        known = set(EndCustomer.objects.filter(partner=partner).values_list("tenant_id", flat=True))
        for n in range(2):
            tenant = str(uuid.uuid5(NAMESPACE, f"{partner.partner_id}/customer/{n}"))
            if tenant in known:
                continue
            name = rng.choice(("Bäckerei", "Autohaus", "Kanzlei", "Praxis", "Logistik"))
            city = rng.choice(("Nord", "Süd", "West", "Ost", "Mitte"))
            domain = f"{name.lower().replace('ä', 'ae')}-{city.lower()}-{n}.de"
            meters = (rng.choice(BASE_METERS), rng.choice(BASE_METERS + METERS[9:18]))
            start = first_month if n == 0 else rng.choice(in_season)
            plans.append(
                (
                    partner.partner_id,
                    tenant,
                    f"{name} {city} GmbH",
                    domain,
                    str(uuid.uuid5(NAMESPACE, f"sub/{tenant}")),
                    meters,
                    start,
                )
            )
    # Resellers outside the league: skipped by the import, counted in its report.
    for reseller in ("6012345", ""):
        tenant = str(uuid.uuid5(NAMESPACE, f"outside/{reseller}"))
        plans.append(
            (
                reseller,
                tenant,
                "Außenstehend GmbH",
                "aussen.de",
                str(uuid.uuid5(NAMESPACE, f"sub/{tenant}")),
                BASE_METERS[:1],
                first_month,
            )
        )

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for month in months:
        invoice = f"G{month:%y%m}{rng.randrange(10**6):06d}"
        days = calendar.monthrange(month.year, month.month)[1]
        # Every third day keeps the demo file small (a real file has every day).
        for day_number in range(1, days + 1, 3):
            day = month.replace(day=day_number)
            if day > last_day:
                break
            for reseller, tenant, name, domain, entitlement, meters, start in plans:
                if day < start:
                    continue
                for meter in meters:
                    low, high = meter.daily_units
                    quantity = Decimal(rng.randint(low * 100, high * 100)) / 100
                    writer.writerow(
                        usage_row(
                            reseller_id=reseller,
                            customer_id=tenant,
                            customer_name=name,
                            customer_domain=domain,
                            subscription_id=str(uuid.uuid5(NAMESPACE, f"billing/{entitlement}")),
                            entitlement_id=entitlement,
                            meter=meter,
                            day=day,
                            quantity=quantity,
                            invoice=invoice,
                        )
                    )
    return out.getvalue().encode("utf-8")
