"""The challenge catalogue of the terms (SPEC section 3), used to seed a fresh database.

Pure data: the migration that creates season 2024/25 and `seed_demo` both read it, so the catalogue
is written down once.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class ChallengeSpec:
    code: str
    title_de: str
    title_en: str
    points: int
    kind: str  # one_time | automatic | recurring | service
    counted_at_most: str  # per_partner | per_customer
    description_de: str
    description_en: str
    service_group: str = ""


CATALOGUE: tuple[ChallengeSpec, ...] = (
    ChallengeSpec(
        "academy",
        "Teilnahme des Partners an der Azure Sales Academy live",
        "Partner attends the Azure Sales Academy live",
        30,
        "one_time",
        "per_partner",
        "Einmal pro Partner und Saison, wenn Ingram Micro die Teilnahme erfasst hat.",
        "Once per partner and season, when Ingram Micro has recorded the attendance.",
    ),
    ChallengeSpec(
        "first_customer_bonus",
        "Bonus erster neuer Endkunde",
        "Bonus for the first new end customer",
        200,
        "automatic",
        "per_partner",
        "Automatisch, ohne Meldung, sobald der erste neue Endkunde bestätigt ist.",
        "Granted automatically, without a claim, once the first new end customer is approved.",
    ),
    ChallengeSpec(
        "sql_lead",
        "Nennung eines interessierten neuen Endkunden (Sales Qualified Lead)",
        "Interested new end customer (Sales Qualified Lead)",
        20,
        "recurring",
        "per_customer",
        "Einmal pro Endkunde; alle vier BANT-Kriterien (Budget, Authority, Need, Time) müssen "
        "bestätigt sein.",
        "Once per end customer; all four BANT criteria (Budget, Authority, Need, Time) must be "
        "confirmed.",
    ),
    ChallengeSpec(
        "sales_meeting",
        "Virtueller Termin mit dem Sales-Team von Ingram Micro",
        "Virtual meeting with the Ingram Micro sales team",
        50,
        "recurring",
        "per_customer",
        "Ein Termin pro Endkunde wird angerechnet.",
        "One meeting per end customer counts.",
    ),
    ChallengeSpec(
        "presales_sizing",
        'Virtueller Termin "Sizing and Pricing" mit dem Pre-Sales-Team',
        'Virtual "Sizing and Pricing" meeting with the pre-sales team',
        100,
        "recurring",
        "per_customer",
        "Ein Termin pro Endkunde wird angerechnet.",
        "One meeting per end customer counts.",
    ),
    ChallengeSpec(
        "new_customer",
        "Neuer Endkunde mit aktiver Subscription im Azure Portal",
        "New end customer with an active subscription in the Azure portal",
        200,
        "recurring",
        "per_customer",
        "Einmal pro Endkunde; der Endkunde muss neu in Azure sein (kein Verbrauch vor der Saison).",
        "Once per end customer; the end customer must be new to Azure (no consumption before the "
        "season).",
    ),
    ChallengeSpec(
        "svc_security",
        "Azure Services der Azure Services Group Security",
        "Azure services of the Security services group",
        200,
        "service",
        "per_customer",
        "Einmal pro Endkunde, neu oder Bestandskunde.",
        "Once per end customer, new or existing.",
        "security",
    ),
    ChallengeSpec(
        "svc_analytics_ai",
        "Azure Services der Azure Services Group Analytics & AI",
        "Azure services of the Analytics & AI services group",
        200,
        "service",
        "per_customer",
        "Einmal pro Endkunde, neu oder Bestandskunde.",
        "Once per end customer, new or existing.",
        "analytics_ai",
    ),
    ChallengeSpec(
        "svc_databases",
        "Azure Services der Azure Services Group Databases",
        "Azure services of the Databases services group",
        200,
        "service",
        "per_customer",
        "Einmal pro Endkunde, neu oder Bestandskunde.",
        "Once per end customer, new or existing.",
        "databases",
    ),
    ChallengeSpec(
        "svc_avd",
        "Nutzung eines Azure Virtual Desktop",
        "Use of an Azure Virtual Desktop",
        200,
        "service",
        "per_customer",
        "Einmal pro Endkunde; bringt Punkte, keine Gutschrift.",
        "Once per end customer; earns points, no credit.",
        "avd",
    ),
)
